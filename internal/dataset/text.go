package dataset

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"unsafe"
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

// splitChunks reads a text stream and hands out chunks that end at a record
// boundary: a newline outside quotes (with quote 0, every newline). Each
// byte is scanned once; the quote state carries over, so quoted values may
// hold newlines.
func splitChunks(ctx context.Context, r io.Reader, f *File, quote byte, line int64, bufs *BufferPool, emit func(Chunk) error) error {
	buf := bufs.get(0)
	scanned, lastCut := 0, -1
	inQuote := false
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
		buf, scanned, lastCut = nb, len(rest), -1
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
		if fresh := buf[scanned:]; !inQuote && (quote == 0 || bytes.IndexByte(fresh, quote) < 0) {
			// No quote in the new data: its last newline is a boundary.
			if i := bytes.LastIndexByte(fresh, '\n'); i >= 0 {
				lastCut = scanned + i + 1
			}
			scanned = len(buf)
		}
		for i := scanned; i < len(buf); i++ {
			switch buf[i] {
			case '\n':
				if !inQuote {
					lastCut = i + 1
				}
			case quote:
				if quote != 0 {
					inQuote = !inQuote
				}
			}
		}
		scanned = len(buf)
		if err == io.EOF {
			if len(buf) > 0 {
				return send(len(buf))
			}
			return nil
		}
		if len(buf) >= chunkSize && lastCut > 0 {
			if err := send(lastCut); err != nil {
				return err
			}
		}
	}
}

// CSVRecord is one record of a chunk: its fields, the line it starts on
// and its raw text (for the quarantine).
type CSVRecord struct {
	Fields []string
	Line   int64
	Raw    string
}

// CSVRecords parses the records of a chunk. The chunk is read as one
// string: fields of lines without the quote character are substrings of
// it (no copying), and the fields slice is reused from record to record,
// so a record is only valid until yield returns. Quoted fields are
// unquoted. A record with an unterminated quote runs to the end of the
// chunk.
func CSVRecords(c Chunk, delim, quote byte, yield func(CSVRecord) bool) {
	text := unsafe.String(unsafe.SliceData(c.Data), len(c.Data))
	line := c.Line
	var fields []string
	for pos := 0; pos < len(text); {
		end := strings.IndexByte(text[pos:], '\n')
		if end < 0 {
			end = len(text)
		} else {
			end += pos
		}
		lineText := text[pos:end]
		rec := CSVRecord{Line: line}
		if strings.IndexByte(lineText, quote) < 0 {
			line++
			pos = end + 1
			lineText = trimCR(lineText)
			if lineText == "" {
				continue
			}
			rec.Raw = lineText
			fields = splitFields(fields[:0], lineText, delim)
			rec.Fields = fields
		} else {
			var field []byte
			fields = fields[:0]
			i := pos
			inQ := false
			startQuoted := false
			for ; i < len(text); i++ {
				ch := text[i]
				if inQ {
					if ch == quote {
						if i+1 < len(text) && text[i+1] == quote {
							field = append(field, quote)
							i++
							continue
						}
						inQ = false
						continue
					}
					if ch == '\n' {
						line++
					}
					field = append(field, ch)
					continue
				}
				if ch == quote && len(field) == 0 && !startQuoted {
					inQ, startQuoted = true, true
					continue
				}
				if ch == delim {
					fields = append(fields, string(field))
					field, startQuoted = field[:0], false
					continue
				}
				if ch == '\n' {
					break
				}
				field = append(field, ch)
			}
			if !startQuoted && len(field) > 0 && field[len(field)-1] == '\r' {
				field = field[:len(field)-1]
			}
			fields = append(fields, string(field))
			rec.Raw = trimCR(text[pos:min(i, len(text))])
			rec.Fields = fields
			line++
			pos = i + 1
		}
		if !yield(rec) {
			return
		}
	}
}

func trimCR(s string) string {
	if n := len(s); n > 0 && s[n-1] == '\r' {
		return s[:n-1]
	}
	return s
}

func splitFields(out []string, s string, delim byte) []string {
	for {
		i := strings.IndexByte(s, delim)
		if i < 0 {
			return append(out, s)
		}
		out = append(out, s[:i])
		s = s[i+1:]
	}
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
