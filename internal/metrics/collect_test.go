package metrics

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/catalog/sqlite"
	"github.com/lakectl/lakectl/internal/storage"
	"github.com/lakectl/lakectl/internal/storage/local"
)

func openLocal(_ context.Context, uri string) (storage.Store, error) {
	return local.New(strings.TrimPrefix(uri, "file://"))
}

func write(t testing.TB, dir string, files map[string]int) {
	for name, size := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, make([]byte, size), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func newCatalog(t testing.TB) catalog.Catalog {
	c, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func table(db, name, loc string, keys ...string) catalog.Table {
	t := catalog.Table{DatabaseName: db, Name: name, TableType: catalog.ExternalTable,
		Parameters:        map[string]string{catalog.ParamClassification: "csv"},
		StorageDescriptor: catalog.StorageDescriptor{Location: loc, Columns: []catalog.Column{{Name: "id", Type: "bigint"}}}}
	for _, k := range keys {
		t.PartitionKeys = append(t.PartitionKeys, catalog.Column{Name: k, Type: "string"})
	}
	return t
}

// TestCollect: a partitioned table with a partition outside its location
// (listed too) and a hidden marker (not data), an unpartitioned table, a
// view (no storage), a table whose folder is missing (nothing, no error),
// and an empty database; sizes, counts, small files and totals exact.
func TestCollect(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	write(t, dir, map[string]int{
		"orders/dt=1/a.csv": 50, "orders/dt=1/b.csv": 500, "orders/dt=2/a.csv": 70, "orders/_SUCCESS": 0,
		"archive/orders-3/a.csv": 1000,
		"customers/c1.json":      10, "customers/c2.json": 20,
		"orders_old/x.csv": 99999, // beside orders/, not under it
	})
	old := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	os.Chtimes(filepath.Join(dir, "orders/dt=1/a.csv"), old, old)
	c := newCatalog(t)
	loc := func(p string) string { return "file://" + filepath.Join(dir, p) + "/" }
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(c.CreateDatabase(ctx, catalog.Database{Name: "sales", Description: "orders"}))
	must(c.CreateDatabase(ctx, catalog.Database{Name: "hr"}))
	orders := table("sales", "orders", loc("orders"), "dt")
	orders.Description, orders.Owner = "the orders", "ops"
	orders.Parameters[catalog.ParamRecordCount] = "1234"
	orders.Parameters[catalog.ParamDeprecatedByCrawler] = "run-7"
	must(c.CreateTable(ctx, orders))
	must(c.CreatePartitions(ctx, "sales", "orders", []catalog.Partition{
		{Values: []string{"1"}, StorageDescriptor: catalog.StorageDescriptor{Location: loc("orders/dt=1")}},
		{Values: []string{"2"}, StorageDescriptor: catalog.StorageDescriptor{Location: loc("orders/dt=2")}},
		{Values: []string{"3"}, StorageDescriptor: catalog.StorageDescriptor{Location: loc("archive/orders-3")}},
	}))
	must(c.CreateTable(ctx, table("sales", "customers", loc("customers"))))
	must(c.CreateTable(ctx, table("sales", "missing", loc("missing"))))
	view := catalog.Table{DatabaseName: "sales", Name: "v", TableType: catalog.VirtualView, ViewOriginalText: "select 1",
		StorageDescriptor: catalog.StorageDescriptor{Columns: []catalog.Column{{Name: "x", Type: "int"}}}}
	must(c.CreateTable(ctx, view))

	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	s, err := Collect(ctx, c, Options{SmallFile: 100, Now: now, Store: openLocal, Workers: 3})
	must(err)
	if !s.Time.Equal(now) || len(s.Databases) != 2 || len(s.Tables) != 4 {
		t.Fatalf("snapshot: %+v", s)
	}
	by := map[string]Table{}
	for _, tb := range s.Tables {
		by[tb.Table] = tb
	}
	o := by["orders"]
	if o.Files != 4 || o.Bytes != 1620 || o.Partitions != 3 || o.SmallFiles != 2 || o.SmallFileBytes != 120 ||
		o.OtherFiles != 1 || o.OtherBytes != 0 || o.RecordCount != 1234 || o.Deprecated != "run-7" || o.Owner != "ops" ||
		o.PartitionKeys != 1 || o.Columns != 1 || o.Versions != 1 || o.Error != "" || !o.OldestObject.Equal(old) || o.NewestObject.Before(now.AddDate(0, 0, -1).Add(-time.Hour*24*365)) {
		t.Errorf("orders: %+v", o)
	}
	if cu := by["customers"]; cu.Files != 2 || cu.Bytes != 30 || cu.SmallFiles != 2 || cu.RecordCount != -1 || cu.Partitions != 0 {
		t.Errorf("customers: %+v", cu)
	}
	if m := by["missing"]; m.Files != 0 || m.Error != "" {
		t.Errorf("missing: %+v", m)
	}
	if v := by["v"]; v.Files != 0 || v.TableType != catalog.VirtualView || v.Location != "" {
		t.Errorf("view: %+v", v)
	}
	if d := s.Databases[1]; d.Database != "sales" || d.Tables != 4 || d.Bytes != 1650 || d.Files != 6 || d.SmallFiles != 4 || d.Records != 1234 || d.Description != "orders" {
		t.Errorf("sales: %+v", d)
	}
	if d := s.Databases[0]; d.Database != "hr" || d.Tables != 0 || d.Bytes != 0 {
		t.Errorf("hr: %+v", d)
	}

	// One database; one that does not exist is an error naming it.
	s, err = Collect(ctx, c, Options{Databases: []string{"hr"}, Now: now, Store: openLocal})
	if err != nil || len(s.Databases) != 1 || len(s.Tables) != 0 {
		t.Errorf("hr only: %+v, %v", s, err)
	}
	if _, err := Collect(ctx, c, Options{Databases: []string{"nope"}, Now: now, Store: openLocal}); err == nil || !strings.Contains(err.Error(), "database nope") {
		t.Errorf("a missing database: %v", err)
	}

	// Rows: one per table and database, the day's partition values last,
	// and no column without its value.
	full, _ := Collect(ctx, c, Options{SmallFile: 100, Now: now, Store: openLocal})
	tr, dr := full.TableRows(), full.DatabaseRows()
	if len(tr) != 4 || len(dr) != 2 || len(tr[0]) != len(TableColumns()) || len(dr[0]) != len(DatabaseColumns()) {
		t.Fatalf("rows: %d×%d, %d×%d", len(tr), len(tr[0]), len(dr), len(dr[0]))
	}
	if got := fmt.Sprint(tr[0][len(tr[0])-3:]); got != "[2026 03 01]" {
		t.Errorf("day values %s", got)
	}
}

// TestOutermost: a partition under its table's location is listed with it;
// a sibling with a common prefix is not under it.
func TestOutermost(t *testing.T) {
	got := outermost([]string{"s3://b/t", "s3://b/t/p=1/", "s3://b/t_old/", "s3://b/x/p=2", "s3://b/t/"})
	if fmt.Sprint(got) != "[s3://b/t/ s3://b/t_old/ s3://b/x/p=2/]" {
		t.Errorf("outermost = %v", got)
	}
}

// BenchmarkCollect1000x100 is issue 15's target: a catalog of 1,000
// tables of 100 files each on local disk, collected in at most 3 s.
func BenchmarkCollect1000x100(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	c := newCatalog(b)
	if err := c.CreateDatabase(ctx, catalog.Database{Name: "lake"}); err != nil {
		b.Fatal(err)
	}
	for i := range 1000 {
		files := map[string]int{}
		for j := range 100 {
			files[fmt.Sprintf("t%04d/part-%03d.parquet", i, j)] = 1000 + j
		}
		write(b, dir, files)
		tb := table("lake", fmt.Sprintf("t%04d", i), "file://"+filepath.Join(dir, fmt.Sprintf("t%04d", i))+"/")
		if err := c.CreateTable(ctx, tb); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		s, err := Collect(ctx, c, Options{Now: time.Now(), Store: openLocal})
		if err != nil || len(s.Tables) != 1000 || s.Databases[0].Files != 100000 {
			b.Fatalf("%v %+v", err, s.Databases)
		}
	}
}

// TestCollectEdges: a table under a folder named like a hidden one
// (_raw/) still has data; a view with a location is not listed; a
// location that is not storage (JDBC, s3a://, a relative path) is an
// error kept with the table, never 0 bytes, and its text is redacted.
func TestCollectEdges(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	write(t, dir, map[string]int{"_raw/events/a.json": 10, "_raw/events/_SUCCESS": 0, "v/x.csv": 5})
	c := newCatalog(t)
	loc := func(p string) string { return "file://" + filepath.Join(dir, p) + "/" }
	if err := c.CreateDatabase(ctx, catalog.Database{Name: "d"}); err != nil {
		t.Fatal(err)
	}
	for _, tb := range []catalog.Table{
		table("d", "events", loc("_raw/events")),
		table("d", "jdbc", "sales.public.orders"),
		table("d", "s3a", "s3a://bucket/x/"),
		table("d", "secret", "postgres://u:hunter2@h/db"),
	} {
		if err := c.CreateTable(ctx, tb); err != nil {
			t.Fatal(err)
		}
	}
	view := table("d", "view", loc("v"))
	view.TableType, view.ViewOriginalText = catalog.VirtualView, "select 1"
	if err := c.CreateTable(ctx, view); err != nil {
		t.Fatal(err)
	}
	redact := func(s string) string { return strings.ReplaceAll(s, "hunter2", "xxxxx") }
	s, err := Collect(ctx, c, Options{Now: time.Now(), Store: openLocal, Redact: redact})
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]Table{}
	for _, tb := range s.Tables {
		by[tb.Table] = tb
	}
	if e := by["events"]; e.Files != 1 || e.Bytes != 10 || e.OtherFiles != 1 || e.Error != "" {
		t.Errorf("events under _raw/: %+v", e)
	}
	if v := by["view"]; v.Files != 0 || v.Error != "" {
		t.Errorf("view: %+v", v)
	}
	for _, name := range []string{"jdbc", "s3a", "secret"} {
		if e := by[name].Error; !strings.Contains(e, "not storage lakectl lists") {
			t.Errorf("%s: error %q", name, e)
		}
	}
	if e := by["secret"].Error; strings.Contains(e, "hunter2") {
		t.Errorf("the secret is kept: %q", e)
	}
}

// Tables over the same folder, or one inside another's, share their
// storage: each counts it, their database once.
func TestCollectSharedStorage(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	write(t, dir, map[string]int{"lake/orders/a.csv": 10, "lake/orders/2026/b.csv": 20, "lake/other/c.csv": 5})
	c := newCatalog(t)
	loc := func(p string) string { return "file://" + filepath.Join(dir, p) + "/" }
	if err := c.CreateDatabase(ctx, catalog.Database{Name: "d"}); err != nil {
		t.Fatal(err)
	}
	for _, tb := range []catalog.Table{
		table("d", "orders", loc("lake/orders")),
		table("d", "orders_csv", loc("lake/orders")),       // the same folder
		table("d", "orders_2026", loc("lake/orders/2026")), // inside it
		table("d", "other", loc("lake/other")),
	} {
		if err := c.CreateTable(ctx, tb); err != nil {
			t.Fatal(err)
		}
	}
	s, err := Collect(ctx, c, Options{Now: time.Now(), Store: openLocal})
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]Table{}
	for _, tb := range s.Tables {
		by[tb.Table] = tb
	}
	for name, want := range map[string]int64{"orders": 30, "orders_csv": 30, "orders_2026": 20, "other": 5} {
		if got := by[name].Bytes; got != want {
			t.Errorf("%s: %d bytes, want %d", name, got, want)
		}
	}
	if d := s.Databases[0]; d.Bytes != 35 || d.Files != 3 || d.SmallFiles != 3 || d.Tables != 4 {
		t.Errorf("database: %d bytes in %d files (%d small) of %d tables, want 35 in 3 (3) of 4", d.Bytes, d.Files, d.SmallFiles, d.Tables)
	}
}
