package search_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/search"
)

var start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// bigIndex writes 10,000 records in row groups of 1,000: ten row groups,
// each holding 1,000 consecutive keys and dates.
func bigIndex(t testing.TB) string {
	root := t.TempDir()
	writeIndex(t, root, &search.IndexResult{Inventory: records(10000, start)}, start, 1000)
	return root
}

func keysOf(recs []search.Record) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.Key)
	}
	return out
}

func TestSearchFilters(t *testing.T) {
	root := bigIndex(t)
	all := func(q search.Query) search.Query {
		if q.MinSize == 0 {
			q.MinSize = -1
		}
		if q.MaxSize == 0 {
			q.MaxSize = -1
		}
		return q
	}
	for _, tc := range []struct {
		name string
		q    search.Query
		want []string
		// read is the most row groups the search may read.
		read int64
	}{
		{"glob prefix", search.Query{Pattern: "k000012*"}, []string{"k0000120", "k0000121", "k0000122", "k0000123", "k0000124", "k0000125", "k0000126", "k0000127", "k0000128", "k0000129"}, 1},
		{"exact key", search.Query{Pattern: "k0005000"}, []string{"k0005000"}, 1},
		{"glob class", search.Query{Pattern: "k00099[89]?"}, []string{"k0009980", "k0009981", "k0009982", "k0009983", "k0009984", "k0009985", "k0009986", "k0009987", "k0009988", "k0009989", "k0009990", "k0009991", "k0009992", "k0009993", "k0009994", "k0009995", "k0009996", "k0009997", "k0009998", "k0009999"}, 1},
		{"regex anchored", search.Query{Pattern: "^k000300[0-2]$", Regex: true}, []string{"k0003000", "k0003001", "k0003002"}, 1},
		{"regex anywhere", search.Query{Pattern: "99999", Regex: true}, []string{"k0099999"}[:0], 10},
		{"meta", search.Query{Pattern: "k00000*", Meta: map[string]string{"Category": "invoice"}}, []string{"k0000000", "k0000010", "k0000020", "k0000030", "k0000040", "k0000050", "k0000060", "k0000070", "k0000080", "k0000090"}, 1},
		{"meta two keys", search.Query{Pattern: "k00001*", Meta: map[string]string{"category": "invoice", "customer": "c10"}}, []string{"k0000110"}, 1},
		{"tag", search.Query{Pattern: "k000000?", Tags: map[string]string{"team": "t1"}}, []string{"k0000001", "k0000004", "k0000007"}, 1},
		{"since until", search.Query{Since: start.Add(2500 * time.Minute), Until: start.Add(2503 * time.Minute)}, []string{"k0002500", "k0002501", "k0002502"}, 1},
		{"size", search.Query{MinSize: 7000, MaxSize: 7002}, []string{"k0007000", "k0007001", "k0007002"}, 1},
		{"storage class", search.Query{Pattern: "k00000[0-2]?", StorageClass: "glacier"}, []string{"k0000000", "k0000007", "k0000014", "k0000021", "k0000028"}, 1},
		{"limit", search.Query{Pattern: "k0009*", Limit: 2}, []string{"k0009000", "k0009001"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			found, err := search.Search(context.Background(), open, root, all(tc.q))
			if err != nil {
				t.Fatal(err)
			}
			if got := keysOf(found.Objects); !slices.Equal(got, tc.want) {
				t.Errorf("found %q, want %q", got, tc.want)
			}
			if found.RowGroupsRead > tc.read || found.RowGroupsRead+found.RowGroupsSkipped != 10 {
				t.Errorf("read %d row groups and skipped %d, want at most %d read of 10", found.RowGroupsRead, found.RowGroupsSkipped, tc.read)
			}
		})
	}
}

// --deleted reads the journal: an object whose last record is a DELETE.
func TestSearchDeleted(t *testing.T) {
	root := t.TempDir()
	recs := records(3, start)
	day2 := start.Add(24 * time.Hour)
	writeIndex(t, root, &search.IndexResult{Journal: recs, Inventory: recs}, start, 0)
	gone := recs[1]
	gone.RecordType, gone.RecordTimestamp, gone.SequenceNumber = search.Delete, day2, "f"+gone.SequenceNumber
	back := recs[2]
	back.RecordType, back.RecordTimestamp, back.SequenceNumber = search.Delete, day2, "f"+back.SequenceNumber
	again := recs[2]
	again.RecordTimestamp, again.SequenceNumber = day2.Add(time.Hour), "g"+again.SequenceNumber
	writeIndex(t, root, &search.IndexResult{Journal: []search.Record{gone, back, again}, Inventory: []search.Record{recs[0], again}}, day2, 0)
	found, err := search.Search(context.Background(), open, root, search.Query{Deleted: true, MinSize: -1, MaxSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	if got := keysOf(found.Objects); !slices.Equal(got, []string{"k0000001"}) {
		t.Errorf("deleted: %q, want [k0000001] (k0000002 was created again)", got)
	}
	found, err = search.Search(context.Background(), open, root, search.Query{Deleted: true, MinSize: -1, MaxSize: -1, Since: day2.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if len(found.Objects) != 0 {
		t.Errorf("deleted since after the deletion: %q", keysOf(found.Objects))
	}
}

func TestSearchBadPattern(t *testing.T) {
	for _, q := range []search.Query{{Pattern: "a[", MinSize: -1, MaxSize: -1}, {Pattern: "(", Regex: true, MinSize: -1, MaxSize: -1}} {
		if _, err := search.Search(context.Background(), open, t.TempDir(), q); err == nil {
			t.Errorf("%q: no error", q.Pattern)
		}
	}
}
