// Package crawl does what an AWS Glue crawler does, locally: it lists data
// files under one or more locations, classifies them and infers their
// schemas, groups folders into tables with partitions, and keeps the
// catalog in step, reporting why it decided what it decided.
//
// The rules follow the Glue crawler where users rely on them (see
// docs/crawl.md for where lakectl deliberately goes further).
package crawl

import (
	"slices"
	"strconv"
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/commit"
	"github.com/lakectl/lakectl/internal/format"
	"github.com/lakectl/lakectl/internal/progress"
	"github.com/lakectl/lakectl/internal/storage"
)

// Re-crawl policies.
const (
	RecrawlEverything = "everything"
	RecrawlNewFolders = "new-folders"
)

// Update behaviours: what a crawl does to an existing table whose schema
// changed.
const (
	UpdateInDatabase = "update"            // add, retype and drop columns
	MergeNewColumns  = "merge-new-columns" // only add new columns
	UpdateLog        = "log"               // change nothing, report
)

// Delete behaviours: what a crawl does to tables and partitions whose files
// are gone.
const (
	DeleteDeprecate   = "deprecate" // mark with DEPRECATED_BY_CRAWLER
	DeleteFromCatalog = "delete"
	DeleteLog         = "log"
)

// The choices of Recrawl, UpdateBehavior and DeleteBehavior, for flags and
// messages.
var (
	RecrawlPolicies = []string{RecrawlEverything, RecrawlNewFolders}
	UpdateBehaviors = []string{UpdateInDatabase, MergeNewColumns, UpdateLog}
	DeleteBehaviors = []string{DeleteDeprecate, DeleteFromCatalog, DeleteLog}
)

// Target is one location to crawl: its URI and the store rooted there.
type Target struct {
	URI   string
	Store storage.Store
	// Table names the table the target's own folder becomes, when it
	// becomes one (TableLevel 1, or a folder of one schema); "" names it
	// after the folder, as Glue does.
	Table string
}

// Options configure a crawl.
type Options struct {
	Database    string
	TablePrefix string
	// Include and Exclude are Glue globs relative to each target
	// (*, **, ?, [a-z], [!a-c], {a,b}). With Include set, only matching
	// files are crawled.
	Include, Exclude []string
	// TableLevel forces tables to be formed at this folder depth, counting
	// the target itself as level 1; 0 decides by schema similarity.
	TableLevel int
	// CombineSchemas groups sibling folders of the same format into one
	// table whatever their schemas (Glue's "single schema for each path").
	CombineSchemas bool
	// TableThreshold fails the crawl, writing nothing, when it would create
	// more tables than this; 0 means no limit.
	TableThreshold int
	// SampleFiles reads only the first N files of each folder; 0 reads all.
	SampleFiles    int
	Recrawl        string
	UpdateBehavior string
	DeleteBehavior string
	Format         format.Options
	// Name is the crawler's name, kept in UPDATED_BY_CRAWLER.
	Name   string
	DryRun bool
	// Concurrency is how many files are read at once.
	Concurrency int
	Now         func() time.Time
	RunID       string
	// Progress is told of the files listed (stage "list": files and their
	// bytes) and read (stage "read": files, and the bytes fetched to
	// classify them); nil when nobody watches.
	Progress progress.Reporter
	// Failpoint is called at each named step of the catalog writes
	// (crawl.created: a table created, its partitions not yet;
	// crawl.applied: a table's change written); nil in normal runs.
	Failpoint commit.Failpoint
}

// Check fills defaults and validates the options; errors wrap
// catalog.ErrInvalid.
func (o *Options) Check() error {
	var err error
	if o.Database, err = catalog.NormalizeName("database", o.Database); err != nil {
		return err
	}
	if o.TablePrefix != "" && catalog.SanitizeName(o.TablePrefix) != o.TablePrefix {
		return catalog.Invalidf("table prefix %q: lowercase letters, digits and _ only", o.TablePrefix)
	}
	if o.Recrawl == "" {
		o.Recrawl = RecrawlEverything
	}
	if o.UpdateBehavior == "" {
		o.UpdateBehavior = UpdateInDatabase
	}
	if o.DeleteBehavior == "" {
		o.DeleteBehavior = DeleteDeprecate
	}
	choices := []struct {
		option, value string
		allowed       []string
	}{
		{"Recrawl", o.Recrawl, RecrawlPolicies},
		{"UpdateBehavior", o.UpdateBehavior, UpdateBehaviors},
		{"DeleteBehavior", o.DeleteBehavior, DeleteBehaviors},
		{"Format.Header", o.Format.Header, format.Headers},
	}
	for _, c := range choices {
		if !slices.Contains(c.allowed, c.value) {
			return catalog.OptionErrorf(c.option, strconv.Quote(c.value), "want %s", catalog.OneOf(c.allowed...))
		}
	}
	for _, c := range []struct {
		option string
		n      int
	}{{"TableLevel", o.TableLevel}, {"TableThreshold", o.TableThreshold}, {"SampleFiles", o.SampleFiles}} {
		if c.n < 0 {
			return catalog.OptionErrorf(c.option, strconv.Itoa(c.n), "cannot be negative")
		}
	}
	for _, c := range []struct {
		option string
		globs  []string
	}{{"Include", o.Include}, {"Exclude", o.Exclude}} {
		for _, g := range c.globs {
			if _, err := newGlob(g); err != nil {
				return catalog.OptionErrorf(c.option, strconv.Quote(g), "%v", err)
			}
		}
	}
	if o.Name == "" {
		o.Name = "lakectl"
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 16
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	o.Progress = progress.Or(o.Progress)
	if o.RunID == "" {
		o.RunID = commit.NewRunID(o.Now())
	}
	return nil
}
