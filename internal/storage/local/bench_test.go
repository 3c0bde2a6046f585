package local_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/lakectl/lakectl/internal/storage/local"
)

// BenchmarkList100k lists 100,000 objects in 100 folders (hive-style
// partitions) and reports the heap in use while the listing runs, which
// stays flat because only one folder's entries are held at a time.
func BenchmarkList100k(b *testing.B) {
	const folders, perFolder = 100, 1000
	root := b.TempDir()
	for d := range folders {
		dir := filepath.Join(root, "events", fmt.Sprintf("day=%03d", d))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		for f := range perFolder {
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("part-%05d.json", f)), nil, 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	s, _ := local.New(root)
	var peak uint64
	var ms runtime.MemStats
	for b.Loop() {
		n := 0
		for _, err := range s.List(b.Context(), "events/") {
			if err != nil {
				b.Fatal(err)
			}
			if n++; n%10000 == 0 {
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
			}
		}
		if n != folders*perFolder {
			b.Fatalf("listed %d", n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*folders*perFolder), "ns/object")
	b.ReportMetric(float64(peak)/(1<<20), "MiB-heap-peak")
}
