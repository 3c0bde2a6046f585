package search_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/search"
)

// Indexing 1M objects from an S3 Inventory report on local disk (8 gzip
// CSV data files, as S3 splits a large report), from reading the manifest
// to writing the tables as Parquet (goal: ≥ 50,000 objects/s):
//   - first: an empty index, so 1M inventory and 1M journal rows written;
//   - reindex1pct: the next day's report, 1% of the objects changed,
//     compared with the first inventory (1M inventory rows and 10,000
//     journal rows written).
func BenchmarkIndexInventoryReport1M(b *testing.B) {
	dest := filepath.Join(b.TempDir(), "dest")
	rows := make([]invRow, benchObjects)
	for i := range rows {
		rows[i] = invRow{Key: fmt.Sprintf("uploads/c%02d/k%07d.csv", i%100, i), Version: "v1", Latest: true, Size: int64(i % 100000),
			Modified: day1.Add(-time.Duration(i) * time.Second), ETag: fmt.Sprintf("%032x", i), Class: "STANDARD", Encrypted: "SSE-S3"}
	}
	m1 := filepath.Join(dest, writeReport(b, dest, "uploads", "CSV", "2026-03-01T01-00Z", rows, 8))
	for i := 0; i < len(rows); i += 100 {
		rows[i].Size++
		rows[i].Modified = day1.Add(time.Hour)
		rows[i].ETag = fmt.Sprintf("%032x", -i-1)
	}
	m2 := filepath.Join(dest, writeReport(b, dest, "uploads", "CSV", "2026-03-02T01-00Z", rows, 8))
	rows = nil
	ctx := context.Background()
	run := func(b *testing.B, manifest string, previous []search.Record, created int64) *search.IndexResult {
		rep, err := search.ReadReport(ctx, open, manifest)
		if err != nil {
			b.Fatal(err)
		}
		res, err := search.IndexReport(ctx, rep, nil, previous, search.IndexOptions{Now: day1.Add(24 * time.Hour)})
		if err != nil {
			b.Fatal(err)
		}
		if res.Created != created {
			b.Fatalf("created %d, want %d", res.Created, created)
		}
		writeIndex(b, b.TempDir(), res, day1, 16384)
		return res
	}
	var first *search.IndexResult
	b.Run("first", func(b *testing.B) {
		for b.Loop() {
			first = run(b, m1, nil, benchObjects)
		}
		b.ReportMetric(float64(benchObjects)*float64(b.N)/b.Elapsed().Seconds(), "objects/s")
	})
	b.Run("reindex1pct", func(b *testing.B) {
		for b.Loop() {
			run(b, m2, first.Inventory, benchObjects/100)
		}
		b.ReportMetric(float64(benchObjects)*float64(b.N)/b.Elapsed().Seconds(), "objects/s")
	})
}
