// Package dataset is lakectl's one reading layer: it turns the bytes of a
// table's data — files as the catalog, or a crawl of a path, describes
// them (CSV, JSON, flat and nested Parquet), or a database query
// (database/sql, PostgreSQL binary COPY) — into typed Values, on all cores.
// convert takes its records in chunks (Reader, CSVRecords, JSONColumns);
// validate takes rows into sinks (Scan).
package dataset

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/format"
	"github.com/lakectl/lakectl/internal/progress"
	"github.com/lakectl/lakectl/internal/storage"
)

// Input is a table's data: its description and where its files are.
type Input struct {
	Table      *catalog.Table
	Partitions []catalog.Partition // empty: the table's own location
	// Store opens the store rooted at a location.
	Store func(ctx context.Context, uri string) (storage.Store, error)
	// Files, when set, are the only files to read (keys under the
	// table's location): a source that is one file.
	Files []string
	// SQL, when set, is a database source: its rows come from a query,
	// Table describes its columns.
	SQL *SQL
	// FromCatalog: the input is a catalog table, named by the catalog's
	// column names; files and databases are named as their source spells
	// them (catalog.ParamSourceName).
	FromCatalog bool
}

// Name names the input for people: the table's location, or the file
// when the input is a single file.
func (in Input) Name() string {
	loc := in.Table.StorageDescriptor.Location
	if len(in.Files) == 1 {
		return strings.TrimSuffix(loc, "/") + "/" + in.Files[0]
	}
	return loc
}

// File is one data file to read.
type File struct {
	Store storage.Store
	Key   string
	URI   string
	// Size, ModTime and ETag are the object's as listed: what a writer
	// records of the sources it read.
	Size    int64
	ModTime time.Time
	ETag    string
	Values  []string // the values of the table's partition keys, as text ("" for null)
	Parts   []Value  // the same, typed by the keys' types
	// For CSV with a header: the file's field for each table column (-1:
	// the file lacks it, null) and the number of fields a row must have.
	Cols    []int
	NFields int
}

// Misfit says why a CSV record of the file has not the number of fields
// its rows must have ("" when it has): the header's, or the table's
// columns' without one.
func (f *File) Misfit(rec []string, ncols int) string {
	switch {
	case f.Cols != nil && len(rec) != f.NFields:
		return fmt.Sprintf("%d fields, the header has %d", len(rec), f.NFields)
	case f.Cols == nil && len(rec) != ncols:
		return fmt.Sprintf("%d fields, the table has %d columns", len(rec), ncols)
	}
	return ""
}

// Cell is the text of input column i of a CSV record of the file: the
// field of table column i (by header name when the file has a header; ""
// for a column the file lacks), or for i >= ncols the value of partition
// key i-ncols.
func (f *File) Cell(rec []string, ncols, i int) string {
	switch {
	case i >= ncols:
		return f.Values[i-ncols]
	case f.Cols == nil:
		return rec[i]
	case f.Cols[i] < 0:
		return "" // a column this file does not have: null
	}
	return rec[f.Cols[i]]
}

// SkippedFile is a file under a table's location that is not its data.
type SkippedFile struct {
	File   string `json:"file"`
	Reason string `json:"reason"`
}

// List lists the data files of the input's locations: hidden and empty
// files are left out, and so are files that are not data of the table by
// the crawler's rule (format.Shape.Belongs: a marker, a binary, a file of
// another format or delimiter, a CSV whose header is not the table's),
// which are returned with the reason.
func List(ctx context.Context, in Input) ([]*File, []SkippedFile, error) {
	parts := in.Partitions
	if len(parts) == 0 {
		parts = []catalog.Partition{{StorageDescriptor: in.Table.StorageDescriptor}}
	}
	shape, err := shapeOf(in.Table)
	if err != nil {
		return nil, nil, err
	}
	var files []*File
	var skipped []SkippedFile
	for _, p := range parts {
		values, parts, err := partitionValues(in.Table, p.Values)
		if err != nil {
			return nil, nil, fmt.Errorf("partition %s: %w", p.StorageDescriptor.Location, err)
		}
		s, err := in.Store(ctx, p.StorageDescriptor.Location)
		if err != nil {
			return nil, nil, err
		}
		for obj, err := range s.List(ctx, "") {
			if err != nil {
				return nil, nil, err
			}
			if format.Hidden(obj.Key) || obj.Size == 0 || len(in.Files) > 0 && !slices.Contains(in.Files, obj.Key) {
				continue
			}
			if reason, err := belongs(ctx, s, obj.Key, shape, FormatOf(in.Table).Quote); err != nil {
				return nil, nil, fmt.Errorf("read %s: %w", s.URI(obj.Key), err)
			} else if reason != "" {
				skipped = append(skipped, SkippedFile{File: s.URI(obj.Key), Reason: reason})
				continue
			}
			files = append(files, &File{Store: s, Key: obj.Key, URI: s.URI(obj.Key), Size: obj.Size, ModTime: obj.ModTime, ETag: obj.ETag, Values: values, Parts: parts})
		}
	}
	return files, skipped, nil
}

// shapeOf is what the files of a table share, as the catalog says.
func shapeOf(t *catalog.Table) (format.Shape, error) {
	f := FormatOf(t)
	shape := format.Shape{Format: f.Classification}
	if f.Classification == format.CSV {
		shape.Delimiter, shape.Header = f.Delim, f.Header
		for _, k := range t.PartitionKeys {
			shape.Keys = append(shape.Keys, k.Name)
		}
		for _, c := range t.StorageDescriptor.Columns {
			typ, err := format.ParseHive(c.Type)
			if err != nil {
				return shape, fmt.Errorf("column %s: %w", c.Name, err)
			}
			shape.Columns = append(shape.Columns, format.Field{Name: c.Name, Type: typ})
		}
	}
	return shape, nil
}

// belongs reads the start of a file and says why it is not data of a
// table of this shape ("" when it is). It reads what the decision needs: a
// Parquet file's magic number; the first 64 KiB of text (decompressed),
// which must be text, JSON must start with an object or an array, and
// delimited text's header and first records are checked by the rule the
// crawler groups files with.
func belongs(ctx context.Context, s storage.Store, key string, shape format.Shape, quote byte) (string, error) {
	rc, err := s.Get(ctx, key)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	head := make([]byte, 16)
	n, _ := io.ReadFull(rc, head)
	head = head[:n]
	if bytes.HasPrefix(head, []byte("PAR1")) {
		return shape.Belongs(&format.File{Format: format.Parquet}), nil
	}
	if shape.Format == format.Parquet {
		return "not a Parquet file", nil
	}
	body, err := format.Decompress(format.DetectCompression(head), io.MultiReader(bytes.NewReader(head), rc))
	if err != nil {
		return "", err
	}
	defer body.Close()
	sample := make([]byte, 64<<10)
	m, err := io.ReadFull(body, sample)
	atEOF := err == io.EOF || err == io.ErrUnexpectedEOF
	if err != nil && !atEOF {
		return "", err
	}
	sample = bytes.TrimPrefix(sample[:m], utf8BOM)
	if reason := format.NotText(sample, atEOF); reason != "" {
		return reason, nil
	}
	f := &format.File{Format: shape.Format}
	switch shape.Format {
	case format.JSON:
		if t := bytes.TrimLeft(sample, " \t\r\n"); len(t) > 0 && t[0] != '{' && t[0] != '[' {
			return fmt.Sprintf("not JSON (it starts with %q)", clipText(string(t), 20)), nil
		}
	case format.CSV:
		f.CSV = &format.CSVInfo{Delimiter: shape.Delimiter, Header: shape.Header}
		recs, _ := format.CSVDialect{Delim: shape.Delimiter, Quote: quote}.Parse(sample, atEOF, 20)
		if len(recs) == 0 {
			return "", nil // nothing to judge by: its records are read one by one
		}
		names := recs[0]
		if shape.Header {
			names = format.HeaderNames(names)
		} else {
			names = recs[mostCommonWidth(recs)] // a ragged record is one bad record, not a foreign file
		}
		for _, n := range names {
			f.Fields = append(f.Fields, format.Field{Name: n, Type: &format.Type{Kind: format.Null}})
		}
	}
	return shape.Belongs(f), nil
}

// mostCommonWidth is the index of a record with the most common number of
// fields.
func mostCommonWidth(recs [][]string) int {
	counts := map[int]int{}
	best := 0
	for i, r := range recs {
		if counts[len(r)]++; counts[len(r)] > counts[len(recs[best])] {
			best = i
		}
	}
	return best
}

func clipText(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// partitionValues reads a partition's values by the types of the table's
// partition keys, so that a key has one type from crawl to compare
// whatever the format of its files.
func partitionValues(t *catalog.Table, raw []string) ([]string, []Value, error) {
	text := make([]string, len(raw))
	typed := make([]Value, len(raw))
	for i, v := range raw {
		v, null := format.CatalogPartitionValue(v)
		if null || v == "" {
			continue
		}
		text[i] = v
		typ := "string"
		if i < len(t.PartitionKeys) {
			typ = t.PartitionKeys[i].Type
		}
		val, err := typedText(v, typ)
		if err != nil {
			name := fmt.Sprint(i)
			if i < len(t.PartitionKeys) {
				name = t.PartitionKeys[i].Name
			}
			return nil, nil, fmt.Errorf("partition key %s: %w", name, err)
		}
		typed[i] = val
	}
	return text, typed, nil
}

// typedText reads text as a value of a Hive type.
func typedText(s, hive string) (Value, error) {
	switch {
	case hive == "bigint" || hive == "int" || hive == "smallint" || hive == "tinyint" || hive == "integer":
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return Value{}, fmt.Errorf("%q is not a %s", s, hive)
		}
		return Value{Kind: KindIntegral, I: n}, nil
	case hive == "double" || hive == "float" || strings.HasPrefix(hive, "decimal"):
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return Value{}, fmt.Errorf("%q is not a %s", s, hive)
		}
		return Value{Kind: KindFractional, F: f}, nil
	case hive == "boolean":
		b, err := strconv.ParseBool(s)
		if err != nil {
			return Value{}, fmt.Errorf("%q is not a boolean", s)
		}
		return Value{Kind: KindBoolean, B: b}, nil
	case hive == "date":
		d, ok := format.ParseDate(s)
		if !ok {
			return Value{}, fmt.Errorf("%q is not a date", s)
		}
		return Value{Kind: KindDate, I: int64(d) * 86400e6}, nil
	case hive == "timestamp":
		ts, ok := format.ParseTimestamp(s)
		if !ok {
			return Value{}, fmt.Errorf("%q is not a timestamp", s)
		}
		return Value{Kind: KindTime, I: ts.Micros}, nil
	}
	return Value{Kind: KindString, S: s}, nil
}

// ValueType is the Hive type of a column's values: the type the crawler
// inferred where the column is typed string for its SerDe's sake (quoted
// CSV under OpenCSVSerde, catalog.ParamInferredType), else its type. A
// conversion writes the values with it, and a compare types them by it.
func ValueType(c catalog.Column) string {
	return cmp.Or(c.Parameters[catalog.ParamInferredType], c.Type)
}

// Format is how a table's text files are laid out.
type Format struct {
	Classification string // format.CSV or format.JSON
	Delim, Quote   byte
	Header         bool
}

// Dialect is the format's delimited-text dialect.
func (f Format) Dialect() format.CSVDialect { return format.CSVDialect{Delim: f.Delim, Quote: f.Quote} }

// FormatOf reads the format of a table from its parameters and SerDe, as
// the crawler writes them.
func FormatOf(t *catalog.Table) Format {
	f := Format{Classification: t.Parameters[catalog.ParamClassification], Delim: ',', Quote: '"'}
	sd := t.StorageDescriptor.SerdeInfo
	if d := t.Parameters[catalog.ParamDelimiter]; d != "" {
		f.Delim = d[0]
	} else if sd != nil && sd.Parameters["field.delim"] != "" {
		f.Delim = sd.Parameters["field.delim"][0]
	} else if sd != nil && sd.Parameters["separatorChar"] != "" {
		f.Delim = sd.Parameters["separatorChar"][0]
	}
	if sd != nil && sd.Parameters["quoteChar"] != "" {
		f.Quote = sd.Parameters["quoteChar"][0]
	}
	f.Header = t.Parameters[catalog.ParamSkipHeaderLineCount] == "1"
	return f
}

// Task is a unit of work for one worker: a chunk of text, decoded JSON
// documents, a whole file (Parquet), a batch of rows of Values (a
// database), or typed rows a program hands in (as convert.AppendRows takes
// them).
type Task struct {
	Chunk  Chunk
	Docs   []Doc
	File   *File
	Values [][]Value
	Rows   [][]any
	// Bytes are the bytes of the file, as stored, that a Reader read for
	// this task: the worker that is done with it counts them as progress,
	// so that progress follows the work done rather than the reading ahead.
	Bytes int64
}

// Doc is one record of a JSON document (an array element, or one of
// several values over many lines); Raw is nil when the rest of the
// document could not be read.
type Doc struct {
	File *File
	N    int64
	Raw  []byte
}

// Reader hands out the tasks of a table's files.
type Reader struct {
	Table  *catalog.Table
	Format Format
	Bufs   *BufferPool
	// Progress is told of the files read and expects them and their
	// bytes; the tasks carry their bytes (Task.Bytes) for their workers to
	// count. nil when nobody watches.
	Progress progress.Reporter
}

// Read reads the files one after the other and hands out their tasks.
func (r *Reader) Read(ctx context.Context, files []*File, send func(Task) error) error {
	p := progress.Or(r.Progress)
	p.Expect(Totals(files))
	for _, f := range files {
		if err := r.readFile(ctx, f, p, send); err != nil {
			if errors.Is(err, context.Canceled) {
				return err
			}
			return fmt.Errorf("read %s: %w", f.URI, err)
		}
	}
	return nil
}

// Totals are the files and their bytes, as listed: the work of reading
// them.
func Totals(files []*File) progress.Counts {
	c := progress.Counts{Files: int64(len(files))}
	for _, f := range files {
		c.Bytes += f.Size
	}
	return c
}

func (r *Reader) readFile(ctx context.Context, f *File, p progress.Reporter, send func(Task) error) error {
	rc, err := f.Store.Get(ctx, f.Key)
	if err != nil {
		return err
	}
	defer rc.Close()
	raw := &format.CountingReader{R: rc}
	var sent int64
	err = r.readBody(ctx, f, raw, func(t Task) error {
		t.Bytes, sent = raw.N-sent, raw.N
		return send(t)
	})
	if err != nil {
		return err
	}
	// What was read after the last task (and a trailer a decompressor
	// leaves unread): the file is read whole.
	p.Add(progress.Counts{Files: 1, Bytes: max(f.Size-sent, 0)})
	return nil
}

func (r *Reader) readBody(ctx context.Context, f *File, rc io.Reader, send func(Task) error) error {
	head := make([]byte, 16)
	n, _ := io.ReadFull(rc, head)
	body, err := format.Decompress(format.DetectCompression(head[:n]), io.MultiReader(bytes.NewReader(head[:n]), rc))
	if err != nil {
		return err
	}
	defer body.Close()
	emit := func(ch Chunk) error { return send(Task{Chunk: ch}) }
	br := &PeekReader{R: body}
	if bom, err := br.Peek(3); err != nil {
		return err
	} else if bytes.Equal(bom, utf8BOM) {
		br.head = nil // a byte-order mark is no data
	}
	if r.Format.Classification == format.CSV {
		line := int64(1)
		if r.Format.Header {
			lines, err := r.readHeader(f, br)
			if err != nil {
				return err
			}
			line += lines
		}
		return splitChunks(ctx, br, f, r.Format.Dialect(), line, r.Bufs, emit)
	}
	// JSON: JSON lines (every line of the first 64 KiB a whole value) are
	// split like text; a document (an array, or values over several lines)
	// is decoded here and handed out in batches of records.
	first, err := br.Peek(64 << 10)
	if err != nil {
		return err
	}
	if jsonLinesText(first) {
		return splitChunks(ctx, br, f, format.CSVDialect{}, 1, r.Bufs, emit)
	}
	return readJSONValues(f, json.NewDecoder(br), send)
}

// readJSONValues reads a document: a stream of values, each a record, the
// elements of an array each a record (one array, or several one after the
// other). A value that cannot be decoded ends what can be read of the file:
// the rest is one bad record. Text after the last value that is no value
// (a stray bracket) is one bad record too: nothing is left unread unsaid.
func readJSONValues(f *File, dec *json.Decoder, send func(Task) error) error {
	var batch []Doc
	var sendErr error
	k := int64(0)
	add := func(raw []byte) error {
		k++
		batch = append(batch, Doc{File: f, N: k, Raw: raw})
		if len(batch) < 4096 {
			return nil
		}
		sendErr = send(Task{Docs: batch})
		batch = nil
		return sendErr
	}
	readable := func() bool {
		for dec.More() {
			if nextByte(dec) == '[' {
				if _, err := dec.Token(); err != nil {
					return false
				}
				for dec.More() {
					var raw json.RawMessage
					if err := dec.Decode(&raw); err != nil {
						return false
					}
					if err := add(raw); err != nil {
						return false
					}
				}
				if _, err := dec.Token(); err != nil { // ]
					return false
				}
				continue
			}
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return false
			}
			if err := add(raw); err != nil {
				return false
			}
		}
		_, err := dec.Token()
		return err == io.EOF // anything else is text that is no value
	}
	if !readable() {
		if sendErr != nil {
			return sendErr
		}
		batch = append(batch, Doc{File: f, N: k + 1}) // the rest cannot be read: one bad record
	}
	if len(batch) > 0 {
		return send(Task{Docs: batch})
	}
	return nil
}

// nextByte is the first byte of the next value, once dec.More has found
// there is one.
func nextByte(dec *json.Decoder) byte {
	var b [1]byte
	r := dec.Buffered()
	for {
		if n, _ := r.Read(b[:]); n == 0 {
			return 0
		}
		if c := b[0]; c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return c
		}
	}
}

// readHeader reads a CSV file's header line and maps the table's columns
// to the file's fields by name (as the crawler names them), so that files
// written before a column was added still read right.
// It returns the number of lines the header takes (more than one when a
// quoted name holds a newline).
func (r *Reader) readHeader(f *File, br *PeekReader) (int64, error) {
	head, err := br.Peek(1 << 20)
	if err != nil {
		return 0, err
	}
	start := 0 // blank lines before the header are no records
	for {
		nl := bytes.IndexByte(head[start:], '\n')
		if nl < 0 || len(bytes.TrimSuffix(head[start:start+nl], []byte{'\r'})) > 0 { // blank as the tokenizer sees it: one CR at most
			break
		}
		start += nl + 1
	}
	end, _, _ := r.Format.Dialect().RecordEnd(head[start:], true)
	end += start
	var names []string
	r.Format.Dialect().Records(head[start:end], 1, func(rec format.CSVRecord) bool { names = slices.Clone(rec.Fields); return false })
	f.NFields = len(names)
	byName := map[string]int{}
	for i, n := range format.HeaderNames(names) {
		byName[n] = i
	}
	f.Cols = make([]int, len(r.Table.StorageDescriptor.Columns))
	for i, col := range r.Table.StorageDescriptor.Columns {
		j, ok := byName[col.Name]
		if !ok {
			j = -1
		}
		f.Cols[i] = j
	}
	br.head = head[end:]
	lines := int64(bytes.Count(head[:end], []byte{'\n'}))
	if end == 0 || head[end-1] != '\n' {
		lines++
	}
	return lines, nil
}

// PeekReader lets the start of a stream be looked at before it is read.
type PeekReader struct {
	R    io.Reader
	head []byte
}

// Peek reads up to n bytes that Read will return again (with those an
// earlier Peek read).
func (p *PeekReader) Peek(n int) ([]byte, error) {
	if len(p.head) >= n {
		return p.head[:n], nil
	}
	buf := make([]byte, n)
	m := copy(buf, p.head)
	k, err := io.ReadFull(p.R, buf[m:])
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		err = nil
	}
	p.head = buf[:m+k]
	return p.head, err
}

func (p *PeekReader) Read(b []byte) (int, error) {
	if len(p.head) > 0 {
		n := copy(b, p.head)
		p.head = p.head[n:]
		return n, nil
	}
	return p.R.Read(b)
}

var utf8BOM = []byte("\xef\xbb\xbf")

// jsonLinesText: the text starts with an object, and every complete
// non-blank line of it starts with '{' and ends with '}'. Each line is then
// a record of its own, and one that is not valid JSON (cut short, nested
// deeper than the decoder goes) is one bad record, not the rest of the file.
func jsonLinesText(head []byte) bool {
	if t := bytes.TrimLeft(head, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return false
	}
	lines := bytes.Split(head, []byte{'\n'})
	if len(lines) > 1 {
		lines = lines[:len(lines)-1] // possibly cut short
	} else {
		return true // one line, longer than the sample or the whole file
	}
	for _, l := range lines {
		l = bytes.TrimSpace(l)
		if len(l) > 0 && (l[0] != '{' || l[len(l)-1] != '}') {
			return false
		}
	}
	return true
}
