package ingest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/lakectl/lakectl/internal/catalog/sqlite"
	"github.com/lakectl/lakectl/internal/storage/local"
)

// BenchmarkRerunNothingNew times the run that cron makes most often: a
// folder of many small files, all landed before, re-run with nothing new
// (goal: 100,000 files under 5 s). LAKECTL_BENCH_FILES sets the number of
// files (default 100,000).
func BenchmarkRerunNothingNew(b *testing.B) {
	n := 100_000
	if s := os.Getenv("LAKECTL_BENCH_FILES"); s != "" {
		fmt.Sscan(s, &n)
	}
	ctx := context.Background()
	src, dest := b.TempDir(), b.TempDir()
	for i := range n {
		dir := filepath.Join(src, fmt.Sprintf("d%03d", i%1000))
		if i < 1000 {
			os.MkdirAll(dir, 0o755)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%06d.csv", i)), []byte("id\n1\n"), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	cat, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "catalog.db"))
	if err != nil {
		b.Fatal(err)
	}
	ds, err := local.New(filepath.Join(dest, "many"))
	if err != nil {
		b.Fatal(err)
	}
	l, err := NewLocal(src)
	if err != nil {
		b.Fatal(err)
	}
	sum, err := Files(ctx, cat, ds, "many", l, Options{})
	if err != nil || len(sum.Landed) != n {
		b.Fatalf("first run: %v, %d landed", err, len(sum.Landed))
	}
	b.ReportMetric(sum.Duration.Seconds(), "first-run-s")
	b.ResetTimer()
	for b.Loop() {
		sum, err := Files(ctx, cat, ds, "many", l, Options{})
		if err != nil || sum.Unchanged != n || len(sum.Landed) != 0 {
			b.Fatalf("rerun: %v, %+v", err, sum.Unchanged)
		}
	}
}
