package dataset

import (
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"time"
	"unsafe"

	"github.com/parquet-go/parquet-go"
	pformat "github.com/parquet-go/parquet-go/format"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/progress"
	"github.com/lakectl/lakectl/internal/storage"
)

// scanParquet reads Parquet files, one file a task.
func scanParquet(ctx context.Context, t *catalog.Table, files []*File, pick []int, opts ScanOptions, newSink func() Sink) (Sink, *ScanStats, error) {
	return scanTasks(ctx, opts.Workers, newSink, func(ctx context.Context, send func(Task) error) error {
		opts.Progress.Expect(Totals(files))
		for _, f := range files {
			if err := send(Task{File: f}); err != nil {
				return err
			}
		}
		return nil
	}, func(ctx context.Context, st *ScanStats, w Sink) func(Task) error {
		return func(task Task) error {
			if err := readParquetFile(ctx, task.File, t, pick, w, opts, st); err != nil {
				return fmt.Errorf("read %s: %w", task.File.URI, err)
			}
			opts.Progress.Add(progress.Counts{Files: 1, Bytes: task.File.Size})
			return nil
		}
	})
}

func readParquetFile(ctx context.Context, f *File, t *catalog.Table, pick []int, w Sink, opts ScanOptions, st *ScanStats) error {
	p := opts.Progress
	obj, err := f.Store.Stat(ctx, f.Key)
	if err != nil {
		return err
	}
	pf, err := parquet.OpenFile(storage.ReaderAt(ctx, f.Store, f.Key), obj.Size, parquet.SkipBloomFilters(true), parquet.ReadBufferSize(4<<20))
	if err != nil {
		return err
	}
	// The leaf column of each picked (top-level, primitive) field.
	ncols := len(t.StorageDescriptor.Columns)
	leaf := make([]int, len(pick))
	conv := make([]func(parquet.Value) Value, len(pick))
	schema := pf.Schema()
	var nestedPick []int // picked fields that are nested, read as rows
	var nestedFields []parquet.Field
	for i, p := range pick {
		leaf[i] = -1
		if p >= ncols {
			continue
		}
		name, found := parquetName(schema, t.StorageDescriptor.Columns[p])
		if !found {
			continue // missing in this file: null
		}
		col, ok := schema.Lookup(name)
		if !ok || !col.Node.Leaf() || col.Node.Repeated() {
			// Nested: read as its text.
			if j := slices.IndexFunc(schema.Fields(), func(f parquet.Field) bool { return f.Name() == name }); j >= 0 {
				nestedPick = append(nestedPick, i)
				nestedFields = append(nestedFields, schema.Fields()[j])
			}
			continue
		}
		leaf[i] = col.ColumnIndex
		conv[i] = valueConverter(col.Node)
	}
	// Column by column, a batch of rows at a time, handed on in groups.
	group := make([][]Value, GroupRows)
	for i := range group {
		group[i] = make([]Value, len(pick))
	}
	cols := make([][]parquet.Value, len(pick))
	var nested *nestedReader
	nestedVals := make([][]Value, len(nestedPick))
	if len(nestedPick) > 0 {
		nested = newNestedReader(nestedFields)
	}
	var bounds []Bounds
	if opts.RowGroups != nil {
		bounds = make([]Bounds, len(pick))
	}
	for _, rg := range pf.RowGroups() {
		if bounds != nil {
			rowGroupBounds(rg, pick, ncols, leaf, conv, f.Parts, bounds)
			if !opts.RowGroups(bounds) {
				st.rowGroupsSkipped.Add(1)
				continue
			}
		}
		st.rowGroupsRead.Add(1)
		if nested != nil {
			nested.start(rg)
		}
		chunks := rg.ColumnChunks()
		cursors := make([]*columnCursor, len(pick))
		for i := range pick {
			if leaf[i] >= 0 {
				cursors[i] = &columnCursor{pages: chunks[leaf[i]].Pages()}
			}
		}
		err := func() error {
			defer func() {
				for _, c := range cursors {
					if c != nil {
						c.close()
					}
				}
			}()
			for left := rg.NumRows(); left > 0; {
				k := int(min(left, parquetBatch))
				for i, c := range cursors {
					if c != nil {
						var err error
						if cols[i], err = c.next(k); err != nil {
							return err
						}
					}
				}
				if nested != nil {
					if err := nested.next(k, nestedVals); err != nil {
						return err
					}
				}
				for r0 := 0; r0 < k; r0 += GroupRows {
					g := group[:min(GroupRows, k-r0)]
					for j, vals := range g {
						r := r0 + j
						for i, p := range pick {
							switch {
							case p >= ncols:
								vals[i] = f.Parts[p-ncols]
							case leaf[i] < 0 || cols[i][r].IsNull():
								vals[i] = Value{Kind: KindNull}
							default:
								vals[i] = conv[i](cols[i][r])
							}
						}
						for j, i := range nestedPick {
							vals[i] = nestedVals[j][r]
						}
					}
					AddRows(w, g)
				}
				left -= int64(k)
				p.Add(progress.Counts{Rows: int64(k)})
				if ctx.Err() != nil {
					return ctx.Err()
				}
			}
			return nil
		}()
		if err != nil {
			return err
		}
	}
	return nil
}

// rowGroupBounds fills the bounds of the picked columns over a row group
// from its column chunks' statistics.
func rowGroupBounds(rg parquet.RowGroup, pick []int, ncols int, leaf []int, conv []func(parquet.Value) Value, parts []Value, bounds []Bounds) {
	chunks := rg.ColumnChunks()
	for i, p := range pick {
		bounds[i] = Bounds{}
		switch {
		case p >= ncols && p-ncols < len(parts):
			bounds[i] = Bounds{Min: parts[p-ncols], Max: parts[p-ncols], Known: true}
		case leaf[i] >= 0:
			fc, ok := chunks[leaf[i]].(*parquet.FileColumnChunk)
			if !ok {
				continue
			}
			if lo, hi, ok := fc.Bounds(); ok && !lo.IsNull() && !hi.IsNull() {
				bounds[i] = Bounds{Min: conv[i](lo), Max: conv[i](hi), Known: true}
			}
		}
	}
}

// parquetName is the name of a column's top-level field in a file: the
// column's source spelling (UserId), else its catalog name, else the field
// whose name the crawler would turn into the column's (userid).
func parquetName(schema *parquet.Schema, col catalog.Column) (string, bool) {
	fields := schema.Fields()
	for _, want := range []func(string) bool{
		func(n string) bool { return n == SourceName(col) },
		func(n string) bool { return n == col.Name },
		func(n string) bool { return catalog.SanitizeName(n) == col.Name },
	} {
		if j := slices.IndexFunc(fields, func(f parquet.Field) bool { return want(f.Name()) }); j >= 0 {
			return fields[j].Name(), true
		}
	}
	return "", false
}

// GroupRows rows are handed to a sink at a time where a reader can (a sink
// that takes groups overlaps the cache misses of a group's lookups).
const GroupRows = 16

// parquetBatch rows are read at a time, column by column.
const parquetBatch = 1024

// columnCursor reads one column chunk's values across its pages. Pages are
// released only once the batch that read them is done, since byte-array
// values point into them.
type columnCursor struct {
	pages parquet.Pages
	vr    parquet.ValueReader
	buf   []parquet.Value
}

// Pages are left to the garbage collector, not handed back with
// parquet.Release: with two workers, released pages' buffers were seen
// reused while values read from them were still being profiled (a string
// "Match" read as "tch"), and the release saved no measurable time.
func (c *columnCursor) next(k int) ([]parquet.Value, error) {
	if cap(c.buf) < k {
		c.buf = make([]parquet.Value, k)
	}
	buf := c.buf[:k]
	got := 0
	for got < k {
		if c.vr == nil {
			p, err := c.pages.ReadPage()
			if err != nil {
				if err == io.EOF {
					err = io.ErrUnexpectedEOF // fewer values than the row group's rows
				}
				return nil, err
			}
			c.vr = p.Values()
		}
		n, err := c.vr.ReadValues(buf[got:])
		got += n
		if err == io.EOF {
			c.vr = nil
		} else if err != nil {
			return nil, err
		}
	}
	return buf, nil
}

func (c *columnCursor) close() { c.pages.Close() }

// valueConverter turns a Parquet value of a leaf into a Value.
func valueConverter(node parquet.Node) func(parquet.Value) Value {
	var logical pformat.LogicalTypeValue
	if lt := node.Type().LogicalType(); lt != nil {
		logical = lt.Value
	}
	switch lt := logical.(type) {
	case *pformat.DecimalType:
		scale := math.Pow10(int(lt.Scale))
		return func(v parquet.Value) Value {
			var unscaled float64
			switch v.Kind() {
			case parquet.Int32:
				unscaled = float64(v.Int32())
			case parquet.Int64:
				unscaled = float64(v.Int64())
			default:
				unscaled = bigEndianFloat(v.ByteArray())
			}
			return Value{Kind: KindFractional, F: unscaled / scale}
		}
	case *pformat.DateType:
		return func(v parquet.Value) Value {
			days := int64(v.Int32())
			return Value{Kind: KindDate, I: days * 86400 * 1e6}
		}
	case *pformat.TimestampType:
		unit := lt.Unit.Value
		return func(v parquet.Value) Value {
			var ts time.Time
			switch unit.(type) {
			case *pformat.MilliSeconds:
				ts = time.UnixMilli(v.Int64())
			case *pformat.NanoSeconds:
				ts = time.Unix(0, v.Int64())
			default:
				ts = time.UnixMicro(v.Int64())
			}
			return Value{Kind: KindTime, I: ts.UnixMicro()}
		}
	}
	switch node.Type().Kind() {
	case parquet.Boolean:
		return func(v parquet.Value) Value { return Value{Kind: KindBoolean, B: v.Boolean()} }
	case parquet.Int32:
		return func(v parquet.Value) Value { return Value{Kind: KindIntegral, I: int64(v.Int32())} }
	case parquet.Int64:
		return func(v parquet.Value) Value { return Value{Kind: KindIntegral, I: v.Int64()} }
	case parquet.Float:
		return func(v parquet.Value) Value { return Value{Kind: KindFractional, F: float64(v.Float())} }
	case parquet.Double:
		return func(v parquet.Value) Value { return Value{Kind: KindFractional, F: v.Double()} }
	}
	// No copy: sinks copy the values they keep (the row's buffer is
	// reused once the row is processed).
	return func(v parquet.Value) Value {
		b := v.ByteArray()
		return Value{Kind: KindString, S: unsafe.String(unsafe.SliceData(b), len(b))}
	}
}

// bigEndianFloat reads a big-endian two's complement integer as a float.
func bigEndianFloat(b []byte) float64 {
	if len(b) == 0 {
		return 0
	}
	neg := b[0]&0x80 != 0
	var f float64
	for _, c := range b {
		if neg {
			c = ^c
		}
		f = f*256 + float64(c)
	}
	if neg {
		f = -(f + 1)
	}
	return f
}
