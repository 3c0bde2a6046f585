package metrics

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"
)

// ReportOptions shape a report.
type ReportOptions struct {
	// Top is how many tables each ranking lists (10 when zero).
	Top int
	// SizeGoal, when above zero, is the size in bytes whose date each
	// growing table's projection gives.
	SizeGoal int64
	// MinSmallFiles is how many small files make a table an offender (10
	// when zero).
	MinSmallFiles int64
	// Now is the report's time: ages are counted to it.
	Now time.Time
}

// Report is what a history of snapshots says.
type Report struct {
	// From and To are the days of the first and last snapshots.
	From time.Time `json:"from,omitzero"`
	To   time.Time `json:"to,omitzero"`
	// Snapshots is how many snapshots (days) the history holds.
	Snapshots int `json:"snapshots"`
	// Totals are the lake's totals, a snapshot at a time.
	Totals []Total `json:"totals"`
	// Databases are each database's totals, a snapshot at a time.
	Databases []DatabaseRow `json:"databases"`
	// Largest are the largest tables of the last snapshot, by bytes.
	Largest []TableSize `json:"largest"`
	// Growth is every table's growth over the history, fastest by bytes
	// first; FastestRows the fastest by rows.
	Growth      []Growth `json:"growth"`
	FastestRows []Growth `json:"fastestRows"`
	// LeastUpdated and MostUpdated rank the last snapshot's tables by
	// update time; LeastAccessed and MostAccessed by last access (never
	// first).
	LeastUpdated  []TableTime `json:"leastRecentlyUpdated"`
	MostUpdated   []TableTime `json:"mostRecentlyUpdated"`
	LeastAccessed []TableTime `json:"leastRecentlyAccessed"`
	MostAccessed  []TableTime `json:"mostRecentlyAccessed"`
	// SmallFiles are the tables with many small files, most first.
	SmallFiles []SmallFiles `json:"smallFiles"`
	// Undescribed are the tables without a description; Deprecated those
	// a crawl found gone that are still registered.
	Undescribed []TableName `json:"undescribed"`
	Deprecated  []TableName `json:"deprecated"`
	// ListingErrors are the tables whose storage could not be listed in
	// the last snapshot.
	ListingErrors []TableName `json:"listingErrors"`
	// Storage are the storage snapshots (lakectl storage metrics --to) of
	// the same days: a row per location and prefix a day.
	Storage []StorageRow `json:"storage"`
	// Quality are the data-quality metrics over time, of the metrics
	// histories the report was given (validate profile or check --save).
	Quality []QualitySeries `json:"quality"`
}

// Total is the lake on one snapshot.
type Total struct {
	// Time is the snapshot's day.
	Time       time.Time `json:"time"`
	Databases  int64     `json:"databases"`
	Tables     int64     `json:"tables"`
	Bytes      int64     `json:"bytes"`
	Files      int64     `json:"files"`
	SmallFiles int64     `json:"smallFiles"`
	// Records sums the known record counts.
	Records int64 `json:"records"`
	// ListingErrors counts the tables whose storage could not be listed
	// that day: their bytes and files are missing from the totals.
	ListingErrors int64 `json:"listingErrors"`
}

// TableName names a table, with why it is listed.
type TableName struct {
	Database string `json:"database"`
	Table    string `json:"table"`
	Note     string `json:"note,omitempty"`
}

// TableSize is a table's size on the last snapshot.
type TableSize struct {
	Database string `json:"database"`
	Table    string `json:"table"`
	Bytes    int64  `json:"bytes"`
	Files    int64  `json:"files"`
	Records  int64  `json:"records"` // -1: unknown
}

// TableTime is a table's update or access time (zero: never).
type TableTime struct {
	Database string    `json:"database"`
	Table    string    `json:"table"`
	Time     time.Time `json:"time,omitzero"`
	// Days since Time, at the report's time (-1: never).
	Days float64 `json:"days"`
}

// SmallFiles is a table with many small files.
type SmallFiles struct {
	Database   string  `json:"database"`
	Table      string  `json:"table"`
	SmallFiles int64   `json:"smallFiles"`
	Files      int64   `json:"files"`
	Share      float64 `json:"share"`
	SmallBytes int64   `json:"smallBytes"`
	// Fix is the command that compacts the table.
	Fix string `json:"fix"`
}

// Growth is a table's growth: a least-squares line through its sizes, a
// snapshot at a time.
type Growth struct {
	Database string `json:"database"`
	Table    string `json:"table"`
	// Points is how many snapshots the line fits.
	Points int `json:"points"`
	// Bytes and Records are the last snapshot's (Records -1: unknown).
	Bytes   int64 `json:"bytes"`
	Records int64 `json:"records"`
	// Bytes: the line y = BytesIntercept + BytesPerDay·d, d the days since
	// the first point, and its R² (1 when the line fits every point; 0
	// when it explains nothing or the sizes do not vary).
	BytesPerDay    float64 `json:"bytesPerDay"`
	BytesIntercept float64 `json:"bytesIntercept"`
	BytesR2        float64 `json:"bytesR2"`
	// Records the same way, over the snapshots whose record count is known.
	RecordsPerDay float64   `json:"recordsPerDay"`
	RecordsR2     float64   `json:"recordsR2"`
	First         time.Time `json:"first"`
	// GoalDate is when the line reaches the size goal (zero: no goal, it
	// does not grow, or it is there already: see GoalReached).
	GoalDate    time.Time `json:"goalDate,omitzero"`
	GoalReached bool      `json:"goalReached,omitempty"`
}

// Fit is a least-squares line y = a + b·x, with its R².
type Fit struct {
	Intercept, Slope, R2 float64
	N                    int
}

// LeastSquares fits a line through points (x, y). Fewer than two points,
// or points that share one x, have a flat line through their mean, and R²
// 0.
func LeastSquares(x, y []float64) Fit {
	n := len(x)
	if n == 0 {
		return Fit{}
	}
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx /= float64(n)
	my /= float64(n)
	var sxx, sxy, syy float64
	for i := range x {
		dx, dy := x[i]-mx, y[i]-my
		sxx += dx * dx
		sxy += dx * dy
		syy += dy * dy
	}
	if sxx == 0 {
		return Fit{Intercept: my, N: n}
	}
	f := Fit{Slope: sxy / sxx, N: n}
	f.Intercept = my - f.Slope*mx
	if syy > 0 {
		f.R2 = sxy * sxy / (sxx * syy)
	}
	return f
}

const day = 24 * time.Hour

// maxGoalDays is how far ahead a goal date is given: 100 years (further,
// the pace says nothing; and a time.Duration ends at 292 years).
const maxGoalDays = 36525

// BuildReport reads a history into a report.
func BuildReport(h *History, opts ReportOptions) *Report {
	if opts.Top <= 0 {
		opts.Top = 10
	}
	if opts.MinSmallFiles <= 0 {
		opts.MinSmallFiles = 10
	}
	r := &Report{Totals: []Total{}, Databases: h.Databases, Largest: []TableSize{}, Growth: []Growth{}, FastestRows: []Growth{},
		LeastUpdated: []TableTime{}, MostUpdated: []TableTime{}, LeastAccessed: []TableTime{}, MostAccessed: []TableTime{},
		SmallFiles: []SmallFiles{}, Undescribed: []TableName{}, Deprecated: []TableName{}, ListingErrors: []TableName{}}
	if r.Databases == nil {
		r.Databases = []DatabaseRow{}
	}
	r.Storage, r.Quality = h.Storage, []QualitySeries{}
	if r.Storage == nil {
		r.Storage = []StorageRow{}
	}
	if len(h.Tables) == 0 && len(h.Databases) == 0 {
		if len(h.Storage) > 0 { // storage snapshots only
			days := map[time.Time]bool{}
			for _, s := range h.Storage {
				days[Day(s.Time)] = true
			}
			r.Snapshots = len(days)
			r.From, r.To = Day(h.Storage[0].Time), Day(h.Storage[len(h.Storage)-1].Time)
		}
		return r
	}
	// Totals, a snapshot (a day) at a time: a day's rows may come from
	// several runs, each of some databases.
	byTime := map[time.Time]*Total{}
	for _, d := range h.Databases {
		t := total(byTime, Day(d.Time))
		t.Databases++
	}
	for _, row := range h.Tables {
		t := total(byTime, Day(row.Time))
		t.Tables++
		t.Bytes += row.Bytes
		t.Files += row.Files
		t.SmallFiles += row.SmallFiles
		if row.RecordCount > 0 {
			t.Records += row.RecordCount
		}
		if row.Error != "" {
			t.ListingErrors++
		}
	}
	for _, t := range byTime {
		r.Totals = append(r.Totals, *t)
	}
	slices.SortFunc(r.Totals, func(a, b Total) int { return a.Time.Compare(b.Time) })
	r.Snapshots = len(r.Totals)
	r.From, r.To = r.Totals[0].Time, r.Totals[len(r.Totals)-1].Time

	// The last snapshot's tables.
	var last []TableRow
	for _, row := range h.Tables {
		if Day(row.Time).Equal(r.To) {
			last = append(last, row)
		}
	}
	for _, t := range last {
		r.Largest = append(r.Largest, TableSize{Database: t.Database, Table: t.Table.Table, Bytes: t.Bytes, Files: t.Files, Records: t.RecordCount})
		if strings.TrimSpace(t.Description) == "" {
			r.Undescribed = append(r.Undescribed, TableName{Database: t.Database, Table: t.Table.Table})
		}
		if t.Deprecated != "" {
			r.Deprecated = append(r.Deprecated, TableName{Database: t.Database, Table: t.Table.Table, Note: "deprecated by crawl run " + t.Deprecated})
		}
		if t.Error != "" {
			r.ListingErrors = append(r.ListingErrors, TableName{Database: t.Database, Table: t.Table.Table, Note: t.Error})
		}
		if t.SmallFiles >= opts.MinSmallFiles {
			r.SmallFiles = append(r.SmallFiles, SmallFiles{Database: t.Database, Table: t.Table.Table, SmallFiles: t.SmallFiles,
				Files: t.Files, Share: t.SmallFileShare(), SmallBytes: t.SmallFileBytes,
				Fix: fix(t)})
		}
	}
	slices.SortStableFunc(r.Largest, func(a, b TableSize) int { return cmp.Compare(b.Bytes, a.Bytes) })
	slices.SortStableFunc(r.SmallFiles, func(a, b SmallFiles) int { return cmp.Compare(b.SmallFiles, a.SmallFiles) })
	r.Largest = top(r.Largest, opts.Top)
	r.SmallFiles = top(r.SmallFiles, opts.Top)
	r.LeastUpdated, r.MostUpdated = ranked(last, opts, DataUpdated)
	r.LeastAccessed, r.MostAccessed = ranked(last, opts, func(t *TableRow) time.Time { return t.LastAccessTime })

	// Growth of the tables still there on the last snapshot.
	series := map[[2]string][]TableRow{}
	for _, row := range h.Tables {
		if row.Error != "" {
			continue // not a measure of its size: left out of the fit
		}
		k := [2]string{row.Database, row.Table.Table}
		series[k] = append(series[k], row)
	}
	for _, t := range last {
		if rows := series[[2]string{t.Database, t.Table.Table}]; len(rows) > 0 {
			r.Growth = append(r.Growth, growth(rows, opts.SizeGoal))
		}
	}
	slices.SortStableFunc(r.Growth, func(a, b Growth) int { return cmp.Compare(b.BytesPerDay, a.BytesPerDay) })
	r.FastestRows = top(slices.SortedStableFunc(slices.Values(r.Growth), func(a, b Growth) int { return cmp.Compare(b.RecordsPerDay, a.RecordsPerDay) }), opts.Top)
	return r
}

// Day is the day of a snapshot taken at t: its midnight, UTC.
func Day(t time.Time) time.Time { return t.UTC().Truncate(day) }

// DataUpdated is when a table's data was last written: its newest data
// file, or the catalog's update time for a table without files. The
// catalog's time alone moves with every change of the table's description
// (and on Glue with every access lakectl records), not with its data.
func DataUpdated(t *TableRow) time.Time {
	if t.Files > 0 && !t.NewestObject.IsZero() {
		return t.NewestObject
	}
	return t.UpdateTime
}

// fix is the command that makes a table's small files few: compaction
// for Parquet (what it rewrites), a conversion to Parquet for the rest.
func fix(t TableRow) string {
	name := t.Database + "." + t.Table.Table
	if t.Classification == "parquet" {
		return "lakectl convert compact " + name
	}
	return "lakectl convert " + name + " --to DEST (to compacted Parquet)"
}

func total(byTime map[time.Time]*Total, t time.Time) *Total {
	if byTime[t] == nil {
		byTime[t] = &Total{Time: t}
	}
	return byTime[t]
}

func top[T any](s []T, n int) []T {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// ranked are the tables by a time, the oldest (never first) and the
// newest.
func ranked(tables []TableRow, opts ReportOptions, at func(*TableRow) time.Time) (least, most []TableTime) {
	all := make([]TableTime, 0, len(tables))
	for i := range tables {
		tt := TableTime{Database: tables[i].Database, Table: tables[i].Table.Table, Time: at(&tables[i]), Days: -1}
		if !tt.Time.IsZero() {
			tt.Days = math.Round(opts.Now.Sub(tt.Time).Hours()/24*10) / 10
		}
		all = append(all, tt)
	}
	slices.SortStableFunc(all, func(a, b TableTime) int {
		switch {
		case a.Time.IsZero() && b.Time.IsZero():
			return 0
		case a.Time.IsZero():
			return -1
		case b.Time.IsZero():
			return 1
		}
		return a.Time.Compare(b.Time)
	})
	least = slices.Clone(top(all, opts.Top))
	slices.Reverse(all)
	most = slices.DeleteFunc(slices.Clone(top(all, opts.Top)), func(t TableTime) bool { return t.Time.IsZero() })
	return least, most
}

// growth fits a table's sizes over its snapshots (oldest first).
func growth(rows []TableRow, goal int64) Growth {
	last := rows[len(rows)-1]
	g := Growth{Database: last.Database, Table: last.Table.Table, Points: len(rows), Bytes: last.Bytes, Records: last.RecordCount, First: rows[0].Time}
	var xs, bytes, rx, recs []float64
	for _, row := range rows {
		x := row.Time.Sub(g.First).Hours() / 24
		xs = append(xs, x)
		bytes = append(bytes, float64(row.Bytes))
		if row.RecordCount >= 0 {
			rx = append(rx, x)
			recs = append(recs, float64(row.RecordCount))
		}
	}
	fb := LeastSquares(xs, bytes)
	g.BytesPerDay, g.BytesIntercept, g.BytesR2 = fb.Slope, fb.Intercept, fb.R2
	fr := LeastSquares(rx, recs)
	g.RecordsPerDay, g.RecordsR2 = fr.Slope, fr.R2
	switch {
	case goal <= 0:
	case last.Bytes >= goal:
		g.GoalReached = true
	case fb.Slope > 0 && fb.N >= 2:
		d := (float64(goal) - fb.Intercept) / fb.Slope
		if lastX := xs[len(xs)-1]; d <= lastX {
			// The line is past the goal, the table not yet: from its
			// last size, at the line's pace.
			d = lastX + (float64(goal)-float64(last.Bytes))/fb.Slope
		}
		if d < maxGoalDays {
			g.GoalDate = g.First.Add(time.Duration(d * float64(day))).UTC()
		}
	}
	return g
}
