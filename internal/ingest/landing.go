package ingest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/dataset"
	"github.com/lakectl/lakectl/internal/format"
)

// landing writes a run's rows into staged files of its format, a new file
// each time one reaches the target size.
type landing struct {
	r     *run
	cols  []catalog.Column
	cur   *landingFile
	files int
}

type landingFile struct {
	staged string
	name   string
	pw     *io.PipeWriter
	put    chan error
	n      *format.CountingWriter
	enc    RowEncoder
	rows   int64
}

// A RowEncoder writes the rows of one file in its format.
type RowEncoder interface {
	Write(rows [][]any) error
	// Close ends the file (its footer, its last buffered bytes), leaving
	// the writer under it open.
	Close() error
}

func (l *landing) write(ctx context.Context, rows [][]any) error {
	if l.cur == nil {
		if err := l.open(ctx); err != nil {
			return err
		}
	}
	if err := l.cur.enc.Write(rows); err != nil {
		return l.fail(err)
	}
	l.cur.rows += int64(len(rows))
	if l.cur.n.N >= l.r.opts.TargetFileSize {
		return l.closeFile()
	}
	return nil
}

func (l *landing) open(ctx context.Context) error {
	ext := map[string]string{FormatJSONL: ".jsonl", FormatCSV: ".csv", FormatParquet: ".parquet"}[l.r.opts.Format]
	f := &landingFile{staged: l.r.stage(l.files), name: fmt.Sprintf("%s-%05d%s", l.r.opts.RunID, l.files, ext), put: make(chan error, 1)}
	l.files++
	pr, pw := io.Pipe()
	f.pw = pw
	go func() {
		err := l.r.ds.Put(ctx, f.staged, pr)
		pr.CloseWithError(err) // a writer blocked on a failed Put returns
		f.put <- err
	}()
	f.n = &format.CountingWriter{W: pw}
	var err error
	switch l.r.opts.Format {
	case FormatCSV:
		f.enc = newCSVEncoder(f.n, l.cols)
	case FormatJSONL:
		f.enc = newJSONLEncoder(f.n, l.cols)
	case FormatParquet:
		f.enc, err = l.r.opts.Parquet(f.n, l.cols)
	}
	l.cur = f
	if err != nil {
		return l.fail(err)
	}
	return nil
}

// closeFile finishes the current file and adds it to the commit.
func (l *landing) closeFile() error {
	f := l.cur
	if f == nil {
		return nil
	}
	if err := f.enc.Close(); err != nil {
		return l.fail(err)
	}
	f.pw.Close()
	if err := <-f.put; err != nil {
		l.cur = nil
		return err
	}
	l.cur = nil
	l.r.place(f.staged, f.name, Landed{Key: f.name, Size: f.n.N, Rows: f.rows})
	return nil
}

func (l *landing) close() error { return l.closeFile() }

// fail ends the current file's Put with err, so that it stores nothing.
func (l *landing) fail(err error) error {
	if f := l.cur; f != nil {
		f.pw.CloseWithError(err)
		<-f.put
		l.cur = nil
	}
	return err
}

// abort drops a file left open by an error.
func (l *landing) abort() {
	if l.cur != nil {
		l.fail(fmt.Errorf("the run failed"))
	}
}

// cellText is a value's text in a CSV cell or a JSON string: dates as
// YYYY-MM-DD, local date-times as Hive writes timestamps (YYYY-MM-DD
// HH:MM:SS.fffffffff), instants in RFC 3339 UTC, nested values in the one
// text form every lakectl reader makes of them.
func cellText(c catalog.Column, v any) string {
	if t, ok := v.(time.Time); ok {
		t = t.UTC()
		switch {
		case c.Type == "date":
			return t.Format(time.DateOnly)
		case c.Parameters[catalog.ParamLocalTime] == "true":
			return t.Format("2006-01-02 15:04:05.999999999")
		}
		return t.Format(time.RFC3339Nano)
	}
	switch v.(type) {
	case map[string]any, []any:
		return dataset.NestedText(v)
	}
	return valueText(v)
}

type csvEncoder struct {
	buf  *bufio.Writer
	w    *csv.Writer
	cols []catalog.Column
	rec  []string
	head bool
}

func newCSVEncoder(w io.Writer, cols []catalog.Column) *csvEncoder {
	buf := bufio.NewWriterSize(w, 1<<16)
	return &csvEncoder{buf: buf, w: csv.NewWriter(buf), cols: cols, rec: make([]string, len(cols))}
}

func (e *csvEncoder) Write(rows [][]any) error {
	if !e.head {
		for i, c := range e.cols {
			e.rec[i] = c.Name
		}
		e.w.Write(e.rec)
		e.head = true
	}
	for _, row := range rows {
		for i, v := range row {
			e.rec[i] = cellText(e.cols[i], v)
		}
		if err := e.w.Write(e.rec); err != nil {
			return err
		}
	}
	e.w.Flush()
	return e.w.Error()
}

func (e *csvEncoder) Close() error {
	e.w.Flush()
	if err := e.w.Error(); err != nil {
		return err
	}
	return e.buf.Flush()
}

type jsonlEncoder struct {
	buf   *bufio.Writer
	cols  []catalog.Column
	names [][]byte
	line  bytes.Buffer
}

func newJSONLEncoder(w io.Writer, cols []catalog.Column) *jsonlEncoder {
	e := &jsonlEncoder{buf: bufio.NewWriterSize(w, 1<<16), cols: cols}
	for _, c := range cols {
		name, _ := json.Marshal(c.Name)
		e.names = append(e.names, name)
	}
	return e
}

func (e *jsonlEncoder) Write(rows [][]any) error {
	for _, row := range rows {
		e.line.Reset()
		e.line.WriteByte('{')
		for i, v := range row {
			if i > 0 {
				e.line.WriteByte(',')
			}
			e.line.Write(e.names[i])
			e.line.WriteByte(':')
			if err := appendJSON(&e.line, e.cols[i], v); err != nil {
				return fmt.Errorf("column %s: %w", e.cols[i].Name, err)
			}
		}
		e.line.WriteString("}\n")
		if _, err := e.buf.Write(e.line.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

func (e *jsonlEncoder) Close() error { return e.buf.Flush() }

// appendJSON writes a value as JSON: numbers as numbers (NaN and the
// infinities, which JSON lacks, as the strings "NaN", "Infinity" and
// "-Infinity", as Spark writes them), dates and times as strings.
func appendJSON(b *bytes.Buffer, c catalog.Column, v any) error {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
		return nil
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
		return nil
	case float64:
		switch {
		case math.IsNaN(x):
			b.WriteString(`"NaN"`)
		case math.IsInf(x, 1):
			b.WriteString(`"Infinity"`)
		case math.IsInf(x, -1):
			b.WriteString(`"-Infinity"`)
		default:
			b.WriteString(strconv.FormatFloat(x, 'g', -1, 64))
		}
		return nil
	case json.Number:
		b.WriteString(string(x))
		return nil
	case bool:
		b.WriteString(strconv.FormatBool(x))
		return nil
	case time.Time:
		v = cellText(c, x)
	}
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	b.Write(data)
	return nil
}
