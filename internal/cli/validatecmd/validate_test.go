package validatecmd

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/cli/cmdutil"
	"github.com/lakectl/lakectl/internal/dataset"
)

func TestClip(t *testing.T) {
	cases := map[string]string{
		"short":                  "short",
		"exactly10!":             "exactly10!",
		"eleven char":            "eleven ch…",
		"héllo wörld, long":      "héllo wör…",
		"a\nb\tc":                `a\nb\tc`,
		"line\nline\nline\nline": `line\nlin…`,
		"abcdefgh\x00":           `abcdefgh…`, // \x00 is cut whole
		"abcdef\x00":             `abcdef\x00`,
	}
	for in, want := range cases {
		if got := clip(in, 10); got != want {
			t.Errorf("clip(%q, 10) = %q, want %q", in, got, want)
		}
	}
	// A nested value of a megabyte shows as one short line.
	huge := strings.Repeat(`{"a":[1,2,3],"b":"x"}`+"\n", 50_000)
	if got := clip(huge, maxBinValue); utf8.RuneCountInString(got) != maxBinValue || strings.Contains(got, "\n") {
		t.Errorf("clip of %d bytes: %q", len(huge), got)
	}
}

// TestDatasetName: the history of a catalog table is under DB.TABLE; two
// queries of one database are two datasets, each stable across runs.
func TestDatasetName(t *testing.T) {
	f := &cmdutil.Factory{}
	tbl := dataset.Input{FromCatalog: true, Table: &catalog.Table{DatabaseName: "sales", Name: "orders", StorageDescriptor: catalog.StorageDescriptor{Location: "s3://b/o/"}}}
	if got := datasetName(f, tbl); got != "sales.orders" {
		t.Errorf("catalog table: %q", got)
	}
	q := func(query string) dataset.Input {
		return dataset.Input{Table: &catalog.Table{}, SQL: &dataset.SQL{Display: "postgres://u:xxxxx@h/db", Query: query}}
	}
	a, b := datasetName(f, q("select 1")), datasetName(f, q("select 2"))
	if a == b || a != datasetName(f, q("select 1")) || !strings.HasPrefix(a, "postgres://u:xxxxx@h/db#query-") {
		t.Errorf("queries: %q, %q", a, b)
	}
}
