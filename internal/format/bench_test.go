package format

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/parquet-go/parquet-go"

	"github.com/lakectl/lakectl/internal/storage/local"
)

// BenchmarkSniffLargeFiles classifies a 64 MiB CSV, its gzip, and a Parquet
// file of 2 million rows, reporting the bytes each read: the sample for
// text, the footer for Parquet.
func BenchmarkSniffLargeFiles(b *testing.B) {
	dir := b.TempDir()
	var csv bytes.Buffer
	csv.WriteString("id,customer,amount,ordered_at\n")
	for i := 0; csv.Len() < 64<<20; i++ {
		fmt.Fprintf(&csv, "%d,customer-%d,%d.%02d,2024-01-02T10:00:00Z\n", i, i%1000, i%5000, i%100)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(csv.Bytes())
	zw.Close()
	rows := make([]struct {
		ID     int64   `parquet:"id"`
		Amount float64 `parquet:"amount"`
	}, 2_000_000)
	for i := range rows {
		rows[i].ID, rows[i].Amount = int64(i), float64(i)/7
	}
	var pq bytes.Buffer
	if err := parquet.Write(&pq, rows); err != nil {
		b.Fatal(err)
	}
	files := map[string][]byte{"big.csv": csv.Bytes(), "big.csv.gz": gz.Bytes(), "big.parquet": pq.Bytes()}
	for name, data := range files {
		os.WriteFile(filepath.Join(dir, name), data, 0o644)
	}
	s, _ := local.New(dir)
	// A gzip file under DefaultCountCompressed is read whole, its records
	// counted; beyond the bound (here: 0), its sample alone.
	sampleOnly := DefaultOptions()
	sampleOnly.CountCompressed = 0
	for _, c := range []struct {
		name, file string
		opts       Options
	}{
		{"big.csv", "big.csv", DefaultOptions()},
		{"big.csv.gz", "big.csv.gz", DefaultOptions()},
		{"big.csv.gz-beyond-the-bound", "big.csv.gz", sampleOnly},
		{"big.parquet", "big.parquet", DefaultOptions()},
	} {
		b.Run(c.name, func(b *testing.B) {
			obj, _ := s.Stat(context.Background(), c.file)
			var f *File
			for b.Loop() {
				f = Sniff(context.Background(), s, obj, c.opts)
			}
			if f.Skip != "" {
				b.Fatal(f.Skip)
			}
			b.ReportMetric(float64(obj.Size), "file-bytes")
			b.ReportMetric(float64(f.BytesRead), "bytes-read")
		})
	}
}
