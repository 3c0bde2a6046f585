package validate

import (
	"errors"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/internal/catalog"
)

func TestResolveColumn(t *testing.T) {
	cols := []ColumnName{{"productName", "productname"}, {"Beak Length (mm)", "beak_length__mm_"}, {"Id", "id"}, {"id", "id_2"}}
	for name, want := range map[string]int{
		"productName":      0, // as the source spells it
		"productname":      0, // as the catalog does
		"PRODUCTNAME":      0, // either, ignoring case
		"Beak Length (mm)": 1,
		"beak_length__mm_": 1,
		"beak length (MM)": 1,
		"Beak-Length-(mm)": 1, // as the crawler would register it
		"Id":               2,
		"id":               3, // a source name before a catalog name
		"id_2":             3,
	} {
		if got, err := ResolveColumn(name, cols); got != want || err != nil {
			t.Errorf("ResolveColumn(%q) = %d, %v; want %d", name, got, err, want)
		}
	}
	_, err := ResolveColumn("ID", cols)
	if err == nil || err.Error() != `column "ID" is ambiguous: it names Id and id` || !errors.Is(err, catalog.ErrInvalid) {
		t.Errorf("ambiguous: %v", err)
	}
	_, err = resolveIn("file:///x.csv", "price", cols)
	want := `no column "price" in file:///x.csv (columns: productName (catalog: productname), Beak Length (mm) (catalog: beak_length__mm_), Id (catalog: id), id (catalog: id_2))`
	if err == nil || err.Error() != want || !errors.Is(err, catalog.ErrInvalid) {
		t.Errorf("unknown column: %v\nwant %s", err, want)
	}
}

// Rules, keys, mappings and tolerances name a column either way.
func TestColumnsResolveEitherName(t *testing.T) {
	in := csvInput(t, "Beak Length (mm),Product Name\n1,a\n2,b\n", "beak_length__mm_:bigint", "product_name:string")
	rules, err := ParseRules("r.yaml", []byte("checks:\n  - constraints:\n      - isComplete: Beak Length (mm)\n      - isUnique: PRODUCT_NAME\n      - isPrimaryKey: [beak_length__mm_, Product Name]\n"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := CheckInput(t.Context(), in, rules, CheckOptions{Workers: 1})
	if err != nil || rep.Status != Success {
		t.Fatalf("%v %+v", err, rep)
	}
	tgt := csvInput(t, "beak,product_name\n1,a\n2,b\n", "beak:bigint", "product_name:string")
	cmp, diff, err := CompareWithKey(t.Context(), in, tgt, CompareOptions{Map: map[string]string{"Beak Length (mm)": "BEAK"}},
		KeyedOptions{Key: []string{"Product Name"}, ColumnTolerance: map[string]Tolerance{"beak length (mm)": {Abs: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if cmp.Differs(diff) || len(cmp.Columns) != 2 || cmp.Columns[0].TargetColumn != "beak" {
		t.Errorf("compare: %+v %+v", cmp, diff)
	}
	_, _, err = CompareWithKey(t.Context(), in, tgt, CompareOptions{}, KeyedOptions{Key: []string{"nope"}})
	if err == nil || !strings.Contains(err.Error(), `key column nope is missing in the source: no column "nope"`) || !errors.Is(err, catalog.ErrInvalid) {
		t.Errorf("unknown key: %v", err)
	}
}

// resolveColumns picks every column, or those named, by either name.
func TestResolveColumns(t *testing.T) {
	in := csvInput(t, "a,b\n1,2\n", "a:bigint", "b_c:bigint")
	pick, names, err := resolveColumns(in, nil)
	if err != nil || len(pick) != 2 || names[1] != "b_c" {
		t.Errorf("all: %v %v %v", pick, names, err)
	}
	pick, names, err = resolveColumns(in, []string{"B C", "A"})
	if err != nil || pick[0] != 1 || pick[1] != 0 || names[0] != "b_c" {
		t.Errorf("named: %v %v %v", pick, names, err)
	}
	if _, _, err = resolveColumns(in, []string{"x"}); !errors.Is(err, catalog.ErrInvalid) {
		t.Errorf("unknown: %v", err)
	}
}
