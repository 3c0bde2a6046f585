package commit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/format"
	"github.com/lakectl/lakectl/internal/storage"
)

// Kinds of finding of a table check.
const (
	FindUnfinished   = "unfinished-commit" // a journal a killed writer left
	FindStaleStaging = "stale-staging"     // staged files of a dead run
	FindMissing      = "missing-location"  // a catalog location with no files
	FindUnreadable   = "unreadable-file"   // a data file that cannot be read
	FindStatistics   = "statistics"        // recordCount, objectCount or sizeKey disagree with the files
	FindOrphan       = "orphan"            // a data file under the table's root in no location of the catalog
)

// CheckOptions configure a table check.
type CheckOptions struct {
	// Repair fixes what is safe to fix: finishes an unfinished commit,
	// removes dead runs' staging and sets statistics to what the files
	// hold. It takes the table root's lease.
	Repair    bool
	RunID     string
	Waiting   func(holder string)
	Failpoint Failpoint
}

// Finding is one thing a table check found.
type Finding struct {
	Kind     string `json:"kind"`
	Location string `json:"location"`
	Detail   string `json:"detail"`
	Repaired bool   `json:"repaired"`
}

// CheckReport is what a table check found.
type CheckReport struct {
	Table     string `json:"table"`
	Root      string `json:"root"`
	Locations int    `json:"locations"`
	Files     int    `json:"files"`
	Bytes     int64  `json:"bytes"`
	// Rows is counted from the Parquet footers; -1 for text tables.
	Rows     int64     `json:"rows"`
	Findings []Finding `json:"findings"`
	// Busy names the writer at work on the table while it was checked (its
	// staging and commit are its own, not problems).
	Busy string `json:"busy,omitempty"`
}

// Unrepaired counts the findings left as they are.
func (r *CheckReport) Unrepaired() int {
	n := 0
	for _, f := range r.Findings {
		if !f.Repaired {
			n++
		}
	}
	return n
}

// TableRoot is the folder a table's data lives under: its location, less
// the run-<id>/ folder an older lakectl pointed an unpartitioned table at.
func TableRoot(t *catalog.Table) string {
	if len(t.PartitionKeys) == 0 {
		return Unrun(t.StorageDescriptor.Location)
	}
	return strings.TrimSuffix(t.StorageDescriptor.Location, "/") + "/"
}

// Unrun strips from a location (ending in /) the run-<id>/ folder an
// older lakectl wrote replaced data to: run- and a run id of lakectl's
// (20240101T120000Z, with -0123456789ab after it since run ids have
// randomness); any other folder is left as it is.
func Unrun(location string) string {
	base := strings.TrimSuffix(location, "/")
	if i := strings.LastIndex(base, "/"); i >= 0 && legacyRunFolder.MatchString(base[i+1:]) {
		return base[:i+1]
	}
	return base + "/"
}

var legacyRunFolder = regexp.MustCompile(`^run-\d{8}T\d{6}Z(-[0-9a-f]{12})?$`)

// CheckTable verifies a table, in the spirit of restic check: that every
// location of the catalog exists and its files can be read, that the
// catalog's statistics match the files (row counts of Parquet tables from
// their footers), and that nothing is left under the table's root that a
// reader would take for data without the catalog knowing it, nor any
// unfinished commit or dead run's staging.
func CheckTable(ctx context.Context, cat catalog.Catalog, openStore func(context.Context, string) (storage.Store, error), db, name string, opts CheckOptions) (*CheckReport, error) {
	t, err := cat.GetTable(ctx, db, name)
	if err != nil {
		return nil, err
	}
	rep := &CheckReport{Table: db + "." + name, Root: TableRoot(t), Findings: []Finding{}}
	root, err := openStore(ctx, rep.Root)
	if err != nil {
		return nil, err
	}
	holding, release, pending, err := checkRoot(ctx, cat, root, opts, rep)
	if err != nil {
		return nil, err
	}
	defer release()
	if pending == "" && opts.Repair {
		if t, err = cat.GetTable(ctx, db, name); err != nil { // a finished commit changed it
			return nil, err
		}
	}

	parquetTable := t.Parameters[catalog.ParamClassification] == "parquet"
	if !parquetTable {
		rep.Rows = -1
	}
	type location struct {
		part *catalog.Partition // nil: the table's own
		uri  string
	}
	var locs []location
	if len(t.PartitionKeys) > 0 {
		for p, err := range cat.ListPartitions(ctx, db, name, nil) {
			if err != nil {
				return nil, err
			}
			locs = append(locs, location{p, p.StorageDescriptor.Location})
		}
	} else {
		locs = []location{{nil, t.StorageDescriptor.Location}}
	}
	rep.Locations = len(locs)
	var covered []string // locations under the root, as keys
	for _, l := range locs {
		uri := strings.TrimSuffix(l.uri, "/") + "/"
		if rel, ok := storage.KeyOf(root, uri); ok {
			covered = append(covered, rel)
		} else if uri == rep.Root {
			covered = append(covered, "")
		}
		s, err := openStore(ctx, uri)
		if err != nil {
			return nil, err
		}
		files, bytes, rows := 0, int64(0), int64(0)
		for o, err := range s.List(ctx, "") {
			if err != nil {
				return nil, err
			}
			if format.Hidden(o.Key) || o.Size == 0 {
				continue // not data (empty files are not read by readers either)
			}
			files++
			bytes += o.Size
			n, err := readable(ctx, s, o, parquetTable)
			if err != nil {
				rep.Findings = append(rep.Findings, Finding{Kind: FindUnreadable, Location: s.URI(o.Key), Detail: err.Error()})
				continue
			}
			rows += n
		}
		rep.Files += files
		rep.Bytes += bytes
		if parquetTable {
			rep.Rows += rows
		}
		params := t.Parameters
		if l.part != nil {
			params = l.part.Parameters
		}
		if files == 0 {
			// An empty table or partition is not missing (its catalog
			// entry says it holds no file).
			if params[catalog.ParamObjectCount] != "0" {
				rep.Findings = append(rep.Findings, Finding{Kind: FindMissing, Location: uri, Detail: "no data files at this location of the catalog"})
			}
			continue
		}
		if f, ok := statistics(params, uri, files, bytes, rows, parquetTable); ok && pending == "" {
			if opts.Repair {
				if err := holding(); err != nil {
					return nil, err
				}
				if err := setStatistics(ctx, cat, t, l.part, files, bytes, rows, parquetTable); err != nil {
					return nil, err
				}
				f.Repaired = true
			}
			rep.Findings = append(rep.Findings, f)
		}
	}
	if len(t.PartitionKeys) > 0 {
		if f, ok := statistics(t.Parameters, rep.Root, rep.Files, rep.Bytes, rep.Rows, parquetTable); ok && pending == "" {
			if opts.Repair {
				if err := holding(); err != nil {
					return nil, err
				}
				if err := setStatistics(ctx, cat, t, nil, rep.Files, rep.Bytes, rep.Rows, parquetTable); err != nil {
					return nil, err
				}
				f.Repaired = true
			}
			rep.Findings = append(rep.Findings, f)
		}
	}
	// Orphans: data under the root that no location of the catalog holds.
	for o, err := range root.List(ctx, "") {
		if err != nil {
			return nil, err
		}
		if format.Hidden(o.Key) || o.Size == 0 || slices.ContainsFunc(covered, func(c string) bool {
			return strings.HasPrefix(o.Key, c) && !format.Hidden(strings.TrimPrefix(o.Key, c))
		}) {
			continue
		}
		rep.Findings = append(rep.Findings, Finding{Kind: FindOrphan, Location: root.URI(o.Key),
			Detail: "under the table's folder, in no location of the catalog: readers of the folder take it for data (remove it, or register it with crawl)"})
	}
	return rep, nil
}

// CheckFolder checks a destination folder alone — its unfinished commit
// and dead runs' staging — and under Repair finishes and removes them: for
// a commit that creates its table, which the catalog cannot name yet.
// Table is the table the folder's commit registers, if it names one.
func CheckFolder(ctx context.Context, cat catalog.Catalog, root storage.Store, opts CheckOptions) (rep *CheckReport, table string, err error) {
	rep = &CheckReport{Root: root.URI(""), Rows: -1, Findings: []Finding{}}
	if j, err := ReadJournal(ctx, root); err != nil {
		return nil, "", err
	} else if j != nil && j.Catalog != nil {
		table = j.Catalog.Database + "." + j.Catalog.Table
		if opts.Repair && cat == nil {
			return nil, table, fmt.Errorf("%s: the unfinished commit of run %s changes table %s, which needs its catalog", root.URI(""), j.Run, table)
		}
	}
	_, release, _, err := checkRoot(ctx, cat, root, opts, rep)
	if err != nil {
		return nil, table, err
	}
	release()
	return rep, table, nil
}

// checkRoot checks (and under Repair, holding the root's lease, fixes) a
// table root's unfinished commit and dead runs' staging. It returns the
// lease check to call before each further change, the lease's release,
// and the run of a commit left pending (not finished now): its staging
// and the statistics it would set are then not problems of their own.
func checkRoot(ctx context.Context, cat catalog.Catalog, root storage.Store, opts CheckOptions, rep *CheckReport) (holding func() error, release func(), pending string, err error) {
	holding, release = func() error { return nil }, func() {}
	if opts.Repair {
		lease, err := Take(ctx, root, opts.RunID, opts.Waiting)
		if err != nil {
			return nil, nil, "", err
		}
		if lease != nil {
			release = func() { lease.Release(context.WithoutCancel(ctx)) }
			holding = func() error { return lease.Check(ctx) }
		}
	} else {
		rep.Busy = Holder(ctx, root)
	}
	fail := func(err error) (func() error, func(), string, error) {
		release()
		return nil, nil, "", err
	}
	if j, err := ReadJournal(ctx, root); err != nil {
		return fail(err)
	} else if j != nil && rep.Busy != "" {
		pending = j.Run // a live writer's commit, under way: not a problem
	} else if j != nil {
		f := Finding{Kind: FindUnfinished, Location: root.URI(JournalKey),
			Detail: fmt.Sprintf("the commit of %s run %s (%d files to place, %d to remove) stopped before its end", j.Command, j.Run, len(j.Move), len(j.Remove))}
		pending = j.Run
		if opts.Repair {
			if err := holding(); err != nil {
				return fail(err)
			}
			if _, err := Recover(ctx, root, cat, opts.Failpoint); err != nil {
				return fail(err)
			}
			f.Repaired, pending = true, ""
		}
		rep.Findings = append(rep.Findings, f)
	}
	if opts.Repair {
		if err := holding(); err != nil {
			return fail(err)
		}
	}
	if err := checkStaging(ctx, root, opts, pending, rep); err != nil {
		return fail(err)
	}
	return holding, release, pending, nil
}

// checkStaging reports (and under Repair removes) what dead runs staged.
// Holding the lease, every other run's staging is a dead run's: a live
// writer would hold the lease.
func checkStaging(ctx context.Context, root storage.Store, opts CheckOptions, pending string, rep *CheckReport) error {
	runs := map[string]int{}
	for o, err := range root.List(ctx, StagingDir+"/") {
		if err != nil {
			return err
		}
		run, _, _ := strings.Cut(strings.TrimPrefix(o.Key, StagingDir+"/"), "/")
		runs[strings.TrimSuffix(run, heartbeatSuffix)]++
	}
	var removed []string
	live := ""
	if opts.Repair {
		var err error
		if removed, err = SweepStaging(ctx, root, opts.RunID, time.Now(), 0); err != nil {
			return err
		}
	} else {
		live = Holder(ctx, root) // a writer at work: its staging is not stale
	}
	for _, run := range slices.Sorted(maps.Keys(runs)) {
		if run == opts.RunID || run == pending || live != "" && strings.HasPrefix(live, "run "+run+" ") {
			continue
		}
		rep.Findings = append(rep.Findings, Finding{Kind: FindStaleStaging, Location: root.URI(StagingDir + "/" + run + "/"),
			Detail: fmt.Sprintf("%d staged objects of run %s, which is not committing (none is visible to readers)", runs[run], run), Repaired: slices.Contains(removed, run)})
	}
	return nil
}

// readable opens a data file: a Parquet file's footer (its row count), or
// the first bytes of any other.
func readable(ctx context.Context, s storage.Store, o *storage.Object, isParquet bool) (int64, error) {
	if !isParquet {
		rc, err := s.Get(ctx, o.Key)
		if err != nil {
			return 0, err
		}
		defer rc.Close()
		_, err = io.CopyN(io.Discard, rc, min(o.Size, 512))
		return 0, err
	}
	f, err := parquet.OpenFile(storage.ReaderAt(ctx, s, o.Key), o.Size, parquet.SkipBloomFilters(true), parquet.SkipPageIndex(true))
	if err != nil {
		return 0, fmt.Errorf("not a readable Parquet file: %w", err)
	}
	return f.NumRows(), nil
}

// statistics compares a location's catalog statistics with its files.
func statistics(params map[string]string, uri string, files int, bytes, rows int64, isParquet bool) (Finding, bool) {
	var diffs []string
	if v, ok := params[catalog.ParamObjectCount]; ok && v != strconv.Itoa(files) {
		diffs = append(diffs, fmt.Sprintf("objectCount %s, files %d", v, files))
	}
	if v, ok := params[catalog.ParamSizeKey]; ok && v != strconv.FormatInt(bytes, 10) {
		diffs = append(diffs, fmt.Sprintf("sizeKey %s, bytes %d", v, bytes))
	}
	if v, ok := params[catalog.ParamRecordCount]; ok && isParquet && v != strconv.FormatInt(rows, 10) {
		diffs = append(diffs, fmt.Sprintf("recordCount %s, rows %d", v, rows))
	}
	if len(diffs) == 0 {
		return Finding{}, false
	}
	return Finding{Kind: FindStatistics, Location: uri, Detail: "the catalog says " + strings.Join(diffs, "; ")}, true
}

// setStatistics sets a location's statistics to what its files hold.
func setStatistics(ctx context.Context, cat catalog.Catalog, t *catalog.Table, p *catalog.Partition, files int, bytes, rows int64, isParquet bool) error {
	set := func(params map[string]string) {
		params[catalog.ParamObjectCount] = strconv.Itoa(files)
		params[catalog.ParamSizeKey] = strconv.FormatInt(bytes, 10)
		if isParquet {
			params[catalog.ParamRecordCount] = strconv.FormatInt(rows, 10)
		}
	}
	if p != nil {
		np := *p
		np.Parameters = maps.Clone(p.Parameters)
		set(np.Parameters)
		return cat.UpdatePartition(ctx, np)
	}
	_, err := catalog.UpdateTableFunc(ctx, cat, t.DatabaseName, t.Name, func(cur *catalog.Table) error {
		if cur.Parameters == nil {
			cur.Parameters = map[string]string{}
		}
		set(cur.Parameters)
		return nil
	})
	if errors.Is(err, catalog.ErrNotFound) {
		return fmt.Errorf("table %s.%s went away during the check", t.DatabaseName, t.Name)
	}
	return err
}
