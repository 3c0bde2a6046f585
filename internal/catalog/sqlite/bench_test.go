package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/catalog/sqlite"
)

const benchTables, benchColumns = 1000, 50

func wideTable(i int) catalog.Table {
	t := catalog.Table{DatabaseName: "bench", Name: fmt.Sprintf("table_%04d", i),
		Parameters: map[string]string{"classification": "parquet", "recordCount": "123456"}}
	for c := range benchColumns {
		t.StorageDescriptor.Columns = append(t.StorageDescriptor.Columns,
			catalog.Column{Name: fmt.Sprintf("column_%02d", c), Type: "decimal(18,4)", Comment: "a column comment of moderate length"})
	}
	t.StorageDescriptor.Location = "s3://lake/bench/" + t.Name + "/"
	return t
}

func openBench(b *testing.B) *sqlite.Catalog {
	c, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "catalog.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	if err := c.CreateDatabase(context.Background(), catalog.Database{Name: "bench"}); err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkCreate1000Tables creates 1,000 tables of 50 columns, one
// transaction each, as separate commands would.
func BenchmarkCreate1000Tables(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		c := openBench(b)
		b.StartTimer()
		for i := range benchTables {
			if err := c.CreateTable(ctx, wideTable(i)); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*benchTables), "µs/table")
}

// BenchmarkList1000Tables lists 1,000 tables of 50 columns, decoding them.
func BenchmarkList1000Tables(b *testing.B) {
	ctx := context.Background()
	c := openBench(b)
	for i := range benchTables {
		if err := c.CreateTable(ctx, wideTable(i)); err != nil {
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
