package crawl

import "time"

// Report says what a crawl did (or, with DryRun, would do) and why. Its
// JSON shape is stable; see docs/crawl.md.
type Report struct {
	RunID    string    `json:"runId"`
	Crawler  string    `json:"crawler"`
	Database string    `json:"database"`
	DryRun   bool      `json:"dryRun"`
	Targets  []string  `json:"targets"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`

	Files     FileSummary   `json:"files"`
	Tables    []TableReport `json:"tables"`
	Skipped   []Skipped     `json:"skipped"`
	Decisions []Decision    `json:"decisions"`
	// ThresholdExceeded: the crawl would have created more tables than
	// allowed, so it wrote nothing.
	ThresholdExceeded bool `json:"thresholdExceeded,omitempty"`
}

// FileSummary counts files and bytes. Each listed file is counted once
// more, by what became of it: Listed = Read + Unchanged + NotSampled +
// Skipped.
type FileSummary struct {
	Listed int `json:"listed"`
	// Read: files sampled into a table. Unchanged: files of known folders
	// not read again (--recrawl new-folders): in their tables, or skipped,
	// as before.
	// NotSampled: files beyond --sample-files, in their folders' tables.
	// Skipped: files in no table, each with its reason in Report.Skipped
	// (some were read to find the reason).
	Read       int `json:"read"`
	Unchanged  int `json:"unchanged"`
	NotSampled int `json:"notSampled"`
	Skipped    int `json:"skipped"`
	// BytesRead: every byte fetched, the skipped files' included.
	BytesRead  int64 `json:"bytesRead"`
	BytesTotal int64 `json:"bytesTotal"`
}

// Table actions.
const (
	ActionCreated    = "created"
	ActionUpdated    = "updated"
	ActionUnchanged  = "unchanged"
	ActionLogged     = "logged" // a change found but not applied (log behaviour)
	ActionDeprecated = "deprecated"
	ActionDeleted    = "deleted"
)

// Table actions of a crawl that wrote nothing (--dry-run, or over the
// table threshold): what it would have done.
const (
	ActionWouldCreate    = "would create"
	ActionWouldUpdate    = "would update"
	ActionWouldDeprecate = "would deprecate"
	ActionWouldDelete    = "would delete"
)

// wouldBe: the actions a crawl that writes nothing reports instead.
var wouldBe = map[string]string{
	ActionCreated:    ActionWouldCreate,
	ActionUpdated:    ActionWouldUpdate,
	ActionDeprecated: ActionWouldDeprecate,
	ActionDeleted:    ActionWouldDelete,
}

// nothingWritten makes the report of a crawl that wrote nothing say what
// it would have done rather than what it did.
func (r *Report) nothingWritten() {
	for i, t := range r.Tables {
		if a, ok := wouldBe[t.Action]; ok {
			r.Tables[i].Action = a
		}
	}
}

// TableReport is what happened to one table.
type TableReport struct {
	Name     string `json:"name"`
	Location string `json:"location"`
	Action   string `json:"action"`
	// Changes lists the differences found (columns added, retyped, ...).
	Changes []string `json:"changes,omitempty"`
	// Warnings say what the table holds that a query engine reads
	// otherwise than the data says: a column typed string for its SerDe's
	// sake, files Athena cannot read as they are.
	Warnings         []string `json:"warnings,omitempty"`
	Format           string   `json:"format,omitempty"`
	Columns          int      `json:"columns"`
	PartitionKeys    []string `json:"partitionKeys,omitempty"`
	Files            int      `json:"files"`
	Records          int64    `json:"records"`
	RecordsEstimated bool     `json:"recordsEstimated"`

	PartitionsAdded   int `json:"partitionsAdded"`
	PartitionsUpdated int `json:"partitionsUpdated"`
	PartitionsRemoved int `json:"partitionsRemoved"`
	// PartitionsDeprecated/Logged: gone partitions kept, per the delete
	// behaviour.
	PartitionsDeprecated int `json:"partitionsDeprecated"`
	PartitionsLogged     int `json:"partitionsLogged"`
}

// Skipped is a file that belongs to no table, and why.
type Skipped struct {
	File   string `json:"file"`
	Reason string `json:"reason"`
}

// Decision outcomes.
const (
	Grouped  = "grouped"  // sibling folders became partitions of one table
	Separate = "separate" // sibling folders became separate tables
)

// Decision records how sibling folders were grouped, and why.
type Decision struct {
	Folder   string   `json:"folder"`
	Children []string `json:"children"`
	Outcome  string   `json:"outcome"`
	// Similarity is the share of files whose schema is compatible with the
	// majority schema (Glue groups above 0.7).
	Similarity float64 `json:"similarity"`
	Schemas    int     `json:"schemas"`
	Reason     string  `json:"reason"`
}
