package convert

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/dataset"
	"github.com/lakectl/lakectl/internal/format"
	"github.com/lakectl/lakectl/internal/storage"
)

// Summary is what a conversion did. Rows read always equal rows written
// plus rows quarantined. Its JSON shape is stable; see docs/convert.md.
type Summary struct {
	RunID           string   `json:"runId"`
	Source          string   `json:"source"`
	Destination     string   `json:"destination"`
	Table           string   `json:"table,omitempty"`
	Mode            string   `json:"mode"`
	Compression     string   `json:"compression"`
	Committed       bool     `json:"committed"`
	FilesRead       int      `json:"filesRead"`
	RowsRead        int64    `json:"rowsRead"`
	RowsWritten     int64    `json:"rowsWritten"`
	RowsQuarantined int64    `json:"rowsQuarantined"`
	MaxBadRecords   int64    `json:"maxBadRecords"`
	Quarantine      string   `json:"quarantine,omitempty"`
	FilesWritten    int      `json:"filesWritten"`
	BytesWritten    int64    `json:"bytesWritten"`
	FilesReplaced   int      `json:"filesReplaced"`
	SchemaChanges   []string `json:"schemaChanges,omitempty"`
	// StaleRunsRemoved names the dead runs whose staged files this run
	// removed from the destination.
	StaleRunsRemoved []string           `json:"staleRunsRemoved,omitempty"`
	Partitions       []PartitionSummary `json:"partitions"`
}

// PartitionSummary is one output partition ("" for an unpartitioned table).
type PartitionSummary struct {
	Partition string `json:"partition"`
	Location  string `json:"location"`
	Rows      int64  `json:"rows"`
	Files     int    `json:"files"`
	Bytes     int64  `json:"bytes"`
}

// Run converts the input into Parquet under dest. It returns the summary
// even when the data failed the run (ErrTooManyBadRecords,
// ErrSchemaChange); nothing is committed then. cat may be nil when
// opts.Register is empty.
func Run(ctx context.Context, cat catalog.Catalog, in dataset.Input, dest storage.Store, opts Options) (*Summary, error) {
	if err := opts.Check(); err != nil {
		return nil, err
	}
	sum := &Summary{RunID: opts.RunID, Source: in.Name(), Destination: dest.URI(""),
		Table: opts.Register, Mode: opts.Mode, Compression: opts.Compression, MaxBadRecords: opts.MaxBadRecords, Partitions: []PartitionSummary{}}
	t := in.Table
	classification := t.Parameters["classification"]
	if classification != format.CSV && classification != format.JSON {
		return nil, catalog.Invalidf("source %s is %q: convert reads csv and json (use `lakectl convert compact` for Parquet)", sum.Source, classification)
	}

	// The input columns: the table's, then its partition keys.
	var inFields []format.Field
	for _, c := range append(slices.Clone(t.StorageDescriptor.Columns), t.PartitionKeys...) {
		typ, err := format.ParseHive(c.Type)
		if err != nil {
			return nil, err
		}
		inFields = append(inFields, format.Field{Name: c.Name, Type: typ})
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
			return nil, catalog.Invalidf("--partition-by %s: no such column in the output", p)
		}
		if k := plan[partIdx[i]].field.Type.Kind; k == format.Array || k == format.Map || k == format.Struct {
			return nil, catalog.Invalidf("--partition-by %s: a %s column cannot be a partition", p, plan[partIdx[i]].field.Type)
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

	var target *catalog.Table
	if opts.Register != "" {
		if target, sum.SchemaChanges, err = checkTarget(ctx, cat, opts, plan, partIdx, fields); err != nil {
			return sum, err
		}
	}

	files, err := dataset.List(ctx, in)
	if err != nil {
		return nil, err
	}
	sum.FilesRead = len(files)

	if sum.StaleRunsRemoved, err = sweepStaging(ctx, dest, opts.RunID, time.Now(), opts.StaleAfter); err != nil {
		return nil, fmt.Errorf("remove staging left by dead runs: %w", err)
	}
	defer heartbeat(ctx, dest, opts.RunID, HeartbeatEvery)()

	c := &conversion{
		opts: &opts, t: t, dest: dest, plan: plan, fileCols: fileCols, partIdx: partIdx,
		format: dataset.FormatOf(t), sum: sum,
		staging: path.Join(stagingDir, opts.RunID),
	}
	if err := c.run(ctx, files); err != nil {
		c.discard()
		return sum, err
	}
	if sum.RowsQuarantined > opts.MaxBadRecords {
		c.discard()
		return sum, fmt.Errorf("%d bad records, more than --max-bad-records %d; nothing was written (see %s): %w",
			sum.RowsQuarantined, opts.MaxBadRecords, sum.Quarantine, ErrTooManyBadRecords)
	}
	if err := c.commit(ctx, cat, target); err != nil {
		return sum, err
	}
	sum.Committed = true
	return sum, nil
}

// Hidden folders of the destination (names starting with _ are not data
// to query engines and crawlers).
const (
	stagingDir    = "_lakectl_staging"
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
	sum      *Summary
	staging  string

	bufs              dataset.BufferPool
	read, quarantined atomic.Int64
	mu                sync.Mutex
	files             []written
	qw                *quarantine
}

func (c *conversion) run(ctx context.Context, files []*dataset.File) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	tasks := make(chan dataset.Task, c.opts.Workers)
	var wg sync.WaitGroup
	var once sync.Once
	// start decides the schema from the first task and starts the workers.
	start := func(first *dataset.Task) {
		l := c.sampleLayout(first)
		c.schema = newSchema(l.fields(c.fileCols), l.plain)
		for w := range c.opts.Workers {
			ws := &writerSet{ctx: ctx, store: c.dest, staging: c.staging, prefix: fmt.Sprintf("part-%s-%02d", c.opts.RunID, w),
				schema: c.schema.parquet, opts: c.opts, open: map[string]*fileWriter{}}
			wg.Go(func() {
				if err := c.work(ctx, tasks, ws); err != nil {
					ws.abort(err)
					cancel(err)
					return
				}
				if err := ws.finishAll(); err != nil {
					ws.abort(err)
					cancel(err)
					return
				}
				c.mu.Lock()
				c.files = append(c.files, ws.files...)
				c.mu.Unlock()
			})
		}
	}
	reader := &dataset.Reader{Table: c.t, Format: c.format, Bufs: &c.bufs}
	err := reader.Read(ctx, files, func(t dataset.Task) error {
		once.Do(func() { start(&t) })
		select {
		case tasks <- t:
			return nil
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	})
	once.Do(func() { start(nil) })
	close(tasks)
	wg.Wait()
	if err == nil {
		err = context.Cause(ctx) // a worker's failure, or the caller's cancellation
	}
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

// work converts tasks into rows and writes them.
func (c *conversion) work(ctx context.Context, tasks <-chan dataset.Task, ws *writerSet) error {
	sh := newShredder(c.schema)
	cb := &colBatches{ncols: len(c.fileCols), m: map[string]*colBatch{}}
	batches := map[string][]parquet.Row{}
	var pool []parquet.Row
	cells := make([]string, len(c.fileCols))
	values := make([]any, len(c.fileCols))
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
	for t := range tasks {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		if t.Docs != nil {
			c.read.Add(int64(len(t.Docs)))
			for _, d := range t.Docs {
				row, part, reason := c.jsonRecord(sh, next(), d.Raw, values, partVals, d.File)
				if reason != "" {
					c.bad(ctx, d.File.URI, d.N, string(d.Raw), "record", reason)
					continue
				}
				add(part, row)
			}
		} else if c.format.Classification == format.CSV {
			valid := utf8.Valid(t.Chunk.Data)
			var ferr error
			var n int64 // added to c.read once a chunk: an atomic add per record on a counter all workers share cost a fifth of the run
			dataset.CSVRecords(t.Chunk, c.format.Delim, c.format.Quote, func(rec dataset.CSVRecord) bool {
				n++
				raw := rec.Raw
				if valid {
					raw = "" // the whole chunk is UTF-8: no need to check again
				}
				if reason := c.csvRecord(sh, cb, rec.Fields, raw, cells, partVals, t.Chunk.File); reason != "" {
					c.bad(ctx, t.Chunk.File.URI, rec.Line, strings.Clone(rec.Raw), "line", reason)
				} else if cb.pending++; cb.pending >= columnBatchRows {
					ferr = flush()
					return ferr == nil
				}
				return true
			})
			c.read.Add(n)
			if ferr != nil {
				return ferr
			}
		} else {
			var n int64
			dataset.JSONLines(t.Chunk, func(line int64, text []byte) bool {
				n++
				row, part, reason := c.jsonRecord(sh, next(), text, values, partVals, t.Chunk.File)
				if reason != "" {
					c.bad(ctx, t.Chunk.File.URI, line, string(text), "line", reason)
					return true
				}
				add(part, row)
				return true
			})
			c.read.Add(n)
		}
		if err := flush(); err != nil {
			return err
		}
		if t.Chunk.Data != nil {
			c.bufs.Put(t.Chunk.Data) // its values are written: the buffer is free
		}
	}
	return flush()
}
