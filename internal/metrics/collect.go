// Package metrics snapshots the catalog and the storage under its tables —
// sizes, files, small files, times, counts — a day at a time, and reads the
// snapshots' history back into reports: totals over time, growth and its
// projection, the least used tables, small-file offenders. It never writes:
// the command saves a snapshot's rows through the commit protocol.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/format"
	"github.com/lakectl/lakectl/internal/progress"
	"github.com/lakectl/lakectl/internal/storage"
)

// DefaultSmallFile is the size under which a data file counts as small:
// 32 MiB, a quarter of the 128 MiB that Athena and Spark read best.
const DefaultSmallFile = 32 << 20

// Options say what Collect snapshots, and how.
type Options struct {
	// Databases are the databases to snapshot; none: every database.
	Databases []string
	// SmallFile is the size under which a data file is small
	// (DefaultSmallFile when zero).
	SmallFile int64
	// Workers list tables' storage at once (16 when zero).
	Workers int
	// Now is the snapshot's time.
	Now time.Time
	// Store opens the store a location names.
	Store func(ctx context.Context, uri string) (storage.Store, error)
	// Progress is told of the tables and files listed (nil: nobody).
	Progress progress.Reporter
	// Redact hides secrets in the text of errors kept in the snapshot
	// (listing_error); nil keeps them as they are.
	Redact func(string) string
}

// Table is one table's metrics on the day of a snapshot.
type Table struct {
	Database       string    `json:"database"`
	Table          string    `json:"table"`
	Owner          string    `json:"owner,omitempty"`
	Description    string    `json:"description,omitempty"`
	CreateTime     time.Time `json:"createTime,omitzero"`
	UpdateTime     time.Time `json:"updateTime,omitzero"`
	LastAccessTime time.Time `json:"lastAccessTime,omitzero"`
	TableType      string    `json:"tableType,omitempty"`
	Retention      int       `json:"retention"`
	CreatedBy      string    `json:"createdBy,omitempty"`
	LakeFormation  bool      `json:"lakeFormation"`
	Location       string    `json:"location,omitempty"`
	Classification string    `json:"classification,omitempty"`
	Compression    string    `json:"compression,omitempty"`
	Columns        int       `json:"columns"`
	PartitionKeys  int       `json:"partitionKeys"`
	Partitions     int64     `json:"partitions"`
	// RecordCount is the catalog's recordCount (-1: unknown), estimated
	// from a sample when RecordCountEstimated.
	RecordCount          int64 `json:"recordCount"`
	RecordCountEstimated bool  `json:"recordCountEstimated"`
	// Versions is the table's version number: how many versions it has
	// had.
	Versions int64 `json:"versions"`
	// From listing the table's locations (its own and its partitions'):
	// its data files, as readers see them (hidden names left out).
	Bytes          int64     `json:"bytes"`
	Files          int64     `json:"files"`
	NewestObject   time.Time `json:"newestObject,omitzero"`
	OldestObject   time.Time `json:"oldestObject,omitzero"`
	SmallFiles     int64     `json:"smallFiles"`
	SmallFileBytes int64     `json:"smallFileBytes"`
	// OtherBytes and OtherFiles are the objects under the locations that
	// are not data: _SUCCESS markers, lakectl's journals, staging.
	OtherBytes int64 `json:"otherBytes"`
	OtherFiles int64 `json:"otherFiles"`
	// LastCrawlRun is the crawl run that last wrote the table, Crawler
	// the crawler, and Deprecated the run that found its files gone.
	LastCrawlRun string `json:"lastCrawlRun,omitempty"`
	Crawler      string `json:"crawler,omitempty"`
	Deprecated   string `json:"deprecated,omitempty"`
	// Error says why the table's storage could not be listed ("" when it
	// was): its sizes are then zero, not a measure.
	Error string `json:"error,omitempty"`

	// listed are the locations listed for the table, with the data each
	// held: a database's totals count storage two tables share once.
	listed []listed
}

// listed is a location listed, with its data files' count, bytes and
// small files.
type listed struct {
	location                 string
	files, bytes, smallFiles int64
}

// SmallFileShare is the share of the table's data files that are small.
func (t *Table) SmallFileShare() float64 {
	if t.Files == 0 {
		return 0
	}
	return float64(t.SmallFiles) / float64(t.Files)
}

// Database is one database's metrics on the day of a snapshot.
type Database struct {
	Database    string    `json:"database"`
	CreateTime  time.Time `json:"createTime,omitzero"`
	Description string    `json:"description,omitempty"`
	Location    string    `json:"location,omitempty"`
	Tables      int64     `json:"tables"`
	Bytes       int64     `json:"bytes"`
	Files       int64     `json:"files"`
	SmallFiles  int64     `json:"smallFiles"`
	// Records sums the tables' known record counts.
	Records int64 `json:"records"`
}

// Snapshot is the catalog's metrics at one time.
type Snapshot struct {
	Time      time.Time  `json:"time"`
	Databases []Database `json:"databases"`
	Tables    []Table    `json:"tables"`
	// Requests counts the requests sent to the catalog and the stores,
	// by operation, where they count them (Glue, S3).
	Requests map[string]int `json:"requests,omitempty"`

	// The rows of the day kept from an earlier snapshot (Keep).
	keptTables    []TableRow
	keptDatabases []DatabaseRow
}

// requestCounter is a catalog or store that counts its requests.
type requestCounter interface{ Requests() map[string]int }

// Collect snapshots the catalog: each table of the databases asked for,
// with its storage listed (in parallel; a table's locations once each,
// partitions outside its location as well), and each database's totals.
// A table whose storage cannot be listed is kept with its Error; the
// snapshot goes on.
func Collect(ctx context.Context, cat catalog.Catalog, opts Options) (*Snapshot, error) {
	if opts.SmallFile <= 0 {
		opts.SmallFile = DefaultSmallFile
	}
	if opts.Workers <= 0 {
		opts.Workers = 16
	}
	p := progress.Or(opts.Progress)
	snap := &Snapshot{Time: opts.Now.UTC()}
	dbs, err := databases(ctx, cat, opts.Databases)
	if err != nil {
		return nil, err
	}
	var tables []*catalog.Table
	p.Stage("catalog")
	for _, db := range dbs {
		for t, err := range cat.ListTables(ctx, db.Name) {
			if err != nil {
				return nil, fmt.Errorf("database %s: %w", db.Name, err)
			}
			tables = append(tables, t)
		}
	}
	p.Stage("list")
	p.Expect(progress.Counts{Rows: int64(len(tables))})
	st := &stores{open: opts.Store, byRoot: map[string]storage.Store{}}
	out := make([]Table, len(tables))
	work := make(chan int)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	errs := make([]error, opts.Workers)
	for w := range opts.Workers {
		wg.Go(func() {
			for i := range work {
				if errs[w] != nil || ctx.Err() != nil {
					continue
				}
				out[i], errs[w] = measure(ctx, cat, st, tables[i], opts)
				if errs[w] != nil {
					cancel(errs[w]) // the others stop: the snapshot has failed
				}
				p.Add(progress.Counts{Rows: 1, Files: out[i].Files + out[i].OtherFiles, Bytes: out[i].Bytes + out[i].OtherBytes})
			}
		})
	}
	for i := range tables {
		work <- i
	}
	close(work)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	snap.Tables = out
	byDB := map[string]*Database{}
	for _, db := range dbs {
		d := Database{Database: db.Name, CreateTime: db.CreateTime.UTC(), Description: db.Description, Location: db.LocationURI}
		snap.Databases = append(snap.Databases, d)
	}
	for i := range snap.Databases {
		byDB[snap.Databases[i].Database] = &snap.Databases[i]
	}
	// A database's storage: each location its tables list once, and none
	// under another (two tables over one folder, or one inside another's,
	// are one folder's data).
	byLoc := map[string]map[string]listed{}
	for _, t := range snap.Tables {
		d := byDB[t.Database]
		d.Tables++
		if t.RecordCount > 0 {
			d.Records += t.RecordCount
		}
		if byLoc[t.Database] == nil {
			byLoc[t.Database] = map[string]listed{}
		}
		for _, l := range t.listed {
			byLoc[t.Database][l.location] = l
		}
	}
	for db, locs := range byLoc {
		d := byDB[db]
		for _, loc := range outermost(slices.Collect(maps.Keys(locs))) {
			l := locs[loc]
			d.Bytes += l.bytes
			d.Files += l.files
			d.SmallFiles += l.smallFiles
		}
	}
	snap.Requests = map[string]int{}
	for _, c := range append([]any{cat}, st.all()...) {
		if rc, ok := c.(requestCounter); ok {
			for op, n := range rc.Requests() {
				snap.Requests[op] += n
			}
		}
	}
	return snap, nil
}

// databases are the databases asked for, each of which must exist, or
// every database; in order of name.
func databases(ctx context.Context, cat catalog.Catalog, names []string) ([]*catalog.Database, error) {
	var dbs []*catalog.Database
	if len(names) == 0 {
		for db, err := range cat.ListDatabases(ctx) {
			if err != nil {
				return nil, err
			}
			dbs = append(dbs, db)
		}
	}
	for _, name := range slices.Compact(slices.Sorted(slices.Values(names))) {
		db, err := cat.GetDatabase(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("database %s: %w", name, err)
		}
		dbs = append(dbs, db)
	}
	slices.SortFunc(dbs, func(a, b *catalog.Database) int { return strings.Compare(a.Name, b.Name) })
	return dbs, nil
}

// measure is one table's metrics: from the catalog, its partitions
// (listed once), and its storage.
func measure(ctx context.Context, cat catalog.Catalog, st *stores, t *catalog.Table, opts Options) (Table, error) {
	m := Table{
		Database: t.DatabaseName, Table: t.Name, Owner: t.Owner, Description: t.Description,
		CreateTime: t.CreateTime.UTC(), UpdateTime: t.UpdateTime.UTC(), LastAccessTime: t.LastAccessTime.UTC(),
		TableType: t.TableType, Retention: t.Retention, CreatedBy: t.CreatedBy,
		LakeFormation: t.IsRegisteredWithLakeFormation, Location: t.StorageDescriptor.Location,
		Classification: t.Parameters[catalog.ParamClassification], Compression: t.Parameters[catalog.ParamCompressionType],
		Columns: len(t.StorageDescriptor.Columns), PartitionKeys: len(t.PartitionKeys),
		RecordCount: -1, RecordCountEstimated: t.Parameters[catalog.ParamRecordCountEstimated] == "true",
		Versions: t.VersionID, LastCrawlRun: t.Parameters[catalog.ParamCrawlRunID],
		Crawler: t.Parameters[catalog.ParamUpdatedByCrawler], Deprecated: t.Parameters[catalog.ParamDeprecatedByCrawler],
	}
	if n, err := strconv.ParseInt(t.Parameters[catalog.ParamRecordCount], 10, 64); err == nil && n >= 0 {
		m.RecordCount = n
	}
	for _, tm := range []*time.Time{&m.CreateTime, &m.UpdateTime, &m.LastAccessTime} {
		if tm.Equal(time.Unix(0, 0)) || tm.Year() <= 1 {
			*tm = time.Time{}
		}
	}
	if t.TableType == catalog.VirtualView {
		return m, nil // a view has no storage of its own
	}
	var errs []string
	redact := opts.Redact
	if redact == nil {
		redact = func(s string) string { return s }
	}
	locations := []string{}
	if loc := t.StorageDescriptor.Location; loc != "" {
		locations = append(locations, loc)
	}
	if len(t.PartitionKeys) > 0 {
		for p, err := range cat.ListPartitions(ctx, t.DatabaseName, t.Name, nil) {
			if err != nil {
				if ctx.Err() != nil {
					return m, ctx.Err()
				}
				// Measured as far as it can be: its own location, and
				// why its partitions are not counted.
				errs = append(errs, redact("partitions: "+err.Error()))
				m.Partitions = 0
				break
			}
			m.Partitions++
			if loc := p.StorageDescriptor.Location; loc != "" {
				locations = append(locations, loc)
			}
		}
	}
	for _, loc := range outermost(locations) {
		before := listed{files: m.Files, bytes: m.Bytes, smallFiles: m.SmallFiles}
		if err := st.list(ctx, loc, func(o *storage.Object, key string) {
			if format.Hidden(key) {
				m.OtherFiles++
				m.OtherBytes += o.Size
				return
			}
			m.Files++
			m.Bytes += o.Size
			if o.Size < opts.SmallFile {
				m.SmallFiles++
				m.SmallFileBytes += o.Size
			}
			mt := o.ModTime.UTC()
			if m.NewestObject.IsZero() || mt.After(m.NewestObject) {
				m.NewestObject = mt
			}
			if m.OldestObject.IsZero() || mt.Before(m.OldestObject) {
				m.OldestObject = mt
			}
		}); err != nil {
			if ctx.Err() != nil {
				return m, ctx.Err()
			}
			errs = append(errs, redact(err.Error()))
		}
		m.listed = append(m.listed, listed{loc, m.Files - before.files, m.Bytes - before.bytes, m.SmallFiles - before.smallFiles})
	}
	m.Error = strings.Join(errs, "; ")
	return m, nil
}

// outermost are the locations no other location holds, each once: a
// partition under its table's location is listed with the table.
func outermost(locs []string) []string {
	dirs := make([]string, 0, len(locs))
	for _, l := range locs {
		dirs = append(dirs, strings.TrimSuffix(l, "/")+"/")
	}
	slices.Sort(dirs)
	var out []string
	for _, d := range dirs {
		if len(out) > 0 && strings.HasPrefix(d, out[len(out)-1]) {
			continue // the same location, or one under the last kept
		}
		out = append(out, d)
	}
	return out
}

// stores opens a store per bucket (S3) or per location (local disk), once,
// for all workers.
type stores struct {
	open   func(ctx context.Context, uri string) (storage.Store, error)
	mu     sync.Mutex
	byRoot map[string]storage.Store
}

// list yields the objects under a location (a folder URI ending in /),
// each with its key under the location. A location that is not storage
// lakectl lists (a JDBC table, a stream, an s3a:// URI, a relative path)
// is an error, never an empty folder.
func (s *stores) list(ctx context.Context, loc string, each func(o *storage.Object, key string)) error {
	root, prefix := loc, ""
	switch {
	case strings.HasPrefix(loc, "s3://"):
		bucket, key, _ := strings.Cut(strings.TrimPrefix(loc, "s3://"), "/")
		root, prefix = "s3://"+bucket, key
	case strings.HasPrefix(loc, "file:///"), strings.HasPrefix(loc, "/"):
	default:
		return fmt.Errorf("location %s: not storage lakectl lists (s3://, file:// or an absolute path)", loc)
	}
	s.mu.Lock()
	st, ok := s.byRoot[root]
	if !ok {
		var err error
		if st, err = s.open(ctx, root); err != nil {
			s.mu.Unlock()
			return err
		}
		s.byRoot[root] = st
	}
	s.mu.Unlock()
	for o, err := range st.List(ctx, prefix) {
		if errors.Is(err, fs.ErrNotExist) {
			return nil // a location not made yet holds nothing
		}
		if err != nil {
			return err
		}
		each(o, strings.TrimPrefix(o.Key, prefix))
	}
	return nil
}

func (s *stores) all() []any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []any
	for _, k := range slices.Sorted(maps.Keys(s.byRoot)) {
		out = append(out, s.byRoot[k])
	}
	return out
}
