package convert

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/catalog/sqlite"
	"github.com/lakectl/lakectl/internal/commit"
	"github.com/lakectl/lakectl/internal/dataset"
	"github.com/lakectl/lakectl/internal/storage"
	"github.com/lakectl/lakectl/internal/storage/local"
)

type env struct {
	t    *testing.T
	src  string
	dest *local.Store
	cat  catalog.Catalog
}

func newEnv(t *testing.T, files map[string]string) *env {
	e := &env{t: t, src: t.TempDir()}
	e.write(files)
	var err error
	if e.dest, err = local.New(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	c, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	e.cat = c
	return e
}

func (e *env) write(files map[string]string) {
	for name, body := range files {
		p := filepath.Join(e.src, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			e.t.Fatal(err)
		}
	}
}

func (e *env) store(ctx context.Context, uri string) (storage.Store, error) {
	return local.New(strings.TrimPrefix(uri, "file://"))
}

// csvTable describes the source the way the crawler would.
func (e *env) csvTable(cols ...string) *catalog.Table {
	t := &catalog.Table{Name: "src", DatabaseName: "raw", Parameters: map[string]string{"classification": "csv", "delimiter": ",", "skip.header.line.count": "1"}}
	t.StorageDescriptor.Location = "file://" + e.src + "/"
	for _, c := range cols {
		n, typ, _ := strings.Cut(c, ":")
		t.StorageDescriptor.Columns = append(t.StorageDescriptor.Columns, catalog.Column{Name: n, Type: typ})
	}
	return t
}

func (e *env) run(t *catalog.Table, parts []catalog.Partition, opts Options) (*Summary, error) {
	return Run(e.t.Context(), e.cat, dataset.Input{Table: t, Partitions: parts, Store: e.store}, e.dest, opts)
}

// files are the destination's objects, but for the writers' lease (which
// every write leaves, released).
func (e *env) files() []string {
	var out []string
	for o, err := range e.dest.List(e.t.Context(), "") {
		if err != nil {
			e.t.Fatal(err)
		}
		// The bookkeeping that stays (the lease, run records, the
		// sources index); staging and journals left behind are listed.
		if path.Base(o.Key) != commit.LeaseKey && o.Key != commit.SourcesKey && !strings.HasPrefix(o.Key, commit.RunsDir+"/") {
			out = append(out, o.Key)
		}
	}
	return out
}

func (e *env) readAll(prefix string) map[string]string {
	e.t.Helper()
	merged := map[string][]json.RawMessage{}
	for _, k := range e.files() {
		if !strings.HasPrefix(k, prefix) || !strings.HasSuffix(k, ".parquet") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(strings.TrimPrefix(e.dest.URI(""), "file://"), k))
		if err != nil {
			e.t.Fatal(err)
		}
		for col, vals := range readBack(e.t, data) {
			if strings.HasSuffix(col, ":type") {
				continue
			}
			var vs []json.RawMessage
			json.Unmarshal([]byte(vals), &vs)
			merged[col] = append(merged[col], vs...)
		}
	}
	out := map[string]string{}
	for col, vs := range merged {
		b, _ := json.Marshal(vs)
		out[col] = string(b)
	}
	return out
}

const orders = "id,phone,amount,day,note\n1,+1-555-123-4567,19.90,2024-01-02,first\n2,+44 20 7946 0958,5.00,2024-01-03,\n"

func TestConvertCSV(t *testing.T) {
	e := newEnv(t, map[string]string{"part-0.csv": orders})
	sum, err := e.run(e.csvTable("id:bigint", "phone:string", "amount:decimal(18,2)", "day:date", "note:string"), nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.RowsRead != 2 || sum.RowsWritten != 2 || sum.RowsQuarantined != 0 || sum.FilesWritten != 1 || !sum.Committed {
		t.Errorf("summary %+v", sum)
	}
	got := e.readAll("")
	want := map[string]string{
		"id":     `[1,2]`,
		"phone":  `["+1-555-123-4567","+44 20 7946 0958"]`,
		"amount": `["19.9","5"]`,
		"day":    `["2024-01-02","2024-01-03"]`,
		"note":   `["first",null]`,
	}
	for col, w := range want {
		if got[col] != w {
			t.Errorf("%s = %s, want %s", col, got[col], w)
		}
	}
	if fs := e.files(); len(fs) != 1 || !strings.HasSuffix(fs[0], ".snappy.parquet") || strings.Contains(fs[0], "/") {
		t.Errorf("files %v", fs)
	}
}

func TestConvertQuarantine(t *testing.T) {
	e := newEnv(t, map[string]string{"part-0.csv": orders + "x3,1,2,3,4\n4,p,1.234,2024-01-01,n\n5,p,1\n6,p,2.00,2024-13-01,n\n7,p,3.00,2024-01-05,ok\n"})
	tbl := e.csvTable("id:bigint", "phone:string", "amount:decimal(18,2)", "day:date", "note:string")
	sum, err := e.run(tbl, nil, Options{})
	if !errors.Is(err, ErrTooManyBadRecords) || sum.Committed || sum.RowsRead != 7 || sum.RowsQuarantined != 4 || sum.RowsRead != sum.RowsWritten+sum.RowsQuarantined {
		t.Fatalf("err %v summary %+v", err, sum)
	}
	// Nothing but the quarantine is left.
	if fs := e.files(); len(fs) != 1 || !strings.HasPrefix(fs[0], "_lakectl_quarantine/") {
		t.Fatalf("files %v", fs)
	}
	q, _ := os.ReadFile(filepath.Join(strings.TrimPrefix(e.dest.URI(""), "file://"), e.files()[0]))
	lines := strings.Split(strings.TrimSpace(string(q)), "\n")
	if len(lines) != 4 {
		t.Fatalf("quarantine: %s", q)
	}
	for i, want := range []string{`"line":4`, `"line":5`, `"line":6`, `"line":7`} {
		if !strings.Contains(lines[i], want) || !strings.Contains(lines[i], `"file":"file://`) || !strings.Contains(lines[i], `"raw":`) {
			t.Errorf("quarantine line %d: %s", i, lines[i])
		}
	}
	for _, reason := range []string{`column id: \"x3\" is not a bigint`, `more than 2 decimal places`, `3 fields, the header has 5`, `is not a date`} {
		if !strings.Contains(string(q), reason) {
			t.Errorf("quarantine lacks %q:\n%s", reason, q)
		}
	}
	sum, err = e.run(tbl, nil, Options{MaxBadRecords: 4})
	if err != nil || !sum.Committed || sum.RowsWritten != 3 || sum.RowsQuarantined != 4 {
		t.Errorf("with --max-bad-records 4: %v %+v", err, sum)
	}
}

func TestConvertPartitionsTransformsAndRegister(t *testing.T) {
	e := newEnv(t, map[string]string{
		"day=2024-01-01/a.csv": "id,email,phone,secret,amount\n1,ann@x.org,+1-555-123-4567,s1,2.50\n2,bob@x.org,,s2,3\n",
		"day=2024-01-02/a.csv": "id,email,phone,secret,amount\n3,ann@x.org,555,s3,1.25\n",
	})
	tbl := e.csvTable("id:bigint", "email:string", "phone:string", "secret:string", "amount:decimal(18,2)")
	tbl.StorageDescriptor.Columns[0].Comment = "order id"
	tbl.PartitionKeys = []catalog.Column{{Name: "day", Type: "string"}}
	parts := []catalog.Partition{
		{Values: []string{"2024-01-01"}, StorageDescriptor: catalog.StorageDescriptor{Location: tbl.StorageDescriptor.Location + "day=2024-01-01/"}},
		{Values: []string{"2024-01-02"}, StorageDescriptor: catalog.StorageDescriptor{Location: tbl.StorageDescriptor.Location + "day=2024-01-02/"}},
	}
	opts := Options{PartitionBy: []string{"day"}, Register: "lake.orders", Compression: "zstd", TokenKey: []byte("k"),
		Transforms: []Transform{{Kind: Mask, Column: "phone"}, {Kind: Tokenize, Column: "email"}, {Kind: Drop, Column: "secret"}, {Kind: Cast, Column: "amount", Type: "double"}}}
	sum, err := e.run(tbl, parts, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Partitions) != 2 || sum.Partitions[0].Partition != "day=2024-01-01" || sum.Partitions[0].Rows != 2 {
		t.Errorf("partitions %+v", sum.Partitions)
	}
	got := e.readAll("day=2024-01-01/")
	if got["phone"] != `["+*-***-***-****",null]` || got["amount"] != `[2.5,3]` || got["secret"] != "" || got["day"] != "" {
		t.Errorf("columns %v", got)
	}
	if tok := tokenize("ann@x.org", []byte("k")); !strings.Contains(got["email"], tok) {
		t.Errorf("email %s, want the HMAC %s", got["email"], tok)
	}
	tb, err := e.cat.GetTable(t.Context(), "lake", "orders")
	if err != nil {
		t.Fatal(err)
	}
	if cols := columnsOf(tb); cols != "id:bigint email:string phone:string amount:double" || tb.Parameters["classification"] != "parquet" || tb.Parameters["compressionType"] != "zstd" {
		t.Errorf("table %s %v", cols, tb.Parameters)
	}
	if tb.Column("id").Comment != "order id" || tb.Parameters["recordCount"] != "3" || tb.Parameters["objectCount"] != "2" {
		t.Errorf("comment %q, statistics %v", tb.Column("id").Comment, tb.Parameters)
	}
	var ps []*catalog.Partition
	for p, err := range e.cat.ListPartitions(t.Context(), "lake", "orders", nil) {
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	if len(ps) != 2 || ps[0].Parameters["recordCount"] != "2" || !strings.HasSuffix(ps[0].StorageDescriptor.Location, "/day=2024-01-01/") {
		t.Fatalf("partitions %+v", ps)
	}

	// Append adds files; overwrite-partitions replaces one partition's
	// files in its folder.
	// The same unchanged source again adds nothing, and says so.
	sum, err = e.run(tbl, parts[:1], opts)
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := e.cat.GetPartition(t.Context(), "lake", "orders", []string{"2024-01-01"}); len(sum.FilesUnchanged) != 1 || sum.Committed || sum.RowsWritten != 0 || p.Parameters["recordCount"] != "2" {
		t.Errorf("converted twice: unchanged %v, committed %v, %d rows; partition %v", sum.FilesUnchanged, sum.Committed, sum.RowsWritten, p.Parameters)
	}
	again := opts
	again.Again = true
	if _, err := e.run(tbl, parts[:1], again); err != nil {
		t.Fatal(err)
	}
	p, _ := e.cat.GetPartition(t.Context(), "lake", "orders", []string{"2024-01-01"})
	if p.Parameters["recordCount"] != "4" || p.Parameters["objectCount"] != "2" {
		t.Errorf("after append: %v", p.Parameters)
	}
	opts.Mode = OverwritePartitions
	sum, err = e.run(tbl, parts[:1], opts)
	if err != nil {
		t.Fatal(err)
	}
	p, _ = e.cat.GetPartition(t.Context(), "lake", "orders", []string{"2024-01-01"})
	if !strings.HasSuffix(p.StorageDescriptor.Location, "/day=2024-01-01/") || p.Parameters["recordCount"] != "2" || p.Parameters["objectCount"] != "1" || sum.FilesReplaced != 2 {
		t.Errorf("after overwrite-partitions: %s %v replaced %d", p.StorageDescriptor.Location, p.Parameters, sum.FilesReplaced)
	}
	var under []string
	for _, k := range e.files() {
		if strings.HasPrefix(k, "day=2024-01-01/") {
			under = append(under, k)
		}
	}
	if len(under) != 1 || !strings.Contains(under[0], sum.RunID) || strings.Count(under[0], "/") != 1 {
		t.Errorf("files of the partition: %v", under)
	}
	if got := e.readAll("day=2024-01-02/"); got["id"] != `[3]` {
		t.Errorf("the other partition changed: %v", got)
	}
	// --no-schema-evolution refuses a new column, changing nothing.
	opts.Mode = Append
	opts.NoSchemaEvolution = true
	opts.Transforms = opts.Transforms[:3] // amount no longer cast: decimal
	before := e.files()
	_, err = e.run(tbl, parts, opts)
	if !errors.Is(err, ErrSchemaChange) || !strings.Contains(err.Error(), "~ amount double → decimal(18,2)") {
		t.Errorf("schema change: %v", err)
	}
	if strings.Contains(err.Error(), "--") || !strings.Contains(err.Error(), "NoSchemaEvolution") {
		t.Errorf("the error should name the option, not the flag: %v", err)
	}
	if after := e.files(); !slices.Equal(before, after) {
		t.Errorf("files changed: %v → %v", before, after)
	}
}

func columnsOf(t *catalog.Table) string {
	var parts []string
	for _, c := range t.StorageDescriptor.Columns {
		parts = append(parts, c.Name+":"+c.Type)
	}
	return strings.Join(parts, " ")
}

func jsonTable(loc string, cols ...string) *catalog.Table {
	t := &catalog.Table{Name: "src", DatabaseName: "raw", Parameters: map[string]string{"classification": "json"}}
	t.StorageDescriptor.Location = loc
	for _, c := range cols {
		n, typ, _ := strings.Cut(c, ":")
		t.StorageDescriptor.Columns = append(t.StorageDescriptor.Columns, catalog.Column{Name: n, Type: typ})
	}
	return t
}

func TestConvertJSON(t *testing.T) {
	e := newEnv(t, map[string]string{
		"lines.json": `{"id": 1, "User": {"Name": "ann", "tags": ["a"]}, "at": "2024-01-01T10:00:00Z"}` + "\n" +
			`{"id": "oops"}` + "\n\n" +
			`{"id": 2, "User": null, "extra": true}` + "\n",
		"doc.json":   "[\n  {\"id\": 3,\n   \"User\": {\"Name\": \"cy\", \"tags\": []}},\n  {\"id\": 4}\n]\n",
		"multi.json": "{\"id\": 5}\n{\n  \"id\": 6\n}\n",
	})
	tbl := jsonTable("file://"+e.src+"/", "id:bigint", "user:struct<name:string,tags:array<string>>", "at:timestamp")
	sum, err := e.run(tbl, nil, Options{MaxBadRecords: 2})
	if err != nil {
		q, _ := os.ReadFile(strings.TrimPrefix(sum.Quarantine, "file://"))
		t.Fatalf("%v\n%s", err, q)
	}
	// "oops" is no bigint; "extra" is no column: both kept aside.
	if sum.RowsRead != 7 || sum.RowsWritten != 5 || sum.RowsQuarantined != 2 {
		t.Errorf("summary %+v", sum)
	}
	got := e.readAll("")
	ids := got["id"]
	for _, id := range []string{"1", "3", "4", "5", "6"} {
		if !strings.Contains(ids, id) {
			t.Errorf("id %s missing: %s", id, ids)
		}
	}
	if !strings.Contains(got["user"], `{"name":"ann","tags":["a"]}`) || !strings.Contains(got["user"], `{"name":"cy","tags":[]}`) {
		t.Errorf("user %s", got["user"])
	}
}

func TestConvertLargeCSVAcrossChunks(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,text\n")
	n := 0
	for b.Len() < 12<<20 { // three chunks of 4 MiB
		n++
		if n%1000 == 0 {
			b.WriteString(`7,"a value with a newline` + "\n" + `and a ""quote"", across lines"` + "\n")
			continue
		}
		b.WriteString("1,plain value\n")
	}
	e := newEnv(t, map[string]string{"big.csv": b.String()})
	sum, err := e.run(e.csvTable("id:bigint", "text:string"), nil, Options{Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	if sum.RowsRead != int64(n) || sum.RowsWritten != int64(n) {
		t.Errorf("read %d wrote %d of %d rows", sum.RowsRead, sum.RowsWritten, n)
	}
	if got := e.readAll("")["text"]; strings.Count(got, `a value with a newline\nand a \"quote\", across lines`) != n/1000 {
		t.Errorf("quoted values with newlines did not survive the chunking")
	}
}

func TestCompact(t *testing.T) {
	e := newEnv(t, map[string]string{"part-0.csv": orders})
	tbl := e.csvTable("id:bigint", "phone:string", "amount:decimal(18,2)", "day:date", "note:string")
	opts := Options{Register: "lake.orders", PartitionBy: []string{"day"}, Again: true}
	for range 3 {
		if _, err := e.run(tbl, nil, opts); err != nil {
			t.Fatal(err)
		}
	}
	before := e.readAll("")
	openStore := func(ctx context.Context, uri string) (storage.Store, error) {
		return local.New(strings.TrimPrefix(uri, "file://"))
	}
	sum, err := Compact(t.Context(), e.cat, openStore, "lake", "orders", CompactOptions{RunID: "c1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Locations) != 2 || sum.FilesRead != 6 || sum.FilesWritten != 2 || sum.Rows != 6 {
		t.Errorf("summary %+v", sum)
	}
	var data []string
	for _, k := range e.files() {
		if !strings.HasPrefix(k, "_") {
			data = append(data, k)
		}
	}
	// The same folders, new files: the layout is kept.
	if len(data) != 2 || !strings.HasPrefix(data[0], "day=2024-01-02/part-c1-") || !strings.HasPrefix(data[1], "day=2024-01-03/part-c1-") {
		t.Errorf("files after compaction: %v", data)
	}
	p, _ := e.cat.GetPartition(t.Context(), "lake", "orders", []string{"2024-01-02"})
	if !strings.HasSuffix(p.StorageDescriptor.Location, "/day=2024-01-02/") || p.Parameters["objectCount"] != "1" || p.Parameters["recordCount"] != "3" {
		t.Errorf("partition %s %v", p.StorageDescriptor.Location, p.Parameters)
	}
	after := e.readAll("")
	for col, v := range before {
		var a, b []json.RawMessage
		json.Unmarshal([]byte(v), &a)
		json.Unmarshal([]byte(after[col]), &b)
		if len(a) != len(b) {
			t.Errorf("column %s: %d values before, %d after", col, len(a), len(b))
		}
	}
	// Nothing left to gain: a second compaction does nothing.
	sum, err = Compact(t.Context(), e.cat, openStore, "lake", "orders", CompactOptions{RunID: "c2"})
	if err != nil || len(sum.Locations) != 0 {
		t.Errorf("second compaction: %v %+v", err, sum)
	}
}

// Files written before a column was added lack it: with a header, columns
// are matched by name and the missing one is null.
// A table's CSV is read by header name, which for the files it reads gives
// what Athena reads by position: a file written before a column was added
// at the end lacks it (nulls). A file whose columns stand elsewhere would
// read otherwise in Athena: it is skipped, with the reason.
func TestConvertCSVMatchesHeaderByName(t *testing.T) {
	e := newEnv(t, map[string]string{
		"old.csv":   "id,amount\n1,2.50\n",
		"new.csv":   "id,amount,channel\n2,3.00,web\n",
		"moved.csv": "id,channel,amount\n3,app,4.00\n",
	})
	sum, err := e.run(e.csvTable("id:bigint", "amount:decimal(18,2)", "channel:string"), nil, Options{})
	if err != nil || sum.RowsWritten != 2 {
		t.Fatalf("%v %+v", err, sum)
	}
	if len(sum.FilesSkipped) != 1 || !strings.HasSuffix(sum.FilesSkipped[0].File, "/moved.csv") ||
		sum.FilesSkipped[0].Reason != "its columns (id,channel,amount) are not in the table's order (id,amount,channel): delimited text is read by position" {
		t.Errorf("skipped %+v", sum.FilesSkipped)
	}
	got := e.readAll("")
	if got["channel"] != `["web",null]` && got["channel"] != `[null,"web"]` {
		t.Errorf("channel %s", got["channel"])
	}
	if got["amount"] != `["3","2.5"]` && got["amount"] != `["2.5","3"]` {
		t.Errorf("amount %s", got["amount"])
	}
}

// A quoted CSV's table types string what OpenCSVSerde cannot read, and
// keeps the values' type in lakectl.inferredType: convert writes that.
func TestConvertWritesTheInferredTypeOfAStringColumn(t *testing.T) {
	e := newEnv(t, map[string]string{"a.csv": "id,amount,day\n1,\"2.50\",2024-01-03\n2,\"3.00\",2024-01-04\n"})
	tb := e.csvTable("id:bigint", "amount:string", "day:string")
	tb.StorageDescriptor.Columns[1].Parameters = map[string]string{catalog.ParamInferredType: "decimal(18,2)"}
	tb.StorageDescriptor.Columns[2].Parameters = map[string]string{catalog.ParamInferredType: "date"}
	if sum, err := e.run(tb, nil, Options{}); err != nil || sum.RowsWritten != 2 {
		t.Fatalf("%v %+v", err, sum)
	}
	read := 0
	for _, k := range e.files() {
		if !strings.HasSuffix(k, ".parquet") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(strings.TrimPrefix(e.dest.URI(""), "file://"), k))
		if err != nil {
			t.Fatal(err)
		}
		got := readBack(t, data)
		if got["amount:type"] != "decimal(18, 2)" || got["day:type"] != "date32" || got["amount"] != `["2.5","3"]` {
			t.Errorf("read back %v", got)
		}
		read++
	}
	if read != 1 {
		t.Errorf("%d Parquet files", read)
	}
}

// A quoted header name may hold a newline: the header ends at the first
// newline outside quotes, and line numbers count the header's lines.
func TestConvertCSVQuotedHeaderWithNewline(t *testing.T) {
	e := newEnv(t, map[string]string{"part-0.csv": "id,\"unit\nprice\",note\n1,2.50,x\n2,oops,y\n"})
	sum, err := e.run(e.csvTable("id:bigint", "unit_price:decimal(18,2)", "note:string"), nil, Options{MaxBadRecords: 1})
	if err != nil || sum.RowsWritten != 1 || sum.RowsQuarantined != 1 {
		t.Fatalf("%v %+v", err, sum)
	}
	got := e.readAll("")
	if got["unit_price"] != `["2.5"]` || got["note"] != `["x"]` {
		t.Errorf("read back %v", got)
	}
	q, _ := os.ReadFile(filepath.Join(strings.TrimPrefix(e.dest.URI(""), "file://"), sum.Quarantine[strings.LastIndex(sum.Quarantine, "_lakectl_quarantine"):]))
	if !strings.Contains(string(q), `"line":4`) {
		t.Errorf("quarantine (want line 4): %s", q)
	}
}

func TestConvertCRLFQuotedLastField(t *testing.T) {
	e := newEnv(t, map[string]string{"codes.csv": "id,code\r\n1,\"+297\"\r\n2,\"+93\"\r\n3,\"\"\r\n"})
	sum, err := e.run(e.csvTable("id:bigint", "code:string"), nil, Options{})
	if err != nil || sum.RowsWritten != 3 || sum.RowsQuarantined != 0 {
		t.Fatalf("err %v summary %+v", err, sum)
	}
	if got := e.readAll("")["code"]; got != `["+297","+93",null]` {
		t.Errorf("code = %s, want [\"+297\",\"+93\",null] (no carriage return kept)", got)
	}
}

func TestConvertUnterminatedQuoteCostsOneRecord(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,name\n")
	for i := 1; i <= 3376; i++ {
		switch i {
		case 100: // closed only by the opening quote on line 376
			b.WriteString("100,\"Smith, J\n")
		case 375:
			b.WriteString("375,\"Lee, J\"\n")
		case 3100: // never closed
			b.WriteString("3100,\"no closing quote\n")
		default:
			b.WriteString(strconv.Itoa(i) + ",name\n")
		}
	}
	e := newEnv(t, map[string]string{"people.csv": b.String()})
	sum, err := e.run(e.csvTable("id:bigint", "name:string"), nil, Options{MaxBadRecords: 5})
	if err != nil {
		t.Fatal(err)
	}
	if sum.RowsRead != 3376 || sum.RowsWritten != 3374 || sum.RowsQuarantined != 2 {
		t.Errorf("read %d, wrote %d, quarantined %d; want 3376, 3374, 2", sum.RowsRead, sum.RowsWritten, sum.RowsQuarantined)
	}
	q, _ := os.ReadFile(filepath.Join(strings.TrimPrefix(e.dest.URI(""), "file://"), strings.TrimPrefix(sum.Quarantine, e.dest.URI(""))))
	for _, want := range []string{`"line":3101`, `"line":101`, `"lines":1`, `"bytes":23`, `"raw":"3100,\"no closing quote"`, `not closed`} {
		if !strings.Contains(string(q), want) {
			t.Errorf("quarantine lacks %s:\n%s", want, q)
		}
	}
}

// A quote inside an unquoted field is an ordinary character, for the
// chunk boundaries as for the records: inch marks must not make a chunk
// end inside a later quoted field.
func TestConvertQuoteCharacterInsideFieldsAcrossChunks(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,text\n")
	n := 0
	for b.Len() < 9<<20 {
		n++
		if n%2 == 0 {
			b.WriteString(strconv.Itoa(n) + ",5\" tall\n")
		} else {
			b.WriteString(strconv.Itoa(n) + ",\"two\nlines\"\n")
		}
	}
	e := newEnv(t, map[string]string{"big.csv": b.String()})
	sum, err := e.run(e.csvTable("id:bigint", "text:string"), nil, Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if sum.RowsRead != int64(n) || sum.RowsWritten != int64(n) || sum.RowsQuarantined != 0 {
		t.Errorf("read %d, wrote %d, quarantined %d of %d rows", sum.RowsRead, sum.RowsWritten, sum.RowsQuarantined, n)
	}
	got := e.readAll("")["text"]
	if c := strings.Count(got, `"two\nlines"`); c != (n+1)/2 {
		t.Errorf("%d two-line values, want %d", c, (n+1)/2)
	}
	if c := strings.Count(got, `"5\" tall"`); c != n/2 {
		t.Errorf("%d inch values, want %d", c, n/2)
	}
}

// A member first seen after the crawler's sample never vanishes: the
// record is kept aside, naming it, and the rows reconcile.
func TestConvertJSONLateMembersAreQuarantined(t *testing.T) {
	var b strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&b, "{\"id\":%d,\"attrs\":{\"a\":%d}}\n", i, i)
	}
	b.WriteString(`{"id":1000,"attrs":{"a":1000,"b":"late"},"extra":"late"}` + "\n")
	e := newEnv(t, map[string]string{"e.jsonl": b.String()})
	tbl := jsonTable("file://"+e.src+"/", "id:bigint", "attrs:struct<a:bigint>")
	sum, err := e.run(tbl, nil, Options{})
	if !errors.Is(err, ErrTooManyBadRecords) || sum.RowsRead != 1001 || sum.RowsQuarantined != 1 {
		t.Fatalf("err %v summary %+v", err, sum)
	}
	q, _ := os.ReadFile(strings.TrimPrefix(sum.Quarantine, "file://"))
	if !strings.Contains(string(q), `"line":1001`) || !strings.Contains(string(q), "member attrs.b, extra is not in the table's schema") {
		t.Errorf("quarantine: %s", q)
	}
}

// Members that differ only in case are two columns: the second one
// suffixed, as CSV headers are, and matched by its source spelling.
func TestConvertJSONMembersDifferingInCase(t *testing.T) {
	e := newEnv(t, map[string]string{"k.jsonl": `{"Id":1,"id":"x"}` + "\n" + `{"id":"y"}` + "\n"})
	tbl := jsonTable("file://"+e.src+"/", "id:bigint", "id_2:string")
	tbl.StorageDescriptor.Columns[0].Parameters = map[string]string{catalog.ParamSourceName: "Id"}
	tbl.StorageDescriptor.Columns[1].Parameters = map[string]string{catalog.ParamSourceName: "id"}
	sum, err := e.run(tbl, nil, Options{})
	if err != nil || sum.RowsWritten != 2 {
		t.Fatalf("err %v summary %+v", err, sum)
	}
	got := e.readAll("")
	if got["id"] != "[1,null]" || got["id_2"] != `["x","y"]` {
		t.Errorf("id %s, id_2 %s", got["id"], got["id_2"])
	}
}

// A byte-order mark is no data, and a first line nested deeper than the
// decoder goes is one bad record: neither costs the rest of the file.
func TestConvertJSONLinesBOMAndDeepFirstLine(t *testing.T) {
	deep := `{"id":0,"n":` + strings.Repeat(`{"a":`, 20000) + "1" + strings.Repeat("}", 20000) + "}\n"
	e := newEnv(t, map[string]string{
		"bom.jsonl":  "\xef\xbb\xbf" + `{"id":1}` + "\n" + `{"id":2}` + "\n",
		"deep.jsonl": deep + `{"id":3}` + "\n" + `{"id":4}` + "\n",
	})
	tbl := jsonTable("file://"+e.src+"/", "id:bigint")
	sum, err := e.run(tbl, nil, Options{MaxBadRecords: 1})
	if err != nil {
		t.Fatal(err)
	}
	if sum.RowsRead != 5 || sum.RowsWritten != 4 || sum.RowsQuarantined != 1 {
		t.Errorf("read %d, wrote %d, quarantined %d; want 5, 4, 1", sum.RowsRead, sum.RowsWritten, sum.RowsQuarantined)
	}
	if got := e.readAll("")["id"]; got != "[1,2,3,4]" && got != "[3,4,1,2]" {
		t.Errorf("id = %s", got)
	}
}

// Typed rows are appended without a text round trip: staged, committed
// and registered as a conversion's output is.
func TestAppendRows(t *testing.T) {
	e := newEnv(t, nil)
	cols := []catalog.Column{{Name: "name", Type: "string"}, {Name: "n", Type: "bigint"}, {Name: "ratio", Type: "double"},
		{Name: "at", Type: "timestamp"}, {Name: "day", Type: "string"}}
	at := time.Date(2026, 11, 29, 10, 30, 0, 0, time.UTC)
	rows := [][]any{
		{"a", int64(1), 0.25, at, "2026-11-29"},
		{"b", nil, 1e-7, at.Add(time.Hour), "2026-11-29"},
		{"c", int64(3), 2.5, nil, "2026-11-30"},
	}
	opts := Options{Register: "hist.runs", PartitionBy: []string{"day"}, Mode: Append, Workers: 1}
	for range 2 {
		sum, err := AppendRows(t.Context(), e.cat, cols, rows, "runs", e.dest, opts)
		if err != nil || !sum.Committed || sum.RowsWritten != 3 || sum.RowsQuarantined != 0 {
			t.Fatalf("err %v summary %+v", err, sum)
		}
	}
	tb, err := e.cat.GetTable(t.Context(), "hist", "runs")
	if err != nil || tb.Parameters["recordCount"] != "6" || len(tb.PartitionKeys) != 1 {
		t.Fatalf("table %v %+v", err, tb)
	}
	got := e.readAll("day=2026-11-29/")
	if got["n"] != "[1,null,1,null]" || got["ratio"] != "[0.25,1e-07,0.25,1e-07]" {
		t.Errorf("n %s ratio %s", got["n"], got["ratio"])
	}
	// Typed times are instants.
	if got["at"] != `["2026-11-29T10:30:00Z","2026-11-29T11:30:00Z","2026-11-29T10:30:00Z","2026-11-29T11:30:00Z"]` {
		t.Errorf("at %s", got["at"])
	}
	for _, k := range e.files() {
		if strings.HasPrefix(k, "day=2026-11-29/") {
			if typ := readBack(t, e.object(k))["at:type"]; typ != "timestamp[us, tz=UTC]" {
				t.Errorf("%s: at is %s, want instants", k, typ)
			}
		}
	}
	// A value of the wrong type is a bad record, counted and kept aside.
	sum, err := AppendRows(t.Context(), e.cat, cols, [][]any{{"d", "x", 1.0, nil, "2026-12-01"}}, "runs", e.dest, opts)
	if !errors.Is(err, ErrTooManyBadRecords) || sum.RowsQuarantined != 1 {
		t.Errorf("a bad row: %v %+v", err, sum)
	}
}

// Arrays one after the other are all read; text after the last value is
// one bad record, never dropped unsaid. A CSV file may start with blank
// lines before its header.
func TestConvertReadsWholeDocumentsAndFiles(t *testing.T) {
	e := newEnv(t, map[string]string{
		"pages.json": "[{\"id\":1},{\"id\":2}]\n[{\"id\":3}]\n",
		"tail.json":  "[{\"id\":4}]\n]\n",
	})
	sum, err := e.run(jsonTable("file://"+e.src+"/", "id:bigint"), nil, Options{MaxBadRecords: 1})
	if err != nil || sum.RowsRead != 5 || sum.RowsWritten != 4 || sum.RowsQuarantined != 1 {
		t.Errorf("JSON: err %v summary %+v", err, sum)
	}
	e = newEnv(t, map[string]string{"blank.csv": "\n\r\nid,name\n1,a\n2,b\n"})
	sum, err = e.run(e.csvTable("id:bigint", "name:string"), nil, Options{})
	if err != nil || sum.RowsWritten != 2 || e.readAll("")["name"] != `["a","b"]` {
		t.Errorf("CSV: err %v summary %+v", err, sum)
	}
}

// A code the crawler's sample did not see (00501, +2) in a column typed
// bigint is kept aside, never converted to a number that lost its zeros.
func TestConvertRefusesCodesInIntegerColumns(t *testing.T) {
	e := newEnv(t, map[string]string{"zips.csv": "zip,n\n12345,1\n00501,2\n+2,3\n-0,4\n"})
	sum, err := e.run(e.csvTable("zip:bigint", "n:int"), nil, Options{MaxBadRecords: 2})
	if err != nil || sum.RowsWritten != 2 || sum.RowsQuarantined != 2 {
		t.Fatalf("err %v summary %+v", err, sum)
	}
	q, _ := os.ReadFile(strings.TrimPrefix(sum.Quarantine, "file://"))
	if strings.Count(string(q), "is a code, not a number") != 2 {
		t.Errorf("quarantine: %s", q)
	}
	if got := e.readAll("")["zip"]; got != "[12345,0]" {
		t.Errorf("zip = %s", got)
	}
}

// A writer waits while another holds the destination's lease, writes and
// commits nothing meanwhile, and goes on once it is released.
func TestWriterWaitsForTheDestinationLease(t *testing.T) {
	e := newEnv(t, map[string]string{"s.csv": "id,name\n1,a\n2,b\n"})
	tbl := e.csvTable("id:bigint", "name:string")
	other, err := commit.Acquire(t.Context(), e.dest, "run X on elsewhere", time.Minute, nil)
	if err != nil {
		t.Fatal(err)
	}
	waiting := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		_, err := e.run(tbl, nil, Options{Register: "lake.s", Waiting: func(h string) { waiting <- h }})
		done <- err
	}()
	select {
	case h := <-waiting:
		if h != "run X on elsewhere" {
			t.Errorf("waiting for %q", h)
		}
	case err := <-done:
		t.Fatalf("the writer did not wait: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the writer neither waited nor finished")
	}
	time.Sleep(300 * time.Millisecond)
	if _, err := e.cat.GetTable(t.Context(), "lake", "s"); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("the waiting writer registered its table: %v", err)
	}
	for _, k := range e.files() {
		if strings.HasSuffix(k, ".parquet") {
			t.Fatalf("the waiting writer wrote %s", k)
		}
	}
	if err := other.Release(t.Context()); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the writer did not go on once the lease was released")
	}
	if tb, err := e.cat.GetTable(t.Context(), "lake", "s"); err != nil || tb.Parameters["recordCount"] != "2" {
		t.Errorf("after: %v %+v", err, tb)
	}
}

// Compaction rewrites a location's own files: a file in a subfolder (which
// may be another writer's destination) stays as it is, and keeps its rows.
func TestCompactLeavesSubfolders(t *testing.T) {
	e := newEnv(t, map[string]string{"part-0.csv": orders})
	tbl := e.csvTable("id:bigint", "phone:string", "amount:decimal(18,2)", "day:date", "note:string")
	opts := Options{Register: "lake.orders", PartitionBy: []string{"day"}, Again: true}
	for range 3 {
		if _, err := e.run(tbl, nil, opts); err != nil {
			t.Fatal(err)
		}
	}
	var first string
	for _, k := range e.files() {
		if strings.HasPrefix(k, "day=2024-01-02/") {
			first = k
			break
		}
	}
	nested := "day=2024-01-02/other/part-x.parquet"
	if err := e.dest.Put(t.Context(), nested, bytes.NewReader(e.object(first))); err != nil {
		t.Fatal(err)
	}
	sum, err := Compact(t.Context(), e.cat, e.store, "lake", "orders", CompactOptions{RunID: "c1", TargetFileSize: DefaultTargetFileSize})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Locations) != 2 || sum.FilesRead != 6 || sum.Rows != 6 {
		t.Errorf("summary %+v: want the 6 files of the two partition folders, not the nested one", sum)
	}
	if got := e.object(nested); len(got) == 0 {
		t.Errorf("the nested file is gone")
	}
}
