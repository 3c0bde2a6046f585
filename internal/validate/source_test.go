package validate

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/convert"
	"github.com/lakectl/lakectl/internal/dataset"
	"github.com/lakectl/lakectl/internal/storage"
	"github.com/lakectl/lakectl/internal/storage/local"
)

func openLocal(ctx context.Context, uri string) (storage.Store, error) {
	return local.New(strings.TrimPrefix(uri, "file://"))
}

func writeFiles(t *testing.T, files map[string]string) string {
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func table(dir, classification string, cols ...string) *catalog.Table {
	tb := &catalog.Table{Name: "t", DatabaseName: "d", Parameters: map[string]string{"classification": classification}}
	if classification == "csv" {
		tb.Parameters["delimiter"] = ","
		tb.Parameters["skip.header.line.count"] = "1"
	}
	tb.StorageDescriptor.Location = "file://" + dir + "/"
	for _, c := range cols {
		n, typ, _ := strings.Cut(c, ":")
		tb.StorageDescriptor.Columns = append(tb.StorageDescriptor.Columns, catalog.Column{Name: n, Type: typ})
	}
	return tb
}

const ordersCSV = "id,amount,region,paid,note\n1,9.50,eu,true,\n2,12,us,false,x\n3,,eu,true,y\n4,0,eu,,z\nbroken,row\n"

func TestProfileCSV(t *testing.T) {
	dir := writeFiles(t, map[string]string{"a.csv": ordersCSV})
	p, err := ProfileInput(t.Context(), dataset.Input{Table: table(dir, "csv", "id:bigint", "amount:double", "region:string", "paid:boolean", "note:string"), Store: openLocal}, ProfileOptions{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if p.Rows != 4 || p.MalformedRecords != 1 || !strings.Contains(p.FirstMalformed, "a.csv line 6") {
		t.Errorf("rows %d malformed %d %q", p.Rows, p.MalformedRecords, p.FirstMalformed)
	}
	amount := p.Column("amount")
	if amount.DataType != Fractional || amount.Completeness != 0.75 || *amount.Sum != 21.5 || *amount.ZerosCount != 1 || amount.TypeCounts[Unknown] != 1 {
		t.Errorf("amount %+v", amount)
	}
	if id := p.Column("id"); id.DataType != Integral || *id.Mean != 2.5 || id.ApproxDistinct != 4 {
		t.Errorf("id %+v", id)
	}
	if r := p.Column("region"); r.DataType != String || len(r.Histogram) != 2 || r.Histogram[0].Value != "eu" || r.Histogram[0].Count != 3 {
		t.Errorf("region %+v", r)
	}
	if paid := p.Column("paid"); paid.DataType != Boolean || paid.Completeness != 0.75 {
		t.Errorf("paid %+v", paid)
	}
	// --columns picks; an unknown column is an error.
	p, err = ProfileInput(t.Context(), dataset.Input{Table: table(dir, "csv", "id:bigint", "amount:double", "region:string", "paid:boolean", "note:string"), Store: openLocal}, ProfileOptions{Columns: []string{"region"}})
	if err != nil || len(p.Columns) != 1 {
		t.Errorf("one column: %v %+v", err, p)
	}
	_, err = ProfileInput(t.Context(), dataset.Input{Table: table(dir, "csv", "id:bigint"), Store: openLocal}, ProfileOptions{Columns: []string{"nope"}})
	if err == nil || !strings.Contains(err.Error(), `no column "nope" in`) || !strings.Contains(err.Error(), "(columns: id)") {
		t.Errorf("unknown column: %v", err)
	}
}

func TestProfileJSON(t *testing.T) {
	dir := writeFiles(t, map[string]string{"a.json": `{"id": 1, "name": "", "tags": ["a"], "score": 1.5}` + "\n" + `{"id": 2, "name": "bob", "score": null}` + "\n"})
	p, err := ProfileInput(t.Context(), dataset.Input{Table: table(dir, "json", "id:bigint", "name:string", "tags:array<string>", "score:double"), Store: openLocal}, ProfileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// An empty JSON string is a value, not a null (Deequ's completeness).
	if n := p.Column("name"); n.Completeness != 1 || n.DataType != String || *n.MinLength != 0 {
		t.Errorf("name %+v", n)
	}
	if s := p.Column("score"); s.DataType != Fractional || s.Completeness != 0.5 || !s.IsDataTypeInferred {
		t.Errorf("score %+v", s)
	}
	if tg := p.Column("tags"); tg.DataType != String || tg.Completeness != 0.5 {
		t.Errorf("tags %+v", tg)
	}
}

func TestProfileParquetIsTyped(t *testing.T) {
	src := writeFiles(t, map[string]string{"a.csv": strings.Replace(ordersCSV, "broken,row\n", "", 1)})
	dest, _ := local.New(t.TempDir())
	_, err := convert.Run(t.Context(), nil, dataset.Input{Table: table(src, "csv", "id:bigint", "amount:decimal(18,2)", "region:string", "paid:boolean", "note:string"), Store: openLocal}, dest, convert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	pt := table(strings.TrimPrefix(strings.TrimSuffix(dest.URI(""), "/"), "file://"), "parquet", "id:bigint", "amount:decimal(18,2)", "region:string", "paid:boolean", "note:string")
	p, err := ProfileInput(t.Context(), dataset.Input{Table: pt, Store: openLocal}, ProfileOptions{Percentiles: true})
	if err != nil {
		t.Fatal(err)
	}
	if p.Rows != 4 {
		t.Fatalf("rows %d", p.Rows)
	}
	a := p.Column("amount")
	if a.DataType != Fractional || a.IsDataTypeInferred || a.Completeness != 0.75 || *a.Sum != 21.5 || *a.Maximum != 12 {
		t.Errorf("amount %+v", a)
	}
	if id := p.Column("id"); id.DataType != Integral || *id.Mean != 2.5 {
		t.Errorf("id %+v", id)
	}
	if paid := p.Column("paid"); paid.DataType != Boolean || paid.Histogram[0].Value != "true" || paid.Histogram[0].Count != 2 {
		t.Errorf("paid %+v", paid)
	}
	if note := p.Column("note"); note.DataType != String || note.Completeness != 0.75 {
		t.Errorf("note %+v", note)
	}
}
