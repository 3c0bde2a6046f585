package crawl

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/lakectl/lakectl/internal/catalog/sqlite"
	"github.com/lakectl/lakectl/internal/format"
	"github.com/lakectl/lakectl/internal/storage/local"
)

type benchRow struct {
	ID     int64     `parquet:"id"`
	Name   string    `parquet:"name"`
	Amount float64   `parquet:"amount"`
	At     time.Time `parquet:"at,timestamp(microsecond)"`
}

// generateLake writes 10,000 files: 4,000 CSV, 3,000 JSON lines and 3,000
// Parquet files of 200 rows each, in year=/month=/day= partitions of ten
// files.
func generateLake(b *testing.B, dir string) {
	var csvBody, jsonBody strings.Builder
	csvBody.WriteString("id,customer,amount,ordered_at,paid\n")
	rows := make([]benchRow, 200)
	for i := range 200 {
		fmt.Fprintf(&csvBody, "%d,customer-%d,%d.%02d,2024-01-%02dT10:00:00Z,%v\n", i, i%37, i, i%100, 1+i%28, i%2 == 0)
		fmt.Fprintf(&jsonBody, `{"id": %d, "user": {"name": "u%d", "tags": ["a", "b"]}, "score": %d.5, "at": "2024-01-01T00:00:00Z"}`+"\n", i, i, i)
		rows[i] = benchRow{ID: int64(i), Name: fmt.Sprintf("n%d", i), Amount: float64(i) / 3, At: time.Unix(int64(i), 0)}
	}
	var pq bytes.Buffer
	if err := parquet.Write(&pq, rows); err != nil {
		b.Fatal(err)
	}
	tables := []struct {
		name, ext string
		files     int
		body      []byte
	}{
		{"orders", "csv", 4000, []byte(csvBody.String())},
		{"clicks", "json", 3000, []byte(jsonBody.String())},
		{"payments", "parquet", 3000, pq.Bytes()},
	}
	for _, t := range tables {
		for i := range t.files {
			part := i / 10
			p := filepath.Join(dir, t.name, fmt.Sprintf("year=%d", 2020+part/120), fmt.Sprintf("month=%02d", 1+part/10%12), fmt.Sprintf("day=%02d", 1+part%10), fmt.Sprintf("part-%05d.%s", i, t.ext))
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, t.body, 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkCrawl10k crawls the generated lake into a fresh embedded
// catalog: list, classify and sample every file, group, write 3 tables and
// 1,000 partitions.
func BenchmarkCrawl10k(b *testing.B) {
	dir := b.TempDir()
	generateLake(b, dir)
	s, _ := local.New(dir)
	var rep *Report
	for b.Loop() {
		b.StopTimer()
		c, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "catalog.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		rep, err = Run(context.Background(), c, []Target{{URI: s.URI(""), Store: s}}, Options{Database: "bench", Format: format.DefaultOptions()})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		c.Close()
		b.StartTimer()
	}
	if rep.Files.Read != 10000 || len(rep.Tables) != 3 {
		b.Fatalf("read %d files into %d tables", rep.Files.Read, len(rep.Tables))
	}
	b.ReportMetric(float64(rep.Files.BytesRead)/float64(rep.Files.Read), "bytes-read/file")
	b.ReportMetric(float64(rep.Files.BytesTotal)/float64(rep.Files.Listed), "bytes/file")
}
