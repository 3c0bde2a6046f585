package convert

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
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
}

// CompactSummary says what a compaction did.
type CompactSummary struct {
	RunID        string              `json:"runId"`
	Table        string              `json:"table"`
	Locations    []CompactedLocation `json:"locations"`
	FilesRead    int                 `json:"filesRead"`
	FilesWritten int                 `json:"filesWritten"`
	Rows         int64               `json:"rows"`
}

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
func compactLocation(ctx context.Context, openStore func(context.Context, string) (storage.Store, error), location string, fields []format.Field, codec string, opts CompactOptions) (*CompactedLocation, error) {
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
	var schema *Schema
	var local map[string]bool
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
		// The files keep their timestamps' meaning: local date-times stay
		// local, instants stay instants.
		if schema == nil {
			local = localColumns(f)
			schema = NewSchema(markLocal(fields, local))
			ws.schema = schema.parquet
		} else if l := localColumns(f); !maps.Equal(l, local) {
			err := catalog.Invalidf("%s: its timestamps are local date-times in columns %v, those of %s in %v: not compacted together",
				s.URI(o.Key), slices.Sorted(maps.Keys(l)), s.URI(objs[0].Key), slices.Sorted(maps.Keys(local)))
			ws.abort(err)
			return nil, err
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

// localColumns names the top-level timestamp columns of a file that hold
// local date-times (isAdjustedToUTC=false).
func localColumns(f *parquet.File) map[string]bool {
	out := map[string]bool{}
	for _, fd := range f.Schema().Fields() {
		if lt := fd.Type().LogicalType(); lt != nil {
			if ts, ok := lt.Value.(*pformat.TimestampType); ok && !ts.IsAdjustedToUTC {
				out[fd.Name()] = true
			}
		}
	}
	return out
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
