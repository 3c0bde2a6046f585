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
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
)

// Run runs the suite. newCatalog returns an empty catalog for each subtest
// (and closes it when the test ends).
func Run(t *testing.T, newCatalog func(t *testing.T) catalog.Catalog) {
	tests := []struct {
		name string
		fn   func(t *testing.T, c catalog.Catalog)
	}{
		{"Databases", testDatabases},
		{"InvalidNames", testInvalidNames},
		{"Tables", testTables},
		{"TableRoundTrip", testTableRoundTrip},
		{"StaleUpdateConflicts", testStaleUpdate},
		{"Versions", testVersions},
		{"ConcurrentColumnEdits", testConcurrentEdits},
		{"ListingPages", testListingPages},
		{"Partitions", testPartitions},
		{"PartitionFilter", testPartitionFilter},
		{"DeleteCascades", testDeleteCascades},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newCatalog(t))
		})
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

func testDatabases(t *testing.T, c catalog.Catalog) {
	must(t, c.CreateDatabase(ctx(t), catalog.Database{Name: "sales", Description: "orders and invoices", LocationURI: "s3://lake/sales/", Parameters: map[string]string{"team": "finance"}}))
	must(t, c.CreateDatabase(ctx(t), catalog.Database{Name: "hr"}))
	wantErr(t, c.CreateDatabase(ctx(t), catalog.Database{Name: "sales"}), catalog.ErrAlreadyExists)

	db, err := c.GetDatabase(ctx(t), "sales")
	must(t, err)
	if db.Name != "sales" || db.Description != "orders and invoices" || db.LocationURI != "s3://lake/sales/" || db.Parameters["team"] != "finance" {
		t.Errorf("GetDatabase = %+v", db)
	}
	if db.CreateTime.IsZero() || time.Since(db.CreateTime) > time.Hour {
		t.Errorf("CreateTime = %v, want about now", db.CreateTime)
	}
	_, err = c.GetDatabase(ctx(t), "missing")
	wantErr(t, err, catalog.ErrNotFound)

	var names []string
	for _, d := range collect(t, c.ListDatabases(ctx(t))) {
		names = append(names, d.Name)
	}
	if !reflect.DeepEqual(names, []string{"hr", "sales"}) {
		t.Errorf("ListDatabases = %v, want [hr sales]", names)
	}

	db.Description = "orders"
	created := db.CreateTime
	must(t, c.UpdateDatabase(ctx(t), *db))
	db, err = c.GetDatabase(ctx(t), "sales")
	must(t, err)
	if db.Description != "orders" || !db.CreateTime.Equal(created) {
		t.Errorf("after update: %+v", db)
	}
	wantErr(t, c.UpdateDatabase(ctx(t), catalog.Database{Name: "missing"}), catalog.ErrNotFound)

	must(t, c.DeleteDatabase(ctx(t), "hr"))
	_, err = c.GetDatabase(ctx(t), "hr")
	wantErr(t, err, catalog.ErrNotFound)
	wantErr(t, c.DeleteDatabase(ctx(t), "hr"), catalog.ErrNotFound)
}

func testInvalidNames(t *testing.T, c catalog.Catalog) {
	for _, name := range []string{"", "bad-name", "has space", "dot.ted", string(make([]byte, 129))} {
		wantErr(t, c.CreateDatabase(ctx(t), catalog.Database{Name: name}), catalog.ErrInvalid)
	}
	// Glue folds names to lower case.
	must(t, c.CreateDatabase(ctx(t), catalog.Database{Name: "Sales_2024"}))
	if _, err := c.GetDatabase(ctx(t), "sales_2024"); err != nil {
		t.Fatalf("upper-case name not folded: %v", err)
	}
	bad := []catalog.Table{
		table("sales_2024", "bad-table", "a"),
		table("sales_2024", "t", "a", "a"),
		table("sales_2024", "t", "a b"),
		{DatabaseName: "sales_2024", Name: "t", StorageDescriptor: catalog.StorageDescriptor{Columns: []catalog.Column{{Name: "a", Type: "varchar"}}}},
		{DatabaseName: "sales_2024", Name: "t", StorageDescriptor: catalog.StorageDescriptor{Columns: []catalog.Column{{Name: "a", Type: "array<int"}}}},
		{DatabaseName: "sales_2024", Name: "t", PartitionKeys: []catalog.Column{{Name: "p", Type: "array<int>"}}},
		{DatabaseName: "sales_2024", Name: "t", StorageDescriptor: catalog.StorageDescriptor{Columns: []catalog.Column{{Name: "a", Type: "int", Comment: string(make([]byte, 256))}}}},
		{DatabaseName: "sales_2024", Name: "t", Description: string(make([]byte, 2049))},
	}
	for i, tb := range bad {
		if err := c.CreateTable(ctx(t), tb); !errors.Is(err, catalog.ErrInvalid) {
			t.Errorf("bad table %d (%+v): got %v, want ErrInvalid", i, tb, err)
		}
	}
	if _, err := c.GetTable(ctx(t), "sales_2024", "t"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("an invalid table was stored: %v", err)
	}
}

func testTables(t *testing.T, c catalog.Catalog) {
	wantErr(t, c.CreateTable(ctx(t), table("nodb", "t", "a")), catalog.ErrNotFound)
	must(t, c.CreateDatabase(ctx(t), catalog.Database{Name: "db"}))
	must(t, c.CreateTable(ctx(t), table("db", "orders", "id", "amount")))
	must(t, c.CreateTable(ctx(t), table("db", "customers", "id")))
	wantErr(t, c.CreateTable(ctx(t), table("db", "orders", "x")), catalog.ErrAlreadyExists)

	got, err := c.GetTable(ctx(t), "db", "orders")
	must(t, err)
	if got.VersionID != 1 || got.TableType != catalog.ExternalTable || got.CreateTime.IsZero() || !got.UpdateTime.Equal(got.CreateTime) {
		t.Errorf("new table: version %d, type %q, created %v, updated %v", got.VersionID, got.TableType, got.CreateTime, got.UpdateTime)
	}
	_, err = c.GetTable(ctx(t), "db", "missing")
	wantErr(t, err, catalog.ErrNotFound)

	var names []string
	for tb := range c.ListTables(ctx(t), "db") {
		names = append(names, tb.Name)
	}
	if !reflect.DeepEqual(names, []string{"customers", "orders"}) {
		t.Errorf("ListTables = %v", names)
	}
	for _, err := range c.ListTables(ctx(t), "nodb") {
		wantErr(t, err, catalog.ErrNotFound)
	}

	must(t, c.DeleteTable(ctx(t), "db", "orders"))
	_, err = c.GetTable(ctx(t), "db", "orders")
	wantErr(t, err, catalog.ErrNotFound)
	wantErr(t, c.DeleteTable(ctx(t), "db", "orders"), catalog.ErrNotFound)
	gone := table("db", "orders", "id")
	gone.VersionID = 1
	wantErr(t, c.UpdateTable(ctx(t), &gone), catalog.ErrNotFound)
}

// testTableRoundTrip: a table keeps every member a Glue TableInput can set.
// (Times are whole milliseconds, as Glue keeps them.)
func testTableRoundTrip(t *testing.T, c catalog.Catalog) {
	must(t, c.CreateDatabase(ctx(t), catalog.Database{Name: "db"}))
	accessed := time.Date(2024, 1, 2, 3, 4, 5, 123_000_000, time.UTC)
	in := catalog.Table{
		DatabaseName: "db", Name: "events", Description: "click events",
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
	got, err := c.GetTable(ctx(t), "db", "events")
	must(t, err)
	want := in
	want.CreateTime, want.UpdateTime, want.VersionID = got.CreateTime, got.UpdateTime, got.VersionID
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("round trip:\n got %+v\nwant %+v", *got, want)
	}

	// And so does a partition, of what a PartitionInput can set.
	p := catalog.Partition{Values: []string{"2024", "1"}, LastAccessTime: accessed, LastAnalyzedTime: accessed.Add(time.Minute),
		Parameters: map[string]string{"recordCount": "12"}, StorageDescriptor: in.StorageDescriptor}
	p.StorageDescriptor.Location = "s3://lake/events/year=2024/month=1/"
	must(t, c.CreatePartitions(ctx(t), "db", "events", []catalog.Partition{p}))
	gotP, err := c.GetPartition(ctx(t), "db", "events", p.Values)
	must(t, err)
	p.DatabaseName, p.TableName, p.CreationTime = "db", "events", gotP.CreationTime
	if !reflect.DeepEqual(*gotP, p) {
		t.Errorf("partition round trip:\n got %+v\nwant %+v", *gotP, p)
	}
}

func testStaleUpdate(t *testing.T, c catalog.Catalog) {
	must(t, c.CreateDatabase(ctx(t), catalog.Database{Name: "db"}))
	must(t, c.CreateTable(ctx(t), table("db", "t", "a")))
	first, err := c.GetTable(ctx(t), "db", "t")
	must(t, err)
	second := *first

	first.Description = "first writer"
	must(t, c.UpdateTable(ctx(t), first))
	if first.VersionID != 2 {
		t.Errorf("after update VersionID = %d, want 2", first.VersionID)
	}
	second.Description = "second writer, stale"
	wantErr(t, c.UpdateTable(ctx(t), &second), catalog.ErrConflict)
	if second.VersionID != 1 {
		t.Errorf("a failed update changed the caller's VersionID to %d", second.VersionID)
	}
	got, err := c.GetTable(ctx(t), "db", "t")
	must(t, err)
	if got.Description != "first writer" || got.VersionID != 2 {
		t.Errorf("stale update overwrote: %+v", got)
	}
}

func testVersions(t *testing.T, c catalog.Catalog) {
	must(t, c.CreateDatabase(ctx(t), catalog.Database{Name: "db"}))
	must(t, c.CreateTable(ctx(t), table("db", "t", "a")))
	for i := 2; i <= 4; i++ {
		_, err := catalog.UpdateTableFunc(ctx(t), c, "db", "t", func(tb *catalog.Table) error {
			tb.Description = fmt.Sprintf("v%d", i)
			return nil
		})
		must(t, err)
	}
	var got []string
	for tb, err := range c.ListTableVersions(ctx(t), "db", "t") {
		must(t, err)
		got = append(got, fmt.Sprintf("%d:%s", tb.VersionID, tb.Description))
	}
	want := []string{"4:v4", "3:v3", "2:v2", "1:"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("versions = %v, want %v", got, want)
	}
	for _, err := range c.ListTableVersions(ctx(t), "db", "missing") {
		wantErr(t, err, catalog.ErrNotFound)
	}
}

func testConcurrentEdits(t *testing.T, c catalog.Catalog) {
	const n = 8
	must(t, c.CreateDatabase(ctx(t), catalog.Database{Name: "db"}))
	cols := make([]string, n)
	for i := range cols {
		cols[i] = fmt.Sprintf("c%d", i)
	}
	must(t, c.CreateTable(ctx(t), table("db", "t", cols...)))
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			_, err := catalog.UpdateTableFunc(ctx(t), c, "db", "t", func(tb *catalog.Table) error {
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
	got, err := c.GetTable(ctx(t), "db", "t")
	must(t, err)
	for _, col := range got.StorageDescriptor.Columns {
		if col.Comment != "comment "+col.Name {
			t.Errorf("column %s comment %q: a concurrent edit was lost", col.Name, col.Comment)
		}
	}
	if got.VersionID != n+1 {
		t.Errorf("VersionID = %d, want %d (one version per edit)", got.VersionID, n+1)
	}
	if v := collect(t, c.ListTableVersions(ctx(t), "db", "t")); len(v) != n+1 {
		t.Errorf("%d versions, want %d", len(v), n+1)
	}
}

func testListingPages(t *testing.T, c catalog.Catalog) {
	const n = 1234 // more than one page of every backend
	must(t, c.CreateDatabase(ctx(t), catalog.Database{Name: "db"}))
	for i := range n {
		must(t, c.CreateTable(ctx(t), table("db", fmt.Sprintf("t%05d", i), "a")))
	}
	got := collect(t, c.ListTables(ctx(t), "db"))
	if len(got) != n {
		t.Fatalf("listed %d tables, want %d", len(got), n)
	}
	for i, tb := range got {
		if want := fmt.Sprintf("t%05d", i); tb.Name != want {
			t.Fatalf("table %d is %s, want %s (listing out of order or repeated)", i, tb.Name, want)
		}
	}
	// Stopping early is allowed and stops the listing.
	seen := 0
	for range c.ListTables(ctx(t), "db") {
		if seen++; seen == 3 {
			break
		}
	}
	if seen != 3 {
		t.Errorf("early break: saw %d", seen)
	}
}

func partitioned(t *testing.T, c catalog.Catalog) {
	must(t, c.CreateDatabase(ctx(t), catalog.Database{Name: "db"}))
	tb := table("db", "sales", "amount")
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

func testPartitions(t *testing.T, c catalog.Catalog) {
	partitioned(t, c)
	must(t, c.CreatePartitions(ctx(t), "db", "sales", []catalog.Partition{part("2023", "eu"), part("2024", "eu"), part("2024", "us")}))

	// A batch with one existing partition adds none.
	wantErr(t, c.CreatePartitions(ctx(t), "db", "sales", []catalog.Partition{part("2025", "eu"), part("2024", "us")}), catalog.ErrAlreadyExists)
	_, err := c.GetPartition(ctx(t), "db", "sales", []string{"2025", "eu"})
	wantErr(t, err, catalog.ErrNotFound)
	wantErr(t, c.CreatePartitions(ctx(t), "db", "sales", []catalog.Partition{{Values: []string{"2025"}}}), catalog.ErrInvalid)
	wantErr(t, c.CreatePartitions(ctx(t), "db", "missing", []catalog.Partition{part("2025", "eu")}), catalog.ErrNotFound)

	p, err := c.GetPartition(ctx(t), "db", "sales", []string{"2024", "us"})
	must(t, err)
	if p.DatabaseName != "db" || p.TableName != "sales" || p.StorageDescriptor.Location != "s3://lake/sales/year=2024/region=us/" || p.CreationTime.IsZero() {
		t.Errorf("GetPartition = %+v", p)
	}

	if got := partValues(t, c.ListPartitions(ctx(t), "db", "sales", nil)); !reflect.DeepEqual(got, []string{"[2023 eu]", "[2024 eu]", "[2024 us]"}) {
		t.Errorf("ListPartitions = %v", got)
	}

	p.Parameters = map[string]string{"recordCount": "10"}
	must(t, c.UpdatePartition(ctx(t), *p))
	p2, err := c.GetPartition(ctx(t), "db", "sales", []string{"2024", "us"})
	must(t, err)
	if p2.Parameters["recordCount"] != "10" || !p2.CreationTime.Equal(p.CreationTime) {
		t.Errorf("after update: %+v", p2)
	}
	missing := part("1999", "eu")
	missing.DatabaseName, missing.TableName = "db", "sales"
	wantErr(t, c.UpdatePartition(ctx(t), missing), catalog.ErrNotFound)

	must(t, c.DeletePartitions(ctx(t), "db", "sales", [][]string{{"2023", "eu"}, {"2024", "us"}, {"1999", "xx"}}))
	if got := partValues(t, c.ListPartitions(ctx(t), "db", "sales", nil)); !reflect.DeepEqual(got, []string{"[2024 eu]"}) {
		t.Errorf("after delete: %v", got)
	}
}

func testPartitionFilter(t *testing.T, c catalog.Catalog) {
	partitioned(t, c) // year int, region string
	// The same values under a string key, which compare as strings.
	byText := table("db", "sales_text", "amount")
	byText.PartitionKeys = []catalog.Column{{Name: "year", Type: "string"}, {Name: "region", Type: "string"}}
	must(t, c.CreateTable(ctx(t), byText))
	var parts []catalog.Partition
	for _, y := range []string{"9", "10", "2023", "2024"} {
		for _, r := range []string{"eu", "us"} {
			parts = append(parts, part(y, r))
		}
	}
	must(t, c.CreatePartitions(ctx(t), "db", "sales_text", parts))
	// Hive's name for a null value: only IS NULL selects it.
	must(t, c.CreatePartitions(ctx(t), "db", "sales", append(parts, part(catalog.HiveNullPartition, "eu"))))
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
		got := partValues(t, c.ListPartitions(ctx(t), "db", tc.table, f))
		if !reflect.DeepEqual(slices.Sorted(slices.Values(got)), want[i]) {
			t.Errorf("%s: filter %q = %v, want %v", tc.table, tc.expr, got, want[i])
		}
	}
	// Filters that do not fit the keys are refused, as Glue refuses them.
	for _, expr := range []string{"month=1", "year LIKE '2%'", "year = 'x'"} {
		f, err := catalog.ParseFilter(expr)
		must(t, err)
		var listErr error
		for _, err := range c.ListPartitions(ctx(t), "db", "sales", f) {
			if listErr = err; err != nil {
				break
			}
		}
		wantErr(t, listErr, catalog.ErrInvalid)
	}
}

func testDeleteCascades(t *testing.T, c catalog.Catalog) {
	partitioned(t, c)
	must(t, c.CreatePartitions(ctx(t), "db", "sales", []catalog.Partition{part("2024", "eu")}))
	_, err := catalog.UpdateTableFunc(ctx(t), c, "db", "sales", func(tb *catalog.Table) error { tb.Description = "x"; return nil })
	must(t, err)
	must(t, c.DeleteDatabase(ctx(t), "db"))
	_, err = c.GetTable(ctx(t), "db", "sales")
	wantErr(t, err, catalog.ErrNotFound)

	// A new table of the same name starts afresh: no old partitions or versions.
	partitioned(t, c)
	if got := partValues(t, c.ListPartitions(ctx(t), "db", "sales", nil)); len(got) != 0 {
		t.Errorf("partitions survived the drop: %v", got)
	}
	if v := collect(t, c.ListTableVersions(ctx(t), "db", "sales")); len(v) != 1 || v[0].VersionID != 1 {
		t.Errorf("versions survived the drop: %d", len(v))
	}
}
