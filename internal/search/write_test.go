package search_test

import (
	"context"
	"testing"

	"github.com/lakectl/lakectl/internal/search"
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
