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
// to writing the inventory and journal as Parquet (goal: ≥ 50,000
// objects/s).
func BenchmarkIndexInventoryReport1M(b *testing.B) {
	dest := filepath.Join(b.TempDir(), "dest")
	rows := make([]invRow, benchObjects)
	for i := range rows {
		rows[i] = invRow{Key: fmt.Sprintf("uploads/c%02d/k%07d.csv", i%100, i), Version: "v1", Latest: true, Size: int64(i % 100000),
			Modified: day1.Add(-time.Duration(i) * time.Second), ETag: fmt.Sprintf("%032x", i), Class: "STANDARD", Encrypted: "SSE-S3"}
	}
	manifest := filepath.Join(dest, writeReport(b, dest, "uploads", "CSV", "2026-03-01T01-00Z", rows, 8))
	rows = nil
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		root := b.TempDir()
		rep, err := search.ReadReport(ctx, open, manifest)
		if err != nil {
			b.Fatal(err)
		}
		res, err := search.IndexReport(ctx, rep, nil, nil, search.IndexOptions{Now: day1})
		if err != nil {
			b.Fatal(err)
		}
		if res.Created != benchObjects {
			b.Fatalf("created %d", res.Created)
		}
		writeIndex(b, root, res, day1, 16384)
	}
	b.ReportMetric(float64(benchObjects)*float64(b.N)/b.Elapsed().Seconds(), "objects/s")
}
