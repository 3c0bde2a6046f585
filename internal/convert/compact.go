package convert

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/parquet-go/parquet-go"
	pformat "github.com/parquet-go/parquet-go/format"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/format"
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
type CompactedLocation struct {
	Partition   []string `json:"partition,omitempty"`
	From        string   `json:"from"`
	To          string   `json:"to"`
	FilesBefore int      `json:"filesBefore"`
	FilesAfter  int      `json:"filesAfter"`
	BytesBefore int64    `json:"bytesBefore"`
	BytesAfter  int64    `json:"bytesAfter"`
	Rows        int64    `json:"rows"`

	old      []*storage.Object
	oldStore storage.Store
}

// Compact rewrites the small Parquet files of each partition of a table
// (or of the table) into files near the target size. The new files go to
// a fresh folder; the catalog is pointed at it; then the old files go, so
// a reader through the catalog sees the old files or the new ones.
// Locations with fewer than two files, or none smaller than half the
// target, are left alone.
func Compact(ctx context.Context, cat catalog.Catalog, openStore func(context.Context, string) (storage.Store, error), db, name string, opts CompactOptions) (*CompactSummary, error) {
	if opts.TargetFileSize <= 0 {
		opts.TargetFileSize = DefaultTargetFileSize
	}
	if opts.RowGroupSize <= 0 {
		opts.RowGroupSize = DefaultRowGroupSize
	}
	t, err := cat.GetTable(ctx, db, name)
	if err != nil {
		return nil, err
	}
	if !opts.DryRun {
		// One writer at a time: the table's location is compacted under
		// its lease, the table read again once it is held.
		root, err := openStore(ctx, t.StorageDescriptor.Location)
		if err != nil {
			return nil, err
		}
		lease, err := takeLease(ctx, root, Options{RunID: opts.RunID, Waiting: opts.Waiting})
		if err != nil {
			return nil, err
		}
		if lease != nil {
			defer lease.Release(context.WithoutCancel(ctx))
		}
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
	for _, p := range parts {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		loc, err := compactLocation(ctx, openStore, p.StorageDescriptor.Location, fields, codec, opts)
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
		loc.Partition = p.Values
		sum.Locations = append(sum.Locations, *loc)
		sum.FilesRead += loc.FilesBefore
		sum.FilesWritten += loc.FilesAfter
		sum.Rows += loc.Rows
		if opts.DryRun {
			continue
		}
		if err := flipLocation(ctx, cat, t, p, loc); err != nil {
			return sum, err
		}
		if err := loc.removeOld(ctx); err != nil {
			return sum, err
		}
	}
	return sum, nil
}

// compactLocation writes the compacted files of one location to a fresh
// folder beside them (nothing when there is nothing to gain).
func compactLocation(ctx context.Context, openStore func(context.Context, string) (storage.Store, error), location string, fields []format.Field, codec string, opts CompactOptions) (_ *CompactedLocation, err error) {
	s, err := openStore(ctx, location)
	if err != nil {
		return nil, err
	}
	var objs []*storage.Object
	small := 0
	loc := &CompactedLocation{From: location}
	for o, err := range s.List(ctx, "") {
		if err != nil {
			return nil, err
		}
		if format.Hidden(o.Key) || !strings.HasSuffix(o.Key, ".parquet") {
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
	// The new folder: the partition's own folder (without a previous
	// run-... folder), then run-<id>/.
	base := strings.TrimSuffix(location, "/")
	if i := strings.LastIndex(base, "/"); i >= 0 && strings.HasPrefix(base[i+1:], "run-") {
		base = base[:i]
	}
	loc.To = base + "/run-" + opts.RunID + "/"
	local, err := checkCompactable(ctx, s, objs, fields)
	if err != nil {
		return nil, err
	}
	if opts.DryRun {
		loc.FilesAfter = int((loc.BytesBefore + opts.TargetFileSize - 1) / opts.TargetFileSize)
		return loc, nil
	}
	dest, err := openStore(ctx, loc.To)
	if err != nil {
		return nil, err
	}
	ws := &writerSet{ctx: ctx, store: dest, staging: "", prefix: "part-" + opts.RunID,
		open: map[string]*fileWriter{},
		opts: &Options{Compression: codec, TargetFileSize: opts.TargetFileSize, RowGroupSize: opts.RowGroupSize, Version: opts.Version, Build: opts.Build}}
	schema := NewSchema(markLocal(fields, local))
	ws.schema = schema.parquet
	// What a failed compaction wrote is removed: nothing of it may be read
	// with the files it was to replace.
	defer func() {
		if err != nil {
			storage.DeleteListed(context.WithoutCancel(ctx), dest, "")
		}
	}()
	rows := make([]parquet.Row, 1024)
	for _, o := range objs {
		data, err := readObject(ctx, s, o.Key)
		if err != nil {
			ws.abort(err)
			return nil, err
		}
		f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			ws.abort(err)
			return nil, fmt.Errorf("%s: %w", s.URI(o.Key), err)
		}
		r := parquet.NewReader(f, schema.parquet)
		for {
			n, err := r.ReadRows(rows)
			if n > 0 {
				if werr := ws.write("", rows[:n]); werr != nil {
					ws.abort(werr)
					return nil, werr
				}
				loc.Rows += int64(n)
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				ws.abort(err)
				return nil, fmt.Errorf("%s: %w", s.URI(o.Key), err)
			}
		}
		r.Close()
	}
	if err := ws.finishAll(); err != nil {
		ws.abort(err)
		return nil, err
	}
	for _, w := range ws.files {
		loc.FilesAfter++
		loc.BytesAfter += w.Bytes
	}
	loc.old = objs
	loc.oldStore = s
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

// flipLocation points the partition (or table) at the compacted files.
func flipLocation(ctx context.Context, cat catalog.Catalog, t *catalog.Table, p *catalog.Partition, loc *CompactedLocation) error {
	ctx = context.WithoutCancel(ctx)
	stats := func(params map[string]string) {
		params[catalog.ParamObjectCount] = strconv.Itoa(loc.FilesAfter)
		params[catalog.ParamSizeKey] = strconv.FormatInt(loc.BytesAfter, 10)
		params[catalog.ParamRecordCount] = strconv.FormatInt(loc.Rows, 10)
	}
	if len(t.PartitionKeys) == 0 {
		_, err := catalog.UpdateTableFunc(ctx, cat, t.DatabaseName, t.Name, func(cur *catalog.Table) error {
			cur.StorageDescriptor.Location = loc.To
			stats(cur.Parameters)
			return nil
		})
		return err
	}
	np := *p
	np.StorageDescriptor.Location = loc.To
	if np.Parameters == nil {
		np.Parameters = map[string]string{}
	}
	stats(np.Parameters)
	return cat.UpdatePartition(ctx, np)
}

func (loc *CompactedLocation) removeOld(ctx context.Context) error {
	var errs []error
	for _, o := range loc.old {
		if err := loc.oldStore.Delete(context.WithoutCancel(ctx), o.Key); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// checkCompactable reads the footers of a location's files and says why
// they cannot be compacted together without changing a value (a refusal),
// or which timestamp columns hold local date-times: a column must be
// spelled in every file as the catalog names it (compaction reads columns
// by name; another spelling would read as nulls), and a timestamp column
// must hold local date-times in every file that has it, or instants in
// every one.
func checkCompactable(ctx context.Context, s storage.Store, objs []*storage.Object, fields []format.Field) (map[string]bool, error) {
	local := map[string]bool{}
	seenIn := map[string]string{}
	for _, o := range objs {
		f, err := parquet.OpenFile(storage.ReaderAt(ctx, s, o.Key), o.Size, parquet.SkipBloomFilters(true))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.URI(o.Key), err)
		}
		names := map[string]bool{}
		for _, fd := range f.Schema().Fields() {
			names[fd.Name()] = true
		}
		for _, fd := range f.Schema().Fields() {
			name := fd.Name()
			if !slices.ContainsFunc(fields, func(c format.Field) bool { return c.Name == name }) {
				if c := catalog.SanitizeName(name); !names[c] && slices.ContainsFunc(fields, func(f format.Field) bool { return f.Name == c }) {
					return nil, &refusal{fmt.Sprintf("%s spells column %s as %s: compaction reads columns by the catalog's names and would read it as nulls", s.URI(o.Key), c, name)}
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
				return nil, &refusal{fmt.Sprintf("column %s holds local date-times in one of %s and %s, instants in the other: not compacted together", name, s.URI(first), s.URI(o.Key))}
			}
			seenIn[name], local[name] = o.Key, !ts.IsAdjustedToUTC
		}
	}
	return local, nil
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
