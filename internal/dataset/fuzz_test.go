package dataset

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/format"
	"github.com/lakectl/lakectl/internal/storage"
)

// The fuzz targets of the reading layer. Each asserts a property that must
// hold for any bytes: the chunked read equals the whole read, the CSV
// parser agrees with encoding/csv where that accepts the input, record
// line numbers add up, and JSON records read back as encoding/json decodes
// them. Run one with
//
//	go test -run '^$' -fuzz '^FuzzCSVChunks$' -fuzztime 60s ./internal/dataset

// csvDelims and csvQuotes are the separators and quotes a fuzz input picks
// from with one byte (the crawler detects these delimiters).
var (
	csvDelims = []byte{',', '\t', ';', '|'}
	csvQuotes = []byte{'"', '\''}
)

// pieceReader hands out its bytes a few at a time, as a network stream
// does, so the chunk scanner sees records cut anywhere between reads.
type pieceReader struct {
	data  []byte
	sizes []byte // read sizes, cycled (each 1..16)
	n     int
}

func (p *pieceReader) Read(b []byte) (int, error) {
	if len(p.data) == 0 {
		return 0, io.EOF
	}
	k := 1
	if len(p.sizes) > 0 {
		k = int(p.sizes[p.n%len(p.sizes)])%16 + 1
		p.n++
	}
	k = min(k, len(b), len(p.data))
	copy(b, p.data[:k])
	p.data = p.data[k:]
	return k, nil
}

// streamStore serves one object through a pieceReader; the reader under
// test only calls Get and URI.
type streamStore struct {
	storage.Store
	data, sizes []byte
}

func (s streamStore) Get(context.Context, string) (io.ReadCloser, error) {
	return io.NopCloser(&pieceReader{data: s.data, sizes: s.sizes}), nil
}

func (s streamStore) URI(key string) string { return "stream://" + key }

// record is a CSVRecord kept past its yield.
type record struct {
	Fields      []string
	Line, Lines int64
	Bytes       int
	Raw, Bad    string
}

func csvRecords(c Chunk, delim, quote byte) []record {
	var out []record
	CSVRecords(c, format.CSVDialect{Delim: delim, Quote: quote}, func(r format.CSVRecord) bool {
		out = append(out, record{Fields: slices.Clone(r.Fields), Line: r.Line, Lines: r.Lines, Bytes: r.Bytes, Raw: r.Raw, Bad: r.Bad})
		return true
	})
	return out
}

// fillerLine is a record of one unquoted field that fills a chunk to just
// under chunkSize, so that the next bytes read make the scanner cut.
var fillerLine = func() []byte {
	b := bytes.Repeat([]byte{'x'}, chunkSize)
	b[len(b)-1] = '\n'
	return b
}()

// chunkBuffers are the buffers of one FuzzCSVChunks run, reused by the
// next: a fresh 5 MiB buffer per chunk would make the fuzzer crawl.
var chunkBuffers = func() (b [3][]byte) {
	for i := range b {
		b[i] = make([]byte, 0, chunkSize+chunkSize/4)
	}
	return b
}()

// FuzzCSVChunks: splitting a stream into chunks never changes its records.
// The bytes follow a filler line that ends cut bytes before chunkSize, so
// the scanner cuts somewhere inside them, and arrive a few at a time. The
// records of the chunks, fields, lines and raw text, must equal those of
// the same bytes parsed as one chunk (after the filler line: a complete
// unquoted line leaves no parser state behind). The whole parse's line
// numbers must also add up (checkLines).
func FuzzCSVChunks(f *testing.F) {
	f.Add([]byte("id,name\n1,\"a\nb\"\n2,c\n"), byte(0), byte(0), uint16(9), []byte{3, 1})
	f.Add([]byte("1,\"x\"\"y\",3\r\n2,,\r\n\n3,\"\",z"), byte(1), byte(0), uint16(4), []byte{0})
	f.Add([]byte("a;'b;c'\n'd\ne';f\n"), byte(2), byte(1), uint16(7), []byte{15, 2})
	f.Add([]byte("1,\"unterminated\n2,x\n3,y\n"), byte(0), byte(0), uint16(12), []byte{5})
	f.Fuzz(func(t *testing.T, data []byte, delimSel, quoteSel byte, at uint16, sizes []byte) {
		if len(data) == 0 {
			return
		}
		delim, quote := csvDelims[int(delimSel)%len(csvDelims)], csvQuotes[int(quoteSel)%len(csvQuotes)]
		checkChunked(t, data, format.CSVDialect{Delim: delim, Quote: quote}, 1+int(at)%len(data), &pieceReader{data: data, sizes: sizes})
	})
}

// TestCSVChunksLongQuotedField: a quoted field just within and just past
// format.MaxQuotedBytes, cut by the chunk scanner before, inside and after
// it, reads as the whole read does.
func TestCSVChunksLongQuotedField(t *testing.T) {
	for _, n := range []int{format.MaxQuotedBytes - 8, format.MaxQuotedBytes + 8} {
		text := bytes.Repeat([]byte("x"), n)
		for i := 1 << 16; i < n; i += 1 << 16 {
			text[i] = '\n'
		}
		data := slices.Concat([]byte("1,a\n2,\""), text, []byte("\",b\n3,c\n"))
		for _, cut := range []int{2, 8, len(data) / 2, len(data) - 6} {
			t.Run(fmt.Sprintf("%d bytes cut at %d", n, cut), func(t *testing.T) {
				whole := csvRecords(Chunk{Data: data, Line: 2}, ',', '"')
				if bad := whole[1].Bad != ""; bad != (n > format.MaxQuotedBytes) {
					t.Errorf("record 2 is bad: %v (%s), a quoted field of %d bytes", bad, whole[1].Bad, n)
				}
				checkChunked(t, data, format.CSVDialect{Delim: ',', Quote: '"'}, cut, bytes.NewReader(data))
			})
		}
	}
}

// checkChunked reads body (data) after a filler line that ends cut bytes
// before chunkSize, so that the scanner cuts cut bytes or so into data, and
// checks that the records of the chunks are those of data read whole, and
// that the whole read's line numbers add up.
func checkChunked(t *testing.T, data []byte, d format.CSVDialect, cut int, body io.Reader) {
	t.Helper()
	whole := csvRecords(Chunk{Data: data, Line: 2}, d.Delim, d.Quote)
	checkLines(t, data, 2, whole)
	filler := fillerLine[cut:]
	var bufs BufferPool
	for _, b := range chunkBuffers {
		bufs.Put(b)
	}
	var chunks []Chunk
	err := splitChunks(context.Background(), io.MultiReader(bytes.NewReader(filler), body), nil, d, 1, &bufs, func(c Chunk) error { chunks = append(chunks, c); return nil })
	if err != nil {
		t.Fatal(err)
	}
	var got []record
	rest := data
	for i, c := range chunks {
		text := c.Data
		if i == 0 {
			text = text[min(len(filler), len(text)):]
		}
		if !bytes.HasPrefix(rest, text) {
			t.Fatalf("chunk %d is not the input's next %d bytes", i+1, len(text))
		}
		rest = rest[len(text):]
		got = append(got, csvRecords(c, d.Delim, d.Quote)...)
	}
	if len(rest) > 0 || len(chunks[0].Data) < len(filler) {
		t.Fatalf("the chunks do not add up to the filler and the input")
	}
	if len(got) == 0 || len(got[0].Fields) != 1 || len(got[0].Fields[0]) != len(filler)-1 {
		t.Fatalf("the filler line was not read as one record")
	}
	if msg := diffRecords(got[1:], whole); msg != "" {
		t.Fatalf("the chunked read (%d chunks, the first cut %d bytes into the input's %d) differs from the whole read: %s", len(chunks), len(chunks[0].Data)-len(filler), len(data), msg)
	}
}

// checkLines: every record's raw text is its bytes at the line it reports
// (less the line end), over as many lines as it says, and the lines between
// one record and the next are blank: the line of the next record = this
// record's line + the lines it spans + the blank lines skipped.
func checkLines(t *testing.T, data []byte, first int64, recs []record) {
	t.Helper()
	text := string(data)
	starts := []int{0} // the offset of each line
	for i, b := range data {
		if b == '\n' {
			starts = append(starts, i+1)
		}
	}
	blank := func(l int64) bool { // line l is blank (or past the end)
		i := l - first
		if i >= int64(len(starts)) {
			return true
		}
		end := len(text)
		if i+1 < int64(len(starts)) {
			end = starts[i+1]
		}
		return strings.TrimRight(text[starts[i]:end], "\r\n") == ""
	}
	next := first // the first line not yet accounted for
	for i, r := range recs {
		if r.Line < next || r.Line-first >= int64(len(starts)) {
			t.Fatalf("record %d says line %d; the previous record ends before line %d of %d", i+1, r.Line, next, int64(len(starts))+first-1)
		}
		for l := next; l < r.Line; l++ {
			if !blank(l) {
				t.Fatalf("record %d says line %d, but line %d before it is not blank", i+1, r.Line, l)
			}
		}
		rest := text[starts[r.Line-first]:]
		if r.Bytes > len(rest) || strings.TrimSuffix(strings.TrimSuffix(rest[:r.Bytes], "\n"), "\r") != r.Raw {
			t.Fatalf("record %d's raw text %q is not its %d bytes at its line %d (%q)", i+1, r.Raw, r.Bytes, r.Line, rest[:min(len(rest), r.Bytes)])
		}
		if n := int64(strings.Count(r.Raw, "\n")) + 1; r.Lines != n {
			t.Fatalf("record %d spans %d lines, its raw text %d", i+1, r.Lines, n)
		}
		next = r.Line + r.Lines
	}
	for l := next; l-first < int64(len(starts)); l++ {
		if !blank(l) {
			t.Fatalf("line %d is in no record", l)
		}
	}
}

func diffRecords(got, want []record) string {
	for i := range max(len(got), len(want)) {
		switch {
		case i >= len(got):
			return "record missing: " + show(want[i])
		case i >= len(want):
			return "extra record: " + show(got[i])
		case !reflect.DeepEqual(got[i], want[i]):
			return "got " + show(got[i]) + ", want " + show(want[i])
		}
	}
	return ""
}

func show(r record) string {
	b, _ := json.Marshal(r)
	return string(b)
}

// FuzzCSVRecords: where encoding/csv (RFC 4180, LazyQuotes off) accepts an
// input, CSVRecords reads the same records on the same lines. One
// documented difference: encoding/csv turns a CRLF inside a quoted field
// into LF, CSVRecords keeps the field's bytes, so fields are compared with
// CRLF read as LF.
func FuzzCSVRecords(f *testing.F) {
	f.Add([]byte("id,name\n1,\"a, b\"\n\n2,\"say \"\"hi\"\"\"\n"), byte(0))
	f.Add([]byte("a\tb\r\n1\t\"x\r\ny\"\r\n"), byte(1))
	f.Add([]byte("a,b\n1,\n,\n"), byte(0))
	f.Fuzz(func(t *testing.T, data []byte, delimSel byte) {
		delim := csvDelims[int(delimSel)%len(csvDelims)]
		r := csv.NewReader(bytes.NewReader(data))
		r.Comma = rune(delim)
		r.FieldsPerRecord = -1
		var want []record
		for {
			fields, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				return // not RFC 4180: no reference to compare with
			}
			line, _ := r.FieldPos(0)
			want = append(want, record{Fields: fields, Line: int64(line)})
		}
		got := csvRecords(Chunk{Data: data, Line: 1}, delim, '"')
		for i := range max(len(got), len(want)) {
			if i >= len(got) || i >= len(want) {
				t.Fatalf("%d records, encoding/csv reads %d", len(got), len(want))
			}
			g, w := got[i], want[i]
			for j, s := range g.Fields {
				g.Fields[j] = strings.ReplaceAll(s, "\r\n", "\n")
			}
			if g.Line != w.Line {
				t.Fatalf("record %d: line %d, encoding/csv says %d", i+1, g.Line, w.Line)
			}
			if !slices.Equal(g.Fields, w.Fields) {
				t.Fatalf("record %d (line %d): fields %q, encoding/csv reads %q", i+1, g.Line, g.Fields, w.Fields)
			}
		}
	})
}

// FuzzCSVHeader: the Reader of a CSV file with a header, fed a few bytes at
// a time, takes the file's first record as the header and hands out the
// other records unchanged, on their own lines.
func FuzzCSVHeader(f *testing.F) {
	f.Add([]byte("id,\"full\nname\"\n1,\"a\"\n2,b\n"), byte(0), []byte{1})
	f.Add([]byte("a,b\r\n1,2\r\n"), byte(0), []byte{7})
	f.Add([]byte("x\n"), byte(1), []byte{0})
	f.Fuzz(func(t *testing.T, data []byte, delimSel byte, sizes []byte) {
		if format.DetectCompression(data) != format.NoCompression {
			return // read as a compressed stream: not this property
		}
		delim := csvDelims[int(delimSel)%len(csvDelims)]
		whole := csvRecords(Chunk{Data: data, Line: 1}, delim, '"')
		r := &Reader{Table: &catalog.Table{}, Format: Format{Classification: format.CSV, Delim: delim, Quote: '"', Header: true}, Bufs: &readerBufs}
		file := &File{Store: streamStore{data: data, sizes: sizes}, Key: "f.csv", URI: "stream://f.csv"}
		// Small buffers for the Reader to grow: a fresh chunk-sized one a
		// run would make the fuzzer crawl.
		readerBufs.Put(make([]byte, 0, 4096))
		readerBufs.Put(make([]byte, 0, 4096))
		var got []record
		var used [][]byte
		err := r.Read(context.Background(), []*File{file}, func(task Task) error {
			got = append(got, csvRecords(task.Chunk, delim, '"')...)
			used = append(used, task.Chunk.Data)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// Recycled once compared: the records' fields point into them.
		defer func() {
			for _, b := range used {
				readerBufs.Put(b)
			}
		}()
		var header, rest = 0, whole
		if len(whole) > 0 {
			header, rest = len(whole[0].Fields), whole[1:]
		}
		msg := diffRecords(got, rest)
		if file.NFields != header {
			msg = fmt.Sprintf("the header has %d fields, the first record %d", file.NFields, header)
		}
		if msg == "" {
			return
		}
		t.Fatalf("records after the header: %s", msg)
	})
}

// readerBufs serves the Reader's chunk buffers from one run to the next.
var readerBufs BufferPool

var byteOrderMark = []byte("\xef\xbb\xbf")

// FuzzJSONReader: the Reader of JSON text never panics and never loses a
// record: where encoding/json decodes the input as a stream of values (JSON
// lines among them) or as one array, the Reader's records are those
// values, in order; and a UTF-8 byte-order mark in front changes nothing.
func FuzzJSONReader(f *testing.F) {
	f.Add([]byte("{\"id\":1,\"a\":{\"b\":[1,2]}}\n\n{\"id\":2,\"late\":\"x\"}\r\n"))
	f.Add([]byte("[\n  {\"id\": 1},\n  {\"id\": 2, \"s\": \"\\u00e9\"}\n]\n"))
	f.Add([]byte("{\"id\":1}\n{\"id\":\n2}\n"))
	f.Add([]byte("1 2 \"three\" [4]"))
	f.Add([]byte("{\"id\":1}\n{\"id\":2"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if format.DetectCompression(data) != format.NoCompression || bytes.HasPrefix(data, byteOrderMark) {
			return
		}
		got, err := jsonRecords(data)
		if err != nil {
			t.Fatal(err)
		}
		if want, ok := jsonReference(data); ok {
			if msg := diffJSON(got, want); msg != "" {
				t.Fatalf("the Reader's records differ from encoding/json's: %s", msg)
			}
		}
		withBOM, err := jsonRecords(append(slices.Clip(byteOrderMark), data...))
		msg := diffJSON(withBOM, got)
		if err != nil {
			msg = err.Error()
		}
		if msg != "" {
			t.Fatalf("a byte-order mark changes the records: %s", msg)
		}
	})
}

// badRecord stands for a record the Reader could not read.
type badRecord struct{}

// jsonRecords reads data as a JSON file and returns its records, decoded.
func jsonRecords(data []byte) ([]any, error) {
	r := &Reader{Table: &catalog.Table{}, Format: Format{Classification: format.JSON}, Bufs: &BufferPool{}}
	file := &File{Store: streamStore{data: data, sizes: []byte{7, 0, 3}}, Key: "f.json", URI: "stream://f.json"}
	var out []any
	add := func(raw []byte) {
		v, err := decodeJSON(raw)
		if err != nil {
			out = append(out, badRecord{})
			return
		}
		out = append(out, v)
	}
	err := r.Read(context.Background(), []*File{file}, func(task Task) error {
		for _, d := range task.Docs {
			add(d.Raw)
		}
		if task.Docs == nil {
			JSONLines(task.Chunk, func(_ int64, text []byte) bool { add(text); return true })
		}
		return nil
	})
	return out, err
}

func decodeJSON(raw []byte) (any, error) {
	if raw == nil {
		return nil, errors.New("bad record")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("more than one value")
	}
	return v, nil
}

// jsonReference decodes data as encoding/json reads it: one top-level
// array gives its elements; JSON lines (every non-blank line one value)
// give a value a line; anything else is a stream of values to the end,
// each starting on a new line (the Decoder would also read {}0 or 00 as
// two values, where a line of JSON lines holds one). ok is false when
// encoding/json cannot read it all.
func jsonReference(data []byte) ([]any, bool) {
	var elems []json.RawMessage
	if trimmed := bytes.TrimLeft(data, " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '[' && json.Unmarshal(data, &elems) == nil {
		return decodeAll(elems)
	}
	var lines []json.RawMessage
	for l := range bytes.SplitSeq(data, []byte{'\n'}) {
		if l = bytes.Trim(l, " \t\r"); len(l) > 0 {
			lines = append(lines, l)
		}
		if len(l) > 0 && !json.Valid(l) {
			lines = nil
			break
		}
	}
	if lines != nil {
		return decodeAll(expandArrays(lines))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var values []json.RawMessage
	for {
		var v json.RawMessage
		err := dec.Decode(&v)
		if err == io.EOF {
			return decodeAll(expandArrays(values))
		}
		if err != nil {
			return nil, false
		}
		rest := data[dec.InputOffset():]
		if gap := rest[:len(rest)-len(bytes.TrimLeft(rest, " \t\r\n"))]; len(gap) < len(rest) && !bytes.Contains(gap, []byte{'\n'}) {
			return nil, false
		}
		values = append(values, v)
	}
}

// expandArrays: the elements of a top-level array are records, as the
// Reader reads them (arrays one after the other included).
func expandArrays(values []json.RawMessage) []json.RawMessage {
	var out []json.RawMessage
	for _, v := range values {
		var elems []json.RawMessage
		if t := bytes.TrimLeft(v, " \t\r\n"); len(t) > 0 && t[0] == '[' && json.Unmarshal(v, &elems) == nil {
			out = append(out, elems...)
			continue
		}
		out = append(out, v)
	}
	return out
}

func decodeAll(raws []json.RawMessage) ([]any, bool) {
	var out []any
	for _, r := range raws {
		v, err := decodeJSON(r)
		if err != nil {
			return nil, false
		}
		out = append(out, v)
	}
	return out, true
}

func diffJSON(got, want []any) string {
	for i := range max(len(got), len(want)) {
		switch {
		case i >= len(got):
			return "record " + strconv.Itoa(i+1) + " missing: " + showJSON(want[i])
		case i >= len(want):
			return "extra record " + strconv.Itoa(i+1) + ": " + showJSON(got[i])
		case !reflect.DeepEqual(got[i], want[i]):
			return "record " + strconv.Itoa(i+1) + ": " + showJSON(got[i]) + ", want " + showJSON(want[i])
		}
	}
	return ""
}

func showJSON(v any) string {
	if v == (badRecord{}) {
		return "(bad record)"
	}
	b, _ := json.Marshal(v)
	return string(b)
}
