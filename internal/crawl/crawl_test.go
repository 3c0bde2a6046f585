package crawl

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/catalog/sqlite"
	"github.com/lakectl/lakectl/internal/dataset"
	"github.com/lakectl/lakectl/internal/format"
	"github.com/lakectl/lakectl/internal/storage"
	"github.com/lakectl/lakectl/internal/storage/local"
)

type lake struct {
	t    *testing.T
	dir  string
	cat  catalog.Catalog
	runs int
}

func newLake(t *testing.T, files map[string]string) *lake {
	l := &lake{t: t, dir: t.TempDir()}
	l.write(files)
	c, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	l.cat = c
	return l
}

func (l *lake) write(files map[string]string) {
	for name, body := range files {
		p := filepath.Join(l.dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			l.t.Fatal(err)
		}
	}
}

func (l *lake) remove(name string) {
	if err := os.RemoveAll(filepath.Join(l.dir, filepath.FromSlash(name))); err != nil {
		l.t.Fatal(err)
	}
}

func (l *lake) crawl(mod func(*Options), paths ...string) (*Report, error) {
	l.t.Helper()
	if len(paths) == 0 {
		paths = []string{""}
	}
	var targets []Target
	for _, p := range paths {
		s, err := local.New(filepath.Join(l.dir, p))
		if err != nil {
			l.t.Fatal(err)
		}
		targets = append(targets, Target{URI: s.URI(""), Store: s})
	}
	l.runs++
	opts := Options{Database: "lake", Format: format.DefaultOptions(), Name: "test", RunID: fmt.Sprintf("run%d", l.runs)}
	if mod != nil {
		mod(&opts)
	}
	return Run(l.t.Context(), l.cat, targets, opts)
}

func (l *lake) mustCrawl(mod func(*Options), paths ...string) *Report {
	l.t.Helper()
	rep, err := l.crawl(mod, paths...)
	if err != nil {
		l.t.Fatal(err)
	}
	checkCounts(l.t, rep)
	return rep
}

// checkCounts asserts that a report's counts add up: every listed file is
// read into a table, unchanged, not sampled or skipped, and only one of
// these; the tables hold the files that were not skipped.
func checkCounts(t *testing.T, rep *Report) {
	t.Helper()
	c := rep.Files
	if c.Listed != c.Read+c.Unchanged+c.NotSampled+c.Skipped {
		t.Errorf("%d listed, but %d read + %d unchanged + %d not sampled + %d skipped", c.Listed, c.Read, c.Unchanged, c.NotSampled, c.Skipped)
	}
	if c.Skipped != len(rep.Skipped) {
		t.Errorf("%d skipped, but %d reasons", c.Skipped, len(rep.Skipped))
	}
	// Unchanged files may include files skipped before, and again now.
	inTables := 0
	for _, tr := range rep.Tables {
		inTables += tr.Files
	}
	if inTables < c.Read+c.NotSampled || inTables > c.Read+c.Unchanged+c.NotSampled || c.Unchanged == 0 && inTables != c.Read+c.NotSampled {
		t.Errorf("the tables hold %d files, but %d read + %d unchanged + %d not sampled", inTables, c.Read, c.Unchanged, c.NotSampled)
	}
}

// A folder of mixed files: each listed file is counted once, an Arrow file
// as skipped (and named), and a re-crawl counts the files it did not read
// again as unchanged, whatever became of them before.
func TestReportCountsAddUp(t *testing.T) {
	l := newLake(t, map[string]string{
		"s/day=1/a.csv":    ordersCSV,
		"s/day=1/b.csv":    ordersCSV,
		"s/day=1/c.csv":    ordersCSV,
		"s/day=2/a.csv":    ordersCSV,
		"s/day=2/b.csv":    ordersCSV,
		"s/day=2/0.arrow":  "ARROW1\x00\x00\xff\xff\xff\xff\x10\x00\x00\x00",
		"s/day=2/_SUCCESS": "",
		"s/readme.csv":     ordersCSV,
	})
	opts := func(o *Options) { o.Recrawl = RecrawlNewFolders; o.SampleFiles = 2 }
	rep := l.mustCrawl(opts, "s")
	want := FileSummary{Listed: 8, Read: 3, NotSampled: 2, Skipped: 3}
	if got := rep.Files; got.Listed != want.Listed || got.Read != want.Read || got.Unchanged != 0 || got.NotSampled != want.NotSampled || got.Skipped != want.Skipped {
		t.Errorf("first crawl: %+v, want %+v", got, want)
	}
	for file, reason := range map[string]string{
		"/day=2/0.arrow":  "an Arrow IPC file (Feather v2): not supported",
		"/day=2/_SUCCESS": "hidden or marker file",
		"/readme.csv":     "sits beside partition folders",
	} {
		if got := skippedFor(rep, file); !strings.Contains(got, reason) {
			t.Errorf("%s: skipped with %q, want %q", file, got, reason)
		}
	}
	if r := reportTable(rep, "s"); r == nil || r.Files != 5 || l.table("s").Parameters[catalog.ParamObjectCount] != "5" {
		t.Fatalf("table %+v, parameters %v", r, l.table("s").Parameters)
	}
	// A new folder: the known ones are not read again.
	l.write(map[string]string{"s/day=3/a.csv": ordersCSV})
	rep = l.mustCrawl(opts, "s")
	want = FileSummary{Listed: 9, Read: 1, Unchanged: 6, Skipped: 2}
	if got := rep.Files; got.Listed != want.Listed || got.Read != want.Read || got.Unchanged != want.Unchanged || got.NotSampled != 0 || got.Skipped != want.Skipped {
		t.Errorf("re-crawl: %+v, want %+v", got, want)
	}
	if r := reportTable(rep, "s"); r == nil || r.Files != 6 || r.PartitionsAdded != 1 || r.PartitionsUpdated != 0 || l.table("s").Parameters[catalog.ParamObjectCount] != "6" {
		t.Errorf("re-crawl: table %+v, objectCount %s", r, l.table("s").Parameters[catalog.ParamObjectCount])
	}
}

func (l *lake) table(name string) *catalog.Table {
	l.t.Helper()
	t, err := l.cat.GetTable(l.t.Context(), "lake", name)
	if err != nil {
		l.t.Fatal(err)
	}
	return t
}

func (l *lake) tables() []string {
	var names []string
	for t, err := range l.cat.ListTables(l.t.Context(), "lake") {
		if errors.Is(err, catalog.ErrNotFound) {
			return nil
		}
		if err != nil {
			l.t.Fatal(err)
		}
		names = append(names, t.Name)
	}
	return names
}

func (l *lake) partitions(table string) []*catalog.Partition {
	var out []*catalog.Partition
	for p, err := range l.cat.ListPartitions(l.t.Context(), "lake", table, nil) {
		if err != nil {
			l.t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

func columns(t *catalog.Table) string {
	var parts []string
	for _, c := range t.StorageDescriptor.Columns {
		parts = append(parts, c.Name+":"+c.Type)
	}
	return strings.Join(parts, " ")
}

func reportTable(rep *Report, name string) *TableReport {
	for i := range rep.Tables {
		if rep.Tables[i].Name == name {
			return &rep.Tables[i]
		}
	}
	return nil
}

func skippedFor(rep *Report, file string) string {
	for _, s := range rep.Skipped {
		if strings.HasSuffix(s.File, file) {
			return s.Reason
		}
	}
	return ""
}

const ordersCSV = "id,amount,day\n1,9.50,2024-01-03\n2,12.00,2024-01-04\n"

func TestHivePartitionsFormOneTable(t *testing.T) {
	l := newLake(t, map[string]string{
		"sales/year=2023/month=12/part-0.csv": ordersCSV,
		"sales/year=2024/month=01/part-0.csv": ordersCSV,
		"sales/year=2024/month=02/part-0.csv": "id,amount,day,note\n3,1.25,2024-02-01,late\n",
		"sales/_SUCCESS":                      "",
	})
	rep := l.mustCrawl(nil, "sales")
	if got := l.tables(); !slices.Equal(got, []string{"sales"}) {
		t.Fatalf("tables %v", got)
	}
	tb := l.table("sales")
	if got := columns(tb); got != "id:bigint amount:decimal(18,2) day:date note:string" {
		t.Errorf("columns %s", got)
	}
	if keys := keyNames(tb.PartitionKeys); !slices.Equal(keys, []string{"year", "month"}) {
		t.Errorf("partition keys %v", keys)
	}
	p := tb.Parameters
	if p["classification"] != "csv" || p["delimiter"] != "," || p["skip.header.line.count"] != "1" || p["compressionType"] != "none" ||
		p["objectCount"] != "3" || p["recordCount"] != "5" || p[catalog.ParamRecordCountEstimated] != "false" || p[catalog.ParamUpdatedByCrawler] != "test" || p[catalog.ParamCrawlRunID] != "run1" {
		t.Errorf("parameters %v", p)
	}
	parts := l.partitions("sales")
	if len(parts) != 3 || !slices.Equal(parts[1].Values, []string{"2024", "01"}) || !strings.HasSuffix(parts[1].StorageDescriptor.Location, "/sales/year=2024/month=01/") {
		t.Fatalf("partitions %+v", parts)
	}
	// Every partition inherits the table's schema (no drift between partitions).
	for _, part := range parts {
		if columns(&catalog.Table{StorageDescriptor: part.StorageDescriptor}) != columns(tb) {
			t.Errorf("partition %v has its own schema", part.Values)
		}
	}
	if r := reportTable(rep, "sales"); r == nil || r.Action != ActionCreated || r.PartitionsAdded != 3 {
		t.Errorf("report %+v", rep.Tables)
	}
	if !strings.Contains(skippedFor(rep, "_SUCCESS"), "marker") {
		t.Errorf("_SUCCESS not reported as skipped: %v", rep.Skipped)
	}
	if len(rep.Decisions) == 0 || rep.Decisions[0].Outcome != Grouped {
		t.Errorf("decisions %+v", rep.Decisions)
	}
}

func TestDissimilarFoldersBecomeSeparateTables(t *testing.T) {
	l := newLake(t, map[string]string{
		"raw/orders/a.csv":    ordersCSV,
		"raw/orders/b.csv":    ordersCSV,
		"raw/customers/a.csv": "name,email,city\nAnn,ann@x.org,Paris\nBob,bob@x.org,Rome\n",
		"raw/events/e.json":   `{"event": "click", "at": "2024-01-01T10:00:00Z"}` + "\n",
		"raw/stray.csv":       ordersCSV,
	})
	rep := l.mustCrawl(nil, "raw")
	if got := l.tables(); !slices.Equal(got, []string{"customers", "events", "orders"}) {
		t.Fatalf("tables %v", got)
	}
	if len(rep.Decisions) != 1 || rep.Decisions[0].Outcome != Separate || !strings.Contains(rep.Decisions[0].Reason, "different formats") {
		t.Errorf("decision %+v", rep.Decisions)
	}
	if r := skippedFor(rep, "raw/stray.csv"); !strings.Contains(r, "beside folders that hold tables") {
		t.Errorf("stray file: %q", r)
	}
	// Same format, different schemas: separate, with the similarity that decided it.
	l2 := newLake(t, map[string]string{
		"raw/orders/a.csv":    ordersCSV,
		"raw/customers/a.csv": "name,email,city\nAnn,ann@x.org,Paris\nBob,bob@x.org,Rome\n",
	})
	rep = l2.mustCrawl(nil, "raw")
	d := rep.Decisions[0]
	if d.Outcome != Separate || d.Similarity != 0.5 || d.Schemas != 2 || !strings.Contains(d.Reason, "only 50% of files") {
		t.Errorf("decision %+v", d)
	}
}

func TestSimilarUnnamedFoldersBecomePartitions(t *testing.T) {
	l := newLake(t, map[string]string{
		"logs/2023/a.json": `{"level": "info", "msg": "x", "n": 1}`,
		"logs/2024/b.json": `{"level": "warn", "msg": "y", "n": 2.5, "host": "h1"}`,
		"logs/2025/c.json": `{"level": "warn", "msg": "y", "n": 3}`,
	})
	rep := l.mustCrawl(nil, "logs")
	tb := l.table("logs")
	if keyNames(tb.PartitionKeys)[0] != "partition_0" || columns(tb) != "level:string msg:string n:double host:string" {
		t.Errorf("table %s keys %v", columns(tb), keyNames(tb.PartitionKeys))
	}
	d := rep.Decisions[0]
	if d.Outcome != Grouped || d.Similarity != 1 || d.Schemas != 2 {
		t.Errorf("decision %+v", d)
	}
}

func TestTableLevelAndCombine(t *testing.T) {
	// y's columns begin as x's do (a table read by position can hold
	// both), but most of them are x's no more: by similarity, two tables.
	files := map[string]string{
		"lake/a/x/1.csv": ordersCSV,
		"lake/a/y/1.csv": "id,amount,day,name,email,city,zip\n1,2.50,2024-01-01,Ann,ann@x.org,Paris,75001\n2,3.00,2024-01-02,Bob,bob@x.org,Rome,00184\n",
		"lake/b/1.csv":   ordersCSV,
		"lake/c/1.csv":   "name,email,city\nAnn,ann@x.org,Paris\nBob,bob@x.org,Rome\n",
	}
	l := newLake(t, files)
	l.mustCrawl(nil, "lake")
	if got := l.tables(); !slices.Equal(got, []string{"b", "c", "x", "y"}) {
		t.Errorf("by similarity: %v", got)
	}
	l = newLake(t, files)
	rep := l.mustCrawl(func(o *Options) { o.TableLevel = 2 }, "lake")
	if got := l.tables(); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("--table-level 2: %v", got)
	}
	if tb := l.table("a"); keyNames(tb.PartitionKeys)[0] != "partition_0" || len(l.partitions("a")) != 2 {
		t.Errorf("table a: %v", keyNames(tb.PartitionKeys))
	}
	if !strings.Contains(rep.Decisions[0].Reason, "table level 2") {
		t.Errorf("decisions %+v", rep.Decisions)
	}
	l = newLake(t, files)
	l.mustCrawl(func(o *Options) { o.CombineSchemas = true }, "lake/a")
	if got := l.tables(); !slices.Equal(got, []string{"a"}) || columns(l.table("a")) != "id:bigint amount:decimal(18,2) day:date name:string email:string city:string zip:string" {
		t.Errorf("--combine-schemas: %v %s", got, columns(l.table("a")))
	}
	// CSV columns in another order cannot share a table read by position,
	// whatever the options say: --combine-schemas keeps them apart, and
	// --table-level leaves out the folder of fewer files, with the reason.
	files = map[string]string{
		"lake/a/x/1.csv": ordersCSV,
		"lake/a/x/2.csv": ordersCSV,
		"lake/a/y/1.csv": "day,id,amount\n2024-01-01,1,2.50\n",
	}
	l = newLake(t, files)
	rep = l.mustCrawl(func(o *Options) { o.CombineSchemas = true }, "lake/a")
	if got := l.tables(); !slices.Equal(got, []string{"x", "y"}) {
		t.Errorf("--combine-schemas over reordered columns: %v, decisions %+v", got, rep.Decisions)
	}
	if d := rep.Decisions[0]; d.Outcome != Separate || !strings.Contains(d.Reason, "CSV columns not in the order id,amount,day: y (day,id,amount); Athena reads CSV by position") {
		t.Errorf("decision %+v", d)
	}
	l = newLake(t, files)
	rep = l.mustCrawl(func(o *Options) { o.TableLevel = 1 }, "lake/a")
	if got := l.tables(); !slices.Equal(got, []string{"a"}) || len(l.partitions("a")) != 1 || columns(l.table("a")) != "id:bigint amount:decimal(18,2) day:date" {
		t.Errorf("--table-level over reordered columns: %v", got)
	}
	if r := skippedFor(rep, "lake/a/y/1.csv"); !strings.Contains(r, "its columns (day,id,amount) are not in the order of id,amount,day") {
		t.Errorf("y/1.csv skipped for %q", r)
	}
}

func TestThresholdWritesNothing(t *testing.T) {
	l := newLake(t, map[string]string{
		"raw/a/1.csv":  ordersCSV,
		"raw/b/1.json": `{"x": 1}`,
		"raw/c/1.csv":  "p,q\nx,y\nz,w\n",
	})
	rep, err := l.crawl(func(o *Options) { o.TableThreshold = 2 }, "raw")
	if !errors.Is(err, ErrThresholdExceeded) || !rep.ThresholdExceeded || len(rep.Tables) != 3 {
		t.Fatalf("err %v, report %+v", err, rep)
	}
	checkCounts(t, rep)
	if got := actions(rep); got != "a would create, b would create, c would create" {
		t.Errorf("actions: %s", got)
	}
	if got := l.tables(); len(got) != 0 {
		t.Errorf("tables written despite the threshold: %v", got)
	}
	rep = l.mustCrawl(func(o *Options) { o.TableThreshold = 3 }, "raw")
	if got := actions(rep); got != "a created, b created, c created" {
		t.Errorf("actions: %s", got)
	}
	if got := l.tables(); len(got) != 3 {
		t.Errorf("tables %v", got)
	}
	// Over the threshold, a table that would change is not updated either.
	l.write(map[string]string{"raw/a/2.csv": "id,amount,day,note\n3,1.00,2024-01-05,x\n", "raw/d/1.json": `{"y": 1}`, "raw/e/1.json": `{"z": true}`})
	l.remove("raw/c")
	rep, err = l.crawl(func(o *Options) { o.TableThreshold = 1 }, "raw")
	if !errors.Is(err, ErrThresholdExceeded) {
		t.Fatalf("err %v", err)
	}
	if got := actions(rep); got != "a would update, b unchanged, c would deprecate, d would create, e would create" {
		t.Errorf("actions: %s", got)
	}
	if got := columns(l.table("a")); got != "id:bigint amount:decimal(18,2) day:date" {
		t.Errorf("table a changed despite the threshold: %s", got)
	}
}

func actions(rep *Report) string {
	var out []string
	for _, t := range rep.Tables {
		out = append(out, t.Name+" "+t.Action)
	}
	return strings.Join(out, ", ")
}

func TestDryRunChangesNothing(t *testing.T) {
	l := newLake(t, map[string]string{"t/1.csv": ordersCSV, "u/1.json": `{"x": 1}`})
	rep := l.mustCrawl(func(o *Options) { o.DryRun = true }, "")
	if got := actions(rep); got != "t would create, u would create" || !rep.DryRun {
		t.Errorf("actions: %s", got)
	}
	if _, err := l.cat.GetDatabase(t.Context(), "lake"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("dry run created the database: %v", err)
	}
	l.mustCrawl(nil, "")
	l.write(map[string]string{"t/2.csv": "id,amount,day,note\n3,1.00,2024-01-05,x\n"})
	l.remove("u")
	for behavior, want := range map[string]string{
		DeleteDeprecate:   "t would update, u would deprecate",
		DeleteFromCatalog: "t would update, u would delete",
		DeleteLog:         "t would update, u logged",
	} {
		rep = l.mustCrawl(func(o *Options) { o.DryRun = true; o.DeleteBehavior = behavior }, "")
		if got := actions(rep); got != want {
			t.Errorf("%s: actions: %s, want %s", behavior, got, want)
		}
	}
	if got := l.tables(); !slices.Equal(got, []string{"t", "u"}) || columns(l.table("t")) != "id:bigint amount:decimal(18,2) day:date" {
		t.Errorf("the dry runs changed the catalog: tables %v, t %s", got, columns(l.table("t")))
	}
}

func TestSchemaChangePolicies(t *testing.T) {
	for _, c := range []struct {
		behavior, columns string
		action            string
		versions          int
	}{
		{UpdateInDatabase, "id:bigint amount:double extra:string", ActionUpdated, 2},
		{MergeNewColumns, "id:bigint amount:decimal(18,2) day:date extra:string", ActionUpdated, 2},
		{UpdateLog, "id:bigint amount:decimal(18,2) day:date", ActionLogged, 1},
	} {
		t.Run(c.behavior, func(t *testing.T) {
			l := newLake(t, map[string]string{"t/1.csv": ordersCSV})
			l.mustCrawl(nil, "t")
			_, err := catalog.UpdateTableFunc(t.Context(), l.cat, "lake", "t", func(tb *catalog.Table) error {
				tb.StorageDescriptor.Columns[0].Comment = "kept"
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			l.write(map[string]string{"t/1.csv": "id,amount,extra\n1,1e3,x\n"})
			rep := l.mustCrawl(func(o *Options) { o.UpdateBehavior = c.behavior }, "t")
			tb := l.table("t")
			if got := columns(tb); got != c.columns {
				t.Errorf("columns %s, want %s", got, c.columns)
			}
			r := reportTable(rep, "t")
			if r.Action != c.action || !slices.Contains(r.Changes, "column amount decimal(18,2) → double") || !slices.Contains(r.Changes, "column extra string added") || !slices.Contains(r.Changes, "column day date no longer in the data") {
				t.Errorf("report %+v", r)
			}
			if tb.StorageDescriptor.Columns[0].Comment != "kept" {
				t.Error("a column comment was lost")
			}
			n := 0
			for range l.cat.ListTableVersions(t.Context(), "lake", "t") {
				n++
			}
			if n != c.versions+1 { // +1: the comment edit
				t.Errorf("%d versions, want %d", n, c.versions+1)
			}
		})
	}
}

func TestUnchangedDataMakesNoVersion(t *testing.T) {
	l := newLake(t, map[string]string{"s/year=2024/1.csv": ordersCSV, "s/year=2025/1.csv": ordersCSV})
	l.mustCrawl(nil, "s")
	// A table whose compressionType is missing (as some tools write it) is
	// the same as "none": no change.
	_, err := catalog.UpdateTableFunc(t.Context(), l.cat, "lake", "s", func(tb *catalog.Table) error {
		delete(tb.Parameters, "compressionType")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	before := l.table("s").VersionID
	rep := l.mustCrawl(nil, "s")
	r := reportTable(rep, "s")
	if r.Action != ActionUnchanged || r.PartitionsAdded+r.PartitionsUpdated+r.PartitionsRemoved != 0 {
		t.Errorf("report %+v", r)
	}
	if l.table("s").VersionID != before {
		t.Error("an unchanged crawl made a new version")
	}
}

func TestDeleteBehaviours(t *testing.T) {
	files := map[string]string{
		"lake/s/year=2023/1.csv": ordersCSV,
		"lake/s/year=2024/1.csv": ordersCSV,
		"lake/t/1.json":          `{"a": 1}`,
	}
	for _, c := range []struct {
		behavior      string
		partitions    int
		tableAction   string
		tablePresent  bool
		deprecatedTag bool
	}{
		{DeleteDeprecate, 2, ActionDeprecated, true, true},
		{DeleteFromCatalog, 1, ActionDeleted, false, false},
		{DeleteLog, 2, ActionLogged, true, false},
	} {
		t.Run(c.behavior, func(t *testing.T) {
			l := newLake(t, files)
			l.mustCrawl(nil, "lake")
			l.remove("lake/s/year=2023")
			l.remove("lake/t")
			rep := l.mustCrawl(func(o *Options) { o.DeleteBehavior = c.behavior }, "lake")
			if got := len(l.partitions("s")); got != c.partitions {
				t.Errorf("%d partitions left, want %d", got, c.partitions)
			}
			if r := reportTable(rep, "t"); r == nil || r.Action != c.tableAction {
				t.Errorf("table t: %+v", r)
			}
			tb, err := l.cat.GetTable(t.Context(), "lake", "t")
			if (err == nil) != c.tablePresent {
				t.Fatalf("table t present: %v", err)
			}
			if c.tablePresent {
				if _, tagged := tb.Parameters[catalog.ParamDeprecatedByCrawler]; tagged != c.deprecatedTag {
					t.Errorf("DEPRECATED_BY_CRAWLER on t: %v", tb.Parameters)
				}
			}
			if c.behavior == DeleteDeprecate {
				p, err := l.cat.GetPartition(t.Context(), "lake", "s", []string{"2023"})
				if err != nil || p.Parameters[catalog.ParamDeprecatedByCrawler] == "" {
					t.Errorf("partition 2023 not marked deprecated: %v %v", p, err)
				}
				// The data comes back: the marks go.
				l.write(files)
				rep = l.mustCrawl(nil, "lake")
				tb = l.table("t")
				if _, tagged := tb.Parameters[catalog.ParamDeprecatedByCrawler]; tagged {
					t.Error("table t still deprecated after its files came back")
				}
				p, _ = l.cat.GetPartition(t.Context(), "lake", "s", []string{"2023"})
				if p.Parameters[catalog.ParamDeprecatedByCrawler] != "" {
					t.Error("partition 2023 still deprecated after its files came back")
				}
			}
		})
	}
}

func TestRecrawlNewFoldersReadsOnlyWhatChanged(t *testing.T) {
	l := newLake(t, map[string]string{
		"s/day=1/a.csv": ordersCSV,
		"s/day=2/a.csv": ordersCSV,
		"s/day=3/a.csv": ordersCSV,
	})
	opts := func(o *Options) { o.Recrawl = RecrawlNewFolders }
	rep := l.mustCrawl(opts, "s")
	if rep.Files.Read != 3 {
		t.Fatalf("first crawl read %d files", rep.Files.Read)
	}
	rep = l.mustCrawl(opts, "s")
	if rep.Files.Read != 0 || rep.Files.Unchanged != 3 || reportTable(rep, "s").Action != ActionUnchanged {
		t.Errorf("second crawl: read %d, unchanged %d, %+v", rep.Files.Read, rep.Files.Unchanged, reportTable(rep, "s"))
	}
	// A new folder, a changed file (beyond Glue, which cannot see it) and a gone folder.
	l.write(map[string]string{"s/day=4/a.csv": ordersCSV, "s/day=2/a.csv": "id,amount,day,late\n7,1.00,2024-01-09,true\n"})
	l.remove("s/day=3")
	rep = l.mustCrawl(opts, "s")
	r := reportTable(rep, "s")
	if rep.Files.Read != 2 || rep.Files.Unchanged != 1 {
		t.Errorf("third crawl read %d, unchanged %d", rep.Files.Read, rep.Files.Unchanged)
	}
	if r.Action != ActionUpdated || r.PartitionsAdded != 1 || r.PartitionsDeprecated != 1 || !slices.Contains(r.Changes, "column late boolean added") {
		t.Errorf("report %+v", r)
	}
	// The data column day is shadowed by the partition key day (and said so).
	if got := columns(l.table("s")); got != "id:bigint amount:decimal(18,2) late:boolean" {
		t.Errorf("columns %s", got)
	}
	if !slices.Contains(r.Warnings, "column day is also a partition key: the partition key is kept; Athena reads CSV by position, so the columns after it (late) read the fields before theirs: rename the key or the column") {
		t.Errorf("warnings %v", r.Warnings)
	}
}

func TestBadInputIsSkippedWithReasons(t *testing.T) {
	junk := string([]byte{0x00, 0x01, 0xff, 0xfe, 0x10, 0x00, 0x33})
	l := newLake(t, map[string]string{
		"t/good-1.csv":  ordersCSV,
		"t/good-2.csv":  ordersCSV,
		"t/good-3.csv":  ordersCSV,
		"t/empty.csv":   "",
		"t/junk.bin":    junk,
		"t/latin1.csv":  "name,city\nJos\xe9,S\xe3o Paulo\n",
		"t/other.json":  `{"a": 1}`,
		"t/notes.csv":   "title,author,year,isbn,pages\nx,y,1999,123,10\n",
		"t/.hidden.csv": ordersCSV,
	})
	before := snapshot(t, l.dir)
	rep := l.mustCrawl(nil, "t")
	want := map[string]string{
		"empty.csv":   "empty file",
		"junk.bin":    "binary content",
		"latin1.csv":  "not UTF-8",
		"other.json":  "differs from the csv",
		"notes.csv":   "schema differs from the other files",
		".hidden.csv": "hidden",
	}
	for file, reason := range want {
		if got := skippedFor(rep, "/"+file); !strings.Contains(got, reason) {
			t.Errorf("%s: skipped with %q, want %q", file, got, reason)
		}
	}
	if r := reportTable(rep, "t"); r == nil || r.Files != 3 || r.Records != 6 {
		t.Errorf("table %+v", rep.Tables)
	}
	if after := snapshot(t, l.dir); after != before {
		t.Error("the crawl modified data files")
	}
}

func snapshot(t *testing.T, dir string) string {
	h := sha256.New()
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			info, _ := d.Info()
			fmt.Fprintf(h, "%s %x %v\n", p, sha256.Sum256(b), info.ModTime().Format(time.RFC3339Nano))
		}
		return nil
	})
	return fmt.Sprintf("%x", h.Sum(nil))
}

func TestIncludeExcludeAndSampling(t *testing.T) {
	l := newLake(t, map[string]string{
		"t/keep/1.csv":    ordersCSV,
		"t/keep/2.csv":    ordersCSV,
		"t/keep/3.csv":    ordersCSV,
		"t/archive/1.csv": ordersCSV,
		"t/keep/x.tmp":    "junk",
	})
	rep := l.mustCrawl(func(o *Options) {
		o.Include = []string{"keep/**"}
		o.Exclude = []string{"**/*.tmp"}
		o.SampleFiles = 1
	}, "t")
	if got := l.tables(); !slices.Equal(got, []string{"keep"}) {
		t.Errorf("tables %v", got)
	}
	r := reportTable(rep, "keep")
	if rep.Files.Listed != 3 || rep.Files.Read != 1 || rep.Files.NotSampled != 2 || r.Files != 3 || !r.RecordsEstimated {
		t.Errorf("files %+v table %+v", rep.Files, r)
	}
	if _, err := l.crawl(func(o *Options) { o.Include = []string{"[unclosed"} }, "t"); !errors.Is(err, catalog.ErrInvalid) {
		t.Errorf("bad glob: %v", err)
	}
}

// cancelAfterCreate cancels the crawl as soon as the first table exists,
// as a Ctrl-C in the middle of writing would.
type cancelAfterCreate struct {
	catalog.Catalog
	cancel func()
}

func (c *cancelAfterCreate) CreateTable(ctx context.Context, t catalog.Table) error {
	err := c.Catalog.CreateTable(ctx, t)
	c.cancel()
	return err
}

func TestInterruptedCrawlLeavesOnlyCompleteTables(t *testing.T) {
	l := newLake(t, map[string]string{
		"raw/a/year=2023/1.csv": ordersCSV,
		"raw/a/year=2024/1.csv": ordersCSV,
		"raw/b/1.json":          `{"x": 1}`,
		"raw/c/1.json":          `{"name": "n", "when": "2024-01-01"}` + "\n" + `{"name": "m"}`,
	})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	s, _ := local.New(filepath.Join(l.dir, "raw"))
	_, err := Run(ctx, &cancelAfterCreate{Catalog: l.cat, cancel: cancel}, []Target{{URI: s.URI(""), Store: s}},
		Options{Database: "lake", Format: format.DefaultOptions()})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	// The table being written when the crawl was cancelled is complete,
	// partitions and all; the others were not started.
	if got := l.tables(); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("tables %v, want [a]", got)
	}
	if n := len(l.partitions("a")); n != 2 {
		t.Errorf("table a has %d of its 2 partitions", n)
	}
}

// Folder names escape partition values as Hive does; the catalog holds the
// values themselves, and a null as the default partition.
func TestPartitionValuesAreUnescaped(t *testing.T) {
	row := "id,n\n1,2\n"
	folders := map[string]string{"a%3Db": "a=b", "x%2Fy": "x/y", "50%25": "50%", "a b": "a b", "é": "é", "10%3A30": "10:30", format.DefaultPartition: format.DefaultPartition}
	files := map[string]string{}
	for f := range folders {
		files["t/k="+f+"/part-0.csv"] = row
	}
	l := newLake(t, files)
	l.mustCrawl(nil, "t")
	parts := l.partitions("t")
	var got []string
	for _, p := range parts {
		got = append(got, p.Values[0])
	}
	want := slices.Sorted(maps.Values(folders))
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("partition values %q, want %q", got, want)
	}

	// A catalog written when the crawler kept the escapes: the re-crawl
	// leaves one partition per folder, under its unescaped values.
	old := *parts[0]
	for _, p := range parts {
		if p.Values[0] == "a=b" {
			old = *p
		}
	}
	old.Values = []string{"a%3Db"}
	if err := l.cat.CreatePartitions(t.Context(), "lake", "t", []catalog.Partition{old}); err != nil {
		t.Fatal(err)
	}
	rep := l.mustCrawl(nil, "t")
	if n := len(l.partitions("t")); n != len(folders) {
		t.Errorf("%d partitions after a re-crawl over escaped values, want %d: %+v", n, len(folders), reportTable(rep, "t"))
	}
}

// The crawler types new partition keys as string (as Glue does); a key an
// existing table types otherwise (convert registers a bigint column's
// type) keeps its type while every folder's value is of that type.
func TestPartitionKeyTypeIsKept(t *testing.T) {
	l := newLake(t, map[string]string{
		"t/year=2023/part-0.csv":                            ordersCSV,
		"t/year=2024/part-0.csv":                            ordersCSV,
		"t/year=" + format.DefaultPartition + "/part-0.csv": ordersCSV,
	})
	l.mustCrawl(nil, "t")
	if got := l.table("t").PartitionKeys[0].Type; got != "string" {
		t.Fatalf("a new partition key is %s, want string", got)
	}
	if _, err := catalog.UpdateTableFunc(t.Context(), l.cat, "lake", "t", func(tb *catalog.Table) error {
		tb.PartitionKeys[0].Type = "bigint"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	rep := l.mustCrawl(nil, "t")
	if got := l.table("t").PartitionKeys[0].Type; got != "bigint" {
		t.Errorf("a re-crawl made the bigint key %s: %+v", got, reportTable(rep, "t"))
	}
	if r := reportTable(rep, "t"); r.Action != ActionUnchanged {
		t.Errorf("re-crawl of unchanged data: %+v", r)
	}
	l.write(map[string]string{"t/year=unknown/part-0.csv": ordersCSV})
	l.mustCrawl(nil, "t")
	if got := l.table("t").PartitionKeys[0].Type; got != "string" {
		t.Errorf("a key with the value \"unknown\" is %s, want string", got)
	}
}

// A year that holds only one month so far (every January) is a partition
// of the same table as the years before it: logs/2024/{01,02} and
// logs/2025/01 hold their data two levels below logs alike.
func TestLoneMonthJoinsItsYears(t *testing.T) {
	const day = `{"level": "info", "msg": "x"}` + "\n"
	for name, files := range map[string][]string{
		"2025 with one month":  {"logs/2024/01/a.json", "logs/2024/02/a.json", "logs/2025/01/a.json"},
		"2025 with two months": {"logs/2024/01/a.json", "logs/2024/02/a.json", "logs/2025/01/a.json", "logs/2025/02/a.json"},
	} {
		t.Run(name, func(t *testing.T) {
			tree := map[string]string{}
			for _, f := range files {
				tree[f] = day
			}
			l := newLake(t, tree)
			rep := l.mustCrawl(nil, "logs")
			if got := l.tables(); !slices.Equal(got, []string{"logs"}) {
				t.Fatalf("tables %v, want [logs]; decisions %+v", got, rep.Decisions)
			}
			if keys := keyNames(l.table("logs").PartitionKeys); !slices.Equal(keys, []string{"partition_0", "partition_1"}) {
				t.Errorf("partition keys %v", keys)
			}
			var values []string
			for _, p := range l.partitions("logs") {
				values = append(values, strings.Join(p.Values, "/"))
			}
			slices.Sort(values)
			want := []string{"2024/01", "2024/02", "2025/01"}
			if len(files) == 4 {
				want = append(want, "2025/02")
			}
			if !slices.Equal(values, want) {
				t.Errorf("partitions %v, want %v", values, want)
			}
			for _, d := range rep.Decisions {
				if strings.Contains(d.Reason, "depth") {
					t.Errorf("decision %+v speaks of depths, but every folder holds its data two levels down", d)
				}
			}
		})
	}
}

// Folders that really hold their data at different depths stay apart, and
// the report says at which depths.
func TestDataAtDifferentDepthsStaysApart(t *testing.T) {
	l := newLake(t, map[string]string{
		"logs/a/01/x.json": `{"level": "info"}`,
		"logs/a/02/x.json": `{"level": "info"}`,
		"logs/b/x.json":    `{"level": "info"}`,
	})
	rep := l.mustCrawl(nil, "logs")
	if got := l.tables(); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("tables %v", got)
	}
	var d *Decision
	for i := range rep.Decisions {
		if strings.HasSuffix(rep.Decisions[i].Folder, "/logs/") {
			d = &rep.Decisions[i]
		}
	}
	if d == nil || d.Outcome != Separate || !strings.Contains(d.Reason, "different depths: a at depth 2, b at depth 1 below file://") {
		t.Errorf("decision %+v", d)
	}
}

// Athena reads CSV by position (the table says so: columnsOrdered), not
// by header name. Folders whose columns stand in other places cannot be
// partitions of one table; columns added at the end can (older files read
// them as nulls).
func TestCSVColumnsAreReadByPosition(t *testing.T) {
	l := newLake(t, map[string]string{
		"sales/day=1/a.csv": "id,amount,name\n1,2.50,Ann\n",
		"sales/day=2/a.csv": "id,amount,name\n2,3.50,Bob\n",
		"sales/day=3/a.csv": "id,amount,name,extra\n3,4.50,Cy,x\n", // a column added at the end
		"sales/day=4/a.csv": "id,name,amount,extra\n4,Di,5.50,y\n", // reordered
	})
	rep := l.mustCrawl(nil, "sales")
	if got := l.tables(); !slices.Equal(got, []string{"day_4", "sales"}) {
		t.Fatalf("tables %v; decisions %+v", got, rep.Decisions)
	}
	tb := l.table("sales")
	if got := columns(tb); got != "id:bigint amount:decimal(18,2) name:string extra:string" {
		t.Errorf("columns %s", got)
	}
	if tb.Parameters[catalog.ParamColumnsOrdered] != "true" {
		t.Errorf("columnsOrdered %q", tb.Parameters[catalog.ParamColumnsOrdered])
	}
	var values []string
	for _, p := range l.partitions("sales") {
		values = append(values, p.Values[0])
	}
	if !slices.Equal(values, []string{"1", "2", "3"}) {
		t.Errorf("partitions %v", values)
	}
	if got := columns(l.table("day_4")); got != "id:bigint name:string amount:decimal(18,2) extra:string" {
		t.Errorf("day_4 columns %s", got)
	}
	d := rep.Decisions[0]
	if d.Outcome != Grouped || !strings.Contains(d.Reason, "apart, as tables of their own: CSV columns not in the order id,amount,name,extra: day=4 (id,name,amount,extra); Athena reads CSV by position") {
		t.Errorf("decision %+v", d)
	}

	// Two unnamed folders, one reordered: nothing to group.
	l = newLake(t, map[string]string{
		"logs/a/x.csv": "id,amount,name\n1,2.50,Ann\n",
		"logs/b/x.csv": "id,name,amount\n2,Bob,3.50\n",
	})
	rep = l.mustCrawl(nil, "logs")
	if got := l.tables(); !slices.Equal(got, []string{"a", "b"}) || rep.Decisions[0].Outcome != Separate {
		t.Errorf("tables %v, decisions %+v", got, rep.Decisions)
	}

	// Files of one folder: the reordered one is skipped, with the reason.
	l = newLake(t, map[string]string{
		"t/1.csv": "id,amount,name\n1,2.50,Ann\n",
		"t/2.csv": "id,amount,name\n2,3.50,Bob\n",
		"t/3.csv": "id,name,amount\n3,Cy,4.50\n",
	})
	rep = l.mustCrawl(nil, "t")
	if r := skippedFor(rep, "t/3.csv"); !strings.Contains(r, "its columns (id,name,amount) are not in the order of id,amount,name") {
		t.Errorf("3.csv: %q", r)
	}
	if n := l.table("t").Parameters[catalog.ParamObjectCount]; n != "2" {
		t.Errorf("objectCount %s", n)
	}
}

// lakectl's readers read CSV by header name; they read a table's file only
// when that gives what Athena reads by position.
func TestReadersSkipCSVColumnsOutOfPlace(t *testing.T) {
	l := newLake(t, map[string]string{
		"t/1.csv": "id,amount,name\n1,2.50,Ann\n",
	})
	l.mustCrawl(nil, "t")
	l.write(map[string]string{
		"t/2.csv": "id,amount\n2,3.50\n",                // older: fewer columns at the end
		"t/3.csv": "id,amount,name,note\n3,1.00,Cy,x\n", // newer: one more at the end
		"t/4.csv": "amount,id,name\n4.50,4,Di\n",        // reordered
	})
	tb := l.table("t")
	files, skipped, err := dataset.List(t.Context(), dataset.Input{Table: tb, Store: func(_ context.Context, uri string) (storage.Store, error) {
		return local.New(strings.TrimPrefix(uri, "file://"))
	}})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, f := range files {
		keys = append(keys, f.Key)
	}
	if !slices.Equal(keys, []string{"1.csv", "2.csv", "3.csv"}) {
		t.Errorf("files read %v", keys)
	}
	if len(skipped) != 1 || !strings.HasSuffix(skipped[0].File, "4.csv") || !strings.Contains(skipped[0].Reason, "its columns (amount,id,name) are not in the table's order (id,amount,name): delimited text is read by position") {
		t.Errorf("skipped %+v", skipped)
	}
}

// Quoted values need OpenCSVSerde, which Athena documents as reading
// boolean, bigint, int and double as written, dates and timestamps only as
// numbers since 1970, and no empty numeric cell (HIVE_BAD_DATA). Columns it
// cannot read are strings, and the report says why.
func TestQuotedCSVIsTypedForOpenCSVSerde(t *testing.T) {
	l := newLake(t, map[string]string{
		"q/year=2024/a.csv": `id,amount,day,at,paid,n,score,name
1,"19.90",2024-01-03,2024-01-03T10:00:00Z,true,5,1.5e3,"Lee, Ann"
2,5.00,2024-01-04,2024-01-04T11:00:00Z,false,,2.5e3,Bob
`,
		// Unquoted, but in the same table: the table's values are quoted.
		"q/year=2025/a.csv": "id,amount,day,at,paid,n,score,name\n3,1.00,2025-01-01,2025-01-01T00:00:00Z,true,7,3.5e3,Cy\n",
	})
	rep := l.mustCrawl(nil, "q")
	tb := l.table("q")
	sd := tb.StorageDescriptor
	if sd.SerdeInfo == nil || sd.SerdeInfo.SerializationLibrary != "org.apache.hadoop.hive.serde2.OpenCSVSerde" ||
		!maps.Equal(sd.SerdeInfo.Parameters, map[string]string{"separatorChar": ",", "quoteChar": `"`, "escapeChar": `\`}) {
		t.Fatalf("serde %+v", sd.SerdeInfo)
	}
	if sd.InputFormat != "org.apache.hadoop.mapred.TextInputFormat" || tb.Parameters[catalog.ParamAreColumnsQuoted] != "true" {
		t.Errorf("input format %s, parameters %v", sd.InputFormat, tb.Parameters)
	}
	if got := columns(tb); got != "id:bigint amount:string day:string at:string paid:boolean n:string score:double name:string" {
		t.Errorf("columns %s", got)
	}
	// The values' own types are kept for lakectl's readers (convert).
	inferred := map[string]string{}
	for _, c := range sd.Columns {
		if v, ok := c.Parameters[catalog.ParamInferredType]; ok {
			inferred[c.Name] = v
		}
	}
	if !maps.Equal(inferred, map[string]string{"amount": "decimal(18,2)", "day": "date", "at": "timestamp", "n": "bigint"}) {
		t.Errorf("inferred types %v", inferred)
	}
	r := reportTable(rep, "q")
	for _, want := range []string{
		"column amount is string, not decimal(18,2): values are quoted, so Athena reads the table with OpenCSVSerde; OpenCSVSerde reads only boolean, bigint, int and double as written",
		"column day is string, not date: values are quoted, so Athena reads the table with OpenCSVSerde; OpenCSVSerde reads a date only as a number of days since 1970-01-01",
		"column at is string, not timestamp: values are quoted, so Athena reads the table with OpenCSVSerde; OpenCSVSerde reads a timestamp only as a number of milliseconds since 1970-01-01",
		"column n is string, not bigint: values are quoted, so Athena reads the table with OpenCSVSerde; some of its cells are empty (or missing), and OpenCSVSerde fails a query on an empty cell of a bigint column (HIVE_BAD_DATA)",
	} {
		if !slices.Contains(r.Warnings, want) {
			t.Errorf("no warning %q in %q", want, r.Warnings)
		}
	}
	if len(r.Warnings) != 4 {
		t.Errorf("warnings %q", r.Warnings)
	}
	for _, recrawl := range []string{RecrawlEverything, RecrawlNewFolders} {
		rep = l.mustCrawl(func(o *Options) { o.Recrawl = recrawl }, "q")
		if r := reportTable(rep, "q"); r.Action != ActionUnchanged {
			t.Errorf("re-crawl (%s) of unchanged data: %+v", recrawl, r)
		}
	}

	// A column added at the end is missing from older files: nulls there.
	l = newLake(t, map[string]string{
		"q/1.csv": "id,name\n1,\"Ann\"\n",
		"q/2.csv": "id,name,n\n2,\"Bob\",3\n",
	})
	l.mustCrawl(nil, "q")
	if got := columns(l.table("q")); got != "id:bigint name:string n:string" {
		t.Errorf("columns %s", got)
	}

	// Unquoted values keep their types: LazySimpleSerDe reads them.
	l = newLake(t, map[string]string{"u/1.csv": "id,amount,day,n\n1,19.90,2024-01-03,\n2,5.00,2024-01-04,4\n"})
	rep = l.mustCrawl(nil, "u")
	tb = l.table("u")
	if tb.StorageDescriptor.SerdeInfo.SerializationLibrary != "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe" || columns(tb) != "id:bigint amount:decimal(18,2) day:date n:bigint" {
		t.Errorf("unquoted: %s %s", tb.StorageDescriptor.SerdeInfo.SerializationLibrary, columns(tb))
	}
	if w := reportTable(rep, "u").Warnings; len(w) != 0 {
		t.Errorf("unquoted: warnings %q", w)
	}
}

// A numeric column of an OpenCSVSerde table keeps its type only when every
// cell was read: one empty cell beyond the sample would fail every query.
func TestSampledQuotedCSVIsString(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,name\n")
	for i := range 50 {
		fmt.Fprintf(&b, "%d,\"n%d\"\n", i, i)
	}
	l := newLake(t, map[string]string{"q/1.csv": b.String()})
	rep := l.mustCrawl(func(o *Options) { o.Format.SampleRecords = 10 }, "q")
	if got := columns(l.table("q")); got != "id:string name:string" {
		t.Errorf("sampled: columns %s", got)
	}
	if w := reportTable(rep, "q").Warnings; len(w) != 1 || !strings.Contains(w[0], "not every cell was read (the files were sampled)") {
		t.Errorf("warnings %q", w)
	}
	// The types come from 10 records, but the count of all 50 is exact:
	// the sample reached the end of the file.
	if r := reportTable(rep, "q"); r.Records != 50 || r.RecordsEstimated {
		t.Errorf("records %d, estimated %v", r.Records, r.RecordsEstimated)
	}
	l = newLake(t, map[string]string{"q/1.csv": b.String()})
	l.mustCrawl(nil, "q")
	if got := columns(l.table("q")); got != "id:bigint name:string" {
		t.Errorf("read whole: columns %s", got)
	}
}

// LazySimpleSerDe reads timestamps written yyyy-MM-dd HH:mm:ss[.f...];
// others (ISO 8601 with a T or a zone, a date alone in a timestamp column)
// Athena reads as nulls unless the SerDe parameter timestamp.formats names
// their Joda patterns.
func TestTimestampFormatsForLazySimpleSerDe(t *testing.T) {
	l := newLake(t, map[string]string{
		"ev/day=1/a.csv": "id,at,local\n1,2024-01-01T10:00:00Z,2024-01-01 10:00:00\n2,2024-01-01T12:30:00.250+02:00,2024-01-01 11:00:00.5\n",
		"ev/day=2/a.csv": "id,at,local\n3,2024-01-02,2024-01-02 09:00:00\n", // a date alone in a timestamp column
	})
	l.mustCrawl(nil, "ev")
	tb := l.table("ev")
	if got := columns(tb); got != "id:bigint at:timestamp local:timestamp" {
		t.Errorf("columns %s", got)
	}
	sd := tb.StorageDescriptor
	want := map[string]string{
		"field.delim":       ",",
		"timestamp.formats": "yyyy-MM-dd,yyyy-MM-dd HH:mm:ss,yyyy-MM-dd HH:mm:ss.SSSSSSSSS,yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSSZZ,yyyy-MM-dd'T'HH:mm:ssZZ",
	}
	if sd.SerdeInfo.SerializationLibrary != "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe" || !maps.Equal(sd.SerdeInfo.Parameters, want) {
		t.Errorf("serde %s %v", sd.SerdeInfo.SerializationLibrary, sd.SerdeInfo.Parameters)
	}
	for _, p := range l.partitions("ev") {
		if !maps.Equal(p.StorageDescriptor.SerdeInfo.Parameters, want) {
			t.Errorf("partition %v: serde parameters %v", p.Values, p.StorageDescriptor.SerdeInfo.Parameters)
		}
	}
	// A re-crawl that reads only what changed keeps the patterns of what it
	// did not read, and adds those of what it did.
	opts := func(o *Options) { o.Recrawl = RecrawlNewFolders }
	if rep := l.mustCrawl(opts, "ev"); reportTable(rep, "ev").Action != ActionUnchanged {
		t.Errorf("re-crawl: %+v", reportTable(rep, "ev"))
	}
	l.write(map[string]string{"ev/day=3/a.csv": "id,at,local\n4,2024-01-03T08:00,2024-01-03 08:00:00\n"})
	rep := l.mustCrawl(opts, "ev")
	want["timestamp.formats"] = "yyyy-MM-dd,yyyy-MM-dd HH:mm:ss,yyyy-MM-dd HH:mm:ss.SSSSSSSSS,yyyy-MM-dd'T'HH:mm,yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSSZZ,yyyy-MM-dd'T'HH:mm:ssZZ"
	if got := l.table("ev").StorageDescriptor.SerdeInfo.Parameters; !maps.Equal(got, want) {
		t.Errorf("after a new folder: %v", got)
	}
	for _, p := range l.partitions("ev") {
		if !maps.Equal(p.StorageDescriptor.SerdeInfo.Parameters, want) {
			t.Errorf("after a new folder, partition %v: serde parameters %v", p.Values, p.StorageDescriptor.SerdeInfo.Parameters)
		}
	}
	r := reportTable(rep, "ev")
	if !slices.ContainsFunc(r.Changes, func(c string) bool {
		return strings.HasPrefix(c, `SerDe parameter timestamp.formats "yyyy-MM-dd,`) && strings.Contains(c, `→ "yyyy-MM-dd,yyyy-MM-dd HH:mm:ss,yyyy-MM-dd HH:mm:ss.SSSSSSSSS,yyyy-MM-dd'T'HH:mm,`)
	}) {
		t.Errorf("changes %q", r.Changes)
	}

	// Timestamps LazySimpleSerDe reads as they are need no parameter.
	l = newLake(t, map[string]string{"t/a.csv": "id,at\n1,2024-01-01 10:00:00\n2,2024-01-01 11:00:00.123\n"})
	l.mustCrawl(nil, "t")
	if got := l.table("t").StorageDescriptor.SerdeInfo.Parameters; !maps.Equal(got, map[string]string{"field.delim": ","}) {
		t.Errorf("default timestamps: serde parameters %v", got)
	}
	// A fraction no Joda pattern reads makes the column a string.
	l = newLake(t, map[string]string{"t/a.csv": "id,at\n1,2024-01-01T10:00:00.1234567890Z\n2,2024-01-01T10:00:00Z\n"})
	rep = l.mustCrawl(nil, "t")
	if got := columns(l.table("t")); got != "id:bigint at:string" {
		t.Errorf("ten fraction digits: columns %s", got)
	}
	if w := reportTable(rep, "t").Warnings; len(w) != 1 || !strings.Contains(w[0], "column at is string, not timestamp: a value has a fraction of more than nine digits") {
		t.Errorf("warnings %q", w)
	}
}

// Athena's JSON SerDes (OpenX, Hive) read one record a line: a file that
// is one array of records, or pretty-printed, reads wrong. The table says
// how its files hold their records, and the report names the files.
func TestJSONArraysAreReported(t *testing.T) {
	l := newLake(t, map[string]string{
		"ev/day=1/a.json": "{\"id\": 1, \"kind\": \"click\"}\n{\"id\": 2, \"kind\": \"view\"}\n",
		"ev/day=2/a.json": "[\n  {\"id\": 3, \"kind\": \"click\"},\n  {\"id\": 4, \"kind\": \"view\"}\n]\n",
		"ev/day=2/b.json": "{\"id\": 5, \"kind\": \"click\"}\n",
	})
	rep := l.mustCrawl(nil, "ev")
	tb := l.table("ev")
	if got := columns(tb); got != "id:bigint kind:string" || tb.StorageDescriptor.SerdeInfo.SerializationLibrary != "org.openx.data.jsonserde.JsonSerDe" {
		t.Errorf("table %s %s", got, tb.StorageDescriptor.SerdeInfo.SerializationLibrary)
	}
	if got := tb.Parameters[catalog.ParamJSONLayout]; got != catalog.JSONDocuments {
		t.Errorf("table %s %q", catalog.ParamJSONLayout, got)
	}
	layouts := map[string]string{}
	for _, p := range l.partitions("ev") {
		layouts[p.Values[0]] = p.Parameters[catalog.ParamJSONLayout]
	}
	if !maps.Equal(layouts, map[string]string{"1": catalog.JSONLines, "2": catalog.JSONDocuments}) {
		t.Errorf("partitions: %v", layouts)
	}
	w := reportTable(rep, "ev").Warnings
	if len(w) != 1 || !strings.HasPrefix(w[0], "Athena's JSON SerDes read one record a line; these files hold theirs otherwise (an array, or records over several lines), and Athena reads them wrong: file://") ||
		!strings.HasSuffix(w[0], "/ev/day=2/a.json") {
		t.Errorf("warnings %q", w)
	}
	// Re-crawls that read nothing again still know, and still say so.
	rep = l.mustCrawl(func(o *Options) { o.Recrawl = RecrawlNewFolders }, "ev")
	if r := reportTable(rep, "ev"); r.Action != ActionUnchanged || len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "/ev/day=2/ (not read again)") {
		t.Errorf("re-crawl: %+v", r)
	}
	// The array rewritten as JSON lines: the table says lines, and is updated.
	l.write(map[string]string{"ev/day=2/a.json": "{\"id\": 3, \"kind\": \"click\"}\n{\"id\": 4, \"kind\": \"view\"}\n"})
	rep = l.mustCrawl(nil, "ev")
	if r := reportTable(rep, "ev"); len(r.Warnings) != 0 || !slices.Contains(r.Changes, `lakectl.jsonLayout "documents" → "lines"`) {
		t.Errorf("after the rewrite: %+v", r)
	}
	if got := l.table("ev").Parameters[catalog.ParamJSONLayout]; got != catalog.JSONLines {
		t.Errorf("after the rewrite: %s %q", catalog.ParamJSONLayout, got)
	}
}

// A column typed string for OpenCSVSerde keeps its values' type aside; a
// re-crawl that finds them of another type says so and updates it (here:
// text, so nothing is kept aside), and keeps the column's other
// parameters.
func TestInferredTypeOfAStringColumnFollowsTheData(t *testing.T) {
	l := newLake(t, map[string]string{"q/1.csv": "id,Amount\n1,\"2.50\"\n"})
	l.mustCrawl(nil, "q")
	col := l.table("q").StorageDescriptor.Columns[1]
	if col.Type != "string" || col.Parameters[catalog.ParamInferredType] != "decimal(18,2)" || col.Parameters[catalog.ParamSourceName] != "Amount" {
		t.Fatalf("column %+v", col)
	}
	l.write(map[string]string{"q/2.csv": "id,Amount\n2,\"n/a\"\n"})
	rep := l.mustCrawl(nil, "q")
	if r := reportTable(rep, "q"); r.Action != ActionUpdated || !slices.Contains(r.Changes, "column amount holds decimal(18,2) → string") {
		t.Errorf("report %+v", r)
	}
	col = l.table("q").StorageDescriptor.Columns[1]
	if _, ok := col.Parameters[catalog.ParamInferredType]; col.Type != "string" || ok || col.Parameters[catalog.ParamSourceName] != "Amount" {
		t.Errorf("column %+v", col)
	}
}
