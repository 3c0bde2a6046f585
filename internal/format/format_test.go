package format

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"

	"github.com/lakectl/lakectl/internal/storage"
	"github.com/lakectl/lakectl/internal/storage/local"
)

func sniffBytes(t *testing.T, name string, data []byte, opts Options) *File {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
	s, _ := local.New(dir)
	obj, err := s.Stat(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return Sniff(context.Background(), s, obj, opts)
}

func schema(f *File) string {
	var parts []string
	for _, fd := range f.Fields {
		parts = append(parts, fd.Name+":"+fd.Type.String())
	}
	return strings.Join(parts, " ")
}

func TestSniffCSV(t *testing.T) {
	cases := []struct {
		name, data string
		opts       func(*Options)
		delim      byte
		header     bool
		schema     string
		records    int64
	}{
		{
			name:  "typed columns with a header",
			data:  "id,Name,amount,paid,day,at,ratio\n1,ann,19.90,true,2024-03-01,2024-03-01T10:00:00Z,1e-3\n2,bob,5.00,false,2024-03-02,2024-03-02 11:30:00,0.5\n",
			delim: ',', header: true, records: 2,
			schema: "id:bigint name:string amount:decimal(18,2) paid:boolean day:date at:timestamp ratio:double",
		},
		{
			name:  "pipe with commas inside values",
			data:  "city|note|n\nParis|a, b, c|1\nRome|d, e|2\nOslo|f|3\n",
			delim: '|', header: true, records: 3,
			schema: "city:string note:string n:bigint",
		},
		{
			name:  "tab, no header",
			data:  "1\t2.5\tx\n2\t3.5\ty\n",
			delim: '\t', header: false, records: 2,
			schema: "col0:bigint col1:decimal(18,1) col2:string",
		},
		{
			name:  "semicolon with decimal commas",
			data:  "name;price\nann;2,50\nbob;3,75\n",
			delim: ';', header: true, records: 2,
			schema: "name:string price:string",
		},
		{
			name:  "Ctrl-A",
			data:  "a\x01b\n1\x012\n3\x014\n",
			delim: '\x01', header: true, records: 2,
			schema: "a:bigint b:bigint",
		},
		{
			name:  "single quotes around values holding the delimiter",
			data:  "'name','address'\n'Ann Lee','1 Main St, Springfield'\n'Bob Ray','2 Oak Ave, Shelbyville'\n",
			delim: ',', header: true, records: 2,
			schema: "name:string address:string",
		},
		{
			name:  "double quotes, doubled quotes and a newline inside a value",
			data:  "id,comment\n1,\"said \"\"hi\"\"\nthen left\"\n2,plain\n",
			delim: ',', header: true, records: 2,
			schema: "id:bigint comment:string",
		},
		{
			name:  "every column a string: header seen from the shape (Glue cannot)",
			data:  "name,email,city\nAnn Lee,ann@example.com,Paris\nBob Ray,bob@example.com,Rome\n",
			delim: ',', header: true, records: 2,
			schema: "name:string email:string city:string",
		},
		{
			name:  "every column a string and no header",
			data:  "ann,paris\nbob,rome\ncarl,oslo\n",
			delim: ',', header: false, records: 3,
			schema: "col0:string col1:string",
		},
		{
			name:  "forced header present",
			data:  "ann,paris\nbob,rome\n",
			opts:  func(o *Options) { o.Header = HeaderPresent },
			delim: ',', header: true, records: 1,
			schema: "ann:string paris:string",
		},
		{
			name:  "forced header absent",
			data:  "id,name\n1,ann\n",
			opts:  func(o *Options) { o.Header = HeaderAbsent },
			delim: ',', header: false, records: 2,
			schema: "col0:string col1:string",
		},
		{
			name:  "header cells made into names, repeats numbered, empty ones colN",
			data:  "Order ID,order id,,Total (EUR)\n1,2,3,4.5\n",
			delim: ',', header: true, records: 1,
			schema: "order_id:bigint order_id_2:bigint col2:bigint total__eur_:decimal(18,1)",
		},
		{
			name:  "CRLF line ends and a missing final newline",
			data:  "a,b\r\n1,x\r\n2,y",
			delim: ',', header: true, records: 2,
			schema: "a:bigint b:string",
		},
		{
			name:  "bigint then double widens to double; a column with only empty values is string",
			data:  "a,b,c\n1,,x\n2.5e3,,y\n",
			delim: ',', header: true, records: 2,
			schema: "a:double b:string c:string",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := DefaultOptions()
			if c.opts != nil {
				c.opts(&opts)
			}
			f := sniffBytes(t, "data.csv", []byte(c.data), opts)
			if f.Skip != "" {
				t.Fatalf("skipped: %s", f.Skip)
			}
			if f.Format != CSV || f.CSV.Delimiter != c.delim || f.CSV.Header != c.header {
				t.Errorf("format %s delimiter %q header %v (%s); want csv %q %v", f.Format, f.CSV.Delimiter, f.CSV.Header, f.CSV.HeaderReason, c.delim, c.header)
			}
			if got := schema(f); got != c.schema {
				t.Errorf("schema\n got %s\nwant %s", got, c.schema)
			}
			if f.Records != c.records || f.Estimated {
				t.Errorf("records %d (estimated %v), want exactly %d", f.Records, f.Estimated, c.records)
			}
			if f.CSV.HeaderReason == "" {
				t.Error("no reason given for the header decision")
			}
		})
	}
}

func TestSniffCSVRaggedRows(t *testing.T) {
	var b strings.Builder
	b.WriteString("a,b,c\n")
	for i := range 40 {
		if i == 7 {
			b.WriteString("1,2\n")
			continue
		}
		b.WriteString("1,2,3\n")
	}
	f := sniffBytes(t, "r.csv", []byte(b.String()), DefaultOptions())
	if f.Format != CSV || f.CSV.Ragged != 1 {
		t.Errorf("one short row in 41: format %q ragged %d skip %q", f.Format, f.CSV.Ragged, f.Skip)
	}
	f = sniffBytes(t, "r.csv", []byte("a,b,c\n1,2\n1,2,3,4\n1\n1,2,3\n"), DefaultOptions())
	if f.Format != "" || !strings.Contains(f.Skip, "differing field counts") {
		t.Errorf("mostly ragged rows: format %q skip %q", f.Format, f.Skip)
	}
}

func TestSniffJSON(t *testing.T) {
	cases := []struct{ name, data, schema string }{
		{"JSON lines with nesting",
			`{"id": 1, "user": {"name": "ann", "tags": ["a", "b"]}, "at": "2024-03-01T10:00:00Z", "day": "2024-03-01", "score": 1.5, "ok": true}
{"id": 2, "user": {"name": "bob", "age": 7}, "extra": null, "score": 2}`,
			"id:bigint user:struct<name:string,tags:array<string>,age:bigint> at:timestamp day:date score:double ok:boolean extra:string"},
		{"one document: an array of objects, pretty-printed",
			"[\n  {\"a\": 1,\n   \"b\": [{\"x\": 1}, {\"y\": \"z\"}]},\n  {\"a\": 2}\n]",
			"a:bigint b:array<struct<x:bigint,y:string>>"},
		{"one object", `{"Order ID": "17", "Lines": []}`, "order_id:string lines:array<string>"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := sniffBytes(t, "d.json", []byte(c.data), DefaultOptions())
			if f.Format != JSON {
				t.Fatalf("format %q skip %q", f.Format, f.Skip)
			}
			if got := schema(f); got != c.schema {
				t.Errorf("schema\n got %s\nwant %s", got, c.schema)
			}
		})
	}
	f := sniffBytes(t, "n.json", []byte("1\n2\n3\n"), DefaultOptions())
	if f.Format == JSON {
		t.Errorf("bare numbers classified as JSON records")
	}
	f = sniffBytes(t, "n.json", []byte(`{"a": 1}`+"\n"+`[1, 2]`+"\n"), DefaultOptions())
	if f.Format != "" || !strings.Contains(f.Skip, "not objects") {
		t.Errorf("a non-object record: format %q skip %q", f.Format, f.Skip)
	}
}

func TestSniffJSONReadsOnForAWholeRecord(t *testing.T) {
	big := `{"blob": "` + strings.Repeat("x", 2<<20) + `", "n": 1}` + "\n" + `{"n": 2}` + "\n"
	opts := DefaultOptions()
	f := sniffBytes(t, "big.json", []byte(big), opts)
	if f.Format != JSON || schema(f) != "blob:string n:bigint" {
		t.Errorf("a 2 MiB first record: format %q skip %q schema %s", f.Format, f.Skip, schema(f))
	}
	opts.MaxJSONBytes = 1 << 20
	f = sniffBytes(t, "big.json", []byte(big), opts)
	if f.Format != "" || !strings.Contains(f.Skip, "no complete JSON record") {
		t.Errorf("past the JSON limit: format %q skip %q", f.Format, f.Skip)
	}
}

// compressed is data compressed by each codec lakectl can write in tests:
// gzip, zstd and snappy (framed).
func compressed(data []byte) map[string][]byte {
	var gz, zs, sn bytes.Buffer
	gw := gzip.NewWriter(&gz)
	gw.Write(data)
	gw.Close()
	zw, _ := zstd.NewWriter(&zs)
	zw.Write(data)
	zw.Close()
	sw := snappy.NewBufferedWriter(&sn)
	sw.Write(data)
	sw.Close()
	return map[string][]byte{Gzip: gz.Bytes(), Zstd: zs.Bytes(), Snappy: sn.Bytes()}
}

func TestSniffCompressed(t *testing.T) {
	files := compressed([]byte("id,name,amount\n1,ann,2.50\n2,bob,3.75\n"))
	bz, err := os.ReadFile("testdata/orders.csv.bz2")
	if err != nil {
		t.Fatal(err)
	}
	files[Bzip2] = bz
	for codec, data := range files {
		f := sniffBytes(t, "orders.csv."+codec, data, DefaultOptions())
		if f.Format != CSV || f.Compression != codec || schema(f) != "id:bigint name:string amount:decimal(18,2)" || f.Records != 2 {
			t.Errorf("%s: format %q compression %q schema %s records %d skip %q", codec, f.Format, f.Compression, schema(f), f.Records, f.Skip)
		}
	}
}

func TestSniffBadInput(t *testing.T) {
	junk := make([]byte, 4096)
	for i := range junk {
		junk[i] = byte(i * 7)
	}
	cases := map[string]struct {
		data []byte
		want string
	}{
		"empty":       {nil, "empty file"},
		"blank":       {[]byte("\n\n  \n"), "only white space"},
		"binary junk": {junk, "binary content"},
		"latin-1":     {[]byte("name,city\nJos\xe9,S\xe3o Paulo\n"), "not UTF-8 text (byte 0xe9 at offset 13)"},
		"one column":  {[]byte("just\nwords\nhere\n"), "no delimiter"},
		"bad parquet": {[]byte("PAR1 this is not really parquet"), "unreadable Parquet footer"},
		"bad gzip":    {[]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff, 1, 2, 3}, "unreadable"},
	}
	for name, c := range cases {
		f := sniffBytes(t, "x", c.data, DefaultOptions())
		if f.Format != "" || !strings.Contains(f.Skip, c.want) {
			t.Errorf("%s: format %q skip %q, want a skip saying %q", name, f.Format, f.Skip, c.want)
		}
	}
}

// A 100 MB file that is one line: the sample reads about 1 MiB of it.
func TestSniffHugeSingleLine(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "line.csv")
	w, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	chunk := bytes.Repeat([]byte("abc,def,"), 1<<17)
	for range 100 {
		w.Write(chunk)
	}
	w.Close()
	s, _ := local.New(dir)
	obj, _ := s.Stat(context.Background(), "line.csv")
	f := Sniff(context.Background(), s, obj, DefaultOptions())
	if f.Format != "" || f.Skip == "" {
		t.Errorf("one 100 MB line: format %q skip %q", f.Format, f.Skip)
	}
	if f.BytesRead > 2<<20 {
		t.Errorf("read %d bytes of a 100 MB line; the sample is 1 MiB", f.BytesRead)
	}
}

// A file the sample reads to its end is counted exactly, though its
// schema comes from its first 1,000 records.
func TestRecordCountExactWhenSampleReachesEnd(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,name\n")
	for range 50000 {
		b.WriteString("1234567,abcdefghij\n")
	}
	b.WriteString("\n")
	f := sniffBytes(t, "big.csv", []byte(b.String()), DefaultOptions())
	if f.Records != 50000 || f.Estimated || !f.Sampled {
		t.Errorf("50,000 rows: records %d estimated %v sampled %v", f.Records, f.Estimated, f.Sampled)
	}
	var j strings.Builder
	j.WriteString("[")
	for i := range 20000 {
		if i > 0 {
			j.WriteString(",\n")
		}
		j.WriteString(`{"id": 1234567, "name": "abcdefghij"}`)
	}
	j.WriteString("]\n")
	f = sniffBytes(t, "big.json", []byte(j.String()), DefaultOptions())
	if f.Records != 20000 || f.Estimated || !f.Sampled || !f.JSONDocument {
		t.Errorf("an array of 20,000 records: records %d estimated %v sampled %v", f.Records, f.Estimated, f.Sampled)
	}
	f = sniffBytes(t, "big.json", []byte(strings.TrimSuffix(j.String(), "]\n")), DefaultOptions())
	if !f.Estimated {
		t.Errorf("an array not closed: records %d estimated %v", f.Records, f.Estimated)
	}
	if f.BytesRead > 1<<20+64<<10 {
		t.Errorf("read %d bytes; the sample is 1 MiB", f.BytesRead)
	}
}

type nested struct {
	Name  string `parquet:"name"`
	Score int32  `parquet:"score"`
}

type parquetRow struct {
	ID       int64             `parquet:"id"`
	Small    int8              `parquet:"small"`
	Ratio    float64           `parquet:"ratio"`
	Temp     float32           `parquet:"temp"`
	OK       bool              `parquet:"ok"`
	Name     string            `parquet:"name"`
	Blob     []byte            `parquet:"blob"`
	Amount   int64             `parquet:"amount,decimal(2:10)"`
	Day      time.Time         `parquet:"day,date"`
	At       time.Time         `parquet:"at,timestamp(microsecond)"`
	Tags     []string          `parquet:"tags,list"`
	Attrs    map[string]string `parquet:"attrs"`
	Owner    nested            `parquet:"owner"`
	Optional *int64            `parquet:"optional,optional"`
}

func TestSniffParquetFromFooterOnly(t *testing.T) {
	rows := make([]parquetRow, 20000)
	for i := range rows {
		rows[i] = parquetRow{ID: int64(i), Name: strings.Repeat("n", 50), Tags: []string{"a"}, Attrs: map[string]string{"k": "v"}, Day: time.Now(), At: time.Now()}
	}
	var buf bytes.Buffer
	if err := parquet.Write(&buf, rows); err != nil {
		t.Fatal(err)
	}
	f := sniffBytes(t, "part-0.parquet", buf.Bytes(), DefaultOptions())
	if f.Format != Parquet {
		t.Fatalf("format %q skip %q", f.Format, f.Skip)
	}
	want := "id:bigint small:tinyint ratio:double temp:float ok:boolean name:string blob:binary amount:decimal(10,2) day:date at:timestamp tags:array<string> attrs:map<string,string> owner:struct<name:string,score:int> optional:bigint"
	if got := schema(f); got != want {
		t.Errorf("schema\n got %s\nwant %s", got, want)
	}
	if f.Records != 20000 || f.Estimated {
		t.Errorf("records %d estimated %v, want exactly 20000", f.Records, f.Estimated)
	}
	if f.BytesRead > 64<<10+64 || int64(buf.Len()) < 4*f.BytesRead {
		t.Errorf("read %d of %d bytes: the footer alone should do", f.BytesRead, buf.Len())
	}
}

func TestWiden(t *testing.T) {
	d := func(p, s int) *Type { return &Type{Kind: Decimal, Precision: p, Scale: s, Hive: exact} }
	cases := []struct {
		a, b *Type
		want string
	}{
		{tBigint, tDouble, "double"},
		{tDouble, tBigint, "double"},
		{tBigint, tString, "string"},
		{tBoolean, tBigint, "string"},
		{tDate, tTimestamp, "timestamp"},
		{tNull, tDate, "date"},
		{d(5, 2), d(10, 4), "decimal(10,4)"},
		{d(8, 1), d(10, 4), "decimal(11,4)"},
		{tBigint, d(10, 2), "decimal(21,2)"},
		{d(5, 2), tDouble, "double"},
		{&Type{Kind: Int, Hive: "int"}, tBigint, "bigint"},
		{&Type{Kind: Array, Elem: tBigint}, &Type{Kind: Array, Elem: tDouble}, "array<double>"},
		{&Type{Kind: Array, Elem: tBigint}, tBigint, "string"},
	}
	for _, c := range cases {
		if got := Widen(c.a, c.b).String(); got != c.want {
			t.Errorf("Widen(%s, %s) = %s, want %s", c.a, c.b, got, c.want)
		}
	}
}

var _ storage.Store = (*local.Store)(nil)

func TestParseHiveRoundTrip(t *testing.T) {
	for _, s := range []string{"bigint", "decimal(10,2)", "decimal(18,2)", "array<struct<a:int,b:map<string,array<double>>>>", "tinyint", "timestamp", "binary", "float"} {
		typ, err := ParseHive(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := typ.String(); got != s {
			t.Errorf("ParseHive(%q).String() = %q", s, got)
		}
	}
}

// Parquet compresses column chunks, not the file: compressionType is the
// codec the footer names for them (a crawl of convert's snappy output used
// to say none).
func TestSniffParquetCodec(t *testing.T) {
	rows := []struct{ ID int64 }{{1}, {2}}
	for want, codec := range map[string]compress.Codec{NoCompression: &parquet.Uncompressed, Snappy: &parquet.Snappy, Zstd: &parquet.Zstd, Gzip: &parquet.Gzip} {
		opts := []parquet.WriterOption{parquet.Compression(codec)}
		var buf bytes.Buffer
		if err := parquet.Write(&buf, rows, opts...); err != nil {
			t.Fatal(err)
		}
		if f := sniffBytes(t, "part-0.parquet", buf.Bytes(), DefaultOptions()); f.Compression != want {
			t.Errorf("compression %q (skip %q), want %s", f.Compression, f.Skip, want)
		}
	}
}

// Athena's JSON SerDes read one record a line; a file that holds its
// records otherwise is marked so.
func TestJSONDocumentLayout(t *testing.T) {
	for name, c := range map[string]struct {
		text     string
		document bool
	}{
		"JSON lines":             {"{\"a\": 1}\n{\"a\": 2}\r\n\n{\"a\": 3}\n", false},
		"one record":             {`{"a": 1}`, false},
		"an array":               {`[{"a": 1}, {"a": 2}]`, true},
		"a pretty-printed array": {"[\n  {\"a\": 1},\n  {\"a\": 2}\n]\n", true},
		"a pretty-printed value": {"{\n  \"a\": 1\n}\n", true},
		"two values on a line":   {`{"a": 1} {"a": 2}`, true},
		"a newline in a string":  {"{\"a\": \"x\\ny\"}\n{\"a\": \"z\"}\n", false},
	} {
		f := sniffBytes(t, "x.json", []byte(c.text), DefaultOptions())
		if f.Format != JSON || f.JSONDocument != c.document {
			t.Errorf("%s: format %q, document %v, want %v (%s)", name, f.Format, f.JSONDocument, c.document, f.Skip)
		}
	}
}
