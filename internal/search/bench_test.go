package search_test

import (
	"context"
	"fmt"
	"io"
	"iter"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/convert"
	"github.com/lakectl/lakectl/internal/search"
	"github.com/lakectl/lakectl/internal/storage"
	"github.com/lakectl/lakectl/internal/storage/local"
)

const benchObjects = 1_000_000

var (
	benchOnce sync.Once
	benchRoot string
)

// benchIndex writes an index of 1M objects once (row groups of 16,384, as
// `search index` writes them).
func benchIndex(b *testing.B) string {
	benchOnce.Do(func() {
		benchRoot = b.TempDir()
		writeIndex(b, benchRoot, &search.IndexResult{Inventory: records(benchObjects, start)}, start, 16384)
	})
	return benchRoot
}

// Search over an index of 1M objects: a key prefix, a metadata filter, a
// date range (goal: each under 100 ms). meta stops at 100 objects, as
// --limit 100 does; meta-all finds all 10,000; meta-all-inventory is
// meta-all over the same objects in an index without the pairs table (as
// an earlier lakectl wrote it): the metadata search before the pairs
// table, side by side.
func BenchmarkSearch1M(b *testing.B) {
	root := benchIndex(b)
	inventoryOnly := b.TempDir()
	writeTablesAlone(b, inventoryOnly, &search.IndexResult{Inventory: records(benchObjects, start)}, 16384)
	for _, bc := range []struct {
		name string
		q    search.Query
	}{
		{"prefix", search.Query{Pattern: "k05000**", MinSize: -1, MaxSize: -1}},
		{"meta", search.Query{Meta: map[string]string{"customer": "c40", "category": "invoice"}, MinSize: -1, MaxSize: -1, Limit: 100}},
		{"meta-all", search.Query{Meta: map[string]string{"customer": "c40", "category": "invoice"}, MinSize: -1, MaxSize: -1}},
		{"dates", search.Query{Since: start.Add(500000 * time.Minute), Until: start.Add(501000 * time.Minute), MinSize: -1, MaxSize: -1}},
		{"meta-all-inventory", search.Query{Meta: map[string]string{"customer": "c40", "category": "invoice"}, MinSize: -1, MaxSize: -1}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := root
			if strings.HasSuffix(bc.name, "-inventory") {
				r = inventoryOnly
			}
			var found *search.Found
			for b.Loop() {
				var err error
				if found, err = search.Search(context.Background(), open, r, bc.q); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(found.Objects)), "objects")
			b.ReportMetric(float64(found.RowGroupsRead), "rowgroups-read")
		})
	}
}

// listing is a store of n synthetic objects whose metadata reads are
// counted: what a bucket of a million objects costs the index, without
// the network.
type listing struct {
	n, changedEvery int
	heads           atomic.Int64
}

func (l *listing) List(ctx context.Context, prefix string) iter.Seq2[*storage.Object, error] {
	return func(yield func(*storage.Object, error) bool) {
		for i := range l.n {
			etag := fmt.Sprintf("%032x", i)
			if l.changedEvery > 0 && i%l.changedEvery == 0 {
				etag = fmt.Sprintf("%032x", i+1<<40)
			}
			if !yield(&storage.Object{Key: fmt.Sprintf("k%07d", i), Size: int64(i), ModTime: start.Add(time.Duration(i) * time.Minute), ETag: etag, StorageClass: "STANDARD"}, nil) {
				return
			}
		}
	}
}
func (l *listing) ReadMetadata(ctx context.Context, key string) (*storage.Metadata, error) {
	l.heads.Add(1)
	return &storage.Metadata{User: map[string]string{"customer": "c1"}}, nil
}
func (l *listing) Get(context.Context, string) (io.ReadCloser, error)    { return nil, nil }
func (l *listing) Put(context.Context, string, io.Reader) error          { return nil }
func (l *listing) Stat(context.Context, string) (*storage.Object, error) { return nil, nil }
func (l *listing) Delete(context.Context, string) error                  { return nil }
func (l *listing) URI(key string) string                                 { return "s3://bucket/" + key }

// Re-indexing 1M objects of which 1% changed: the objects compared per
// second, and the metadata reads (goal: only the 1%).
func BenchmarkReindex1M(b *testing.B) {
	previous := records(benchObjects, start)
	for i := range previous {
		previous[i].Bucket = "bucket"
	}
	var heads int64
	for b.Loop() {
		l := &listing{n: benchObjects, changedEvery: 100}
		res, err := search.Index(context.Background(), []storage.Store{l}, previous, search.IndexOptions{Now: start})
		if err != nil {
			b.Fatal(err)
		}
		heads = l.heads.Load()
		if res.Created != benchObjects/100 || heads != benchObjects/100 {
			b.Fatalf("created %d, read metadata of %d objects, want %d", res.Created, heads, benchObjects/100)
		}
	}
	b.ReportMetric(float64(heads), "heads")
	b.ReportMetric(float64(benchObjects)*float64(b.N)/b.Elapsed().Seconds(), "objects/s")
}

// Writing the first index of 1M objects, each with one or two user
// metadata pairs and a tag (2.1M pairs): the journal, the inventory and
// the pairs table (all), against the journal and the inventory alone
// (without-pairs), side by side; the difference is what the pairs table,
// which makes a search by metadata or tag fast, costs the write.
func BenchmarkWriteIndex1M(b *testing.B) {
	res := &search.IndexResult{Inventory: records(benchObjects, start)}
	res.Journal = res.Inventory
	b.Run("all", func(b *testing.B) {
		for b.Loop() {
			writeIndex(b, b.TempDir(), res, start, 16384)
		}
		b.ReportMetric(float64(benchObjects)*float64(b.N)/b.Elapsed().Seconds(), "objects/s")
	})
	b.Run("without-pairs", func(b *testing.B) {
		for b.Loop() {
			writeTablesAlone(b, b.TempDir(), res, 16384)
		}
		b.ReportMetric(float64(benchObjects)*float64(b.N)/b.Elapsed().Seconds(), "objects/s")
	})
}

// writeTablesAlone writes an index run's journal and inventory the way
// lakectl wrote them before the pairs table and the tables' states: what
// an index written by an earlier lakectl holds.
func writeTablesAlone(t testing.TB, root string, res *search.IndexResult, rowGroup int) {
	t.Helper()
	for _, tab := range []struct {
		name string
		recs []search.Record
		mode string
	}{{search.JournalTable, res.Journal, convert.Append}, {search.InventoryTable, res.Inventory, convert.Overwrite}} {
		dest, err := local.New(filepath.Join(root, tab.name))
		if err != nil {
			t.Fatal(err)
		}
		rows := make([][]any, len(tab.recs))
		for i := range tab.recs {
			rows[i] = tab.recs[i].Row(start)
		}
		opts := convert.Options{PartitionBy: []string{search.DateKey}, Mode: tab.mode, RowGroupSize: rowGroup,
			Now: func() time.Time { return start }}
		if _, err := convert.AppendRows(context.Background(), nil, search.Columns, rows, tab.name, dest, opts); err != nil {
			t.Fatal(err)
		}
	}
}
