package postgres_test

import (
	"context"
	"testing"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/catalog/catalogtest"
	"github.com/lakectl/lakectl/internal/catalog/postgres"
	"github.com/lakectl/lakectl/internal/testenv"
)

func openBench(b *testing.B) catalog.Catalog {
	c, err := postgres.Open(context.Background(), testenv.PostgresCatalog(b))
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
