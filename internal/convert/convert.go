package convert

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/commit"
	"github.com/lakectl/lakectl/internal/dataset"
	"github.com/lakectl/lakectl/internal/format"
	"github.com/lakectl/lakectl/internal/progress"
	"github.com/lakectl/lakectl/internal/storage"
)

// Summary is what a conversion did. Rows read always equal rows written
// plus rows quarantined. Its JSON shape is stable; see docs/convert.md.
type Summary struct {
	RunID       string `json:"runId"`
	Source      string `json:"source"`
	Destination string `json:"destination"`
	Table       string `json:"table,omitempty"`
	Mode        string `json:"mode"`
	Compression string `json:"compression"`
	Committed   bool   `json:"committed"`
	FilesRead   int    `json:"filesRead"`
	// FilesSkipped are files under the source's locations that are not its
	// data (markers, binaries, files of another format or header), with
	// the reason: never read, never silently.
	FilesSkipped    []dataset.SkippedFile `json:"filesSkipped,omitempty"`
	RowsRead        int64                 `json:"rowsRead"`
	RowsWritten     int64                 `json:"rowsWritten"`
	RowsQuarantined int64                 `json:"rowsQuarantined"`
	MaxBadRecords   int64                 `json:"maxBadRecords"`
	Quarantine      string                `json:"quarantine,omitempty"`
	FilesWritten    int                   `json:"filesWritten"`
	BytesWritten    int64                 `json:"bytesWritten"`
	FilesReplaced   int                   `json:"filesReplaced"`
	SchemaChanges   []string              `json:"schemaChanges,omitempty"`
	// StaleRunsRemoved names the dead runs whose staged files this run
	// removed from the destination.
	StaleRunsRemoved []string `json:"staleRunsRemoved,omitempty"`
	// Recovered names the earlier run whose unfinished commit this run
	// finished before it began.
	Recovered string `json:"recovered,omitempty"`
	// FilesUnchanged are source files an earlier run into this
	// destination converted, unchanged since: an append skips them unless
	// told to convert them again (Options.Again).
	FilesUnchanged []UnchangedFile    `json:"filesUnchanged,omitempty"`
	Partitions     []PartitionSummary `json:"partitions"`
}

// UnchangedFile is a source file converted before, and the run that did.
type UnchangedFile struct {
	File string `json:"file"`
	Run  string `json:"run"`
}

// PartitionSummary is one output partition ("" for an unpartitioned table).
type PartitionSummary struct {
	Partition string `json:"partition"`
	Location  string `json:"location"`
	Rows      int64  `json:"rows"`
	Files     int    `json:"files"`
	Bytes     int64  `json:"bytes"`

	kept int64 // rows of files kept that the catalog does not count (commit)
}

// Run converts the input into Parquet under dest. It returns the summary
// even when the data failed the run (ErrTooManyBadRecords,
// ErrSchemaChange); nothing is committed then. cat may be nil when
// opts.Register is empty.
func Run(ctx context.Context, cat catalog.Catalog, in dataset.Input, dest storage.Store, opts Options) (*Summary, error) {
	if err := opts.Check(); err != nil {
		return nil, err
	}
	t := in.Table
	classification := t.Parameters[catalog.ParamClassification]
	if classification != format.CSV && classification != format.JSON {
		return nil, catalog.Invalidf("source %s is %q: convert reads csv and json (use `lakectl convert compact` for Parquet)", in.Name(), classification)
	}
	return write(ctx, cat, t, in.Name(), dest, opts, func(ctx context.Context, c *conversion, send func(dataset.Task) error) error {
		files, skipped, err := dataset.List(ctx, in)
		if err != nil {
			return err
		}
		c.sum.FilesSkipped = skipped
		if files, err = c.newSources(ctx, files); err != nil {
			return err
		}
		c.sum.FilesRead = len(files)
		reader := &dataset.Reader{Table: t, Format: c.format, Bufs: &c.bufs, Progress: c.progress}
		return reader.Read(ctx, files, send)
	})
}

// AppendRows writes typed rows as a table of these columns under dest, the way
// a conversion writes: staged, committed whole, registered with
// opts.Register. A row holds one value per column: nil, string, bool,
// int64, float64, json.Number, time.Time (a date or timestamp column), or
// for nested columns map[string]any (or map[string]string) and []any.
// source names the rows in the summary.
//
// With several workers, each is handed whole row groups (opts.RowGroupSize
// rows), so that a row group holds rows consecutive in rows (unless it is
// cut early by size, 64 MiB): rows given sorted keep row-group statistics
// that prune, whatever the number of workers (each writes files of its
// own). One worker is handed batches of a few thousand rows, in order.
func AppendRows(ctx context.Context, cat catalog.Catalog, columns []catalog.Column, rows [][]any, source string, dest storage.Store, opts Options) (*Summary, error) {
	if err := opts.Check(); err != nil {
		return nil, err
	}
	t := &catalog.Table{Name: "rows", Parameters: map[string]string{}, StorageDescriptor: catalog.StorageDescriptor{Columns: columns}}
	return write(ctx, cat, t, source, dest, opts, func(ctx context.Context, c *conversion, send func(dataset.Task) error) error {
		c.progress.Expect(progress.Counts{Rows: int64(len(rows))})
		batch := columnBatchRows
		if c.opts.Workers > 1 {
			batch = c.opts.RowGroupSize
		}
		for len(rows) > 0 {
			n := min(len(rows), batch)
			if err := send(dataset.Task{Rows: rows[:n]}); err != nil {
				return err
			}
			rows = rows[n:]
		}
		return nil
	})
}

// produce hands a conversion's input to its workers.
type produce func(ctx context.Context, c *conversion, send func(dataset.Task) error) error

// write plans the output of a table's columns, runs the workers on what
// produce hands them, and commits.
func write(ctx context.Context, cat catalog.Catalog, t *catalog.Table, source string, dest storage.Store, opts Options, input produce) (*Summary, error) {
	sum := &Summary{RunID: opts.RunID, Source: source, Destination: dest.URI(""),
		Table: opts.Register, Mode: opts.Mode, Compression: opts.Compression, MaxBadRecords: opts.MaxBadRecords, Partitions: []PartitionSummary{}}

	// The input columns: the table's, then its partition keys. A text
	// column typed string for its SerDe's sake (quoted CSV) holds values of
	// the type the crawler inferred, and is written as such.
	var inFields []format.Field
	for _, c := range append(slices.Clone(t.StorageDescriptor.Columns), t.PartitionKeys...) {
		f, err := fieldOf(c)
		if err != nil {
			return nil, err
		}
		inFields = append(inFields, f)
	}
	plan, err := planColumns(inFields, opts.Transforms)
	if err != nil {
		return nil, err
	}
	// Partition columns leave the files and become folders.
	var fileCols []columnPlan
	partIdx := make([]int, len(opts.PartitionBy))
	for i, p := range opts.PartitionBy {
		partIdx[i] = slices.IndexFunc(plan, func(c columnPlan) bool { return c.field.Name == p })
		if partIdx[i] < 0 {
			return nil, catalog.OptionErrorf("PartitionBy", p, "no such column in the output")
		}
		if k := plan[partIdx[i]].field.Type.Kind; k == format.Array || k == format.Map || k == format.Struct {
			return nil, catalog.OptionErrorf("PartitionBy", p, "a %s column cannot be a partition", plan[partIdx[i]].field.Type)
		}
	}
	for i, c := range plan {
		if !slices.Contains(partIdx, i) {
			fileCols = append(fileCols, c)
		}
	}
	var fields []format.Field
	for _, c := range fileCols {
		fields = append(fields, c.field)
	}

	// Refused before anything is written, the destination's lease included
	// (and again under the lease, with the rest of the target's checks).
	if opts.Register != "" {
		db, name, _ := catalog.ParseTableName(opts.Register)
		if t, err := cat.GetTable(ctx, db, name); err == nil {
			if err := sameHome(t, dest, opts.Register); err != nil {
				return nil, err
			}
		}
	}
	// One writer at a time per destination: the catalog is read, the
	// files written and committed holding the destination, after any
	// commit a killed writer left is finished.
	w, err := commit.Begin(ctx, dest, cat, "convert", opts.RunID, opts.Waiting, opts.StaleAfter, opts.Failpoint)
	if err != nil {
		return sum, err
	}
	defer w.End(ctx)
	sum.Recovered, sum.StaleRunsRemoved = w.Recovered, w.Swept

	var target *catalog.Table
	if opts.Register != "" {
		if target, sum.SchemaChanges, err = checkTarget(ctx, cat, dest, opts, plan, partIdx, fields); err != nil {
			return sum, err
		}
	}

	c := &conversion{
		opts: &opts, t: t, dest: dest, plan: plan, fileCols: fileCols, partIdx: partIdx,
		format: dataset.FormatOf(t), sum: sum,
		staging:  path.Join(commit.StagingDir, opts.RunID),
		progress: progress.Or(opts.Progress),
	}
	c.progress.Stage("convert")
	if c.format.Classification == format.JSON {
		if c.json, err = dataset.NewJSONColumns(t.StorageDescriptor.Columns); err != nil {
			return nil, err
		}
	}
	if err := c.run(ctx, input); err != nil {
		c.discard()
		return sum, err
	}
	if sum.RowsQuarantined > opts.MaxBadRecords {
		c.discard()
		return sum, fmt.Errorf("%d bad records, more than the %d allowed; nothing was written (see %s): %w",
			sum.RowsQuarantined, opts.MaxBadRecords, sum.Quarantine, ErrTooManyBadRecords)
	}
	if err := w.Check(ctx); err != nil {
		c.discard() // another writer took the destination: commit nothing
		return sum, fmt.Errorf("%s: %w", dest.URI(""), err)
	}
	if len(sum.FilesUnchanged) > 0 && len(c.files) == 0 && opts.Mode == Append {
		c.discard() // nothing new: nothing to commit
		return sum, nil
	}
	if err := c.commit(ctx, cat, target); err != nil {
		_, decided := errors.AsType[*commit.DecidedError](err)
		_, uncertain := errors.AsType[*commit.UncertainError](err)
		if !decided && !uncertain {
			c.discard() // no journal: nothing was made visible, nothing is left
		}
		return sum, err
	}
	sum.Committed = true
	return sum, nil
}

// Hidden folders of the destination (names starting with _ are not data
// to query engines and crawlers).
const (
	quarantineDir = "_lakectl_quarantine"
)

// conversion is one run's state.
type conversion struct {
	opts     *Options
	t        *catalog.Table
	dest     storage.Store
	schema   *Schema // decided from the first task (sampleLayout)
	plan     []columnPlan
	fileCols []columnPlan
	partIdx  []int
	format   dataset.Format
	json     *dataset.JSONColumns
	sum      *Summary
	staging  string

	bufs              dataset.BufferPool
	read, quarantined atomic.Int64
	mu                sync.Mutex
	files             []written
	qw                *quarantine
	sources           []commit.Source // the files read, as listed
	progress          progress.Reporter
}

// readRows counts rows read (all of a task's or chunk's at once: an atomic
// add per record on a counter all workers share cost a fifth of the run).
func (c *conversion) readRows(n int64) {
	c.read.Add(n)
	c.progress.Add(progress.Counts{Rows: n})
}

// newSources records the source files the run reads, leaving out (in
// append mode, unless Again) those that an earlier run into the
// destination converted and that have not changed since.
func (c *conversion) newSources(ctx context.Context, files []*dataset.File) ([]*dataset.File, error) {
	index, err := commit.ReadSources(ctx, c.dest)
	if err != nil {
		return nil, err
	}
	var keep []*dataset.File
	for _, f := range files {
		src := commit.Source{URI: f.URI, Size: f.Size, ModTime: f.ModTime.UTC(), ETag: f.ETag}
		if prev, ok := index[f.URI]; ok && prev.Same(src) && c.opts.Mode == Append && !c.opts.Again {
			c.sum.FilesUnchanged = append(c.sum.FilesUnchanged, UnchangedFile{File: f.URI, Run: prev.Run})
			continue
		}
		c.sources = append(c.sources, src)
		keep = append(keep, f)
	}
	return keep, nil
}

func (c *conversion) run(ctx context.Context, input produce) error {
	var once sync.Once
	// start decides the schema from the first task, before any worker
	// gets one (workers open their writers on their first task).
	start := func(first *dataset.Task) {
		l := c.sampleLayout(first)
		c.schema = newSchema(l.fields(c.fileFields()), l.plain)
	}
	err := dataset.FanOut(ctx, c.opts.Workers, func(ctx context.Context, send func(dataset.Task) error) error {
		err := input(ctx, c, func(t dataset.Task) error {
			once.Do(func() { start(&t) })
			return send(t)
		})
		once.Do(func() { start(nil) })
		return err
	}, func(ctx context.Context, w int, tasks <-chan dataset.Task) error {
		first, ok := <-tasks
		if !ok {
			return nil
		}
		ws := &writerSet{ctx: ctx, store: c.dest, staging: c.staging, prefix: fmt.Sprintf("part-%s-%02d", c.opts.RunID, w),
			schema: c.schema, opts: c.opts, open: map[string]*fileWriter{}}
		err := c.work(ctx, first, tasks, ws)
		if err == nil {
			err = ws.finishAll()
		}
		if err != nil {
			ws.abort(err)
			return err
		}
		c.mu.Lock()
		c.files = append(c.files, ws.files...)
		c.mu.Unlock()
		return nil
	})
	if qerr := c.qw.close(); err == nil {
		err = qerr
	}
	c.sum.RowsRead = c.read.Load()
	c.sum.RowsQuarantined = c.quarantined.Load()
	for _, f := range c.files {
		c.sum.RowsWritten += f.Rows
	}
	if err == nil && c.sum.RowsRead != c.sum.RowsWritten+c.sum.RowsQuarantined {
		err = fmt.Errorf("internal error: read %d rows, wrote %d and quarantined %d", c.sum.RowsRead, c.sum.RowsWritten, c.sum.RowsQuarantined)
	}
	return err
}

// work converts first, then the tasks that follow, and writes them.
func (c *conversion) work(ctx context.Context, first dataset.Task, tasks <-chan dataset.Task, ws *writerSet) error {
	sh := newShredder(c.schema)
	cb := &colBatches{ncols: len(c.fileCols), m: map[string]*colBatch{}}
	batches := map[string][]parquet.Row{}
	var pool []parquet.Row
	cells := make([]string, len(c.fileCols))
	values := make([]any, len(c.fileCols))
	in := make([]any, len(c.t.StorageDescriptor.Columns))
	partVals := make([]string, len(c.partIdx))
	flush := func() error {
		for part, b := range cb.m {
			if b.n == 0 {
				continue
			}
			if err := ws.writeColumns(part, b.cols, b.n); err != nil {
				return err
			}
			for i := range b.cols {
				b.cols[i] = b.cols[i][:0]
			}
			b.n = 0
		}
		cb.pending = 0
		for part, rows := range batches {
			if len(rows) == 0 {
				continue
			}
			if err := ws.write(part, rows); err != nil {
				return err
			}
			pool = append(pool, rows...)
			batches[part] = rows[:0]
		}
		return nil
	}
	next := func() parquet.Row {
		if n := len(pool); n > 0 {
			r := pool[n-1]
			pool = pool[:n-1]
			return r
		}
		return nil
	}
	add := func(part string, row parquet.Row) {
		batches[part] = append(batches[part], row)
	}
	do := func(t dataset.Task) error {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		if t.Rows != nil {
			c.readRows(int64(len(t.Rows)))
			for i, r := range t.Rows {
				row, part, reason := c.typedRecord(sh, next(), r, values, partVals)
				if reason != "" {
					c.bad(ctx, badRecord{file: c.sum.Source, unit: "record", n: int64(i + 1), raw: fmt.Sprint(r), reason: reason})
					continue
				}
				add(part, row)
			}
		} else if t.Docs != nil {
			c.readRows(int64(len(t.Docs)))
			for _, d := range t.Docs {
				row, part, reason := c.jsonRecord(sh, next(), d.Raw, in, values, partVals, d.File)
				if reason != "" {
					c.bad(ctx, badRecord{file: d.File.URI, unit: "record", n: d.N, raw: string(d.Raw), reason: reason})
					continue
				}
				add(part, row)
			}
		} else if c.format.Classification == format.CSV {
			valid := utf8.Valid(t.Chunk.Data)
			var ferr error
			var n int64
			dataset.CSVRecords(t.Chunk, c.format.Dialect(), func(rec format.CSVRecord) bool {
				n++
				if rec.Bad != "" {
					c.bad(ctx, badRecord{file: t.Chunk.File.URI, unit: "line", n: rec.Line, lines: rec.Lines, bytes: rec.Bytes, raw: strings.Clone(rec.Raw), reason: rec.Bad})
					return true
				}
				raw := rec.Raw
				if valid {
					raw = "" // the whole chunk is UTF-8: no need to check again
				}
				if reason := c.csvRecord(sh, cb, rec.Fields, raw, cells, partVals, t.Chunk.File); reason != "" {
					c.bad(ctx, badRecord{file: t.Chunk.File.URI, unit: "line", n: rec.Line, lines: rec.Lines, bytes: rec.Bytes, raw: strings.Clone(rec.Raw), reason: reason})
				} else if cb.pending++; cb.pending >= columnBatchRows {
					ferr = flush()
					return ferr == nil
				}
				return true
			})
			c.readRows(n)
			if ferr != nil {
				return ferr
			}
		} else {
			var n int64
			dataset.JSONLines(t.Chunk, func(line int64, text []byte) bool {
				n++
				row, part, reason := c.jsonRecord(sh, next(), text, in, values, partVals, t.Chunk.File)
				if reason != "" {
					c.bad(ctx, badRecord{file: t.Chunk.File.URI, unit: "line", n: line, lines: 1, bytes: len(text), raw: string(text), reason: reason})
					return true
				}
				add(part, row)
				return true
			})
			c.readRows(n)
		}
		if err := flush(); err != nil {
			return err
		}
		if t.Chunk.Data != nil {
			c.bufs.Put(t.Chunk.Data) // its values are written: the buffer is free
		}
		c.progress.Add(progress.Counts{Bytes: t.Bytes})
		return nil
	}
	if err := do(first); err != nil {
		return err
	}
	for t := range tasks {
		if err := do(t); err != nil {
			return err
		}
	}
	return flush()
}
