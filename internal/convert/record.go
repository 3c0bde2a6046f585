package convert

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"

	"github.com/lakectl/lakectl/internal/dataset"
	"github.com/lakectl/lakectl/internal/format"
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
	if reason := f.Misfit(rec, ncols); reason != "" {
		return reason
	}
	input := func(i int) string { return f.Cell(rec, ncols, i) }
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
// in holds the record's values of the table's columns.
func (c *conversion) jsonRecord(sh *shredder, row parquet.Row, raw []byte, in, values []any, partVals []string, f *dataset.File) (parquet.Row, string, string) {
	if raw == nil {
		return row, "", "the rest of the document is not valid JSON"
	}
	extra, err := c.json.Decode(raw, in)
	if err != nil {
		return row, "", err.Error()
	}
	if len(extra) > 0 {
		return row, "", fmt.Sprintf("member %s is not in the table's schema (recrawl the source to widen it)", strings.Join(extra, ", "))
	}
	ncols := len(c.t.StorageDescriptor.Columns)
	input := func(i int) any {
		if i < ncols {
			return in[i]
		}
		if v := f.Values[i-ncols]; v != "" {
			return v
		}
		return nil // a null partition value
	}
	out := func(col columnPlan) any { return c.valueOut(col, input(col.input)) }
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

// valueOut is a decoded value after the column's transform (masked and
// tokenised values are text).
func (c *conversion) valueOut(col columnPlan, v any) any {
	if v == nil || col.kind == "" {
		return v
	}
	s := typedText(v)
	if col.kind == Mask {
		return mask(s)
	}
	return tokenize(s, c.opts.TokenKey)
}

// typedRecord converts one row of typed values (AppendRows), one value per
// input column.
func (c *conversion) typedRecord(sh *shredder, row parquet.Row, in []any, values []any, partVals []string) (parquet.Row, string, string) {
	if n := len(c.t.StorageDescriptor.Columns) + len(c.t.PartitionKeys); len(in) != n {
		return row, "", fmt.Sprintf("%d values, the table has %d columns", len(in), n)
	}
	for i, p := range c.partIdx {
		switch v := c.valueOut(c.plan[p], in[c.plan[p].input]).(type) {
		case nil:
			partVals[i] = ""
		case time.Time:
			if c.plan[p].field.Type.Kind == format.Date {
				partVals[i] = v.UTC().Format(time.DateOnly) // a date's folder names the day
				break
			}
			partVals[i] = typedText(v)
		default:
			partVals[i] = typedText(v)
		}
	}
	for i, col := range c.fileCols {
		values[i] = c.valueOut(col, in[col.input])
	}
	row, bad, err := sh.jsonRow(row, values)
	if err != nil {
		return row, "", fmt.Sprintf("column %s: %v", c.fileCols[bad].field.Name, err)
	}
	return row, partPath(c.opts.PartitionBy, partVals), ""
}

// typedText is a typed value's text, as a partition folder names it.
func typedText(v any) string {
	switch x := v.(type) {
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	}
	return jsonText(v)
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
	return dataset.NestedText(v)
}

// partPath is the key=value/... folder of partition values, escaped as
// Hive escapes them.
func partPath(keys, values []string) string { return format.PartitionPath(keys, values) }

// badRecord is a record that could not be converted: where it is (its
// file, and its line, or its number in a JSON document), how many lines
// and bytes of text it spans, its text and why.
type badRecord struct {
	file        string
	unit        string // "line" or "record"
	n, lines    int64
	bytes       int
	raw, reason string
}

// bad quarantines a record and counts it.
func (c *conversion) bad(ctx context.Context, b badRecord) {
	c.quarantined.Add(1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.qw == nil {
		c.qw = newQuarantine(ctx, c.dest, quarantineDir+"/"+c.opts.RunID+".jsonl")
		c.sum.Quarantine = c.dest.URI(c.qw.key)
	}
	entry := map[string]any{"file": b.file, b.unit: b.n, "raw": b.raw, "reason": b.reason}
	if b.lines > 0 {
		entry["lines"], entry["bytes"] = b.lines, b.bytes
	}
	if !utf8.ValidString(b.raw) {
		entry["raw"] = strings.ToValidUTF8(b.raw, "\uFFFD")
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
