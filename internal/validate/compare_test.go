package validate

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/catalog/sqlite"
	"github.com/lakectl/lakectl/internal/storage"

	"github.com/lakectl/lakectl/internal/convert"
	"github.com/lakectl/lakectl/internal/dataset"
	"github.com/lakectl/lakectl/internal/storage/local"
)

func TestCompareCSVWithItsParquetCopy(t *testing.T) {
	csv := "id,amount,region\n1,9.50,eu\n2,12,us\n3,,eu\n4,0,eu\n"
	src := writeFiles(t, map[string]string{"a.csv": csv})
	srcTable := table(src, "csv", "id:bigint", "amount:decimal(18,2)", "region:string")
	dest, _ := local.New(t.TempDir())
	if _, err := convert.Run(t.Context(), nil, dataset.Input{Table: srcTable, Store: openLocal}, dest, convert.Options{}); err != nil {
		t.Fatal(err)
	}
	tgtTable := table(strings.TrimPrefix(strings.TrimSuffix(dest.URI(""), "/"), "file://"), "parquet", "id:bigint", "amount:decimal(18,2)", "region:string")
	rep, err := Compare(t.Context(), dataset.Input{Table: srcTable, Store: openLocal}, dataset.Input{Table: tgtTable, Store: openLocal}, CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Match || len(rep.Columns) != 3 || rep.SourceRows != 4 || rep.TargetRows != 4 {
		t.Fatalf("report %+v", rep)
	}
	for _, c := range rep.Columns {
		if c.Status != Match {
			t.Errorf("%s: %s (%s)", c.Column, c.Status, c.Differences)
		}
	}
	// A target with a row less, a renamed column and an extra one.
	other := writeFiles(t, map[string]string{"b.csv": "id,value,region,extra\n1,9.50,eu,x\n2,12,us,y\n4,0,eu,z\n"})
	otherTable := table(other, "csv", "id:bigint", "value:double", "region:string", "extra:string")
	rep, err = Compare(t.Context(), dataset.Input{Table: srcTable, Store: openLocal}, dataset.Input{Table: otherTable, Store: openLocal}, CompareOptions{Map: map[string]string{"amount": "value"}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Match || strings.Join(rep.OnlyInTarget, ",") != "extra" || len(rep.OnlyInSource) != 0 {
		t.Errorf("report %+v", rep)
	}
	amount := rep.Columns[1]
	if amount.TargetColumn != "value" || amount.Status != NoMatch || amount.Differences != "completeness, row count" {
		t.Errorf("amount %+v", amount)
	}
}

func TestCompareByKey(t *testing.T) {
	srcCSV := "id,region,amount,at\n1,eu,9.50,2024-01-02T10:00:00Z\n2,us,12,2024-01-02T10:00:00.000Z\n3,eu,,2024-01-03T00:00:00Z\n4,eu,0,2024-01-04T00:00:00Z\n5,us,7.25,2024-01-05T00:00:00Z\n"
	src := writeFiles(t, map[string]string{"a.csv": srcCSV})
	srcTable := table(src, "csv", "id:bigint", "region:string", "amount:decimal(18,2)", "at:timestamp")
	// The same data as Parquet: a Match.
	dest, _ := local.New(t.TempDir())
	if _, err := convert.Run(t.Context(), nil, dataset.Input{Table: srcTable, Store: openLocal}, dest, convert.Options{}); err != nil {
		t.Fatal(err)
	}
	pq := table(strings.TrimPrefix(strings.TrimSuffix(dest.URI(""), "/"), "file://"), "parquet", "id:bigint", "region:string", "amount:decimal(18,2)", "at:timestamp")
	d, err := compareByKey(t.Context(), dataset.Input{Table: srcTable, Store: openLocal}, dataset.Input{Table: pq, Store: openLocal}, KeyedOptions{Key: []string{"id"}, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if d.Differs() || d.Matched != 5 || d.Identical != 5 {
		t.Fatalf("identical data: %+v", d)
	}

	// A target with a changed amount (beyond tolerance), a changed region, a
	// missing row (3), an extra row (6), and amount 12.004 within tolerance.
	tgtCSV := "id,region,amount,at\n1,eu,9.60,2024-01-02T10:00:00Z\n2,us,12.004,2024-01-02 10:00:00\n4,asia,0,2024-01-04T00:00:00Z\n5,us,7.25,2024-01-05T00:00:00Z\n6,eu,1,2024-01-06T00:00:00Z\n"
	tgt := writeFiles(t, map[string]string{"b.csv": tgtCSV})
	tgtTable := table(tgt, "csv", "id:bigint", "region:string", "amount:double", "at:timestamp")
	d, err = compareByKey(t.Context(), dataset.Input{Table: srcTable, Store: openLocal}, dataset.Input{Table: tgtTable, Store: openLocal},
		KeyedOptions{Key: []string{"id"}, Tolerance: Tolerance{Abs: 0.01}, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if d.Matched != 4 || d.Identical != 2 || d.Changed != 2 || d.MissingInTarget != 1 || d.ExtraInTarget != 1 ||
		d.ChangedByColumn["amount"] != 1 || d.ChangedByColumn["region"] != 1 {
		t.Errorf("diff %+v", d)
	}
	var kinds []string
	for _, s := range d.Samples {
		kinds = append(kinds, s.Key+":"+s.Kind)
		if s.Key == "1" && (s.Columns["amount"] != [2]any{Double(9.5), Double(9.6)}) {
			t.Errorf("sample of 1: %+v", s)
		}
	}
	for _, want := range []string{"1:changed", "3:missing in target", "4:changed", "6:extra in target"} {
		if !slices.Contains(kinds, want) {
			t.Errorf("samples %v lack %s", kinds, want)
		}
	}
	// A relative tolerance of 2% on amount alone hides the 9.50 → 9.60 change.
	d, _ = compareByKey(t.Context(), dataset.Input{Table: srcTable, Store: openLocal}, dataset.Input{Table: tgtTable, Store: openLocal},
		KeyedOptions{Key: []string{"id"}, ColumnTolerance: map[string]Tolerance{"amount": {Rel: 0.02}}})
	if d.ChangedByColumn["amount"] != 0 {
		t.Errorf("with --rel-tol amount=0.02: %+v", d.ChangedByColumn)
	}
	// A compound key, and duplicate keys on both sides.
	dup := writeFiles(t, map[string]string{"c.csv": "id,region,amount,at\n1,eu,1,\n1,eu,2,\n1,us,3,\n"})
	dupTable := table(dup, "csv", "id:bigint", "region:string", "amount:double", "at:timestamp")
	d, err = compareByKey(t.Context(), dataset.Input{Table: dupTable, Store: openLocal}, dataset.Input{Table: dupTable, Store: openLocal}, KeyedOptions{Key: []string{"id", "region"}, Workers: 1})
	if err != nil || d.DuplicateKeysSource != 1 || d.DuplicateKeysTarget != 1 || !d.Differs() {
		t.Errorf("duplicate keys: %v %+v", err, d)
	}
	// A key column missing on one side.
	_, err = compareByKey(t.Context(), dataset.Input{Table: srcTable, Store: openLocal}, dataset.Input{Table: table(tgt, "csv", "region:string"), Store: openLocal}, KeyedOptions{Key: []string{"id"}})
	if err == nil || !strings.Contains(err.Error(), "key column id is missing in the target") {
		t.Errorf("missing key column: %v", err)
	}
}

// saveReport appends a column report as lakectl validate compare --save
// does.
func saveReport(t *testing.T, c catalog.Catalog, rep *CompareReport, dest storage.Store, now time.Time) error {
	opts := convert.Options{Register: "db_deequ.migration_validation", PartitionBy: []string{"run_date"}, Mode: convert.Append, Workers: 1}
	_, err := convert.AppendRows(t.Context(), c, ReportColumns, ReportRows(rep, now), "compare report", dest, opts)
	return err
}

func TestSaveReport(t *testing.T) {
	c, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	dest, _ := local.New(t.TempDir())
	rep := &CompareReport{Source: "s", Target: "t", Columns: []ColumnComparison{
		{Column: "id", SrcDataType: Integral, TgtDataType: Integral, SrcCompleteness: 1, TgtCompleteness: 1, SrcDistinct: 3, TgtDistinct: 3, SrcCount: 3, TgtCount: 3, Status: Match},
		{Column: "amount", SrcDataType: Fractional, TgtDataType: String, SrcCompleteness: 1, TgtCompleteness: 0.5, SrcDistinct: 3, TgtDistinct: 1, SrcCount: 3, TgtCount: 3, Status: NoMatch},
	}}
	for _, day := range []string{"2026-11-25", "2026-11-26", "2026-11-26"} {
		now, _ := time.Parse("2006-01-02", day)
		if err := saveReport(t, c, rep, dest, now); err != nil {
			t.Fatal(err)
		}
	}
	tb, err := c.GetTable(t.Context(), "db_deequ", "migration_validation")
	if err != nil {
		t.Fatal(err)
	}
	if tb.Parameters["classification"] != "parquet" || tb.Parameters["recordCount"] != "6" || len(tb.PartitionKeys) != 1 || tb.PartitionKeys[0].Name != "run_date" {
		t.Errorf("table %v %v", tb.Parameters, tb.PartitionKeys)
	}
	// The history is queryable: profile the saved table like any other.
	pq := *tb
	p, err := ProfileInput(t.Context(), dataset.Input{Table: &pq, Partitions: partitionsOf(t, c), Store: openLocal}, ProfileOptions{Columns: []string{"status", "run_date"}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Rows != 6 || p.Column("status").ApproxDistinct != 2 || p.Column("run_date").ApproxDistinct != 2 {
		t.Errorf("saved history: %+v", p)
	}
}

func partitionsOf(t *testing.T, c catalog.Catalog) []catalog.Partition {
	var out []catalog.Partition
	for p, err := range c.ListPartitions(t.Context(), "db_deequ", "migration_validation", nil) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, *p)
	}
	return out
}

// Every kind of difference the compare report can show makes it differ.
func TestCompareReportDiffers(t *testing.T) {
	same := func() *CompareReport {
		return &CompareReport{SourceRows: 3, TargetRows: 3, OnlyInSource: []string{}, OnlyInTarget: []string{}, Columns: []ColumnComparison{
			{Column: "id", TargetColumn: "id", SrcDataType: Integral, TgtDataType: Integral, SrcCompleteness: 1, TgtCompleteness: 1, SrcDistinct: 3, TgtDistinct: 3, SrcCount: 3, TgtCount: 3, Status: Match},
		}, Match: true}
	}
	if same().Differs(nil) || same().Differs(&KeyedDiff{Matched: 3, Identical: 3}) {
		t.Fatal("a report without differences differs")
	}
	for name, change := range map[string]func(*CompareReport, *KeyedDiff){
		"column only in the source": func(r *CompareReport, _ *KeyedDiff) { r.OnlyInSource = []string{"x"} },
		"column only in the target": func(r *CompareReport, _ *KeyedDiff) { r.OnlyInTarget = []string{"x"} },
		"row count":                 func(r *CompareReport, _ *KeyedDiff) { r.TargetRows = 4 },
		"column not matching":       func(r *CompareReport, _ *KeyedDiff) { r.Columns[0].Status = NoMatch },
		"changed rows":              func(_ *CompareReport, d *KeyedDiff) { d.Changed = 1 },
		"missing rows":              func(_ *CompareReport, d *KeyedDiff) { d.MissingInTarget = 1 },
		"extra rows":                func(_ *CompareReport, d *KeyedDiff) { d.ExtraInTarget = 1 },
		"null keys in the source":   func(_ *CompareReport, d *KeyedDiff) { d.NullKeysSource = 1 },
		"null keys in the target":   func(_ *CompareReport, d *KeyedDiff) { d.NullKeysTarget = 1 },
		"duplicates in the source":  func(_ *CompareReport, d *KeyedDiff) { d.DuplicateKeysSource = 1 },
		"duplicates in the target":  func(_ *CompareReport, d *KeyedDiff) { d.DuplicateKeysTarget = 1 },
	} {
		r, d := same(), &KeyedDiff{Matched: 3, Identical: 3}
		change(r, d)
		if !r.Differs(d) {
			t.Errorf("%s: the report does not differ", name)
		}
	}
}

// A compare by key whose rows are identical still differs when a column
// is missing from the target, or its type changed.
func TestCompareByKeyDiffersOnColumns(t *testing.T) {
	src := csvInput(t, "id,name,amount\n1,a,1.0\n2,b,2.0\n", "id:bigint", "name:string", "amount:double")
	for name, tgt := range map[string]dataset.Input{
		"missing column": csvInput(t, "id,name\n1,a\n2,b\n", "id:bigint", "name:string"),
		"changed type":   csvInput(t, "id,name,amount\n1,a,1\n2,b,2\n", "id:bigint", "name:string", "amount:bigint"),
	} {
		rep, diff, err := CompareWithKey(t.Context(), src, tgt, CompareOptions{}, KeyedOptions{Key: []string{"id"}})
		if err != nil {
			t.Fatal(err)
		}
		if diff.Differs() {
			t.Errorf("%s: the rows differ: %+v", name, diff)
		}
		if !rep.Differs(diff) {
			t.Errorf("%s: no difference found: %+v %+v", name, rep, diff)
		}
	}
}

// A changed row whose value is NaN or infinite is a sample JSON can carry.
func TestCompareByKeyNaNSamplesToJSON(t *testing.T) {
	src := csvInput(t, "id,x\n1,NaN\n2,Infinity\n3,1\n", "id:bigint", "x:double")
	dest, _ := local.New(t.TempDir())
	if _, err := convert.Run(t.Context(), nil, src, dest, convert.Options{}); err != nil {
		t.Fatal(err)
	}
	pq := dataset.Input{Table: table(strings.TrimPrefix(strings.TrimSuffix(dest.URI(""), "/"), "file://"), "parquet", "id:bigint", "x:double"), Store: openLocal}
	rep, diff, err := CompareWithKey(t.Context(), pq, csvInput(t, "id,x\n1,2\n2,3\n3,1\n", "id:bigint", "x:double"), CompareOptions{}, KeyedOptions{Key: []string{"id"}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(map[string]any{"columns": rep, "rows": diff})
	if err != nil || !json.Valid(b) || diff.Changed != 2 || !strings.Contains(string(b), `"x":["NaN",2]`) || !strings.Contains(string(b), `"x":["Infinity",3]`) {
		t.Errorf("JSON %s: %v", b, err)
	}
}
