package catalogtest

import (
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
)

// testRecordAccess: an access is recorded at most once an
// AccessInterval, never back in time, and changes nothing else of the
// table: no version, no UpdateTime. An update made from a copy read
// before the access keeps it.
func testRecordAccess(t *testing.T, c catalog.Catalog, n names) {
	db := n.db("db")
	must(t, c.CreateDatabase(ctx(t), catalog.Database{Name: db}))
	must(t, c.CreateTable(ctx(t), table(db, "t", "a")))
	before, err := c.GetTable(ctx(t), db, "t")
	must(t, err)
	if !before.LastAccessTime.IsZero() {
		t.Fatalf("a new table has LastAccessTime %v", before.LastAccessTime)
	}
	versions := len(collect(t, c.ListTableVersions(ctx(t), db, "t")))
	// A time apart from now, with a fraction of a second, which is not
	// recorded.
	at := time.Date(2026, 3, 1, 9, 0, 0, 250_000_000, time.UTC)
	recorded := 0
	step := func(when time.Time, want bool, wantLast time.Time) {
		t.Helper()
		got, err := c.RecordAccess(ctx(t), db, "t", when)
		must(t, err)
		if got != want {
			t.Errorf("access at %s: recorded %v, want %v", when.Format(time.RFC3339), got, want)
		}
		if got {
			recorded++
		}
		tb, err := c.GetTable(ctx(t), db, "t")
		must(t, err)
		if !tb.LastAccessTime.Equal(wantLast) {
			t.Errorf("after the access at %s: LastAccessTime %v, want %v", when.Format(time.RFC3339), tb.LastAccessTime, wantLast)
		}
		if n.opts.AccessIsAnUpdate {
			return
		}
		if tb.VersionID != before.VersionID || !tb.UpdateTime.Equal(before.UpdateTime) {
			t.Errorf("after the access at %s: VersionID %d, UpdateTime %v; want %d, %v as before", when.Format(time.RFC3339),
				tb.VersionID, tb.UpdateTime, before.VersionID, before.UpdateTime)
		}
		if v := len(collect(t, c.ListTableVersions(ctx(t), db, "t"))); v != versions {
			t.Errorf("after the access at %s: %d versions, want %d", when.Format(time.RFC3339), v, versions)
		}
	}
	first := at.Truncate(time.Second)
	step(at, true, first)
	step(at.Add(30*time.Minute), false, first)
	step(at.Add(catalog.AccessInterval), false, first) // an hour on: not yet
	later := at.Add(2 * time.Hour)
	step(later, true, later.Truncate(time.Second))
	step(at.Add(-24*time.Hour), false, later.Truncate(time.Second)) // never back in time
	if n.opts.AccessIsAnUpdate {
		if v := len(collect(t, c.ListTableVersions(ctx(t), db, "t"))); v != versions+recorded {
			t.Errorf("%d versions after %d accesses recorded as updates, want %d", v, recorded, versions+recorded)
		}
	} else {
		// before was read ahead of both accesses: updating it keeps the
		// later one.
		before.Description = "updated after the accesses"
		must(t, c.UpdateTable(ctx(t), before))
		tb, err := c.GetTable(ctx(t), db, "t")
		must(t, err)
		if !tb.LastAccessTime.Equal(later.Truncate(time.Second)) {
			t.Errorf("an update of a copy read before the access: LastAccessTime %v, want %v kept", tb.LastAccessTime, later.Truncate(time.Second))
		}
	}

	_, err = c.RecordAccess(ctx(t), db, "missing", at)
	wantErr(t, err, catalog.ErrNotFound)
	_, err = c.RecordAccess(ctx(t), n.db("missing"), "t", at)
	wantErr(t, err, catalog.ErrNotFound)
}
