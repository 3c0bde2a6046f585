package convert

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"
	pformat "github.com/parquet-go/parquet-go/format"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/commit"
	"github.com/lakectl/lakectl/internal/format"
	"github.com/lakectl/lakectl/internal/progress"
	"github.com/lakectl/lakectl/internal/storage"
)

// CompactOptions configure a compaction.
type CompactOptions struct {
	TargetFileSize int64
	RowGroupSize   int
	RunID          string
	DryRun         bool
	// Version and Build name the lakectl writing (Options.Version).
	Version, Build string
	// Waiting is told which writer holds the table's location while the
	// compaction waits its turn (Options.Waiting).
	Waiting func(holder string)
	// Failpoint is called at each named step (Options.Failpoint).
	Failpoint commit.Failpoint
	// Progress is told of the files, rows and bytes rewritten (stage
	// "compact"), expecting each location's as it is found, and of the
	// files each location's commit moves into place (stage "commit",
	// switched to and back for each); nil when nobody watches.
	Progress progress.Reporter
}

// CompactSummary says what a compaction did.
type CompactSummary struct {
	RunID        string              `json:"runId"`
	Table        string              `json:"table"`
	Locations    []CompactedLocation `json:"locations"`
	FilesRead    int                 `json:"filesRead"`
	FilesWritten int                 `json:"filesWritten"`
	Rows         int64               `json:"rows"`
	// Refused are locations left as they are, with the reason: their
	// files cannot be compacted together without changing a value.
	Refused []RefusedLocation `json:"refused,omitempty"`
}

// RefusedLocation is a location compaction left alone, and why.
type RefusedLocation struct {
	Location string `json:"location"`
	Reason   string `json:"reason"`
}

// refusal: a location whose files compaction must leave as they are.
type refusal struct{ reason string }

func (r *refusal) Error() string { return r.reason }

// CompactedLocation is one partition (or the table) that was compacted.
// Its files are rewritten in the same folder (From and To differ only for
// a location in a run-<id>/ folder of an older lakectl, whose files come
// back to the partition's own folder).
type CompactedLocation struct {
	// Partition names the partition as Hive names its folder
	// (year=2023/region=eu, values escaped), and Values are its values;
	// both are left out for an unpartitioned table.
	Partition   string   `json:"partition,omitempty"`
	Values      []string `json:"values,omitempty"`
	From        string   `json:"from"`
	To          string   `json:"to"`
	FilesBefore int      `json:"filesBefore"`
	FilesAfter  int      `json:"filesAfter"`
	BytesBefore int64    `json:"bytesBefore"`
	// BytesAfter is measured; in a dry run, estimated as BytesBefore.
	BytesAfter int64 `json:"bytesAfter"`
	Rows       int64 `json:"rows"`

	old    []string  // keys of the files read, under the table's root
	folder string    // key of the folder the new files go to
	files  []written // the staged new files
}

// Compact rewrites the small Parquet files of each partition of a table
// (or of the table) into files near the target size, in the same folder.
// Each location is one commit (commit.Commit): the new files are staged
// under the table's root, the old files removed, the new ones moved into
// place and the catalog's statistics updated, so the table keeps its
// layout and a reader never sees a row twice. Locations with fewer than
// two files, or none smaller than half the target, are left alone.
func Compact(ctx context.Context, cat catalog.Catalog, openStore func(context.Context, string) (storage.Store, error), db, name string, opts CompactOptions) (*CompactSummary, error) {
	if opts.TargetFileSize <= 0 {
		opts.TargetFileSize = DefaultTargetFileSize
	}
	if opts.RowGroupSize <= 0 {
		opts.RowGroupSize = DefaultRowGroupSize
	}
	opts.Progress = progress.Or(opts.Progress)
	t, err := cat.GetTable(ctx, db, name)
	if err != nil {
		return nil, err
	}
	// The table's root: its location, without the run-<id>/ folder an
	// older lakectl pointed an unpartitioned table at (commit.TableRoot).
	root, err := openStore(ctx, commit.TableRoot(t))
	if err != nil {
		return nil, err
	}
	var w *commit.Writer
	if !opts.DryRun {
		// One writer at a time: the table's root is compacted holding it,
		// an unfinished commit finished, the table read again.
		if w, err = commit.Begin(ctx, root, cat, "compact", opts.RunID, opts.Waiting, commit.DefaultStaleAfter, opts.Failpoint); err != nil {
			return nil, err
		}
		defer w.End(ctx)
		if t, err = cat.GetTable(ctx, db, name); err != nil {
			return nil, err
		}
	}
	if t.Parameters[catalog.ParamClassification] != "parquet" {
		return nil, catalog.Invalidf("table %s.%s is %q: compaction rewrites parquet tables", db, name, t.Parameters[catalog.ParamClassification])
	}
	codec := t.Parameters[catalog.ParamCompressionType]
	if _, ok := Codecs[codec]; !ok {
		codec = "snappy"
	}
	var fields []format.Field
	for _, c := range t.StorageDescriptor.Columns {
		typ, err := format.ParseHive(c.Type)
		if err != nil {
			return nil, err
		}
		fields = append(fields, format.Field{Name: c.Name, Type: typ})
	}
	sum := &CompactSummary{RunID: opts.RunID, Table: db + "." + name, Locations: []CompactedLocation{}}

	var parts []*catalog.Partition
	var keys []string
	for _, k := range t.PartitionKeys {
		keys = append(keys, k.Name)
	}
	if len(t.PartitionKeys) > 0 {
		for p, err := range cat.ListPartitions(ctx, db, name, nil) {
			if err != nil {
				return nil, err
			}
			parts = append(parts, p)
		}
	} else {
		parts = []*catalog.Partition{{StorageDescriptor: t.StorageDescriptor}}
	}
	opts.Progress.Stage("compact")
	tableFiles, _ := strconv.Atoi(t.Parameters[catalog.ParamObjectCount])
	tableBytes, _ := strconv.ParseInt(t.Parameters[catalog.ParamSizeKey], 10, 64)
	for i, p := range parts {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		staging := path.Join(commit.StagingDir, opts.RunID, strconv.Itoa(i))
		loc, err := compactLocation(ctx, root, p.StorageDescriptor.Location, staging, fields, codec, opts)
		var refused *refusal
		if errors.As(err, &refused) {
			sum.Refused = append(sum.Refused, RefusedLocation{Location: p.StorageDescriptor.Location, Reason: refused.reason})
			continue
		}
		if err != nil {
			return sum, fmt.Errorf("compact %s: %w", p.StorageDescriptor.Location, err)
		}
		if loc == nil {
			continue
		}
		loc.Partition, loc.Values = format.PartitionPath(keys, p.Values), p.Values
		sum.Locations = append(sum.Locations, *loc)
		sum.FilesRead += loc.FilesBefore
		sum.FilesWritten += loc.FilesAfter
		sum.Rows += loc.Rows
		if opts.DryRun {
			continue
		}
		tableFiles += loc.FilesAfter - loc.FilesBefore
		tableBytes += loc.BytesAfter - loc.BytesBefore
		j := &commit.Journal{Run: opts.RunID, Command: "compact", Created: time.Now().UTC(), Remove: loc.old, Staging: staging,
			Catalog: locationChange(t, p, loc, max(tableFiles, 0), max(tableBytes, 0))}
		for _, f := range loc.files {
			j.Move = append(j.Move, commit.Move{From: f.Key, To: loc.folder + f.Name})
		}
		if err := w.Check(ctx); err != nil {
			storage.RemoveFolder(context.WithoutCancel(ctx), root, staging)
			return sum, fmt.Errorf("%s: %w", root.URI(""), err) // another writer took the table: commit nothing
		}
		opts.Progress.Switch("commit")
		err = commit.Commit(ctx, root, cat, j, opts.Failpoint, opts.Progress)
		opts.Progress.Switch("compact")
		if err != nil {
			return sum, fmt.Errorf("compact %s: %w", p.StorageDescriptor.Location, err)
		}
	}
	if !opts.DryRun {
		storage.RemoveFolder(context.WithoutCancel(ctx), root, path.Join(commit.StagingDir, opts.RunID))
	}
	return sum, nil
}

// compactLocation stages the compacted files of one location, under the
// table's root (nothing when there is nothing to gain). A location outside
// the root is refused: its files could not be replaced in one commit.
func compactLocation(ctx context.Context, root storage.Store, location, staging string, fields []format.Field, codec string, opts CompactOptions) (_ *CompactedLocation, err error) {
	rootURI := root.URI("")
	rel, ok := storage.KeyOf(root, strings.TrimSuffix(location, "/")+"/")
	if !ok {
		if strings.TrimSuffix(location, "/")+"/" != rootURI {
			return nil, &refusal{fmt.Sprintf("outside the table's location %s: compaction rewrites the files under it", rootURI)}
		}
		rel = ""
	}
	var objs []*storage.Object
	small := 0
	loc := &CompactedLocation{From: location}
	for o, err := range root.List(ctx, rel) {
		if err != nil {
			return nil, err
		}
		// The location's own files: a subfolder may be another writer's
		// destination, and its files stay where they are.
		name := strings.TrimPrefix(o.Key, rel)
		if format.Hidden(o.Key) || strings.Contains(name, "/") || !strings.HasSuffix(o.Key, ".parquet") {
			continue
		}
		objs = append(objs, o)
		loc.BytesBefore += o.Size
		if o.Size < opts.TargetFileSize/2 {
			small++
		}
	}
	loc.FilesBefore = len(objs)
	if len(objs) < 2 || small == 0 {
		return nil, nil
	}
	// The files stay in the partition's folder (one an older lakectl put
	// in a run-... folder comes back to the partition's own).
	loc.folder = strings.TrimPrefix(commit.Unrun(rootURI+rel), rootURI)
	if loc.folder == "/" {
		loc.folder = ""
	}
	loc.To = root.URI(loc.folder)
	local, rows, err := checkCompactable(ctx, root, objs, fields)
	if err != nil {
		return nil, err
	}
	if opts.DryRun {
		loc.FilesAfter = int((loc.BytesBefore + opts.TargetFileSize - 1) / opts.TargetFileSize)
		loc.BytesAfter, loc.Rows = loc.BytesBefore, rows
		return loc, nil
	}
	opts.Progress.Expect(progress.Counts{Files: int64(len(objs)), Rows: rows, Bytes: loc.BytesBefore})
	ws := &writerSet{ctx: ctx, store: root, staging: staging, prefix: fmt.Sprintf("part-%s-%s", opts.RunID, path.Base(staging)),
		open: map[string]*fileWriter{},
		opts: &Options{Compression: codec, TargetFileSize: opts.TargetFileSize, RowGroupSize: opts.RowGroupSize, Version: opts.Version, Build: opts.Build}}
	schema := NewSchema(markLocal(fields, local))
	ws.schema = schema
	// What a failed compaction staged is removed (a kill leaves it to the
	// next writer's sweep).
	defer func() {
		if err != nil {
			storage.RemoveFolder(context.WithoutCancel(ctx), root, staging)
		}
	}()
	buf := make([]parquet.Row, 1024)
	for _, o := range objs {
		data, err := readObject(ctx, root, o.Key)
		if err != nil {
			ws.abort(err)
			return nil, err
		}
		f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			ws.abort(err)
			return nil, fmt.Errorf("%s: %w", root.URI(o.Key), err)
		}
		r := parquet.NewReader(f, schema.parquet)
		for {
			n, err := r.ReadRows(buf)
			if n > 0 {
				if werr := ws.write("", buf[:n]); werr != nil {
					ws.abort(werr)
					return nil, werr
				}
				loc.Rows += int64(n)
				opts.Progress.Add(progress.Counts{Rows: int64(n)})
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				ws.abort(err)
				return nil, fmt.Errorf("%s: %w", root.URI(o.Key), err)
			}
		}
		r.Close()
		loc.old = append(loc.old, o.Key)
		opts.Progress.Add(progress.Counts{Files: 1, Bytes: o.Size})
	}
	if err := ws.finishAll(); err != nil {
		ws.abort(err)
		return nil, err
	}
	if loc.Rows != rows {
		return nil, fmt.Errorf("read %d rows where the footers count %d", loc.Rows, rows)
	}
	for _, w := range ws.files {
		loc.FilesAfter++
		loc.BytesAfter += w.Bytes
	}
	loc.files = ws.files
	return loc, nil
}

func readObject(ctx context.Context, s storage.Store, key string) ([]byte, error) {
	rc, err := s.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// locationChange is the catalog change of one compacted location: its
// statistics (and its folder, for one of an older lakectl's run-<id>/
// folders), and the table's file count and size.
func locationChange(t *catalog.Table, p *catalog.Partition, loc *CompactedLocation, tableFiles int, tableBytes int64) *commit.Change {
	stats := func(params map[string]string) {
		params[catalog.ParamObjectCount] = strconv.Itoa(loc.FilesAfter)
		params[catalog.ParamSizeKey] = strconv.FormatInt(loc.BytesAfter, 10)
		params[catalog.ParamRecordCount] = strconv.FormatInt(loc.Rows, 10)
	}
	ch := &commit.Change{Database: t.DatabaseName, Table: t.Name, Parameters: map[string]string{}}
	if len(t.PartitionKeys) == 0 {
		ch.Location = loc.To
		stats(ch.Parameters)
		return ch
	}
	ch.Parameters[catalog.ParamObjectCount] = strconv.Itoa(tableFiles)
	ch.Parameters[catalog.ParamSizeKey] = strconv.FormatInt(tableBytes, 10)
	np := *p
	np.StorageDescriptor.Location = loc.To
	np.Parameters = maps.Clone(p.Parameters)
	if np.Parameters == nil {
		np.Parameters = map[string]string{}
	}
	stats(np.Parameters)
	ch.Partitions = []catalog.Partition{np}
	return ch
}

// checkCompactable reads the footers of a location's files and says why
// they cannot be compacted together without changing a value (a refusal),
// or which timestamp columns hold local date-times: a column must be
// spelled in every file as the catalog names it (compaction reads columns
// by name; another spelling would read as nulls), and a timestamp column
// must hold local date-times in every file that has it, or instants in
// every one.
func checkCompactable(ctx context.Context, s storage.Store, objs []*storage.Object, fields []format.Field) (local map[string]bool, rows int64, err error) {
	local = map[string]bool{}
	seenIn := map[string]string{}
	for _, o := range objs {
		f, err := parquet.OpenFile(storage.ReaderAt(ctx, s, o.Key), o.Size, parquet.SkipBloomFilters(true))
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", s.URI(o.Key), err)
		}
		rows += f.NumRows()
		names := map[string]bool{}
		for _, fd := range f.Schema().Fields() {
			names[fd.Name()] = true
		}
		for _, fd := range f.Schema().Fields() {
			name := fd.Name()
			if !slices.ContainsFunc(fields, func(c format.Field) bool { return c.Name == name }) {
				if c := catalog.SanitizeName(name); !names[c] && slices.ContainsFunc(fields, func(f format.Field) bool { return f.Name == c }) {
					return nil, 0, &refusal{fmt.Sprintf("%s spells column %s as %s: compaction reads columns by the catalog's names and would read it as nulls", s.URI(o.Key), c, name)}
				}
			}
			lt := fd.Type().LogicalType()
			if lt == nil {
				continue
			}
			ts, ok := lt.Value.(*pformat.TimestampType)
			if !ok {
				continue
			}
			if first, seen := seenIn[name]; seen && local[name] != !ts.IsAdjustedToUTC {
				return nil, 0, &refusal{fmt.Sprintf("column %s holds local date-times in one of %s and %s, instants in the other: not compacted together", name, s.URI(first), s.URI(o.Key))}
			}
			seenIn[name], local[name] = o.Key, !ts.IsAdjustedToUTC
		}
	}
	return local, rows, nil
}

// markLocal marks the timestamp fields named local as local date-times.
func markLocal(fields []format.Field, local map[string]bool) []format.Field {
	out := slices.Clone(fields)
	for i, f := range out {
		if local[f.Name] && f.Type.Kind == format.Timestamp {
			typ := *f.Type
			typ.Hive = localTime
			out[i].Type = &typ
		}
	}
	return out
}
