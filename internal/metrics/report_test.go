package metrics

import (
	"math"
	"testing"
	"time"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9*math.Max(1, math.Abs(b)) }

// TestLeastSquares checks the fit against values computed by hand:
// x = 0,1,2,3 and y = 1,3,2,5 give mean x 1.5, mean y 2.75, Sxx 5, Sxy 5.5,
// Syy 8.75: slope 1.1, intercept 1.1, R² 5.5²/(5·8.75) = 0.69142857...
func TestLeastSquares(t *testing.T) {
	f := LeastSquares([]float64{0, 1, 2, 3}, []float64{1, 3, 2, 5})
	if !near(f.Slope, 1.1) || !near(f.Intercept, 1.1) || !near(f.R2, 30.25/43.75) || f.N != 4 {
		t.Errorf("fit = %+v, want slope 1.1, intercept 1.1, R² %.8f", f, 30.25/43.75)
	}
	// A straight line fits exactly.
	if f := LeastSquares([]float64{0, 1, 2}, []float64{100, 200, 300}); !near(f.Slope, 100) || !near(f.Intercept, 100) || !near(f.R2, 1) {
		t.Errorf("line: %+v", f)
	}
	// One point, or all on one day: a flat line through the mean, R² 0.
	if f := LeastSquares([]float64{2}, []float64{7}); f.Slope != 0 || f.Intercept != 7 || f.R2 != 0 {
		t.Errorf("one point: %+v", f)
	}
	// Sizes that do not vary: slope 0, R² 0 (nothing to explain).
	if f := LeastSquares([]float64{0, 1, 2}, []float64{5, 5, 5}); f.Slope != 0 || f.R2 != 0 || f.Intercept != 5 {
		t.Errorf("flat: %+v", f)
	}
	if f := LeastSquares(nil, nil); f != (Fit{}) {
		t.Errorf("empty: %+v", f)
	}
}

func snap(day int, db, table string, bytes, records int64) TableRow {
	return TableRow{Time: time.Date(2026, 3, day, 6, 0, 0, 0, time.UTC),
		Table: Table{Database: db, Table: table, Bytes: bytes, RecordCount: records, Files: 1}}
}

// TestGrowthProjection: a table of 1,000, 3,000, 2,000 and 5,000 bytes on
// four days fits 1,100 + 1,100·d bytes (the hand-computed fit above,
// scaled by 1,000), so it reaches a 12,100-byte goal on day 10: 2026-03-11
// at 06:00, ten days after the first snapshot.
func TestGrowthProjection(t *testing.T) {
	h := &History{Tables: []TableRow{
		snap(1, "s", "orders", 1000, 10), snap(2, "s", "orders", 3000, 30), snap(3, "s", "orders", 2000, 20), snap(4, "s", "orders", 5000, 50),
		snap(1, "s", "flat", 9000, -1), snap(2, "s", "flat", 9000, -1), snap(3, "s", "flat", 9000, -1), snap(4, "s", "flat", 9000, -1),
		// A table dropped before the last snapshot is not in the growth.
		snap(1, "s", "gone", 1, 1),
	}}
	r := BuildReport(h, ReportOptions{SizeGoal: 12100, Now: time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)})
	if len(r.Growth) != 2 {
		t.Fatalf("growth: %+v", r.Growth)
	}
	g := r.Growth[0]
	if g.Table != "orders" || g.Points != 4 || !near(g.BytesPerDay, 1100) || !near(g.BytesIntercept, 1100) || !near(g.BytesR2, 30.25/43.75) {
		t.Errorf("orders: %+v", g)
	}
	if !near(g.RecordsPerDay, 11) || !near(g.RecordsR2, 30.25/43.75) {
		t.Errorf("orders' records: %+v", g)
	}
	if want := time.Date(2026, 3, 11, 6, 0, 0, 0, time.UTC); !g.GoalDate.Equal(want) {
		t.Errorf("goal date %v, want %v", g.GoalDate, want)
	}
	flat := r.Growth[1]
	if flat.Table != "flat" || flat.BytesPerDay != 0 || !flat.GoalDate.IsZero() || flat.GoalReached || flat.Records != -1 || flat.RecordsPerDay != 0 {
		t.Errorf("flat: %+v", flat)
	}
	// A goal the table has passed is reached, with no date.
	r = BuildReport(h, ReportOptions{SizeGoal: 5000})
	for _, g := range r.Growth {
		if !g.GoalReached || !g.GoalDate.IsZero() {
			t.Errorf("goal 5000: %+v", g)
		}
	}
	// Totals a snapshot at a time; unknown record counts left out.
	if len(r.Totals) != 4 || r.Totals[0].Tables != 3 || r.Totals[0].Bytes != 10001 || r.Totals[0].Records != 11 || r.Totals[3].Bytes != 14000 {
		t.Errorf("totals: %+v", r.Totals)
	}
	if r.Snapshots != 4 || !r.From.Equal(Day(h.Tables[0].Time)) || r.Largest[0].Table != "flat" {
		t.Errorf("report: %d snapshots from %v, largest %+v", r.Snapshots, r.From, r.Largest)
	}
}

// TestRankings: least and most recently updated and accessed, never first;
// small-file offenders from the threshold, with the command that fixes
// them; undescribed and deprecated tables.
func TestRankings(t *testing.T) {
	now := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	row := func(name string, updated, accessed time.Time, small, files int64, desc, deprecated string) TableRow {
		return TableRow{Time: now, Table: Table{Database: "d", Table: name, UpdateTime: updated, LastAccessTime: accessed, Classification: "parquet",
			SmallFiles: small, Files: files, Description: desc, Deprecated: deprecated, RecordCount: -1}}
	}
	day := func(n int) time.Time { return now.AddDate(0, 0, -n) }
	h := &History{Tables: []TableRow{
		row("a", day(1), time.Time{}, 0, 1, "x", ""),
		row("b", day(30), day(2), 50, 100, "", ""),
		row("c", day(5), day(40), 9, 9, "y", "20260301T000000Z-abc"),
	}}
	r := BuildReport(h, ReportOptions{Top: 2, Now: now})
	names := func(tt []TableTime) (out []string) {
		for _, x := range tt {
			out = append(out, x.Table)
		}
		return out
	}
	for what, got := range map[string][]string{
		"least updated b c": names(r.LeastUpdated), "most updated a c": names(r.MostUpdated),
		"least accessed a c": names(r.LeastAccessed), "most accessed b c": names(r.MostAccessed),
	} {
		want := what[len(what)-3:]
		if len(got) != 2 || got[0]+" "+got[1] != want {
			t.Errorf("%s: got %v", what, got)
		}
	}
	if r.LeastAccessed[0].Days != -1 || r.MostAccessed[0].Days != 2 {
		t.Errorf("days: %+v %+v", r.LeastAccessed[0], r.MostAccessed[0])
	}
	if len(r.SmallFiles) != 1 || r.SmallFiles[0].Table != "b" || r.SmallFiles[0].Share != 0.5 || r.SmallFiles[0].Fix != "lakectl convert compact d.b" {
		t.Errorf("small files: %+v", r.SmallFiles)
	}
	if len(r.Undescribed) != 1 || r.Undescribed[0].Table != "b" || len(r.Deprecated) != 1 || r.Deprecated[0].Table != "c" {
		t.Errorf("undescribed %+v, deprecated %+v", r.Undescribed, r.Deprecated)
	}
}

// TestGrowthEdges: a goal centuries away has no date (and no overflow); a
// line already past the goal projects from the table's last size; a day
// whose listing failed is left out of the fit, and counted in the totals.
func TestGrowthEdges(t *testing.T) {
	h := &History{Tables: []TableRow{snap(1, "s", "slow", 1000, -1), snap(2, "s", "slow", 1001, -1)}}
	r := BuildReport(h, ReportOptions{SizeGoal: 1 << 40})
	if g := r.Growth[0]; !g.GoalDate.IsZero() || g.GoalReached {
		t.Errorf("a goal 10^9 days away: %+v", g)
	}
	// 100, 1,000, 1,000, 500 bytes fit 470 + 120·d: the line is at 800
	// on day 2.75, before the last snapshot (day 3), where the table is at
	// 500. A goal of 800 is then 300 bytes from its last size at 120 a
	// day: day 5.5, 2026-03-06 18:00 — never a day already gone.
	h = &History{Tables: []TableRow{snap(1, "s", "t", 100, -1), snap(2, "s", "t", 1000, -1), snap(3, "s", "t", 1000, -1), snap(4, "s", "t", 500, -1)}}
	r = BuildReport(h, ReportOptions{SizeGoal: 800})
	g := r.Growth[0]
	if !near(g.BytesPerDay, 120) || !near(g.BytesIntercept, 470) {
		t.Fatalf("fit %v + %v·d", g.BytesIntercept, g.BytesPerDay)
	}
	if want := time.Date(2026, 3, 6, 18, 0, 0, 0, time.UTC); !g.GoalDate.Equal(want) {
		t.Errorf("goal date %v, want %v (from the last size)", g.GoalDate, want)
	}
	// A listing error on day 2: left out of the fit (slope 100, not
	// pulled down by a 0), counted in that day's total.
	bad := snap(2, "s", "e", 0, -1)
	bad.Error, bad.Files = "access denied", 0
	h = &History{Tables: []TableRow{snap(1, "s", "e", 100, -1), bad, snap(3, "s", "e", 300, -1)}}
	r = BuildReport(h, ReportOptions{})
	if g := r.Growth[0]; g.Points != 2 || !near(g.BytesPerDay, 100) || !near(g.BytesR2, 1) {
		t.Errorf("growth over an error: %+v", g)
	}
	if r.Totals[1].ListingErrors != 1 || r.Totals[0].ListingErrors != 0 || len(r.ListingErrors) != 0 {
		t.Errorf("totals %+v, last snapshot's errors %+v", r.Totals, r.ListingErrors)
	}
}

// TestDataUpdated: a table's data is as new as its newest file; without
// files, the catalog's update time says.
func TestDataUpdated(t *testing.T) {
	cat, file := time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	row := TableRow{Table: Table{UpdateTime: cat, NewestObject: file, Files: 3}}
	if got := DataUpdated(&row); !got.Equal(file) {
		t.Errorf("with files: %v", got)
	}
	row.Files, row.NewestObject = 0, time.Time{}
	if got := DataUpdated(&row); !got.Equal(cat) {
		t.Errorf("without files: %v", got)
	}
}
