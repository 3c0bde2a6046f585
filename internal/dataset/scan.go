package dataset

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/format"
	"github.com/lakectl/lakectl/internal/progress"
)

// ScanOptions configure a scan.
type ScanOptions struct {
	// Workers read at once (0: one per core).
	Workers int
	// Progress is told of the files, rows and bytes read, and expects the
	// files and bytes listed; nil when nobody watches.
	Progress progress.Reporter
	// RowGroups, when set, is asked of each Parquet row group whether it
	// may hold rows the caller wants, from the bounds of the picked
	// columns over the group (bounds[i] for pick[i]; a partition key's
	// are its value); a row group it turns down is not read. ScanStats
	// counts both kinds (RowGroupsRead, RowGroupsSkipped).
	RowGroups func(bounds []Bounds) bool
}

// Bounds are a column's smallest and largest value over a row group, as
// the file's statistics say (Known false where they say nothing: a
// nested column, a file written without statistics).
type Bounds struct {
	Min, Max Value
	Known    bool
}

// Scan reads an input once on all cores, from its files or, for a
// database source, from its query, and hands each worker's rows of the
// picked columns (the table's columns, then its partition keys) to the
// worker's own sink; the sinks merge at the end. The merged sink is nil
// when there were no rows. The rows counted on opts.Progress are the
// records read, malformed ones included.
func Scan(ctx context.Context, in Input, pick []int, opts ScanOptions, newSink func() Sink) (Sink, *ScanStats, error) {
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	opts.Progress = progress.Or(opts.Progress)
	if in.SQL != nil {
		return scanSQL(ctx, in, pick, opts, newSink)
	}
	files, skipped, err := List(ctx, in)
	if err != nil {
		return nil, nil, err
	}
	sink, st, err := scanFiles(ctx, in.Table, files, pick, opts, newSink)
	if st != nil {
		st.Skipped = skipped
	}
	return sink, st, err
}

// scanSQL streams the query's rows: one reader, batches handed to the
// workers' sinks. Values are typed by the columns' database types.
// PostgreSQL is read with binary COPY (scanPostgres).
func scanSQL(ctx context.Context, in Input, pick []int, opts ScanOptions, newSink func() Sink) (Sink, *ScanStats, error) {
	if in.SQL.Driver == "pgx" {
		return scanPostgres(ctx, in, pick, opts, newSink)
	}
	db, rows, err := in.SQL.Open(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer db.Close()
	defer rows.Close()
	cols := in.Table.StorageDescriptor.Columns
	convs := make([]func(any) Value, len(pick))
	for i, p := range pick {
		convs[i] = sqlConverter(cols[p].Type)
	}
	return scanBatches(ctx, opts, newSink, nil, func(emit func([][]Value) error) error {
		raw := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range raw {
			ptrs[i] = &raw[i]
		}
		var batch [][]Value
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				return in.SQL.Redact(err)
			}
			row := make([]Value, len(pick))
			for i, p := range pick {
				row[i] = convs[i](raw[p])
			}
			batch = append(batch, row)
			if len(batch) == sqlBatchRows {
				if err := emit(batch); err != nil {
					return err
				}
				batch = nil
			}
		}
		if err := rows.Err(); err != nil {
			return in.SQL.Redact(err)
		}
		if len(batch) > 0 {
			return emit(batch)
		}
		return nil
	})
}

// scanBatches runs read, which emits batches of rows, and hands the
// batches to workers, each with its own sink; the sinks merge at the end.
// A batch a worker is done with goes to recycle, when given, to be filled
// again.
func scanBatches(ctx context.Context, opts ScanOptions, newSink func() Sink, recycle func([][]Value), read func(emit func([][]Value) error) error) (Sink, *ScanStats, error) {
	return scanTasks(ctx, opts.Workers, newSink, func(ctx context.Context, send func(Task) error) error {
		return read(func(b [][]Value) error { return send(Task{Values: b}) })
	}, func(_ context.Context, _ *ScanStats, w Sink) func(Task) error {
		return func(t Task) error {
			AddRows(w, t.Values)
			opts.Progress.Add(progress.Counts{Rows: int64(len(t.Values))})
			if recycle != nil {
				recycle(t.Values) // sinks keep copies, never the rows
			}
			return nil
		}
	})
}

// sqlConverter turns a driver value into a Value by the column's
// type (as dataset.HiveType maps database types).
func sqlConverter(hive string) func(any) Value {
	text := func(v any) (string, bool) {
		switch x := v.(type) {
		case nil:
			return "", false
		case []byte:
			return string(x), true
		case string:
			return x, true
		case time.Time:
			if hive == "date" {
				return x.UTC().Format("2006-01-02"), true
			}
			return x.UTC().Format(time.RFC3339Nano), true
		}
		return fmt.Sprint(v), true
	}
	switch {
	case hive == "bigint":
		return func(v any) Value {
			switch x := v.(type) {
			case int64:
				return Value{Kind: KindIntegral, I: x}
			case int32:
				return Value{Kind: KindIntegral, I: int64(x)}
			}
			s, ok := text(v)
			if !ok {
				return Value{}
			}
			if n, err := strconv.ParseInt(s, 10, 64); err == nil {
				return Value{Kind: KindIntegral, I: n}
			}
			return Value{Kind: KindString, S: s}
		}
	case hive == "double" || strings.HasPrefix(hive, "decimal"):
		return func(v any) Value {
			switch x := v.(type) {
			case float64:
				return Value{Kind: KindFractional, F: x}
			case float32:
				return Value{Kind: KindFractional, F: float64(x)}
			case int64:
				return Value{Kind: KindFractional, F: float64(x)}
			}
			s, ok := text(v)
			if !ok {
				return Value{}
			}
			if f, err := strconv.ParseFloat(s, 64); err == nil {
				return Value{Kind: KindFractional, F: f}
			}
			return Value{Kind: KindString, S: s}
		}
	case hive == "boolean":
		return func(v any) Value {
			switch x := v.(type) {
			case bool:
				return Value{Kind: KindBoolean, B: x}
			case int64:
				return Value{Kind: KindBoolean, B: x != 0}
			}
			s, ok := text(v)
			if !ok {
				return Value{}
			}
			b, err := strconv.ParseBool(s)
			if err != nil {
				return Value{Kind: KindString, S: s}
			}
			return Value{Kind: KindBoolean, B: b}
		}
	}
	return func(v any) Value {
		if t, ok := v.(time.Time); ok {
			if hive == "date" {
				return Value{Kind: KindDate, I: t.UnixMicro()}
			}
			return Value{Kind: KindTime, I: t.UnixMicro()}
		}
		s, ok := text(v)
		if !ok {
			return Value{}
		}
		return Value{Kind: KindString, S: s}
	}
}

// scanFiles reads the files once on all cores, feeding each worker's sink.
func scanFiles(ctx context.Context, t *catalog.Table, files []*File, pick []int, opts ScanOptions, newSink func() Sink) (Sink, *ScanStats, error) {
	switch t.Parameters[catalog.ParamClassification] {
	case format.CSV, format.JSON:
		return scanText(ctx, t, files, pick, opts, newSink)
	case format.Parquet:
		return scanParquet(ctx, t, files, pick, opts, newSink)
	}
	return nil, nil, catalog.Invalidf("%s is %q: validate reads csv, json and parquet", t.StorageDescriptor.Location, t.Parameters[catalog.ParamClassification])
}

// ScanStats is what a scan met besides rows, and its shared state.
type ScanStats struct {
	mu        sync.Mutex
	merged    Sink
	malformed atomic.Int64
	example   atomic.Value // the first malformed record, as a string
	// members outside the table's columns, by path: records holding each
	members map[string]int64
	// Skipped are the files under the table's locations that are not its
	// data (see List).
	Skipped []SkippedFile

	rowGroupsRead, rowGroupsSkipped atomic.Int64
}

// RowGroupsRead and RowGroupsSkipped count the Parquet row groups read
// and those ScanOptions.RowGroups turned down.
func (p *ScanStats) RowGroupsRead() int64    { return p.rowGroupsRead.Load() }
func (p *ScanStats) RowGroupsSkipped() int64 { return p.rowGroupsSkipped.Load() }

// outside counts members of a record that are no column of the table.
func (p *ScanStats) outside(paths []string) {
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

func (p *ScanStats) done(w Sink) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.merged == nil {
		p.merged = w
	} else {
		p.merged.Merge(w)
	}
}

func (p *ScanStats) bad(where string) {
	if p.malformed.Add(1) == 1 {
		p.example.Store(where)
	}
}

// Malformed counts the records that could not be read as rows (a wrong
// number of fields, JSON that is not an object, an unterminated quote).
func (p *ScanStats) Malformed() int64 { return p.malformed.Load() }

// FirstMalformed says where the first malformed record is.
func (p *ScanStats) FirstMalformed() string {
	s, _ := p.example.Load().(string)
	return s
}

// MembersOutsideSchema counts, per JSON member that is no column of the
// table (attrs.b for a struct's), the records holding it.
func (p *ScanStats) MembersOutsideSchema() map[string]int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.members
}

func scanText(ctx context.Context, t *catalog.Table, files []*File, pick []int, opts ScanOptions, newSink func() Sink) (Sink, *ScanStats, error) {
	f := FormatOf(t)
	ncols := len(t.StorageDescriptor.Columns)
	var cols *JSONColumns
	if f.Classification == format.JSON {
		var err error
		if cols, err = NewJSONColumns(t.StorageDescriptor.Columns); err != nil {
			return nil, nil, err
		}
	}
	var bufs BufferPool
	return scanTasks(ctx, opts.Workers, newSink, func(ctx context.Context, send func(Task) error) error {
		return (&Reader{Table: t, Format: f, Bufs: &bufs, Progress: opts.Progress}).Read(ctx, files, send)
	}, func(_ context.Context, st *ScanStats, w Sink) func(Task) error {
		row := make([]Value, len(pick))
		vals := make([]any, ncols)
		return func(task Task) error {
			var n int64 // records, counted once a task
			switch {
			case task.Docs != nil:
				n = int64(len(task.Docs))
				for _, d := range task.Docs {
					if !jsonRow(d.Raw, cols, vals, ncols, pick, d.File, row, st) {
						st.bad(fmt.Sprintf("%s record %d", d.File.URI, d.N))
						continue
					}
					w.Add(row)
				}
			case f.Classification == format.CSV:
				CSVRecords(task.Chunk, f.Dialect(), func(rec format.CSVRecord) bool {
					n++
					if rec.Bad != "" || !csvRow(rec.Fields, ncols, pick, task.Chunk.File, row) {
						st.bad(fmt.Sprintf("%s line %d", task.Chunk.File.URI, rec.Line))
						return true
					}
					w.Add(row)
					return true
				})
			default:
				JSONLines(task.Chunk, func(line int64, text []byte) bool {
					n++
					if !jsonRow(text, cols, vals, ncols, pick, task.Chunk.File, row, st) {
						st.bad(fmt.Sprintf("%s line %d", task.Chunk.File.URI, line))
						return true
					}
					w.Add(row)
					return true
				})
			}
			opts.Progress.Add(progress.Counts{Rows: n, Bytes: task.Bytes})
			if task.Chunk.Data != nil {
				bufs.Put(task.Chunk.Data)
			}
			return nil
		}
	})
}

// csvRow fills row from a CSV record: by header name when the file has a
// header, by position otherwise; an empty cell is a null (as Spark reads
// CSV). A record of the wrong length is malformed.
func csvRow(rec []string, ncols int, pick []int, f *File, row []Value) bool {
	if f.Misfit(rec, ncols) != "" {
		return false
	}
	for i, p := range pick {
		if p >= ncols {
			row[i] = f.Parts[p-ncols]
		} else if s := f.Cell(rec, ncols, p); s == "" {
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
func jsonRow(raw []byte, cols *JSONColumns, vals []any, ncols int, pick []int, f *File, row []Value, st *ScanStats) bool {
	if raw == nil {
		return false
	}
	extra, err := cols.Decode(raw, vals)
	if err != nil {
		return false
	}
	st.outside(extra)
	for i, p := range pick {
		if p >= ncols {
			row[i] = f.Parts[p-ncols]
			continue
		}
		switch x := vals[p].(type) {
		case nil:
			row[i] = Value{Kind: KindNull}
		case string:
			row[i] = Value{Kind: KindText, S: x}
		case json.Number:
			row[i] = Value{Kind: KindText, S: string(x)}
		case bool:
			row[i] = Value{Kind: KindText, S: strconv.FormatBool(x)}
		default: // an object or a list
			row[i] = Value{Kind: KindText, S: NestedText(x)}
		}
	}
	return true
}
