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

// Past maxStreams files streaming at once (here: 100 partitions whose row
// groups of 10 rows are written out early), a worker finishes the least
// recently used one: more files, but every row written once and readable.
func TestManyStreamingPartitionsKeepEveryRow(t *testing.T) {
	const rows, parts = 5_000, 100
	var b strings.Builder
	b.WriteString("id,part\n")
	r := rand.New(rand.NewPCG(3, 4))
	for i := range rows {
		fmt.Fprintf(&b, "%d,p%03d\n", i, r.IntN(parts))
	}
	e := newEnv(t, map[string]string{"a.csv": b.String()})
	sum, err := e.run(e.csvTable("id:bigint", "part:string"), nil, Options{PartitionBy: []string{"part"}, Workers: 1, RowGroupSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	if sum.RowsWritten != rows || len(sum.Partitions) != parts || sum.FilesWritten <= parts {
		t.Fatalf("%d rows, %d partitions, %d files: want %d rows, %d partitions, more files than partitions", sum.RowsWritten, len(sum.Partitions), sum.FilesWritten, rows, parts)
	}
	ids := strings.Split(strings.Trim(e.readAll("")["id"], "[]"), ",")
	seen := map[string]bool{}
	for _, id := range ids {
		seen[id] = true
	}
	if len(ids) != rows || len(seen) != rows {
		t.Errorf("read back %d ids, %d distinct; want %d", len(ids), len(seen), rows)
	}
}

// Past maxOpenFiles partitions at once, a worker finishes its least
// recently used file: memory stays bounded, files multiply, no row is lost.
func TestPartitionsPastOpenFileLimitKeepEveryRow(t *testing.T) {
	const parts = maxOpenFiles + 100
	rows := 10 * parts // several batches of rows, each touching every partition
	var b strings.Builder
	b.WriteString("id,part\n")
	r := rand.New(rand.NewPCG(7, 8))
	for i := range rows {
		fmt.Fprintf(&b, "%d,p%05d\n", i, r.IntN(parts))
	}
	e := newEnv(t, map[string]string{"a.csv": b.String()})
	sum, err := e.run(e.csvTable("id:bigint", "part:string"), nil, Options{PartitionBy: []string{"part"}, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if sum.RowsWritten != int64(rows) || sum.FilesWritten <= len(sum.Partitions) {
		t.Fatalf("%d rows in %d files over %d partitions: want %d rows, more files than partitions", sum.RowsWritten, sum.FilesWritten, len(sum.Partitions), rows)
	}
	ids := strings.Split(strings.Trim(e.readAll("")["id"], "[]"), ",")
	seen := map[string]bool{}
	for _, id := range ids {
		seen[id] = true
	}
	if len(ids) != rows || len(seen) != rows {
		t.Errorf("read back %d ids, %d distinct; want %d", len(ids), len(seen), rows)
	}
}
