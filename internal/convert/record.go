package convert

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/dataset"
	"github.com/lakectl/lakectl/internal/storage"
)

// csvRecord converts one CSV record: its cells (the table's columns), then
// the source partition values, through the column plan. A non-empty
// reason means the record is bad.
func (c *conversion) csvRecord(sh *shredder, batches *colBatches, rec []string, raw string, cells, partVals []string, f *dataset.File) string {
	ncols := len(c.t.StorageDescriptor.Columns)
	if !utf8.ValidString(raw) {
		return "not valid UTF-8"
	}
	if f.Cols != nil {
		if len(rec) != f.NFields {
			return fmt.Sprintf("%d fields, the header has %d", len(rec), f.NFields)
		}
	} else if len(rec) != ncols {
		return fmt.Sprintf("%d fields, the table has %d columns", len(rec), ncols)
	}
	input := func(i int) string { return csvInput(rec, f, ncols, i) }
	for i, p := range c.partIdx {
		partVals[i] = c.textOut(c.plan[p], input(c.plan[p].input))
	}
	for i, col := range c.fileCols {
		cells[i] = c.textOut(col, input(col.input))
	}
	batch := batches.of(partPath(c.opts.PartitionBy, partVals))
	if bad, err := sh.textColumns(batch.cols, cells); err != nil {
		return fmt.Sprintf("column %s: %v", c.fileCols[bad].field.Name, err)
	}
	batch.n++
	return ""
}

// colBatches are a worker's pending values, per partition, per column.
type colBatches struct {
	ncols   int
	m       map[string]*colBatch
	pending int // records in all batches since the last flush
}

// columnBatchRows is how many records a worker gathers before writing
// them to the column writers: few enough that the gathered values
// (24 bytes a cell) stay in the core's cache on their way to the writer.
const columnBatchRows = 4096

type colBatch struct {
	cols [][]parquet.Value
	n    int
}

func (b *colBatches) of(part string) *colBatch {
	cb := b.m[part]
	if cb == nil {
		cb = &colBatch{cols: make([][]parquet.Value, b.ncols)}
		b.m[part] = cb
	}
	return cb
}

// textOut applies a column's transform to a text value.
func (c *conversion) textOut(col columnPlan, v string) string {
	if v == "" {
		return v
	}
	switch col.kind {
	case Mask:
		return mask(v)
	case Tokenize:
		return tokenize(v, c.opts.TokenKey)
	}
	return v
}

// jsonRecord converts one JSON record.
func (c *conversion) jsonRecord(sh *shredder, row parquet.Row, raw []byte, values []any, partVals []string, f *dataset.File) (parquet.Row, string, string) {
	if raw == nil {
		return row, "", "the rest of the document is not valid JSON"
	}
	if !utf8.Valid(raw) {
		return row, "", "not valid UTF-8"
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return row, "", "not a JSON object: " + err.Error()
	}
	if obj == nil {
		return row, "", "not a JSON object: null"
	}
	// Keys as the crawler names columns (lower case, _ for others).
	norm := make(map[string]any, len(obj))
	for k, v := range obj {
		norm[sanitize(k)] = normalizeKeys(v)
	}
	ncols := len(c.t.StorageDescriptor.Columns)
	input := func(i int) any {
		if i < ncols {
			return norm[c.t.StorageDescriptor.Columns[i].Name]
		}
		return f.Values[i-ncols]
	}
	out := func(col columnPlan) any {
		v := input(col.input)
		if v == nil || col.kind == "" {
			return v
		}
		s := jsonText(v)
		if col.kind == Mask {
			return mask(s)
		}
		return tokenize(s, c.opts.TokenKey)
	}
	for i, p := range c.partIdx {
		v := out(c.plan[p])
		if v == nil {
			partVals[i] = ""
		} else {
			partVals[i] = jsonText(v)
		}
	}
	for i, col := range c.fileCols {
		values[i] = out(col)
	}
	row, bad, err := sh.jsonRow(row, values)
	if err != nil {
		return row, "", fmt.Sprintf("column %s: %v", c.fileCols[bad].field.Name, err)
	}
	return row, partPath(c.opts.PartitionBy, partVals), ""
}

func jsonText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return string(x)
	case bool:
		return strconv.FormatBool(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func sanitize(k string) string { return catalog.SanitizeName(k) }

// normalizeKeys renames the keys of nested objects as the crawler does.
func normalizeKeys(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[sanitize(k)] = normalizeKeys(e)
		}
		return m
	case []any:
		for i := range x {
			x[i] = normalizeKeys(x[i])
		}
	}
	return v
}

// partPath is the key=value/... folder of partition values.
func partPath(keys, values []string) string {
	if len(keys) == 0 {
		return ""
	}
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + hivePathValue(values[i])
	}
	return strings.Join(parts, "/")
}

// bad quarantines a record and counts it.
func (c *conversion) bad(ctx context.Context, file string, n int64, raw, unit, reason string) {
	c.quarantined.Add(1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.qw == nil {
		c.qw = newQuarantine(ctx, c.dest, quarantineDir+"/"+c.opts.RunID+".jsonl")
		c.sum.Quarantine = c.dest.URI(c.qw.key)
	}
	entry := map[string]any{"file": file, unit: n, "raw": raw, "reason": reason}
	if !utf8.ValidString(raw) {
		entry["raw"] = strings.ToValidUTF8(raw, "\uFFFD")
		entry["rawInvalidUTF8"] = true
	}
	c.qw.add(entry)
}

// quarantine streams bad records as JSON lines into one object.
type quarantine struct {
	key  string
	pw   *io.PipeWriter
	enc  *json.Encoder
	done chan error
	err  error
}

func newQuarantine(ctx context.Context, s storage.Store, key string) *quarantine {
	pr, pw := io.Pipe()
	q := &quarantine{key: key, pw: pw, done: make(chan error, 1)}
	q.enc = json.NewEncoder(pw)
	q.enc.SetEscapeHTML(false)
	go func() {
		err := s.Put(context.WithoutCancel(ctx), key, pr)
		pr.CloseWithError(err)
		q.done <- err
	}()
	return q
}

func (q *quarantine) add(entry map[string]any) {
	if q.err == nil {
		q.err = q.enc.Encode(entry)
	}
}

// close finishes the quarantine file (kept whatever else happens).
func (q *quarantine) close() error {
	if q == nil {
		return nil
	}
	q.pw.Close()
	if err := <-q.done; err != nil {
		return fmt.Errorf("quarantine %s: %w", q.key, err)
	}
	return q.err
}
