package convert

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/parquet/file"

	"github.com/lakectl/lakectl/internal/catalog"
)

// rowWriterColumns are a column of every type a typed source lands.
var rowWriterColumns = []catalog.Column{
	{Name: "i8", Type: "tinyint"}, {Name: "i16", Type: "smallint"}, {Name: "i32", Type: "int"}, {Name: "i64", Type: "bigint"},
	{Name: "f32", Type: "float"}, {Name: "f64", Type: "double"},
	{Name: "d9", Type: "decimal(9,2)"}, {Name: "d18", Type: "decimal(18,4)"}, {Name: "d38", Type: "decimal(38,10)"},
	{Name: "ok", Type: "boolean"}, {Name: "day", Type: "date"},
	{Name: "at", Type: "timestamp"},
	{Name: "wall", Type: "timestamp", Parameters: map[string]string{catalog.ParamLocalTime: "true"}},
	{Name: "s", Type: "string"}, {Name: "raw", Type: "binary"},
}

func rowWriterRows() [][]any {
	at := time.Date(2026, 3, 29, 1, 30, 0, 123456000, time.UTC)
	paris, _ := time.LoadLocation("Europe/Paris")
	return [][]any{
		{int64(-128), int64(32767), int64(-2147483648), int64(9007199254740993), 1.5, 0.1,
			json.Number("1234567.89"), json.Number("-0.0001"), json.Number("1234567890123456789012345678.0123456789"),
			true, time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC), at, at, "héllo", []byte{0, 0xff, 'a'}},
		// A time in another zone is the same instant; a local date-time is
		// its wall clock.
		{int64(0), nil, int64(7), int64(-1), -2.5e-3, 1e300,
			json.Number("0"), json.Number("99999999999999.9999"), json.Number("-1"),
			false, time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), at.In(paris), at.In(paris).Add(0), "", []byte{}},
		{nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil},
	}
}

// Every type a typed source lands is written as the value it is, read
// back by Apache Arrow: integers of their width, decimals exact at their
// precision, instants adjusted to UTC, local date-times as their wall
// clock, binary as bytes; nulls as nulls.
func TestRowWriterWritesEveryType(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewRowWriter(&buf, rowWriterColumns, FileOptions{Version: "1.2.3"})
	if err != nil {
		t.Fatal(err)
	}
	rows := rowWriterRows()
	if err := w.Write(rows[:1]); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rows[1:]); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil || w.Rows() != 3 || w.Bytes() != int64(buf.Len()) {
		t.Fatalf("close: %v, %d rows, %d of %d bytes", err, w.Rows(), w.Bytes(), buf.Len())
	}
	got := readBack(t, buf.Bytes())
	want := map[string]string{
		"i8": `[-128,0,null]`, "i8:type": "int8",
		"i16": `[32767,null,null]`, "i16:type": "int16",
		"i32": `[-2147483648,7,null]`, "i32:type": "int32",
		"i64": `[9007199254740993,-1,null]`, "i64:type": "int64",
		"f32": `[1.5,-0.0025,null]`, "f32:type": "float32",
		"f64": `[0.1,1e+300,null]`, "f64:type": "float64",
		"d9": `["1234567.89","0",null]`, "d9:type": "decimal(9, 2)",
		"d18": `["-0.0001","99999999999999.9999",null]`, "d18:type": "decimal(18, 4)",
		"d38": `["1234567890123456789012345678.0123456789","-1",null]`, "d38:type": "decimal(38, 10)",
		"ok": `[true,false,null]`, "ok:type": "bool",
		"day": `["1999-12-31","2026-01-02",null]`, "day:type": "date32",
		"at": `["2026-03-29T01:30:00.123456Z","2026-03-29T01:30:00.123456Z",null]`, "at:type": "timestamp[us, tz=UTC]",
		"wall": `["2026-03-29T01:30:00.123456","2026-03-29T03:30:00.123456",null]`, "wall:type": "timestamp[us]",
		"s": `["héllo","",null]`, "s:type": "utf8",
		"raw": `["AP9h","",null]`, "raw:type": "binary",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %s, want %s", k, got[k], v)
		}
	}
}

// A value that does not fit its column is a RowError naming the row and
// the column; none of that Write's rows is written, and the writer goes
// on.
func TestRowWriterRefusesAWholeBatch(t *testing.T) {
	var buf bytes.Buffer
	cols := []catalog.Column{{Name: "id", Type: "bigint"}, {Name: "amount", Type: "decimal(5,2)"}}
	w, err := NewRowWriter(&buf, cols, FileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write([][]any{{int64(1), json.Number("1.50")}}); err != nil {
		t.Fatal(err)
	}
	err = w.Write([][]any{{int64(2), json.Number("2.00")}, {int64(3), "NaN"}})
	var re *RowError
	if !errors.As(err, &re) || re.Row != 3 || re.Column != "amount" || !strings.Contains(err.Error(), `row 3, column amount: "NaN" is not a decimal`) {
		t.Fatalf("got %v, want a RowError for row 3, column amount", err)
	}
	err = w.Write([][]any{{int64(4)}})
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "1 values, the file has 2 columns") {
		t.Fatalf("a short row: %v", err)
	}
	if err := w.Write([][]any{{int64(4), json.Number("-999.99")}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil || w.Rows() != 2 {
		t.Fatalf("close: %v, %d rows", err, w.Rows())
	}
	if got := readBack(t, buf.Bytes()); got["id"] != "[1,4]" || got["amount"] != `["1.5","-999.99"]` {
		t.Errorf("read back %v", got)
	}
	// Arrays of local date-times are local too.
	buf.Reset()
	w, err = NewRowWriter(&buf, []catalog.Column{{Name: "walls", Type: "array<timestamp>", Parameters: map[string]string{catalog.ParamLocalTime: "true"}},
		{Name: "tags", Type: "array<string>"}}, FileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := w.Write([][]any{{[]any{at, nil}, []any{"a", "b"}}, {[]any{}, nil}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := readBack(t, buf.Bytes())
	if got["walls"] != `[["2026-01-02T03:04:05",null],[]]` || got["walls:type"] != "list<element: timestamp[us], nullable>" || got["tags"] != `[["a","b"],null]` {
		t.Errorf("walls %s %s", got["walls"], got["walls:type"])
	}
	// A file of no rows is a Parquet file of the columns.
	buf.Reset()
	w, _ = NewRowWriter(&buf, cols, FileOptions{})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := readBack(t, buf.Bytes()); got["id:type"] != "int64" || got["id"] != "null" {
		t.Errorf("no rows: %v", got)
	}
	if _, err := NewRowWriter(&buf, cols, FileOptions{Compression: "lzma"}); !errors.Is(err, catalog.ErrInvalid) {
		t.Errorf("an unknown codec: %v", err)
	}
}

// The files of a RowWriter are the files convert writes of the same rows:
// the same schema, encodings, statistics and created_by, and the same
// bytes.
func TestRowWriterWritesConvertFiles(t *testing.T) {
	e := newEnv(t, nil)
	var rows [][]any
	for i := range 5000 {
		r := slices.Clone(rowWriterRows()[i%3])
		if r[3] != nil {
			r[3] = int64(i) // mostly distinct: written without a dictionary
		}
		rows = append(rows, r)
	}
	opts := Options{Workers: 1, RowGroupSize: 2000, Compression: "zstd", Version: "1.2.3", Build: "abc"}
	if _, err := AppendRows(t.Context(), e.cat, rowWriterColumns, rows, "rows", e.dest, opts); err != nil {
		t.Fatal(err)
	}
	var converted []byte
	for _, k := range e.files() {
		if strings.HasSuffix(k, ".parquet") {
			converted = e.object(k)
		}
	}
	var buf bytes.Buffer
	w, err := NewRowWriter(&buf, rowWriterColumns, FileOptions{RowGroupSize: 2000, Compression: "zstd", Version: "1.2.3", Build: "abc"})
	if err != nil {
		t.Fatal(err)
	}
	// In the batches AppendRows hands its workers.
	for start := 0; start < len(rows); start += columnBatchRows {
		if err := w.Write(rows[start:min(start+columnBatchRows, len(rows))]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if a, b := footer(t, converted), footer(t, buf.Bytes()); a != b {
		t.Errorf("footers differ:\nconvert:   %s\nRowWriter: %s", a, b)
	} else if !strings.Contains(a, "3 row groups") || !strings.Contains(a, "i64 INT64 Int(bitWidth=64, isSigned=true): [PLAIN RLE] ") || !strings.Contains(a, "i8 INT32 Int(bitWidth=8, isSigned=true): [PLAIN RLE RLE_DICTIONARY]") {
		t.Errorf("not the file meant: %s", a)
	}
	if !bytes.Equal(converted, buf.Bytes()) {
		t.Errorf("the files differ (%d and %d bytes)", len(converted), buf.Len())
	}
}

// footer describes a file's schema, created_by, and each column chunk's
// encodings and statistics, as Apache Arrow reads them.
func footer(t *testing.T, data []byte) string {
	t.Helper()
	rdr, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	md := rdr.MetaData()
	var b strings.Builder
	fmt.Fprintf(&b, "%s; %d row groups; ", md.GetCreatedBy(), md.NumRowGroups())
	for c := range md.Schema.NumColumns() {
		col := md.Schema.Column(c)
		fmt.Fprintf(&b, "%s %s %s:", col.Path(), col.PhysicalType(), col.LogicalType())
		for g := range md.NumRowGroups() {
			cc, err := md.RowGroup(g).ColumnChunk(c)
			if err != nil {
				t.Fatal(err)
			}
			st, err := cc.Statistics()
			if err != nil || st == nil {
				t.Fatalf("%s: no statistics (%v)", col.Path(), err)
			}
			fmt.Fprintf(&b, " %v %d rows, %d nulls, min %x max %x", cc.Encodings(), cc.NumValues(), st.NullCount(), st.EncodeMin(), st.EncodeMax())
		}
		b.WriteString("; ")
	}
	return b.String()
}
