package catalogtest

import (
	"context"
	"fmt"
	"testing"

	"github.com/lakectl/lakectl/internal/catalog"
)

// The catalog benchmarks every backend runs, so that their numbers can be
// set side by side (docs/performance.md):
//
//	func BenchmarkCreate1000Tables(b *testing.B) { catalogtest.BenchCreate1000Tables(b, openMine) }
//
// newCatalog returns an empty catalog (and closes it when the benchmark
// ends).

const benchTables, benchColumns = 1000, 50

// WideTable is the benchmarks' table i: 50 decimal columns with comments.
func WideTable(i int) catalog.Table {
	t := catalog.Table{DatabaseName: "bench", Name: fmt.Sprintf("table_%04d", i),
		Parameters: map[string]string{"classification": "parquet", "recordCount": "123456"}}
	for c := range benchColumns {
		t.StorageDescriptor.Columns = append(t.StorageDescriptor.Columns,
			catalog.Column{Name: fmt.Sprintf("column_%02d", c), Type: "decimal(18,4)", Comment: "a column comment of moderate length"})
	}
	t.StorageDescriptor.Location = "s3://lake/bench/" + t.Name + "/"
	return t
}

func benchCatalog(b *testing.B, newCatalog func(b *testing.B) catalog.Catalog) catalog.Catalog {
	c := newCatalog(b)
	if err := c.CreateDatabase(context.Background(), catalog.Database{Name: "bench"}); err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchCreate1000Tables creates 1,000 tables of 50 columns, one
// transaction each, as separate commands would.
func BenchCreate1000Tables(b *testing.B, newCatalog func(b *testing.B) catalog.Catalog) {
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		c := benchCatalog(b, newCatalog)
		b.StartTimer()
		for i := range benchTables {
			if err := c.CreateTable(ctx, WideTable(i)); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*benchTables), "µs/table")
}

// BenchList1000Tables lists 1,000 tables of 50 columns, decoding them.
func BenchList1000Tables(b *testing.B, newCatalog func(b *testing.B) catalog.Catalog) {
	ctx := context.Background()
	c := benchCatalog(b, newCatalog)
	for i := range benchTables {
		if err := c.CreateTable(ctx, WideTable(i)); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		n := 0
		for _, err := range c.ListTables(ctx, "bench") {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != benchTables {
			b.Fatalf("listed %d", n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*benchTables), "µs/table")
}

// BenchSearch10000Tables: catalog.SearchTables over 10,000 tables of 10
// commented columns each, for a query that 1 table in 100 matches (the
// fill is not timed).
func BenchSearch10000Tables(b *testing.B, newCatalog func(b *testing.B) catalog.Catalog) {
	c := newCatalog(b)
	ctx := context.Background()
	if err := c.CreateDatabase(ctx, catalog.Database{Name: "bench", Description: "tables for the search benchmark"}); err != nil {
		b.Fatal(err)
	}
	topics := []string{"orders", "invoices", "shipments", "customers", "products", "payments", "refunds", "stock", "suppliers", "returns"}
	for i := range 10000 {
		topic := topics[i%len(topics)]
		t := catalog.Table{DatabaseName: "bench", Name: fmt.Sprintf("%s_%05d", topic, i), Description: "daily extract of " + topic,
			Parameters: map[string]string{"classification": "parquet", "owner": fmt.Sprintf("team%d", i%17)}}
		for c := range 10 {
			comment := fmt.Sprintf("measure %d of the %s feed", c, topic)
			if i%100 == 7 && c == 3 {
				comment = "credit rating of the counterparty"
			}
			t.StorageDescriptor.Columns = append(t.StorageDescriptor.Columns, catalog.Column{Name: fmt.Sprintf("%s_col_%d", topic, c), Type: "string", Comment: comment})
		}
		if err := c.CreateTable(ctx, t); err != nil {
			b.Fatal(err)
		}
	}
	q := catalog.SearchQuery{Text: "credit rating", Limit: 20}
	b.ResetTimer()
	for b.Loop() {
		hits, err := catalog.SearchTables(ctx, c, q)
		if err != nil {
			b.Fatal(err)
		}
		if len(hits) != 20 {
			b.Fatalf("%d hits, want 20", len(hits))
		}
	}
}
