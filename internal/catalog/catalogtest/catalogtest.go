// Package catalogtest is the conformance suite every catalog backend runs:
//
//	catalogtest.Run(t, func(t *testing.T) catalog.Catalog { return openMine(t) })
//
// A backend is done when the suite passes against the real service.
package catalogtest

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
)

// Options adapt the suite to a backend.
type Options struct {
	// CreatedByFromIdentity: the catalog sets a table's CreatedBy itself
	// (Glue stamps the caller's identity), so what the caller gave is not
	// read back.
	CreatedByFromIdentity bool
	// UpdatedPartitionIsNew: an updated partition gets a new CreationTime
	// (moto's Glue; AWS's keeps it).
	UpdatedPartitionIsNew bool
	// AccessIsAnUpdate: recording an access is an update like any other,
	// with a new version, VersionID and UpdateTime (moto's Glue, which
	// ignores UpdateTable's SkipArchive; AWS's archives no version).
	AccessIsAnUpdate bool
	// NoSearch: the service under test cannot search tables (moto lacks
	// Glue's SearchTables); the backend checks its requests otherwise.
	NoSearch bool
}

// Run runs the suite. newCatalog returns a catalog for each subtest (and
// closes it when the test ends). The catalog may be shared with others, as
// an AWS account's Glue catalog is: the suite names its databases with a
// prefix of its own, assumes nothing of other databases, compares listings
// as sets where a backend may order them as it likes, and drops its
// databases when it ends.
func Run(t *testing.T, newCatalog func(t *testing.T) catalog.Catalog) {
	RunWith(t, newCatalog, Options{})
}

// RunWith is Run with options.
func RunWith(t *testing.T, newCatalog func(t *testing.T) catalog.Catalog, opts Options) {
	tests := []struct {
		name string
		fn   func(t *testing.T, c catalog.Catalog, n names)
	}{
		{"Databases", testDatabases},
		{"InvalidNames", testInvalidNames},
		{"Tables", testTables},
		{"TableRoundTrip", testTableRoundTrip},
		{"StaleUpdateConflicts", testStaleUpdate},
		{"Versions", testVersions},
		{"RecordAccess", testRecordAccess},
		{"ConcurrentColumnEdits", testConcurrentEdits},
		{"ListingPages", testListingPages},
		{"Partitions", testPartitions},
		{"PartitionFilter", testPartitionFilter},
		{"DeleteCascades", testDeleteCascades},
	}
	if !opts.NoSearch {
		tests = append(tests, struct {
			name string
			fn   func(t *testing.T, c catalog.Catalog, n names)
		}{"Search", testSearch})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newCatalog(t)
			n := names{prefix: fmt.Sprintf("lakectltest_%08x_", rand.Uint32()), opts: opts}
			t.Cleanup(func() { n.dropAll(c) })
			tc.fn(t, c, n)
		})
	}
}

// names gives a run's databases names of its own.
type names struct {
	prefix string
	opts   Options
}

func (n names) db(base string) string { return n.prefix + strings.ToLower(base) }

// mine keeps the databases of this run, without the prefix.
func (n names) mine(dbs []*catalog.Database) []string {
	var out []string
	for _, d := range dbs {
		if rest, ok := strings.CutPrefix(d.Name, n.prefix); ok {
			out = append(out, rest)
		}
	}
	slices.Sort(out)
	return out
}

// dropAll drops what the run made, so that a shared catalog is left as
// it was found.
func (n names) dropAll(c catalog.Catalog) {
	ctx := context.Background()
	var drop []string
	for d, err := range c.ListDatabases(ctx) {
		if err != nil {
			return
		}
		if strings.HasPrefix(d.Name, n.prefix) {
			drop = append(drop, d.Name)
		}
	}
	for _, d := range drop {
		c.DeleteDatabase(ctx, d)
	}
}

func ctx(t *testing.T) context.Context { return t.Context() }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("got error %v, want one wrapping %q", err, target)
	}
}

// wantListErr: a listing yields an error wrapping target (and nothing
// else).
func wantListErr[T any](t *testing.T, seq iter.Seq2[*T, error], target error) {
	t.Helper()
	var errs []error
	for v, err := range seq {
		if err == nil {
			t.Fatalf("listed %+v, want an error wrapping %q", v, target)
		}
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		t.Fatalf("listed nothing and no error, want an error wrapping %q", target)
	}
	wantErr(t, errs[0], target)
}

func collect[T any](t *testing.T, seq iter.Seq2[*T, error]) []*T {
	t.Helper()
	var out []*T
	for v, err := range seq {
		must(t, err)
		out = append(out, v)
	}
	return out
}

func table(db, name string, cols ...string) catalog.Table {
	t := catalog.Table{DatabaseName: db, Name: name}
	for _, c := range cols {
		t.StorageDescriptor.Columns = append(t.StorageDescriptor.Columns, catalog.Column{Name: c, Type: "string"})
	}
	return t
}

func testDatabases(t *testing.T, c catalog.Catalog, n names) {
	must(t, c.CreateDatabase(ctx(t), catalog.Database{Name: n.db("sales"), Description: "orders and invoices", LocationURI: "s3://lake/sales/", Parameters: map[string]string{"team": "finance"}}))
	must(t, c.CreateDatabase(ctx(t), catalog.Database{Name: n.db("hr")}))
	wantErr(t, c.CreateDatabase(ctx(t), catalog.Database{Name: n.db("sales")}), catalog.ErrAlreadyExists)

	db, err := c.GetDatabase(ctx(t), n.db("sales"))
	must(t, err)
	if db.Name != n.db("sales") || db.Description != "orders and invoices" || db.LocationURI != "s3://lake/sales/" || db.Parameters["team"] != "finance" {
		t.Errorf("GetDatabase = %+v", db)
	}
	if db.CreateTime.IsZero() || time.Since(db.CreateTime) > time.Hour {
		t.Errorf("CreateTime = %v, want about now", db.CreateTime)
	}
	_, err = c.GetDatabase(ctx(t), n.db("missing"))
	wantErr(t, err, catalog.ErrNotFound)

	if got := n.mine(collect(t, c.ListDatabases(ctx(t)))); !reflect.DeepEqual(got, []string{"hr", "sales"}) {
		t.Errorf("ListDatabases = %v, want [hr sales] (of this run's databases)", got)
	}

	db.Description = "orders"
	created := db.CreateTime
	must(t, c.UpdateDatabase(ctx(t), *db))
	db, err = c.GetDatabase(ctx(t), n.db("sales"))
	must(t, err)
	if db.Description != "orders" || !db.CreateTime.Equal(created) {
		t.Errorf("after update: %+v", db)
	}
	wantErr(t, c.UpdateDatabase(ctx(t), catalog.Database{Name: n.db("missing")}), catalog.ErrNotFound)

	must(t, c.DeleteDatabase(ctx(t), n.db("hr")))
	_, err = c.GetDatabase(ctx(t), n.db("hr"))
	wantErr(t, err, catalog.ErrNotFound)
	wantErr(t, c.DeleteDatabase(ctx(t), n.db("hr")), catalog.ErrNotFound)
}

func testInvalidNames(t *testing.T, c catalog.Catalog, n names) {
	for _, name := range []string{"", "bad-name", "has space", "dot.ted", string(make([]byte, 129))} {
		wantErr(t, c.CreateDatabase(ctx(t), catalog.Database{Name: name}), catalog.ErrInvalid)
	}
	// Glue folds names to lower case.
	must(t, c.CreateDatabase(ctx(t), catalog.Database{Name: n.db("Sales_2024")}))
	if _, err := c.GetDatabase(ctx(t), n.db("sales_2024")); err != nil {
		t.Fatalf("upper-case name not folded: %v", err)
	}
	bad := []catalog.Table{
		table(n.db("sales_2024"), "bad-table", "a"),
		table(n.db("sales_2024"), "t", "a", "a"),
		table(n.db("sales_2024"), "t", "a b"),
		{DatabaseName: n.db("sales_2024"), Name: "t", StorageDescriptor: catalog.StorageDescriptor{Columns: []catalog.Column{{Name: "a", Type: "varchar"}}}},
		{DatabaseName: n.db("sales_2024"), Name: "t", StorageDescriptor: catalog.StorageDescriptor{Columns: []catalog.Column{{Name: "a", Type: "array<int"}}}},
		{DatabaseName: n.db("sales_2024"), Name: "t", PartitionKeys: []catalog.Column{{Name: "p", Type: "array<int>"}}},
		{DatabaseName: n.db("sales_2024"), Name: "t", StorageDescriptor: catalog.StorageDescriptor{Columns: []catalog.Column{{Name: "a", Type: "int", Comment: string(make([]byte, 256))}}}},
		{DatabaseName: n.db("sales_2024"), Name: "t", Description: string(make([]byte, 2049))},
	}
	for i, tb := range bad {
		if err := c.CreateTable(ctx(t), tb); !errors.Is(err, catalog.ErrInvalid) {
			t.Errorf("bad table %d (%+v): got %v, want ErrInvalid", i, tb, err)
		}
	}
	if _, err := c.GetTable(ctx(t), n.db("sales_2024"), "t"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("an invalid table was stored: %v", err)
	}
}

func testTables(t *testing.T, c catalog.Catalog, n names) {
	wantErr(t, c.CreateTable(ctx(t), table(n.db("nodb"), "t", "a")), catalog.ErrNotFound)
	must(t, c.CreateDatabase(ctx(t), catalog.Database{Name: n.db("db")}))
	must(t, c.CreateTable(ctx(t), table(n.db("db"), "orders", "id", "amount")))
	must(t, c.CreateTable(ctx(t), table(n.db("db"), "customers", "id")))
	wantErr(t, c.CreateTable(ctx(t), table(n.db("db"), "orders", "x")), catalog.ErrAlreadyExists)

	got, err := c.GetTable(ctx(t), n.db("db"), "orders")
	must(t, err)
	if got.TableType != catalog.ExternalTable || got.CreateTime.IsZero() || !got.UpdateTime.Equal(got.CreateTime) {
		t.Errorf("new table: type %q, created %v, updated %v", got.TableType, got.CreateTime, got.UpdateTime)
	}
	_, err = c.GetTable(ctx(t), n.db("db"), "missing")
	wantErr(t, err, catalog.ErrNotFound)

	var names []string
	for tb := range c.ListTables(ctx(t), n.db("db")) {
		names = append(names, tb.Name)
	}
	if slices.Sort(names); !reflect.DeepEqual(names, []string{"customers", "orders"}) {
		t.Errorf("ListTables = %v", names)
	}
	wantListErr(t, c.ListTables(ctx(t), n.db("nodb")), catalog.ErrNotFound)

	must(t, c.DeleteTable(ctx(t), n.db("db"), "orders"))
	_, err = c.GetTable(ctx(t), n.db("db"), "orders")
	wantErr(t, err, catalog.ErrNotFound)
	wantErr(t, c.DeleteTable(ctx(t), n.db("db"), "orders"), catalog.ErrNotFound)
	gone := table(n.db("db"), "orders", "id")
	gone.VersionID = 1
	wantErr(t, c.UpdateTable(ctx(t), &gone), catalog.ErrNotFound)
}

// testTableRoundTrip: a table keeps every member a Glue TableInput can set.
// (Times are whole milliseconds, as Glue keeps them.)
func testTableRoundTrip(t *testing.T, c catalog.Catalog, n names) {
	must(t, c.CreateDatabase(ctx(t), catalog.Database{Name: n.db("db")}))
	accessed := time.Date(2024, 1, 2, 3, 4, 5, 123_000_000, time.UTC)
	in := catalog.Table{
		DatabaseName: n.db("db"), Name: "events", Description: "click events",
		Owner: "data-eng", Retention: 30, CreatedBy: "lakectl", TableType: catalog.ExternalTable,
		LastAccessTime: accessed, LastAnalyzedTime: accessed.Add(time.Hour),
		Parameters:    map[string]string{"classification": "parquet", "recordCount": "1000"},
		PartitionKeys: []catalog.Column{{Name: "year", Type: "string"}, {Name: "month", Type: "int"}},
		StorageDescriptor: catalog.StorageDescriptor{
			Location:     "s3://lake/events/",
			InputFormat:  "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
			OutputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
			Compressed:   true,
			SerdeInfo:    &catalog.SerDeInfo{SerializationLibrary: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe", Parameters: map[string]string{"serialization.format": "1"}},
			Parameters:   map[string]string{"k": "v"},
			// Bucketing and skew, as Hive DDL declares them.
			AdditionalLocations:    []string{"s3://lake/events-archive/"},
			NumberOfBuckets:        8,
			BucketColumns:          []string{"id"},
			SortColumns:            []catalog.SortOrder{{Column: "id", SortOrder: 1}},
			StoredAsSubDirectories: true,
			SkewedInfo: &catalog.SkewedInfo{
				SkewedColumnNames:             []string{"id"},
				SkewedColumnValues:            []string{"0"},
				SkewedColumnValueLocationMaps: map[string]string{"0": "s3://lake/events/skew/"},
			},
			Columns: []catalog.Column{
				{Name: "id", Type: "bigint", Comment: "event id"},
				{Name: "amount", Type: "decimal(10,2)"},
				{Name: "payload", Type: "struct<a:int,b:array<string>>", Parameters: map[string]string{"pii": "false"}},
				{Name: "tags", Type: "map<string,string>"},
			},
		},
	}
	must(t, c.CreateTable(ctx(t), in))
	got, err := c.GetTable(ctx(t), n.db("db"), "events")
	must(t, err)
	want := in
	// What the catalog sets itself: times, the version, and in Glue the
	// account the catalog belongs to.
	want.CreateTime, want.UpdateTime, want.VersionID, want.CatalogID = got.CreateTime, got.UpdateTime, got.VersionID, got.CatalogID
	if n.opts.CreatedByFromIdentity {
		want.CreatedBy = got.CreatedBy
	}
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("round trip:\n got %+v\nwant %+v", *got, want)
	}

	// And so does a partition, of what a PartitionInput can set.
	p := catalog.Partition{Values: []string{"2024", "1"}, LastAccessTime: accessed, LastAnalyzedTime: accessed.Add(time.Minute),
		Parameters: map[string]string{"recordCount": "12"}, StorageDescriptor: in.StorageDescriptor}
	p.StorageDescriptor.Location = "s3://lake/events/year=2024/month=1/"
	must(t, c.CreatePartitions(ctx(t), n.db("db"), "events", []catalog.Partition{p}))
	gotP, err := c.GetPartition(ctx(t), n.db("db"), "events", p.Values)
	must(t, err)
	p.DatabaseName, p.TableName, p.CreationTime, p.CatalogID = n.db("db"), "events", gotP.CreationTime, gotP.CatalogID
	if !reflect.DeepEqual(*gotP, p) {
		t.Errorf("partition round trip:\n got %+v\nwant %+v", *gotP, p)
	}
}

func testStaleUpdate(t *testing.T, c catalog.Catalog, n names) {
	must(t, c.CreateDatabase(ctx(t), catalog.Database{Name: n.db("db")}))
	must(t, c.CreateTable(ctx(t), table(n.db("db"), "t", "a")))
	first, err := c.GetTable(ctx(t), n.db("db"), "t")
	must(t, err)
	second := *first
	// Versions count up by one from the first (1 in lakectl's own
	// backends; Glue numbers them its way).
	v1 := first.VersionID

	first.Description = "first writer"
	must(t, c.UpdateTable(ctx(t), first))
	if first.VersionID != v1+1 {
		t.Errorf("after update VersionID = %d, want %d", first.VersionID, v1+1)
	}
	second.Description = "second writer, stale"
	wantErr(t, c.UpdateTable(ctx(t), &second), catalog.ErrConflict)
	if second.VersionID != v1 {
		t.Errorf("a failed update changed the caller's VersionID to %d", second.VersionID)
	}
	got, err := c.GetTable(ctx(t), n.db("db"), "t")
	must(t, err)
	if got.Description != "first writer" || got.VersionID != v1+1 {
		t.Errorf("stale update overwrote: %+v", got)
	}
}

func testVersions(t *testing.T, c catalog.Catalog, n names) {
	must(t, c.CreateDatabase(ctx(t), catalog.Database{Name: n.db("db")}))
	must(t, c.CreateTable(ctx(t), table(n.db("db"), "t", "a")))
	created, err := c.GetTable(ctx(t), n.db("db"), "t")
	must(t, err)
	v1 := created.VersionID
	for i := 2; i <= 4; i++ {
		_, err := catalog.UpdateTableFunc(ctx(t), c, n.db("db"), "t", func(tb *catalog.Table) error {
			tb.Description = fmt.Sprintf("v%d", i)
			return nil
		})
		must(t, err)
	}
	var got []string
	for tb, err := range c.ListTableVersions(ctx(t), n.db("db"), "t") {
		must(t, err)
		got = append(got, fmt.Sprintf("%d:%s", tb.VersionID, tb.Description))
	}
	want := []string{fmt.Sprintf("%d:v4", v1+3), fmt.Sprintf("%d:v3", v1+2), fmt.Sprintf("%d:v2", v1+1), fmt.Sprintf("%d:", v1)}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("versions = %v, want %v", got, want)
	}
	wantListErr(t, c.ListTableVersions(ctx(t), n.db("db"), "missing"), catalog.ErrNotFound)
}

func testConcurrentEdits(t *testing.T, c catalog.Catalog, n names) {
	const edits = 8
	must(t, c.CreateDatabase(ctx(t), catalog.Database{Name: n.db("db")}))
	cols := make([]string, edits)
	for i := range cols {
		cols[i] = fmt.Sprintf("c%d", i)
	}
	must(t, c.CreateTable(ctx(t), table(n.db("db"), "t", cols...)))
	first, err := c.GetTable(ctx(t), n.db("db"), "t")
	must(t, err)
	var wg sync.WaitGroup
	errs := make(chan error, edits)
	for i := range edits {
		wg.Go(func() {
			_, err := catalog.UpdateTableFunc(ctx(t), c, n.db("db"), "t", func(tb *catalog.Table) error {
				tb.Column(cols[i]).Comment = "comment " + cols[i]
				return nil
			})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	got, err := c.GetTable(ctx(t), n.db("db"), "t")
	must(t, err)
	for _, col := range got.StorageDescriptor.Columns {
		if col.Comment != "comment "+col.Name {
			t.Errorf("column %s comment %q: a concurrent edit was lost", col.Name, col.Comment)
		}
	}
	if got.VersionID != first.VersionID+edits {
		t.Errorf("VersionID = %d, want %d (one version per edit)", got.VersionID, first.VersionID+edits)
	}
	if v := collect(t, c.ListTableVersions(ctx(t), n.db("db"), "t")); len(v) != edits+1 {
		t.Errorf("%d versions, want %d", len(v), edits+1)
	}
}

func testListingPages(t *testing.T, c catalog.Catalog, n names) {
	const count = 1234 // more than one page of every backend
	must(t, c.CreateDatabase(ctx(t), catalog.Database{Name: n.db("db")}))
	for i := range count {
		must(t, c.CreateTable(ctx(t), table(n.db("db"), fmt.Sprintf("t%05d", i), "a")))
	}
	got := collect(t, c.ListTables(ctx(t), n.db("db")))
	if len(got) != count {
		t.Fatalf("listed %d tables, want %d", len(got), count)
	}
	// Compared as a set: a backend may list in any order, but each table
	// once.
	var listed []string
	for _, tb := range got {
		listed = append(listed, tb.Name)
	}
	slices.Sort(listed)
	for i, name := range listed {
		if want := fmt.Sprintf("t%05d", i); name != want {
			t.Fatalf("table %d is %s, want %s (a table missing or repeated)", i, name, want)
		}
	}
	// Stopping early is allowed and stops the listing.
	seen := 0
	for range c.ListTables(ctx(t), n.db("db")) {
		if seen++; seen == 3 {
			break
		}
	}
	if seen != 3 {
		t.Errorf("early break: saw %d", seen)
	}
}

func partitioned(t *testing.T, c catalog.Catalog, n names) {
	must(t, c.CreateDatabase(ctx(t), catalog.Database{Name: n.db("db")}))
	tb := table(n.db("db"), "sales", "amount")
	tb.PartitionKeys = []catalog.Column{{Name: "year", Type: "int"}, {Name: "region", Type: "string"}}
	must(t, c.CreateTable(ctx(t), tb))
}

func part(vals ...string) catalog.Partition {
	return catalog.Partition{Values: vals, StorageDescriptor: catalog.StorageDescriptor{Location: "s3://lake/sales/year=" + vals[0] + "/region=" + vals[1] + "/"}}
}

func partValues(t *testing.T, seq iter.Seq2[*catalog.Partition, error]) []string {
	t.Helper()
	var out []string
	for _, p := range collect(t, seq) {
		out = append(out, fmt.Sprint(p.Values))
	}
	return out
}

func testPartitions(t *testing.T, c catalog.Catalog, n names) {
	partitioned(t, c, n)
	must(t, c.CreatePartitions(ctx(t), n.db("db"), "sales", []catalog.Partition{part("2023", "eu"), part("2024", "eu"), part("2024", "us")}))

	// A batch with one existing partition adds none.
	wantErr(t, c.CreatePartitions(ctx(t), n.db("db"), "sales", []catalog.Partition{part("2025", "eu"), part("2024", "us")}), catalog.ErrAlreadyExists)
	_, err := c.GetPartition(ctx(t), n.db("db"), "sales", []string{"2025", "eu"})
	wantErr(t, err, catalog.ErrNotFound)
	wantErr(t, c.CreatePartitions(ctx(t), n.db("db"), "sales", []catalog.Partition{{Values: []string{"2025"}}}), catalog.ErrInvalid)
	// Nor does a batch that names one partition twice.
	if err := c.CreatePartitions(ctx(t), n.db("db"), "sales", []catalog.Partition{part("2026", "eu"), part("2027", "eu"), part("2026", "eu")}); err == nil {
		t.Error("a batch with a partition twice was accepted")
	}
	for _, y := range []string{"2026", "2027"} {
		_, err = c.GetPartition(ctx(t), n.db("db"), "sales", []string{y, "eu"})
		wantErr(t, err, catalog.ErrNotFound)
	}
	wantErr(t, c.CreatePartitions(ctx(t), n.db("db"), "missing", []catalog.Partition{part("2025", "eu")}), catalog.ErrNotFound)

	p, err := c.GetPartition(ctx(t), n.db("db"), "sales", []string{"2024", "us"})
	must(t, err)
	if p.DatabaseName != n.db("db") || p.TableName != "sales" || p.StorageDescriptor.Location != "s3://lake/sales/year=2024/region=us/" || p.CreationTime.IsZero() {
		t.Errorf("GetPartition = %+v", p)
	}

	if got := partValues(t, c.ListPartitions(ctx(t), n.db("db"), "sales", nil)); !reflect.DeepEqual(got, []string{"[2023 eu]", "[2024 eu]", "[2024 us]"}) {
		t.Errorf("ListPartitions = %v", got)
	}

	p.Parameters = map[string]string{"recordCount": "10"}
	must(t, c.UpdatePartition(ctx(t), *p))
	p2, err := c.GetPartition(ctx(t), n.db("db"), "sales", []string{"2024", "us"})
	must(t, err)
	if p2.Parameters["recordCount"] != "10" || !p2.CreationTime.Equal(p.CreationTime) && !n.opts.UpdatedPartitionIsNew {
		t.Errorf("after update: %+v", p2)
	}
	missing := part("1999", "eu")
	missing.DatabaseName, missing.TableName = n.db("db"), "sales"
	wantErr(t, c.UpdatePartition(ctx(t), missing), catalog.ErrNotFound)

	must(t, c.DeletePartitions(ctx(t), n.db("db"), "sales", [][]string{{"2023", "eu"}, {"2024", "us"}, {"1999", "xx"}}))
	if got := partValues(t, c.ListPartitions(ctx(t), n.db("db"), "sales", nil)); !reflect.DeepEqual(got, []string{"[2024 eu]"}) {
		t.Errorf("after delete: %v", got)
	}
}

func testPartitionFilter(t *testing.T, c catalog.Catalog, n names) {
	partitioned(t, c, n) // year int, region string
	// The same values under a string key, which compare as strings.
	byText := table(n.db("db"), "sales_text", "amount")
	byText.PartitionKeys = []catalog.Column{{Name: "year", Type: "string"}, {Name: "region", Type: "string"}}
	must(t, c.CreateTable(ctx(t), byText))
	var parts []catalog.Partition
	for _, y := range []string{"9", "10", "2023", "2024"} {
		for _, r := range []string{"eu", "us"} {
			parts = append(parts, part(y, r))
		}
	}
	must(t, c.CreatePartitions(ctx(t), n.db("db"), "sales_text", parts))
	// Hive's name for a null value: only IS NULL selects it.
	must(t, c.CreatePartitions(ctx(t), n.db("db"), "sales", append(parts, part(catalog.HiveNullPartition, "eu"))))
	cases := []struct{ table, expr string }{
		{"sales", "region=eu"},
		{"sales", "year>=2023 AND region='us'"},
		{"sales", "year!=2024, year > 9, region=us"},
		// year is an int: 9 < 10.
		{"sales", "year<10"},
		// year is a string: '9' > '10', '2023' < '9'.
		{"sales_text", "year<'9'"},
		{"sales_text", "year>'2024'"},
		{"sales", "year IN (9, '2024') AND region IN ('us')"},
		{"sales", "year NOT IN (9, 10, 2023)"},
		{"sales", "year = 9 OR region = 'us' AND year = 2024"},
		{"sales", "(year = 9 OR region = 'us') AND year <> 10"},
		{"sales", "year BETWEEN 10 AND 2023 AND NOT region = 'eu'"},
		{"sales_text", "year BETWEEN '10' AND '2023' AND region <> 'eu'"},
		{"sales", "region LIKE 'e%' AND year NOT BETWEEN 10 AND 2024"},
		{"sales_text", "year LIKE '20_3' OR year LIKE '1%'"},
		{"sales", "year IS NULL"},
	}
	want := [][]string{
		{"[10 eu]", "[2023 eu]", "[2024 eu]", "[9 eu]", "[__HIVE_DEFAULT_PARTITION__ eu]"},
		{"[2023 us]", "[2024 us]"},
		{"[10 us]", "[2023 us]"},
		{"[9 eu]", "[9 us]"},
		{"[10 eu]", "[10 us]", "[2023 eu]", "[2023 us]", "[2024 eu]", "[2024 us]"},
		{"[9 eu]", "[9 us]"},
		{"[2024 us]", "[9 us]"},
		{"[2024 eu]", "[2024 us]"},
		{"[2024 us]", "[9 eu]", "[9 us]"},
		{"[2023 us]", "[2024 us]", "[9 eu]", "[9 us]"},
		{"[10 us]", "[2023 us]"},
		{"[10 us]", "[2023 us]"},
		{"[9 eu]"},
		{"[10 eu]", "[10 us]", "[2023 eu]", "[2023 us]"},
		{"[__HIVE_DEFAULT_PARTITION__ eu]"},
	}
	for i, tc := range cases {
		f, err := catalog.ParseFilter(tc.expr)
		must(t, err)
		got := partValues(t, c.ListPartitions(ctx(t), n.db("db"), tc.table, f))
		if !reflect.DeepEqual(slices.Sorted(slices.Values(got)), want[i]) {
			t.Errorf("%s: filter %q = %v, want %v", tc.table, tc.expr, got, want[i])
		}
	}
	// Filters that do not fit the keys are refused, as Glue refuses them.
	for _, expr := range []string{"month=1", "year LIKE '2%'", "year = 'x'"} {
		f, err := catalog.ParseFilter(expr)
		must(t, err)
		var listErr error
		for _, err := range c.ListPartitions(ctx(t), n.db("db"), "sales", f) {
			if listErr = err; err != nil {
				break
			}
		}
		wantErr(t, listErr, catalog.ErrInvalid)
	}
}

func testDeleteCascades(t *testing.T, c catalog.Catalog, n names) {
	partitioned(t, c, n)
	must(t, c.CreatePartitions(ctx(t), n.db("db"), "sales", []catalog.Partition{part("2024", "eu")}))
	_, err := catalog.UpdateTableFunc(ctx(t), c, n.db("db"), "sales", func(tb *catalog.Table) error { tb.Description = "x"; return nil })
	must(t, err)
	must(t, c.DeleteDatabase(ctx(t), n.db("db")))
	_, err = c.GetTable(ctx(t), n.db("db"), "sales")
	wantErr(t, err, catalog.ErrNotFound)

	// A new table of the same name starts afresh: no old partitions or versions.
	partitioned(t, c, n)
	if got := partValues(t, c.ListPartitions(ctx(t), n.db("db"), "sales", nil)); len(got) != 0 {
		t.Errorf("partitions survived the drop: %v", got)
	}
	if v := collect(t, c.ListTableVersions(ctx(t), n.db("db"), "sales")); len(v) != 1 {
		t.Errorf("versions survived the drop: %d", len(v))
	}
}
