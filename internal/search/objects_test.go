package search_test

import (
	"context"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/lakectl/lakectl/internal/convert"
	"github.com/lakectl/lakectl/internal/search"
	"github.com/lakectl/lakectl/internal/storage/local"
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
		// pairs: the search goes by the pairs table (21 row groups, one
		// row per metadata pair and tag), not the inventory (10).
		pairs bool
	}{
		{"glob prefix", search.Query{Pattern: "k000012*"}, []string{"k0000120", "k0000121", "k0000122", "k0000123", "k0000124", "k0000125", "k0000126", "k0000127", "k0000128", "k0000129"}, 1, false},
		{"exact key", search.Query{Pattern: "k0005000"}, []string{"k0005000"}, 1, false},
		{"glob class", search.Query{Pattern: "k00099[89]?"}, []string{"k0009980", "k0009981", "k0009982", "k0009983", "k0009984", "k0009985", "k0009986", "k0009987", "k0009988", "k0009989", "k0009990", "k0009991", "k0009992", "k0009993", "k0009994", "k0009995", "k0009996", "k0009997", "k0009998", "k0009999"}, 1, false},
		{"regex anchored", search.Query{Pattern: "^k000300[0-2]$", Regex: true}, []string{"k0003000", "k0003001", "k0003002"}, 1, false},
		{"regex anywhere", search.Query{Pattern: "99999", Regex: true}, []string{"k0099999"}[:0], 10, false},
		{"meta", search.Query{Pattern: "k00000*", Meta: map[string]string{"Category": "invoice"}}, []string{"k0000000", "k0000010", "k0000020", "k0000030", "k0000040", "k0000050", "k0000060", "k0000070", "k0000080", "k0000090"}, 1, true},
		{"meta two keys", search.Query{Pattern: "k00001*", Meta: map[string]string{"category": "invoice", "customer": "c10"}}, []string{"k0000110"}, 1, true},
		{"tag", search.Query{Pattern: "k000000?", Tags: map[string]string{"team": "t1"}}, []string{"k0000001", "k0000004", "k0000007"}, 2, true},
		{"since until", search.Query{Since: start.Add(2500 * time.Minute), Until: start.Add(2503 * time.Minute)}, []string{"k0002500", "k0002501", "k0002502"}, 1, false},
		{"size", search.Query{MinSize: 7000, MaxSize: 7002}, []string{"k0007000", "k0007001", "k0007002"}, 1, false},
		{"storage class", search.Query{Pattern: "k00000[0-2]?", StorageClass: "glacier"}, []string{"k0000000", "k0000007", "k0000014", "k0000021", "k0000028"}, 1, false},
		{"limit", search.Query{Pattern: "k0009*", Limit: 2}, []string{"k0009000", "k0009001"}, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			found, err := search.Search(context.Background(), open, root, all(tc.q))
			if err != nil {
				t.Fatal(err)
			}
			if got := keysOf(found.Objects); !slices.Equal(got, tc.want) {
				t.Errorf("found %q, want %q", got, tc.want)
			}
			total := int64(10)
			if tc.pairs {
				total = 21
			}
			if found.RowGroupsRead > tc.read || found.RowGroupsRead+found.RowGroupsSkipped != total {
				t.Errorf("read %d row groups and skipped %d, want at most %d read of %d", found.RowGroupsRead, found.RowGroupsSkipped, tc.read, total)
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

// The search reads column by column and builds only the matching rows:
// it finds what filtering every record read back finds, null and empty
// maps, nulls and limits included, over three files whose keys
// interleave (a limit is met before every row group that can hold an
// earlier key is read).
func TestSearchAgreesWithFullRead(t *testing.T) {
	root := t.TempDir()
	recs := records(6000, start)
	for i := range recs {
		r := &recs[i]
		switch {
		case i%13 == 0:
			r.UserMetadata = nil
		case i%17 == 0:
			r.UserMetadata = map[string]string{}
		}
		switch {
		case i%11 == 0:
			r.Tags = nil
		case i%19 == 0:
			r.Tags = map[string]string{}
		}
		if i%23 == 0 {
			r.StorageClass, r.ETag = "", ""
		}
	}
	dest, err := local.New(filepath.Join(root, search.InventoryTable))
	if err != nil {
		t.Fatal(err)
	}
	for part := range 3 {
		var rows [][]any
		for i := part; i < len(recs); i += 3 {
			rows = append(rows, recs[i].Row(start))
		}
		opts := convert.Options{PartitionBy: []string{search.DateKey}, Mode: convert.Append, Workers: 1, RowGroupSize: 500,
			Now: func() time.Time { return start }}
		if _, err := convert.AppendRows(context.Background(), nil, search.Columns, rows, search.InventoryTable, dest, opts); err != nil {
			t.Fatal(err)
		}
	}
	all, err := search.ReadInventory(context.Background(), open, root)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(recs) {
		t.Fatalf("read %d records, wrote %d", len(all), len(recs))
	}
	// The same records as an index run writes them: a search with
	// metadata or tags goes by the pairs table.
	indexed := t.TempDir()
	writeIndex(t, indexed, &search.IndexResult{Inventory: all}, start, 500)
	for _, q := range []search.Query{
		{},
		{Pattern: "k00012*"},
		{Pattern: "k000[0-5]?1", Meta: map[string]string{"CUSTOMER": "c1"}},
		{Pattern: "^k0003", Regex: true, Tags: map[string]string{"team": "t2"}},
		{Pattern: "99", Regex: true},
		{Meta: map[string]string{"customer": "c40", "category": "invoice"}},
		{Meta: map[string]string{"customer": "c40", "category": "invoice"}, Limit: 7},
		{Meta: map[string]string{"customer": ""}},
		{Tags: map[string]string{"team": "t0"}, StorageClass: "standard", Limit: 30},
		{Since: start.Add(1000 * time.Minute), Until: start.Add(1400 * time.Minute), MinSize: 1100, MaxSize: 1200},
		{StorageClass: "glacier", Limit: 1},
		{Limit: 10},
		{Pattern: "k000[0-2]*", Limit: 1500},
		{Pattern: "k0005*", Limit: 1000},
		{Meta: map[string]string{"nobody": "x"}},
	} {
		if q.MinSize == 0 {
			q.MinSize = -1
		}
		if q.MaxSize == 0 {
			q.MaxSize = -1
		}
		want := filterRecords(all, q)
		for _, r := range []string{root, indexed} {
			found, err := search.Search(context.Background(), open, r, q)
			if err != nil {
				t.Fatal(err)
			}
			if wantTable := search.InventoryTable; r == indexed && len(q.Meta)+len(q.Tags) > 0 && found.Table != search.PairsTable || r == root && found.Table != wantTable {
				t.Errorf("%s, %+v: searched %s", filepath.Base(r), q, found.Table)
			}
			if !reflect.DeepEqual(found.Objects, want) {
				t.Errorf("%s, %+v: found %d objects %q…, want %d %q…", filepath.Base(r), q, len(found.Objects), keysOf(found.Objects)[:min(3, len(found.Objects))], len(want), keysOf(want)[:min(3, len(want))])
				for i := range min(len(want), len(found.Objects)) {
					if !reflect.DeepEqual(found.Objects[i], want[i]) {
						t.Errorf("first difference: %+v, want %+v", found.Objects[i], want[i])
						break
					}
				}
			}
		}
	}
}

// filterRecords is the query as a plain filter over records.
func filterRecords(recs []search.Record, q search.Query) []search.Record {
	var out []search.Record
	for _, r := range recs {
		switch {
		case q.Regex && !regexp.MustCompile(q.Pattern).MatchString(r.Key):
			continue
		case !q.Regex && q.Pattern != "":
			if ok, _ := doublestar.Match(q.Pattern, r.Key); !ok {
				continue
			}
		}
		if q.MinSize >= 0 && r.Size < q.MinSize || q.MaxSize >= 0 && r.Size > q.MaxSize {
			continue
		}
		if !q.Since.IsZero() && r.LastModified.Before(q.Since) || !q.Until.IsZero() && !r.LastModified.Before(q.Until) {
			continue
		}
		if q.StorageClass != "" && !strings.EqualFold(r.StorageClass, q.StorageClass) {
			continue
		}
		ok := true
		for k, v := range q.Meta {
			if got, has := r.UserMetadata[strings.ToLower(k)]; !has || got != v {
				ok = false
			}
		}
		for k, v := range q.Tags {
			if got, has := r.Tags[k]; !has || got != v {
				ok = false
			}
		}
		if ok {
			out = append(out, r)
		}
	}
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out
}
