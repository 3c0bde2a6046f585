package search_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/lakectl/lakectl/internal/search"
	"github.com/lakectl/lakectl/internal/storage"
	"github.com/lakectl/lakectl/internal/storage/local"
)

func open(ctx context.Context, uri string) (storage.Store, error) {
	return local.New(strings.TrimPrefix(uri, "file://"))
}

// writeIndex writes an index run's tables the way `search index` does,
// in row groups of rowGroup records.
func writeIndex(t testing.TB, root string, res *search.IndexResult, now time.Time, rowGroup int) {
	t.Helper()
	if _, err := search.Write(context.Background(), open, root, &search.Loaded{}, res, search.WriteOptions{Now: now, RowGroupRows: rowGroup}); err != nil {
		t.Fatal(err)
	}
}

func put(t *testing.T, dir, key, body string, attrs map[string]string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	for k, v := range attrs {
		if err := unix.Setxattr(p, "user."+k, []byte(v), 0); err != nil {
			t.Fatalf("set user.%s on %s: %v (the test directory's filesystem must keep user extended attributes)", k, p, err)
		}
	}
}

func changes(recs []search.Record) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.RecordType+" "+r.Key)
	}
	return out
}

// On local disk: user.* extended attributes are the user metadata; a
// re-index journals exactly what was added, changed and deleted, reads
// metadata for those alone, and the tables read back hold what was
// written.
func TestIndexLocalReindex(t *testing.T) {
	ctx := context.Background()
	dir, root := t.TempDir(), t.TempDir()
	put(t, dir, "acme/invoice-1.pdf", "one", map[string]string{"customer": "acme", "category": "invoice"})
	put(t, dir, "acme/photo.jpg", "jpeg", map[string]string{"customer": "acme"})
	put(t, dir, "globex/contract.pdf", "contract", nil)
	s, err := local.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	day1 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	res, err := search.Index(ctx, []storage.Store{s}, nil, search.IndexOptions{Now: day1})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := changes(res.Journal), []string{"CREATE acme/invoice-1.pdf", "CREATE acme/photo.jpg", "CREATE globex/contract.pdf"}; !slices.Equal(got, want) {
		t.Fatalf("first journal %q, want %q", got, want)
	}
	if res.Fetched != 3 {
		t.Errorf("fetched %d, want 3", res.Fetched)
	}
	writeIndex(t, root, res, day1, 0)

	inv, err := search.ReadInventory(ctx, open, root)
	if err != nil {
		t.Fatal(err)
	}
	if len(inv) != 3 || inv[0].UserMetadata["category"] != "invoice" || inv[0].Bucket != "file://"+dir || inv[0].Size != 3 || inv[0].RecordType != search.Create {
		t.Fatalf("inventory read back: %+v", inv)
	}

	// Change one, add one, delete one; one stays.
	time.Sleep(10 * time.Millisecond)
	put(t, dir, "acme/photo.jpg", "jpeg, retouched", map[string]string{"customer": "acme", "edited": "yes"})
	put(t, dir, "acme/invoice-2.pdf", "two", map[string]string{"customer": "acme", "category": "invoice"})
	if err := os.Remove(filepath.Join(dir, "globex", "contract.pdf")); err != nil {
		t.Fatal(err)
	}
	day2 := day1.Add(24 * time.Hour)
	res2, err := search.Index(ctx, []storage.Store{s}, inv, search.IndexOptions{Now: day2})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := changes(res2.Journal), []string{"CREATE acme/invoice-2.pdf", "CREATE acme/photo.jpg", "DELETE globex/contract.pdf"}; !slices.Equal(got, want) {
		t.Fatalf("re-index journal %q, want %q", got, want)
	}
	if res2.Fetched != 2 || res2.Unchanged != 1 || res2.Created != 2 || res2.Deleted != 1 {
		t.Errorf("re-index counts: %+v, want 2 fetched, 1 unchanged, 2 created, 1 deleted", res2)
	}
	writeIndex(t, root, res2, day2, 0)
	journal, err := search.ReadJournal(ctx, open, root)
	if err != nil {
		t.Fatal(err)
	}
	if len(journal) != 6 {
		t.Fatalf("journal holds %d records, want 6: %q", len(journal), changes(journal))
	}
	for i := 1; i < len(journal); i++ {
		if journal[i].Key == journal[i-1].Key && journal[i].SequenceNumber <= journal[i-1].SequenceNumber {
			t.Errorf("%s: sequence %s after %s", journal[i].Key, journal[i].SequenceNumber, journal[i-1].SequenceNumber)
		}
	}
	inv2, err := search.ReadInventory(ctx, open, root)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, r := range inv2 {
		keys = append(keys, r.Key)
	}
	if want := []string{"acme/invoice-1.pdf", "acme/invoice-2.pdf", "acme/photo.jpg"}; !slices.Equal(keys, want) {
		t.Errorf("inventory %q, want %q", keys, want)
	}

	// Nothing changed: nothing fetched, nothing journaled.
	res3, err := search.Index(ctx, []storage.Store{s}, inv2, search.IndexOptions{Now: day2.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(res3.Journal) != 0 || res3.Fetched != 0 {
		t.Errorf("an unchanged folder journaled %q and fetched %d", changes(res3.Journal), res3.Fetched)
	}
}

// Objects of the previous inventory outside what a run lists are kept.
func TestIndexKeepsOtherSources(t *testing.T) {
	ctx := context.Background()
	a, b := t.TempDir(), t.TempDir()
	put(t, a, "x", "1", nil)
	put(t, b, "y", "2", nil)
	sa, _ := local.New(a)
	sb, _ := local.New(b)
	res, err := search.Index(ctx, []storage.Store{sa, sb}, nil, search.IndexOptions{Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	res2, err := search.Index(ctx, []storage.Store{sa}, res.Inventory, search.IndexOptions{Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if len(res2.Inventory) != 2 || len(res2.Journal) != 0 {
		t.Errorf("indexing one of two sources: inventory %d records, journal %q", len(res2.Inventory), changes(res2.Journal))
	}
}

// records builds n inventory records, keys k000000.. in order, modified
// one minute apart, a tenth with category=invoice.
func records(n int, start time.Time) []search.Record {
	recs := make([]search.Record, n)
	for i := range recs {
		meta := map[string]string{"customer": fmt.Sprintf("c%d", i%100)}
		if i%10 == 0 {
			meta["category"] = "invoice"
		}
		class := "STANDARD"
		if i%7 == 0 {
			class = "GLACIER"
		}
		recs[i] = search.Record{Bucket: "bucket", Key: fmt.Sprintf("k%07d", i), SequenceNumber: fmt.Sprintf("%024x", i), RecordType: search.Create,
			RecordTimestamp: start, Size: int64(i), LastModified: start.Add(time.Duration(i) * time.Minute), ETag: fmt.Sprintf("%032x", i),
			StorageClass: class, UserMetadata: meta, Tags: map[string]string{"team": fmt.Sprintf("t%d", i%3)}}
	}
	return recs
}
