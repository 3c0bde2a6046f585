package validate

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/parquet-go/parquet-go"
	pformat "github.com/parquet-go/parquet-go/format"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/dataset"
	"github.com/lakectl/lakectl/internal/format"
	"github.com/lakectl/lakectl/internal/storage"
)

// ProfileOptions configure a profile.
type ProfileOptions struct {
	// Columns to profile; all when empty.
	Columns     []string
	Percentiles bool
	Workers     int
	// HistogramThreshold: histograms for columns with at most this many
	// distinct values (0: Deequ's 120).
	HistogramThreshold int
}

// ProfileInput profiles a table's data in one pass on all cores. CSV cells
// and JSON values are text whose types are inferred, as Deequ does for
// such files; Parquet columns are typed from their Parquet types.
func ProfileInput(ctx context.Context, in dataset.Input, opts ProfileOptions) (*Profile, error) {
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	t := in.Table
	all := append(slices.Clone(t.StorageDescriptor.Columns), t.PartitionKeys...)
	var pick []int
	if len(opts.Columns) == 0 {
		for i := range all {
			pick = append(pick, i)
		}
	}
	for _, name := range opts.Columns {
		i := slices.IndexFunc(all, func(c catalog.Column) bool { return c.Name == strings.ToLower(name) })
		if i < 0 {
			var names []string
			for _, c := range all {
				names = append(names, c.Name)
			}
			return nil, catalog.Invalidf("--columns %s: no such column (columns: %s)", name, strings.Join(names, ", "))
		}
		pick = append(pick, i)
	}
	names := make([]string, len(pick))
	for i, p := range pick {
		names[i] = all[p].Name
	}
	typed := columnTypes(t, pick)
	newProfiler := func() Sink {
		p := NewProfiler(names, typed, opts.Percentiles)
		p.HistogramThreshold = opts.HistogramThreshold
		return p
	}
	merged, st, err := scanInput(ctx, in, pick, opts.Workers, newProfiler)
	if err != nil {
		return nil, err
	}
	if merged == nil {
		merged = newProfiler()
	}
	out := merged.(*Profiler).Result(in.Name())
	out.MalformedRecords = st.malformed.Load()
	out.MembersOutsideSchema = st.members
	if ex, ok := st.example.Load().(string); ok {
		out.FirstMalformed = ex
	}
	return out, nil
}

// Sink takes rows, one per worker; the workers' sinks merge.
type Sink interface {
	Add(row []Value)
	Merge(other Sink)
}

// rowsSink is a Sink that takes rows a group at a time, where that pays
// (the key-table probe overlaps the cache misses of a group's lookups).
type rowsSink interface {
	AddRows(rows [][]Value)
}

// addRows hands rows to a sink, as a group when it takes groups.
func addRows(w Sink, rows [][]Value) {
	if rs, ok := w.(rowsSink); ok {
		rs.AddRows(rows)
		return
	}
	for _, row := range rows {
		w.Add(row)
	}
}

// columnTypes is the Deequ type of each picked column: "" (inferred) for
// CSV and JSON text, mapped from the column type for Parquet.
func columnTypes(t *catalog.Table, pick []int) []string {
	typed := make([]string, len(pick))
	if c := t.Parameters["classification"]; c != format.Parquet && c != "sql" {
		return typed // text: inferred
	}
	ncols := len(t.StorageDescriptor.Columns)
	for i, p := range pick {
		if p < ncols {
			typed[i] = deequType(t.StorageDescriptor.Columns[p].Type)
		} // partition values come from folder names: text, inferred
	}
	return typed
}

// scan reads the files once on all cores, feeding each worker's sink.
func scan(ctx context.Context, t *catalog.Table, files []*dataset.File, pick []int, workers int, newSink func() Sink) (Sink, *profiling, error) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	switch t.Parameters["classification"] {
	case format.CSV, format.JSON:
		return scanText(ctx, t, files, pick, workers, newSink)
	case format.Parquet:
		return scanParquet(ctx, t, files, pick, workers, newSink)
	}
	return nil, nil, catalog.Invalidf("%s is %q: validate reads csv, json and parquet", t.StorageDescriptor.Location, t.Parameters["classification"])
}

// profiling is a scan's shared state.
type profiling struct {
	mu        sync.Mutex
	merged    Sink
	malformed atomic.Int64
	example   atomic.Value // the first malformed record, as a string
	// members outside the table's columns, by path: records holding each
	members map[string]int64
}

// outside counts members of a record that are no column of the table.
func (p *profiling) outside(paths []string) {
	if len(paths) == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.members == nil {
		p.members = map[string]int64{}
	}
	for _, m := range paths {
		p.members[m]++
	}
}

func (p *profiling) done(w Sink) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.merged == nil {
		p.merged = w
	} else {
		p.merged.Merge(w)
	}
}

func (p *profiling) bad(where string) {
	if p.malformed.Add(1) == 1 {
		p.example.Store(where)
	}
}

func scanText(ctx context.Context, t *catalog.Table, files []*dataset.File, pick []int, workers int, newSink func() Sink) (Sink, *profiling, error) {
	f := dataset.FormatOf(t)
	ncols := len(t.StorageDescriptor.Columns)
	var cols *dataset.JSONColumns
	if f.Classification == format.JSON {
		var err error
		if cols, err = dataset.NewJSONColumns(t.StorageDescriptor.Columns); err != nil {
			return nil, nil, err
		}
	}
	tasks := make(chan dataset.Task, workers)
	var bufs dataset.BufferPool
	st := &profiling{}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			w := newSink()
			row := make([]Value, len(pick))
			vals := make([]any, ncols)
			for task := range tasks {
				switch {
				case task.Docs != nil:
					for _, d := range task.Docs {
						if !jsonRow(d.Raw, cols, vals, ncols, pick, d.File, row, st) {
							st.bad(fmt.Sprintf("%s record %d", d.File.URI, d.N))
							continue
						}
						w.Add(row)
					}
				case f.Classification == format.CSV:
					dataset.CSVRecords(task.Chunk, f.Dialect(), func(rec format.CSVRecord) bool {
						if rec.Bad != "" || !csvRow(rec.Fields, ncols, pick, task.Chunk.File, row) {
							st.bad(fmt.Sprintf("%s line %d", task.Chunk.File.URI, rec.Line))
							return true
						}
						w.Add(row)
						return true
					})
				default:
					dataset.JSONLines(task.Chunk, func(line int64, text []byte) bool {
						if !jsonRow(text, cols, vals, ncols, pick, task.Chunk.File, row, st) {
							st.bad(fmt.Sprintf("%s line %d", task.Chunk.File.URI, line))
							return true
						}
						w.Add(row)
						return true
					})
				}
				if task.Chunk.Data != nil {
					bufs.Put(task.Chunk.Data)
				}
			}
			st.done(w)
		})
	}
	reader := &dataset.Reader{Table: t, Format: f, Bufs: &bufs}
	err := reader.Read(ctx, files, func(task dataset.Task) error {
		select {
		case tasks <- task:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	close(tasks)
	wg.Wait()
	if err != nil {
		return nil, nil, err
	}
	return st.merged, st, nil
}

// csvRow fills row from a CSV record: by header name when the file has a
// header, by position otherwise; an empty cell is a null (as Spark reads
// CSV). A record of the wrong length is malformed.
func csvRow(rec []string, ncols int, pick []int, f *dataset.File, row []Value) bool {
	if f.Cols != nil && len(rec) != f.NFields || f.Cols == nil && len(rec) != ncols {
		return false
	}
	for i, p := range pick {
		var s string
		switch {
		case p >= ncols:
			s = f.Values[p-ncols]
		case f.Cols == nil:
			s = rec[p]
		case f.Cols[p] >= 0:
			s = rec[f.Cols[p]]
		}
		if s == "" {
			row[i] = Value{Kind: KindNull}
		} else {
			row[i] = Value{Kind: KindText, S: strings.Clone(s)}
		}
	}
	return true
}

// jsonRow fills row from a JSON object: every value as text whose type is
// inferred (numbers and booleans infer to Integral, Fractional, Boolean;
// objects and lists are their nested text, a String). An empty string is
// not a null. Members outside the table's columns are counted in st.
func jsonRow(raw []byte, cols *dataset.JSONColumns, vals []any, ncols int, pick []int, f *dataset.File, row []Value, st *profiling) bool {
	if raw == nil {
		return false
	}
	extra, err := cols.Decode(raw, vals)
	if err != nil {
		return false
	}
	st.outside(extra)
	for i, p := range pick {
		var v any
		if p >= ncols {
			v = f.Values[p-ncols]
		} else {
			v = vals[p]
		}
		switch x := v.(type) {
		case nil:
			row[i] = Value{Kind: KindNull}
		case string:
			row[i] = Value{Kind: KindText, S: x}
		case json.Number:
			row[i] = Value{Kind: KindText, S: string(x)}
		case bool:
			row[i] = Value{Kind: KindText, S: strconv.FormatBool(x)}
		default: // an object or a list
			row[i] = Value{Kind: KindText, S: dataset.NestedText(x)}
		}
	}
	return true
}

// scanParquet reads Parquet files, one file a task.
func scanParquet(ctx context.Context, t *catalog.Table, files []*dataset.File, pick []int, workers int, newSink func() Sink) (Sink, *profiling, error) {
	typed := columnTypes(t, pick)
	jobs := make(chan *dataset.File)
	st := &profiling{}
	var wg sync.WaitGroup
	var firstErr error
	var errOnce sync.Once
	for range workers {
		wg.Go(func() {
			w := newSink()
			for f := range jobs {
				if err := profileParquetFile(ctx, f, t, pick, typed, w); err != nil {
					errOnce.Do(func() { firstErr = fmt.Errorf("read %s: %w", f.URI, err) })
				}
			}
			st.done(w)
		})
	}
	for _, f := range files {
		if ctx.Err() != nil {
			break
		}
		jobs <- f
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return nil, nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	return st.merged, st, nil
}

// deequType maps a Hive type to Deequ's: integers Integral, floating and
// decimal numbers Fractional, boolean Boolean, everything else String.
func deequType(hive string) string {
	switch {
	case hive == "bigint" || hive == "int" || hive == "integer" || hive == "smallint" || hive == "tinyint":
		return Integral
	case hive == "double" || hive == "float" || strings.HasPrefix(hive, "decimal"):
		return Fractional
	case hive == "boolean":
		return Boolean
	}
	return String
}

func profileParquetFile(ctx context.Context, f *dataset.File, t *catalog.Table, pick []int, typed []string, w Sink) error {
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
		name := t.StorageDescriptor.Columns[p].Name
		col, ok := schema.Lookup(name)
		if !ok || !col.Node.Leaf() || col.Node.Repeated() {
			// Missing in this file (null), or nested: read as JSON text.
			if j := slices.IndexFunc(schema.Fields(), func(f parquet.Field) bool { return f.Name() == name }); j >= 0 {
				nestedPick = append(nestedPick, i)
				nestedFields = append(nestedFields, schema.Fields()[j])
			}
			continue
		}
		leaf[i] = col.ColumnIndex
		conv[i] = valueConverter(col.Node, typed[i])
	}
	// Column by column, a batch of rows at a time, handed on in groups.
	group := make([][]Value, rowGroup)
	for i := range group {
		group[i] = make([]Value, len(pick))
	}
	cols := make([][]parquet.Value, len(pick))
	var nested *nestedReader
	nestedVals := make([][]Value, len(nestedPick))
	if len(nestedPick) > 0 {
		nested = newNestedReader(nestedFields)
	}
	for _, rg := range pf.RowGroups() {
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
				for r0 := 0; r0 < k; r0 += rowGroup {
					g := group[:min(rowGroup, k-r0)]
					for j, vals := range g {
						r := r0 + j
						for i, p := range pick {
							switch {
							case p >= ncols:
								vals[i] = Value{Kind: KindText, S: f.Values[p-ncols]}
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
					addRows(w, g)
				}
				left -= int64(k)
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

// valueConverter turns a Parquet value of a leaf into a profile value.
func valueConverter(node parquet.Node, typed string) func(parquet.Value) Value {
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
	// No copy: the profile copies the values it keeps (the row's buffer is
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
