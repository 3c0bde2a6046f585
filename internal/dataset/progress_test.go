package dataset

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/parquet-go/parquet-go"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/progress"
	"github.com/lakectl/lakectl/internal/storage"
	"github.com/lakectl/lakectl/internal/storage/local"
)

// countSink counts the rows it is given.
type countSink struct{ n *atomic.Int64 }

func (c countSink) Add([]Value) { c.n.Add(1) }
func (c countSink) Merge(Sink)  {}

func writeFile(t *testing.T, path string, data []byte) int64 {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return int64(len(data))
}

// A scan counts on its reporter every file and byte it expected (the
// bytes as stored: a gzip file's compressed size) and every record it
// read, malformed ones included, over several chunks of a large file.
func TestScanCountsWhatItRead(t *testing.T) {
	dir := t.TempDir()
	var big bytes.Buffer
	big.WriteString("id,name\n")
	for i := range 400_000 { // about 9 MiB: three chunks
		fmt.Fprintf(&big, "%d,name number %d\n", i, i)
	}
	var size int64
	size += writeFile(t, filepath.Join(dir, "a.csv"), big.Bytes())
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("id,name\n1,ann\n2,bob\n"))
	zw.Close()
	size += writeFile(t, filepath.Join(dir, "b.csv.gz"), gz.Bytes())
	size += writeFile(t, filepath.Join(dir, "c.csv"), []byte("id,name\n3,cy\n4,dee,extra\n"))

	tb := &catalog.Table{Name: "t", Parameters: map[string]string{catalog.ParamClassification: "csv", catalog.ParamSkipHeaderLineCount: "1"}}
	tb.StorageDescriptor.Location = "file://" + dir + "/"
	tb.StorageDescriptor.Columns = []catalog.Column{{Name: "id", Type: "bigint"}, {Name: "name", Type: "string"}}
	in := Input{Table: tb, Store: func(context.Context, string) (storage.Store, error) { return local.New(dir) }}
	m := progress.NewMeter(time.Now)
	var rows atomic.Int64
	_, st, err := Scan(t.Context(), in, []int{0, 1}, ScanOptions{Workers: 2, Progress: m}, func() Sink { return countSink{&rows} })
	if err != nil {
		t.Fatal(err)
	}
	_, s := m.Take()
	want := progress.Counts{Files: 3, Rows: 400_000 + 2 + 2, Bytes: size}
	if s.Done != want || s.Total != (progress.Counts{Files: 3, Bytes: size}) {
		t.Errorf("counted %+v of %+v, want %+v of 3 files and %d bytes", s.Done, s.Total, want, size)
	}
	if got := rows.Load() + st.Malformed(); got != s.Done.Rows || st.Malformed() != 1 {
		t.Errorf("rows counted %d, rows read %d + malformed %d", s.Done.Rows, rows.Load(), st.Malformed())
	}
}

// A JSON document (an array), JSON lines and Parquet files are counted
// too.
func TestScanCountsJSONAndParquet(t *testing.T) {
	dir := t.TempDir()
	var size int64
	size += writeFile(t, filepath.Join(dir, "a.json"), []byte(`[{"id": 1}, {"id": 2}, {"id": 3}]`))
	size += writeFile(t, filepath.Join(dir, "b.json"), []byte("{\"id\": 4}\n{\"id\": 5}\n"))
	tb := &catalog.Table{Name: "t", Parameters: map[string]string{catalog.ParamClassification: "json"}}
	tb.StorageDescriptor.Location = "file://" + dir + "/"
	tb.StorageDescriptor.Columns = []catalog.Column{{Name: "id", Type: "bigint"}}
	open := func(context.Context, string) (storage.Store, error) { return local.New(dir) }
	m := progress.NewMeter(time.Now)
	var rows atomic.Int64
	if _, _, err := Scan(t.Context(), Input{Table: tb, Store: open}, []int{0}, ScanOptions{Workers: 1, Progress: m}, func() Sink { return countSink{&rows} }); err != nil {
		t.Fatal(err)
	}
	if _, s := m.Take(); s.Done != (progress.Counts{Files: 2, Rows: 5, Bytes: size}) || s.Total != (progress.Counts{Files: 2, Bytes: size}) || rows.Load() != 5 {
		t.Errorf("JSON: counted %+v of %+v, want 2 files, 5 rows, %d bytes (read %d rows)", s.Done, s.Total, size, rows.Load())
	}

	pdir := t.TempDir()
	type row struct {
		ID int64 `parquet:"id"`
	}
	size = 0
	for i, n := range []int{3000, 10} {
		var b bytes.Buffer
		rows := make([]row, n)
		if err := parquet.Write(&b, rows); err != nil {
			t.Fatal(err)
		}
		size += writeFile(t, filepath.Join(pdir, fmt.Sprintf("%d.parquet", i)), b.Bytes())
	}
	tb.Parameters[catalog.ParamClassification] = "parquet"
	tb.StorageDescriptor.Location = "file://" + pdir + "/"
	m = progress.NewMeter(time.Now)
	var mu sync.Mutex
	var got [][]Value
	in := Input{Table: tb, Store: func(context.Context, string) (storage.Store, error) { return local.New(pdir) }}
	if _, _, err := Scan(t.Context(), in, []int{0}, ScanOptions{Workers: 2, Progress: m}, func() Sink { return collectSink{&mu, &got} }); err != nil {
		t.Fatal(err)
	}
	if _, s := m.Take(); s.Done != (progress.Counts{Files: 2, Rows: 3010, Bytes: size}) || s.Total != (progress.Counts{Files: 2, Bytes: size}) || len(got) != 3010 {
		t.Errorf("Parquet: counted %+v of %+v, want 2 files, 3010 rows, %d bytes (read %d rows)", s.Done, s.Total, size, len(got))
	}
}
