package validate

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/lakectl/lakectl/internal/convert"
	"github.com/lakectl/lakectl/internal/dataset"
	"github.com/lakectl/lakectl/internal/storage/local"
)

// Nested Parquet columns are read as their JSON text: a struct, a LIST, a
// MAP, a repeated primitive, with dates, timestamps and decimals inside
// as a JSON source would spell them and null members left out.
func TestProfileParquetNestedAsJSONText(t *testing.T) {
	type when struct {
		Day int32 `parquet:"day,optional,date"`
		At  int64 `parquet:"at,optional,timestamp(microsecond)"`
	}
	type rec struct {
		ID    int64            `parquet:"id"`
		Nums  []int32          `parquet:"nums"`
		Tags  []string         `parquet:"tags,list"`
		Attrs map[string]int64 `parquet:"attrs"`
		When  *when            `parquet:"when,optional"`
	}
	at := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	rows := []rec{
		{ID: 1, Nums: []int32{1, 2}, Tags: []string{"a", "b"}, Attrs: map[string]int64{"k": 7}, When: &when{Day: 19724, At: at.UnixMicro()}},
		{ID: 2, Tags: []string{}, When: &when{Day: 19724}},
		{ID: 3},
	}
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "a.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[rec](f)
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()

	tb := table(dir, "parquet", "id:bigint", "nums:array<int>", "tags:array<string>", "attrs:map<string,bigint>", "when:struct<day:date,at:timestamp>")
	p, err := ProfileInput(t.Context(), dataset.Input{Table: tb, Store: openLocal}, ProfileOptions{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	values := func(col string) []string {
		var out []string
		for _, h := range p.Column(col).Histogram {
			out = append(out, h.Value)
		}
		slices.Sort(out)
		return out
	}
	want := map[string][]string{
		// Lists and maps that are not optional: written empty when nil.
		"nums":  {"[1,2]", "[]"},
		"tags":  {`["a","b"]`, "[]"},
		"attrs": {`{"k":7}`, "{}"},
		"when":  {"NullValue", `{"at":"2024-01-02T03:04:05Z","day":"2024-01-02"}`, `{"day":"2024-01-02"}`},
	}
	for col, w := range want {
		slices.Sort(w)
		if got := values(col); !slices.Equal(got, w) {
			t.Errorf("%s: values %q, want %q", col, got, w)
		}
		if c := p.Column(col); c.DataType != String {
			t.Errorf("%s: type %s", col, c.DataType)
		}
	}
}

// A JSON file and its Parquet copy compare equal, nested columns included
// (they were reported as changed when nested Parquet values read as null).
func TestCompareNestedJSONWithParquet(t *testing.T) {
	src := writeFiles(t, map[string]string{"a.json": `{"id":1,"tags":["a","b"],"addr":{"city":"X","zip":5}}
{"id":2,"tags":[],"addr":{"city":"Y"}}
{"id":3}
`})
	dest, _ := local.New(t.TempDir())
	cols := []string{"id:bigint", "tags:array<string>", "addr:struct<city:string,zip:bigint>"}
	if _, err := convert.Run(t.Context(), nil, dataset.Input{Table: table(src, "json", cols...), Store: openLocal}, dest, convert.Options{}); err != nil {
		t.Fatal(err)
	}
	tgt := strings.TrimPrefix(strings.TrimSuffix(dest.URI(""), "/"), "file://")
	rep, diff, err := CompareWithKey(t.Context(), dataset.Input{Table: table(src, "json", cols...), Store: openLocal},
		dataset.Input{Table: table(tgt, "parquet", cols...), Store: openLocal}, CompareOptions{Workers: 2}, KeyedOptions{Key: []string{"id"}, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if diff.Identical != 3 || diff.Changed != 0 || diff.Differs() {
		t.Errorf("diff %+v", diff)
	}
	for _, c := range rep.Columns {
		if c.Status != "Match" {
			t.Errorf("column %+v", c)
		}
	}
}
