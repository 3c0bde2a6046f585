package convert

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// Rows in random day order give each partition one file a worker, not one
// a batch (200,000 such rows once made 18,643 files for 366 days).
func TestUnsortedPartitionsGetOneFileAWorker(t *testing.T) {
	const rows, days, workers = 200_000, 366, 2
	var b strings.Builder
	b.WriteString("id,day,amount\n")
	r := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range rows {
		fmt.Fprintf(&b, "%d,%s,%d.%02d\n", i, start.AddDate(0, 0, r.IntN(days)).Format("2006-01-02"), r.IntN(1000), r.IntN(100))
	}
	e := newEnv(t, map[string]string{"orders.csv": b.String()})
	sum, err := e.run(e.csvTable("id:bigint", "day:date", "amount:decimal(18,2)"), nil,
		Options{PartitionBy: []string{"day"}, Workers: workers})
	if err != nil {
		t.Fatal(err)
	}
	if sum.RowsWritten != rows || len(sum.Partitions) != days {
		t.Fatalf("%d rows in %d partitions, want %d in %d", sum.RowsWritten, len(sum.Partitions), rows, days)
	}
	files := 0
	for _, p := range sum.Partitions {
		files += p.Files
		if p.Files < 1 || p.Files > workers {
			t.Errorf("partition %s: %d files, want 1 to %d", p.Partition, p.Files, workers)
		}
	}
	if files != sum.FilesWritten || len(e.files()) != files {
		t.Errorf("summary says %d files (%d in partitions); %d in the destination", sum.FilesWritten, files, len(e.files()))
	}
}
