package search_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/search"
	"github.com/lakectl/lakectl/internal/storage"
	"github.com/lakectl/lakectl/internal/storage/local"
)

// An index written whole loads as current: nothing to replay, the pairs
// table in step, and a run that changed nothing writes nothing; an index
// whose objects have no metadata or tags has an empty pairs table, in
// step all the same.
func TestWriteThenLoad(t *testing.T) {
	ctx := context.Background()
	withMaps := records(50, start)
	bare := records(50, start)
	for i := range bare {
		bare[i].UserMetadata, bare[i].Tags = nil, map[string]string{}
	}
	for name, recs := range map[string][]search.Record{"with maps": withMaps, "bare": bare} {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			l, err := search.Load(ctx, open, root, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(l.Inventory) != 0 || l.PairsCurrent {
				t.Fatalf("an empty root loads %d objects, pairs current %v", len(l.Inventory), l.PairsCurrent)
			}
			res := &search.IndexResult{Inventory: recs, Journal: recs}
			if wrote, err := search.Write(ctx, open, root, l, res, search.WriteOptions{Now: start, RowGroupRows: 16}); err != nil || !wrote {
				t.Fatalf("first write: %v, %v", wrote, err)
			}
			l, err = search.Load(ctx, open, root, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(l.Inventory) != len(recs) || !l.PairsCurrent || len(l.Replayed) != 0 {
				t.Fatalf("loaded %d objects of %d, pairs current %v, replayed %v", len(l.Inventory), len(recs), l.PairsCurrent, l.Replayed)
			}
			if wrote, err := search.Write(ctx, open, root, l, &search.IndexResult{Inventory: l.Inventory}, search.WriteOptions{Now: start, RowGroupRows: 16}); err != nil || wrote {
				t.Fatalf("a run with no change wrote %v (%v)", wrote, err)
			}
			found, err := search.Search(ctx, open, root, search.Query{Meta: map[string]string{"customer": "c1"}, MinSize: -1, MaxSize: -1})
			if err != nil {
				t.Fatal(err)
			}
			if want := map[string]int{"with maps": 1, "bare": 0}[name]; len(found.Objects) != want || found.Table != search.PairsTable {
				t.Errorf("found %d objects in %s, want %d in the pairs table", len(found.Objects), found.Table, want)
			}
		})
	}
}

// An index an earlier lakectl wrote (a journal and an inventory, without
// states or a pairs table) is taken as it is: nothing replayed, and the
// next run writes the inventory with its state and the pairs table, once.
func TestLoadIndexOfEarlierLakectl(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	recs := records(40, start)
	writeTablesAlone(t, root, &search.IndexResult{Inventory: recs, Journal: recs}, 16)
	l, err := search.Load(ctx, open, root, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Inventory) != len(recs) || l.PairsCurrent || len(l.Replayed) != 0 {
		t.Fatalf("loaded %d objects of %d, pairs current %v, replayed %v", len(l.Inventory), len(recs), l.PairsCurrent, l.Replayed)
	}
	found, err := search.Search(ctx, open, root, search.Query{Meta: map[string]string{"customer": "c1"}, MinSize: -1, MaxSize: -1})
	if err != nil || len(found.Objects) != 1 || found.Table != search.InventoryTable {
		t.Fatalf("before the next run: %v, %+v", err, found)
	}
	for run, want := range []bool{true, false} {
		if wrote, err := search.Write(ctx, open, root, l, &search.IndexResult{Inventory: l.Inventory}, search.WriteOptions{Now: start, RowGroupRows: 16}); err != nil || wrote != want {
			t.Fatalf("run %d with no change: wrote %v (%v), want %v", run, wrote, err, want)
		}
		if l, err = search.Load(ctx, open, root, nil); err != nil {
			t.Fatal(err)
		}
		if !l.PairsCurrent || len(l.Inventory) != len(recs) {
			t.Fatalf("after run %d: pairs current %v, %d objects", run, l.PairsCurrent, len(l.Inventory))
		}
	}
	found, err = search.Search(ctx, open, root, search.Query{Meta: map[string]string{"customer": "c1"}, MinSize: -1, MaxSize: -1})
	if err != nil || len(found.Objects) != 1 || found.Table != search.PairsTable {
		t.Fatalf("after the next run: %v, %+v", err, found)
	}
}

// failAt fails a write at the nth time of a step: what a kill there
// leaves stored (the commit protocol's kill tests show the two agree).
func failAt(step string, nth int) func(string) error {
	n := 0
	return func(name string) error {
		if name == step {
			if n++; n == nth {
				return errors.New("failed at " + step)
			}
		}
		return nil
	}
}

// A run that fails after its journal's commit, before its inventory's,
// on an index written whole or by an earlier lakectl (no states): the
// next load replays its journal, so the deletion is not journaled again.
func TestReplayAfterJournalCommit(t *testing.T) {
	for _, earlier := range []bool{false, true} {
		t.Run(fmt.Sprint("earlier lakectl ", earlier), func(t *testing.T) {
			ctx := context.Background()
			root := t.TempDir()
			recs := records(40, start)
			if earlier {
				writeTablesAlone(t, root, &search.IndexResult{Inventory: recs, Journal: recs}, 16)
			} else {
				writeIndex(t, root, &search.IndexResult{Inventory: recs, Journal: recs}, start, 16)
			}
			l, err := search.Load(ctx, open, root, nil)
			if err != nil {
				t.Fatal(err)
			}
			day2 := start.Add(24 * time.Hour)
			del := recs[0]
			del.RecordType, del.RecordTimestamp = search.Delete, day2
			res := &search.IndexResult{Inventory: recs[1:], Journal: []search.Record{del}}
			if _, err := search.Write(ctx, open, root, l, res, search.WriteOptions{Now: day2, RowGroupRows: 16, Failpoint: failAt("convert.staged", 2)}); err == nil {
				t.Fatal("the inventory's write did not fail")
			}
			if l, err = search.Load(ctx, open, root, nil); err != nil {
				t.Fatal(err)
			}
			if len(l.Inventory) != 39 || len(l.Replayed) != 1 || l.Skipped != "" {
				t.Errorf("loaded %d objects (want 39), replayed %v, skipped %q", len(l.Inventory), l.Replayed, l.Skipped)
			}
		})
	}
}

// Two reports in one run (z deleted by the first, back in the second),
// failed after the journal's commit: replay applies the run's records in
// the order they were made, because the second report's sequence numbers
// go on from the first's.
func TestReplayTwoReportsOfOneRun(t *testing.T) {
	ctx := context.Background()
	dir, root := t.TempDir(), t.TempDir()
	w := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	w("z", "one")
	s, err := local.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	stores := []storage.Store{s}
	first, err := search.Index(ctx, stores, nil, search.IndexOptions{Now: start})
	if err != nil {
		t.Fatal(err)
	}
	writeIndex(t, root, first, start, 16)
	l, err := search.Load(ctx, open, root, nil)
	if err != nil {
		t.Fatal(err)
	}
	day2 := start.Add(24 * time.Hour)
	os.Remove(filepath.Join(dir, "z"))
	w("a1", "x")
	w("a2", "x")
	r1, err := search.Index(ctx, stores, l.Inventory, search.IndexOptions{Now: day2})
	if err != nil {
		t.Fatal(err)
	}
	w("z", "two!")
	r2, err := search.Index(ctx, stores, r1.Inventory, search.IndexOptions{Now: day2, SequenceAfter: int64(len(r1.Journal))})
	if err != nil {
		t.Fatal(err)
	}
	r2.Journal = append(r1.Journal, r2.Journal...)
	seen := map[string]bool{}
	for _, j := range r2.Journal {
		if seen[j.SequenceNumber] {
			t.Fatalf("sequence number %s twice in one run", j.SequenceNumber)
		}
		seen[j.SequenceNumber] = true
	}
	if _, err := search.Write(ctx, open, root, l, r2, search.WriteOptions{Now: day2, RowGroupRows: 16, Failpoint: failAt("convert.staged", 2)}); err == nil {
		t.Fatal("the inventory's write did not fail")
	}
	if l, err = search.Load(ctx, open, root, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := keysOf(l.Inventory), keysOf(r2.Inventory); !slices.Equal(got, want) {
		t.Errorf("replayed inventory %q, the run's %q", got, want)
	}
}

// An index this lakectl wrote, then re-indexed by an earlier lakectl
// (which keeps no states): the pairs table is behind, and a search by
// metadata reads the inventory instead; the next run rewrites the
// inventory and the pairs table.
func TestIndexRewrittenByEarlierLakectl(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	recs := records(40, start)
	writeIndex(t, root, &search.IndexResult{Inventory: recs, Journal: recs}, start, 16)
	// The earlier lakectl: c1's object deleted.
	gone := recs[1]
	gone.RecordType = search.Delete
	rest := slices.Delete(slices.Clone(recs), 1, 2)
	writeTablesAlone(t, root, &search.IndexResult{Inventory: rest, Journal: []search.Record{gone}}, 16)
	q := search.Query{Meta: map[string]string{"customer": "c1"}, MinSize: -1, MaxSize: -1}
	found, err := search.Search(ctx, open, root, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(found.Objects) != 0 || found.Table != search.InventoryTable {
		t.Fatalf("found %d objects in %s, want none in the inventory", len(found.Objects), found.Table)
	}
	l, err := search.Load(ctx, open, root, nil)
	if err != nil {
		t.Fatal(err)
	}
	if l.PairsCurrent || len(l.Replayed) != 0 || len(l.Inventory) != len(rest) {
		t.Fatalf("loaded: pairs current %v, replayed %v, %d objects", l.PairsCurrent, l.Replayed, len(l.Inventory))
	}
	if wrote, err := search.Write(ctx, open, root, l, &search.IndexResult{Inventory: l.Inventory}, search.WriteOptions{Now: start, RowGroupRows: 16}); err != nil || !wrote {
		t.Fatalf("the next run wrote %v (%v)", wrote, err)
	}
	if found, err = search.Search(ctx, open, root, q); err != nil || len(found.Objects) != 0 || found.Table != search.PairsTable {
		t.Fatalf("after the next run: %v, %d objects in %s", err, len(found.Objects), found.Table)
	}
}

// A search, a load and a write each open a table's location once (a store
// of S3 sends a request when it is opened).
func TestEachLocationOpenedOnce(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	recs := records(40, start)
	opened := map[string]int{}
	counting := func(ctx context.Context, uri string) (storage.Store, error) {
		opened[strings.TrimSuffix(uri, "/")]++
		return open(ctx, uri)
	}
	check := func(what string) {
		t.Helper()
		for uri, n := range opened {
			if n > 1 {
				t.Errorf("%s opened %s %d times", what, uri, n)
			}
		}
		clear(opened)
	}
	l, err := search.Load(ctx, counting, root, nil)
	if err != nil {
		t.Fatal(err)
	}
	check("a load of an empty root")
	if _, err := search.Write(ctx, counting, root, l, &search.IndexResult{Inventory: recs, Journal: recs}, search.WriteOptions{Now: start, RowGroupRows: 16}); err != nil {
		t.Fatal(err)
	}
	check("a write")
	if _, err := search.Load(ctx, counting, root, nil); err != nil {
		t.Fatal(err)
	}
	check("a load")
	if _, err := search.Search(ctx, counting, root, search.Query{Meta: map[string]string{"customer": "c1"}, MinSize: -1, MaxSize: -1}); err != nil {
		t.Fatal(err)
	}
	check("a search by metadata")
}
