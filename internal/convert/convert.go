package convert

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/format"
	"github.com/lakectl/lakectl/internal/storage"
)

// Input is what to convert: a table as the catalog (or a crawl of a path)
// describes it, and its data locations.
type Input struct {
	Table      *catalog.Table
	Partitions []catalog.Partition // empty: the table's own location
	// Store opens the store rooted at a location.
	Store func(ctx context.Context, uri string) (storage.Store, error)
	// Files, when set, are the only files to read (keys under the
	// table's location): a source that is one file.
	Files []string
}

// inputFile is one data file to read.
type inputFile struct {
	store  storage.Store
	key    string
	uri    string
	values []string // the values of the source's partition keys
	// For CSV with a header: the file's field for each table column (-1:
	// the file lacks it, null) and the number of fields a row must have.
	cols    []int
	nfields int
}

// Summary is what a conversion did. Rows read always equal rows written
// plus rows quarantined. Its JSON shape is stable; see docs/convert.md.
type Summary struct {
	RunID           string             `json:"runId"`
	Source          string             `json:"source"`
	Destination     string             `json:"destination"`
	Table           string             `json:"table,omitempty"`
	Mode            string             `json:"mode"`
	Compression     string             `json:"compression"`
	Committed       bool               `json:"committed"`
	FilesRead       int                `json:"filesRead"`
	RowsRead        int64              `json:"rowsRead"`
	RowsWritten     int64              `json:"rowsWritten"`
	RowsQuarantined int64              `json:"rowsQuarantined"`
	MaxBadRecords   int64              `json:"maxBadRecords"`
	Quarantine      string             `json:"quarantine,omitempty"`
	FilesWritten    int                `json:"filesWritten"`
	BytesWritten    int64              `json:"bytesWritten"`
	FilesReplaced   int                `json:"filesReplaced"`
	SchemaChanges   []string           `json:"schemaChanges,omitempty"`
	Partitions      []PartitionSummary `json:"partitions"`
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
func Run(ctx context.Context, cat catalog.Catalog, in Input, dest storage.Store, opts Options) (*Summary, error) {
	if err := opts.Check(); err != nil {
		return nil, err
	}
	sum := &Summary{RunID: opts.RunID, Source: in.Table.StorageDescriptor.Location, Destination: dest.URI(""),
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
	schema := NewSchema(fields)

	var target *catalog.Table
	if opts.Register != "" {
		if target, sum.SchemaChanges, err = checkTarget(ctx, cat, opts, plan, partIdx, fields); err != nil {
			return sum, err
		}
	}

	files, err := listInput(ctx, in)
	if err != nil {
		return nil, err
	}
	sum.FilesRead = len(files)

	c := &conversion{
		opts: &opts, in: in, t: t, dest: dest, schema: schema, plan: plan, fileCols: fileCols, partIdx: partIdx,
		csv: classification == format.CSV, sum: sum,
		staging: path.Join(stagingDir, opts.RunID),
	}
	if c.csv {
		c.delim, c.quote, c.header = csvFormat(t)
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

func csvFormat(t *catalog.Table) (delim, quote byte, header bool) {
	delim, quote = ',', '"'
	sd := t.StorageDescriptor.SerdeInfo
	if d := t.Parameters["delimiter"]; d != "" {
		delim = d[0]
	} else if sd != nil && sd.Parameters["field.delim"] != "" {
		delim = sd.Parameters["field.delim"][0]
	} else if sd != nil && sd.Parameters["separatorChar"] != "" {
		delim = sd.Parameters["separatorChar"][0]
	}
	if sd != nil && sd.Parameters["quoteChar"] != "" {
		quote = sd.Parameters["quoteChar"][0]
	}
	return delim, quote, t.Parameters["skip.header.line.count"] == "1"
}

// listInput lists the data files of the input's locations.
func listInput(ctx context.Context, in Input) ([]*inputFile, error) {
	parts := in.Partitions
	if len(parts) == 0 {
		parts = []catalog.Partition{{StorageDescriptor: in.Table.StorageDescriptor}}
	}
	var files []*inputFile
	for _, p := range parts {
		s, err := in.Store(ctx, p.StorageDescriptor.Location)
		if err != nil {
			return nil, err
		}
		for obj, err := range s.List(ctx, "") {
			if err != nil {
				return nil, err
			}
			if format.Hidden(obj.Key) || obj.Size == 0 || len(in.Files) > 0 && !slices.Contains(in.Files, obj.Key) {
				continue
			}
			files = append(files, &inputFile{store: s, key: obj.Key, uri: s.URI(obj.Key), values: p.Values})
		}
	}
	return files, nil
}

// conversion is one run's state.
type conversion struct {
	opts     *Options
	in       Input
	t        *catalog.Table
	dest     storage.Store
	schema   *Schema
	plan     []columnPlan
	fileCols []columnPlan
	partIdx  []int
	csv      bool
	delim    byte
	quote    byte
	header   bool
	sum      *Summary
	staging  string

	bufs              bufferPool
	read, quarantined atomic.Int64
	mu                sync.Mutex
	files             []written
	qw                *quarantine
}

// task is a unit of parsing: a chunk of text, or decoded JSON documents.
type task struct {
	chunk chunk
	docs  []jsonDoc
}

type jsonDoc struct {
	file *inputFile
	n    int64
	raw  []byte
}

func (c *conversion) run(ctx context.Context, files []*inputFile) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	tasks := make(chan task, c.opts.Workers)
	var wg sync.WaitGroup
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
	err := c.produce(ctx, files, tasks)
	close(tasks)
	wg.Wait()
	if err == nil {
		err = context.Cause(ctx)
		if errors.Is(err, context.Canceled) && ctx.Err() != nil && context.Cause(ctx) == context.Canceled {
			err = ctx.Err()
		}
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

// produce reads the files one after the other and hands out tasks.
func (c *conversion) produce(ctx context.Context, files []*inputFile, tasks chan<- task) error {
	send := func(t task) error {
		select {
		case tasks <- t:
			return nil
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
	for _, f := range files {
		if err := c.produceFile(ctx, f, send); err != nil {
			return err
		}
	}
	return nil
}

func (c *conversion) produceFile(ctx context.Context, f *inputFile, send func(task) error) error {
	rc, err := f.store.Get(ctx, f.key)
	if err != nil {
		return fmt.Errorf("read %s: %w", f.uri, err)
	}
	defer rc.Close()
	head := make([]byte, 16)
	n, _ := io.ReadFull(rc, head)
	body, err := format.Decompress(format.DetectCompression(head[:n]), io.MultiReader(bytes.NewReader(head[:n]), rc))
	if err != nil {
		return fmt.Errorf("read %s: %w", f.uri, err)
	}
	defer body.Close()
	if c.csv {
		var r io.Reader = body
		line := int64(1)
		if c.header {
			br := newPeekReader(body)
			if r, err = c.readHeader(f, br); err != nil {
				return wrapRead(f, err)
			}
			line = 2
		}
		return wrapRead(f, splitChunks(ctx, r, f, c.quote, false, &c.bufs, func(ch chunk) error {
			ch.line += line - 1
			return send(task{chunk: ch})
		}))
	}
	// JSON: JSON lines (every line of the first 64 KiB a whole value) are
	// split like text; a document (an array, or values over several lines)
	// is decoded here and handed out in batches of records.
	br := newPeekReader(body)
	head, err = br.peek(64 << 10)
	if err != nil {
		return wrapRead(f, err)
	}
	if jsonLinesText(head) {
		return wrapRead(f, splitChunks(ctx, br, f, 0, false, &c.bufs, func(ch chunk) error { return send(task{chunk: ch}) }))
	}
	first := head
	dec := json.NewDecoder(br)
	array := false
	if tok := bytes.TrimLeft(first, " \t\r\n\xef\xbb\xbf"); len(tok) > 0 && tok[0] == '[' {
		if _, err := dec.Token(); err != nil {
			return wrapRead(f, err)
		}
		array = true
	}
	var batch []jsonDoc
	for k := int64(1); ; k++ {
		if array && !dec.More() {
			break
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err == io.EOF {
			break
		} else if err != nil {
			// The rest of the document cannot be read: one bad record.
			batch = append(batch, jsonDoc{file: f, n: k, raw: nil})
			break
		}
		batch = append(batch, jsonDoc{file: f, n: k, raw: raw})
		if len(batch) == 4096 {
			if err := send(task{docs: batch}); err != nil {
				return err
			}
			batch = nil
		}
	}
	if len(batch) > 0 {
		return send(task{docs: batch})
	}
	return nil
}

func wrapRead(f *inputFile, err error) error {
	if err == nil || errors.Is(err, context.Canceled) {
		return err
	}
	return fmt.Errorf("read %s: %w", f.uri, err)
}

// peekReader lets the first line be looked at before the stream is read.
type peekReader struct {
	r    io.Reader
	head []byte
}

func newPeekReader(r io.Reader) *peekReader { return &peekReader{r: r} }

// readHeader reads a CSV file's header line and maps the table's columns
// to the file's fields by name (as the crawler names them), so that files
// written before a column was added still read right. It returns the
// reader of the rest of the file.
func (c *conversion) readHeader(f *inputFile, br *peekReader) (io.Reader, error) {
	head, err := br.peek(1 << 20)
	if err != nil {
		return nil, err
	}
	end := bytes.IndexByte(head, '\n')
	if end < 0 {
		end = len(head)
	}
	var names []string
	csvRecords(chunk{data: head[:end]}, c.delim, c.quote, func(r csvRecord) bool { names = r.fields; return false })
	f.nfields = len(names)
	byName := map[string]int{}
	for i, n := range format.HeaderNames(names) {
		byName[n] = i
	}
	f.cols = make([]int, len(c.t.StorageDescriptor.Columns))
	for i, col := range c.t.StorageDescriptor.Columns {
		j, ok := byName[col.Name]
		if !ok {
			j = -1
		}
		f.cols[i] = j
	}
	br.head = head[min(end+1, len(head)):]
	return br, nil
}

// peek reads up to n bytes that Read will return again.
func (p *peekReader) peek(n int) ([]byte, error) {
	buf, _, err := readUpTo(p.r, n)
	p.head = buf
	return buf, err
}

func readUpTo(r io.Reader, n int) ([]byte, bool, error) {
	buf := make([]byte, n)
	m, err := io.ReadFull(r, buf)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return buf[:m], true, nil
	}
	return buf[:m], false, err
}

// jsonLinesText: every complete non-blank line is one JSON value.
func jsonLinesText(head []byte) bool {
	lines := bytes.Split(head, []byte{'\n'})
	if len(lines) > 1 {
		lines = lines[:len(lines)-1] // possibly cut short
	}
	seen := false
	for _, l := range lines {
		l = bytes.TrimSpace(l)
		if len(l) == 0 {
			continue
		}
		if l[0] != '{' || !json.Valid(l) {
			return false
		}
		seen = true
	}
	return seen
}

func (p *peekReader) Read(b []byte) (int, error) {
	if len(p.head) > 0 {
		n := copy(b, p.head)
		p.head = p.head[n:]
		return n, nil
	}
	return p.r.Read(b)
}

// work converts tasks into rows and writes them.
func (c *conversion) work(ctx context.Context, tasks <-chan task, ws *writerSet) error {
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
		if t.docs != nil {
			for _, d := range t.docs {
				c.read.Add(1)
				row, part, reason := c.jsonRecord(sh, next(), d.raw, values, partVals, d.file)
				if reason != "" {
					c.bad(ctx, d.file.uri, d.n, string(d.raw), "record", reason)
					continue
				}
				add(part, row)
			}
		} else if c.csv {
			first := t.chunk.header
			valid := utf8.Valid(t.chunk.data)
			csvRecords(t.chunk, c.delim, c.quote, func(rec csvRecord) bool {
				if first {
					first = false
					return true
				}
				c.read.Add(1)
				raw := rec.raw
				if valid {
					raw = "" // the whole chunk is UTF-8: no need to check again
				}
				if reason := c.csvRecord(sh, cb, rec.fields, raw, cells, partVals, t.chunk.file); reason != "" {
					c.bad(ctx, t.chunk.file.uri, rec.line, strings.Clone(rec.raw), "line", reason)
				}
				return true
			})
		} else {
			jsonLines(t.chunk, func(line int64, text []byte) bool {
				c.read.Add(1)
				row, part, reason := c.jsonRecord(sh, next(), text, values, partVals, t.chunk.file)
				if reason != "" {
					c.bad(ctx, t.chunk.file.uri, line, string(text), "line", reason)
					return true
				}
				add(part, row)
				return true
			})
		}
		if err := flush(); err != nil {
			return err
		}
		if t.chunk.data != nil {
			c.bufs.put(t.chunk.data) // its values are written: the buffer is free
		}
	}
	return flush()
}
