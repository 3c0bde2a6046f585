package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/catalog/catalogtest"
	"github.com/lakectl/lakectl/internal/catalog/sqlite"
)

func openBench(b *testing.B) catalog.Catalog {
	c, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "catalog.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return c
}

// BenchmarkCreate1000Tables: catalogtest.BenchCreate1000Tables.
func BenchmarkCreate1000Tables(b *testing.B) { catalogtest.BenchCreate1000Tables(b, openBench) }

// BenchmarkList1000Tables: catalogtest.BenchList1000Tables.
func BenchmarkList1000Tables(b *testing.B) { catalogtest.BenchList1000Tables(b, openBench) }

// BenchmarkSearch10000Tables: catalogtest.BenchSearch10000Tables.
func BenchmarkSearch10000Tables(b *testing.B) { catalogtest.BenchSearch10000Tables(b, openBench) }
