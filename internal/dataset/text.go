package dataset

import (
	"bytes"
	"context"
	"io"
	"sync"

	"github.com/lakectl/lakectl/internal/format"
)

// Chunk is a run of whole records of one file.
type Chunk struct {
	File *File
	Line int64 // line number of the chunk's first line (1-based)
	Data []byte
}

// chunkSize is about how much text one parsing task takes.
const chunkSize = 4 << 20

// BufferPool recycles chunk buffers: a worker returns a chunk's buffer once
// its values are written (copied into the Parquet column buffers), so a
// long conversion does not make a chunk's worth of garbage per chunk.
type BufferPool struct{ p sync.Pool }

func (b *BufferPool) get(n int) []byte {
	if buf, ok := b.p.Get().(*[]byte); ok && cap(*buf) >= n {
		return (*buf)[:0]
	}
	return make([]byte, 0, max(n, chunkSize+chunkSize/4))
}

func (b *BufferPool) Put(buf []byte) {
	buf = buf[:0:cap(buf)]
	b.p.Put(&buf)
}

// splitChunks reads a text stream and hands out chunks that end at a
// record boundary, as the one tokenizer (format.CSVDialect) decides it: a
// quote opens a field only at its start, and a quoted field left open too
// long ends its record at the line it opened on, exactly as the records
// are then parsed. With quote 0 every newline is a boundary (JSON lines).
func splitChunks(ctx context.Context, r io.Reader, f *File, d format.CSVDialect, line int64, bufs *BufferPool, emit func(Chunk) error) error {
	buf := bufs.get(0)
	whole := 0 // buf[:whole] is whole records
	send := func(cut int) error {
		data := buf[:cut:cut]
		if err := emit(Chunk{File: f, Line: line, Data: data}); err != nil {
			return err
		}
		line += int64(bytes.Count(data, []byte{'\n'}))
		rest := buf[cut:]
		nb := bufs.get(len(rest))
		nb = nb[:len(rest)]
		copy(nb, rest)
		buf, whole = nb, whole-cut
		return nil
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if len(buf) == cap(buf) {
			nb := make([]byte, len(buf), 2*cap(buf))
			copy(nb, buf)
			buf = nb
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil && err != io.EOF {
			return err
		}
		if err == io.EOF {
			if len(buf) > 0 {
				return send(len(buf))
			}
			return nil
		}
		whole = wholeRecords(d, buf, whole)
		if len(buf) >= chunkSize && whole > 0 {
			if err := send(whole); err != nil {
				return err
			}
		}
	}
}

// wholeRecords is the end of the whole records of buf from pos, a record
// boundary, on. Each byte is looked at about once: lines before the next
// quote are whole records without a closer look.
func wholeRecords(d format.CSVDialect, buf []byte, pos int) int {
	for pos < len(buf) {
		rest := buf[pos:]
		q := -1
		if d.Quote != 0 {
			q = bytes.IndexByte(rest, d.Quote)
		}
		if q < 0 {
			if i := bytes.LastIndexByte(rest, '\n'); i >= 0 {
				return pos + i + 1
			}
			return pos
		}
		if i := bytes.LastIndexByte(rest[:q], '\n'); i >= 0 {
			pos += i + 1
		}
		n, _, ok := d.RecordEnd(buf[pos:], false)
		if !ok {
			return pos
		}
		pos += n
	}
	return pos
}

// CSVRecords parses the records of a chunk (see format.CSVDialect.Records:
// a record is only valid until yield returns).
func CSVRecords(c Chunk, d format.CSVDialect, yield func(format.CSVRecord) bool) {
	d.Records(c.Data, c.Line, yield)
}

// JSONLines yields the non-blank lines of a chunk with their numbers.
func JSONLines(c Chunk, yield func(line int64, text []byte) bool) {
	line := c.Line
	data := c.Data
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		var text []byte
		if i < 0 {
			text, data = data, nil
		} else {
			text, data = data[:i], data[i+1:]
		}
		text = bytes.TrimRight(text, "\r")
		if len(bytes.TrimSpace(text)) > 0 && !yield(line, text) {
			return
		}
		line++
	}
}
