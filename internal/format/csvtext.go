package format

import (
	"bytes"
	"strings"
	"unsafe"
)

// MaxQuotedBytes bounds how far a quoted field may run. A quoted field
// not closed within this many bytes of its opening quote, or by the end of
// the input, makes its record bad: the record ends with the line the quote
// opened on, and reading resumes at the next line, so one stray quote costs
// one record rather than the rest of the file. Python's csv module bounds a
// field at 128 KiB; 1 MiB leaves room for long multi-line texts.
const MaxQuotedBytes = 1 << 20

// CSVDialect is how a delimited text file is written. This file holds the
// one tokenizer of delimited text: the sniffer, the chunk boundaries of a
// parallel read and the records parsed from a chunk all follow its rules:
//
//   - a record ends at a newline outside quotes; a carriage return right
//     before that newline is not data;
//   - a field is quoted when its first byte is the quote character; inside
//     it a doubled quote is one quote, and delimiters and newlines are data;
//     text after the closing quote up to the delimiter is kept, unless the
//     field runs over a line end: its opening quote is then stray (below);
//   - a quote anywhere else is an ordinary character;
//   - a line that is empty (or holds only a carriage return) is no record;
//   - a quoted field left open (see MaxQuotedBytes), or one over several
//     lines whose closing quote is followed by text, makes a bad record.
type CSVDialect struct {
	Delim, Quote byte
	// maxQuoted replaces MaxQuotedBytes in tests, so that fuzzing reaches
	// the bound.
	maxQuoted int
}

// RecordEnd finds the end of the record that starts at data[0]: the index
// just past its newline (or len(data) for a last record without one). bad
// reports an unterminated quoted field; the record then ends with the line
// the quote opened on. ok is false when data ends before the record does
// and more input may follow (atEOF false).
func (d CSVDialect) RecordEnd(data []byte, atEOF bool) (end int, bad, ok bool) {
	if d.Quote == 0 {
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			return i + 1, false, true
		}
		return len(data), false, atEOF
	}
	fieldStart := true
	for i := 0; i < len(data); i++ {
		switch c := data[i]; {
		case c == '\n':
			return i + 1, false, true
		case c == d.Delim:
			fieldStart = true
		case c == d.Quote && fieldStart:
			closed, more := d.closeQuote(data, i, atEOF)
			if more {
				return 0, false, false
			}
			if closed >= 0 && strayQuote(data, i, closed, d.Delim) {
				closed = -1
			}
			if closed < 0 { // unterminated: the record is the rest of this line
				if nl := bytes.IndexByte(data[i:], '\n'); nl >= 0 {
					return i + nl + 1, true, true
				}
				return len(data), true, atEOF
			}
			i = closed
			fieldStart = false
		default:
			fieldStart = false
		}
	}
	return len(data), false, atEOF
}

// strayQuote reports a quoted field, opened at data[open] and closed at
// data[closed], that runs over a line end and is followed by text (not a
// delimiter or the line end): a stray quote closed by the opening quote of
// a later line's field, which would silently swallow the lines between.
func strayQuote(data []byte, open, closed int, delim byte) bool {
	if closed+1 >= len(data) || bytes.IndexByte(data[open:closed], '\n') < 0 {
		return false
	}
	c := data[closed+1]
	return c != delim && c != '\n' && c != '\r'
}

// closeQuote finds the quote that closes the field opened at data[open]:
// its index, -1 when the field is unterminated, or more when the input
// read so far cannot tell.
func (d CSVDialect) closeQuote(data []byte, open int, atEOF bool) (closed int, more bool) {
	bound := MaxQuotedBytes
	if d.maxQuoted > 0 {
		bound = d.maxQuoted
	}
	limit := open + bound
	end := min(len(data), limit+1)
	for j := open + 1; ; {
		k := bytes.IndexByte(data[min(j, end):end], d.Quote)
		if k < 0 {
			if len(data) > limit || atEOF {
				return -1, false
			}
			return 0, true
		}
		j = min(j, end) + k + 1
		if j == len(data) && !atEOF {
			return 0, true // a doubled quote may follow
		}
		if j < len(data) && data[j] == d.Quote {
			j++
			continue
		}
		return j - 1, false
	}
}

// CSVRecord is one record: its fields, the line it starts on, the lines
// and bytes it spans, and its text without the line end (for the
// quarantine). Bad says why the record could not be read, when it could
// not.
type CSVRecord struct {
	Fields []string
	Line   int64
	Lines  int64
	Bytes  int
	Raw    string
	Bad    string
}

// Records parses whole records: data ends at a record boundary, or is the
// end of the input. Line is the line number of data's first line. Fields
// of records without quotes are substrings of data (no copying) and the
// fields slice is reused, so a record is only valid until yield returns.
func (d CSVDialect) Records(data []byte, line int64, yield func(CSVRecord) bool) {
	text := unsafe.String(unsafe.SliceData(data), len(data))
	var fields []string
	var field []byte
	for pos := 0; pos < len(text); {
		end := strings.IndexByte(text[pos:], '\n')
		if end < 0 {
			end = len(text)
		} else {
			end += pos
		}
		rec := CSVRecord{Line: line}
		if d.Quote == 0 || strings.IndexByte(text[pos:end], d.Quote) < 0 {
			rec.Raw = trimCR(text[pos:end])
			rec.Lines, rec.Bytes = 1, min(end+1, len(text))-pos
			line++
			pos = end + 1
			if rec.Raw == "" {
				continue
			}
			fields = splitFields(fields[:0], rec.Raw, d.Delim)
			rec.Fields = fields
		} else {
			n, bad, _ := d.RecordEnd(data[pos:], true)
			body := text[pos : pos+n]
			rec.Lines = int64(strings.Count(body, "\n"))
			if !strings.HasSuffix(body, "\n") {
				rec.Lines++
			}
			rec.Bytes = n
			rec.Raw = trimCR(strings.TrimSuffix(body, "\n"))
			line += rec.Lines
			pos += n
			if bad {
				rec.Bad = "a quoted field is not closed (by the end of the file, within 1 MiB, or before text on a later line); the record is its first line"
				if rec.Lines > 1 {
					rec.Bad = "a quoted field is not closed (by the end of the file, within 1 MiB, or before text on a later line); the record ends with the line the quote opened on"
				}
			} else {
				fields, field = d.splitQuoted(fields[:0], field, rec.Raw)
				rec.Fields = fields
			}
		}
		if !yield(rec) {
			return
		}
	}
}

// splitQuoted splits one whole record that holds quotes.
func (d CSVDialect) splitQuoted(out []string, field []byte, s string) ([]string, []byte) {
	field = field[:0]
	start := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == d.Quote && start:
			for i++; i < len(s); i++ {
				if s[i] == d.Quote {
					if i+1 < len(s) && s[i+1] == d.Quote {
						i++
					} else {
						break
					}
				}
				field = append(field, s[i])
			}
			start = false
		case c == d.Delim:
			out = append(out, string(field))
			field, start = field[:0], true
		default:
			field = append(field, c)
			start = false
		}
	}
	return append(out, string(field)), field
}

// Parse splits text into records, at most max of them, with the number of
// bytes they took. When atEOF is false a record cut off by the end of data
// is left out; bad records are left out. Fields are copies.
func (d CSVDialect) Parse(data []byte, atEOF bool, max int) ([][]string, int) {
	var records [][]string
	pos := 0
	for pos < len(data) && len(records) < max {
		n, bad, ok := d.RecordEnd(data[pos:], atEOF)
		if !ok {
			break
		}
		d.Records(data[pos:pos+n], 1, func(r CSVRecord) bool {
			if r.Bad == "" && !bad {
				records = append(records, cloneFields(r.Fields))
			}
			return true
		})
		pos += n
	}
	return records, pos
}

func cloneFields(f []string) []string {
	out := make([]string, len(f))
	for i, s := range f {
		out[i] = strings.Clone(s)
	}
	return out
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
