package metrics

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lakectl/lakectl/internal/metrics/dashboard"
)

// projectionDays is how far a growth line is drawn ahead when the table
// has no goal date in sight.
const projectionDays = 30

// Page draws a report, with the history it came from, as the dashboard's
// page: the lake over time, growth with its projections, the largest, least
// used and small-file tables, and what the catalog lacks.
func Page(h *History, r *Report, goal int64, generated time.Time) dashboard.Page {
	p := dashboard.Page{Title: "Lake metrics", Generated: generated}
	if len(h.Tables) > 0 || len(h.Databases) > 0 {
		p.Sections = append(p.Sections, overTime(r), growthSection(h, r, goal), largest(r), leastUsed(r), smallFiles(r), housekeeping(r))
	}
	if len(r.Storage) > 0 {
		p.Sections = append(p.Sections, storageSection(r))
	}
	if len(r.Quality) > 0 {
		p.Sections = append(p.Sections, qualitySection(r))
	}
	return p
}

// maxSeries is how many lines a chart of many draws at most: the largest.
const maxSeries = 8

// storageSection draws each location's bytes and objects over time, the
// largest locations of the last day.
func storageSection(r *Report) dashboard.Section {
	bytes, objects := map[string]*dashboard.Series{}, map[string]*dashboard.Series{}
	last := map[string]int64{}
	for _, s := range r.Storage {
		w := s.Where()
		if bytes[w] == nil {
			bytes[w], objects[w] = &dashboard.Series{Name: w}, &dashboard.Series{Name: w}
		}
		bytes[w].Points = append(bytes[w].Points, dashboard.Point{T: s.Time, V: float64(s.Bytes)})
		objects[w].Points = append(objects[w].Points, dashboard.Point{T: s.Time, V: float64(s.Objects)})
		last[w] = s.Bytes
	}
	where := slices.SortedFunc(maps.Keys(last), func(a, b string) int { return cmp.Or(cmp.Compare(last[b], last[a]), strings.Compare(a, b)) })
	where = where[:min(len(where), maxSeries)]
	bc := dashboard.Chart{ID: "storage-bytes", Title: "Bytes by location", Unit: dashboard.Bytes}
	oc := dashboard.Chart{ID: "storage-objects", Title: "Objects by location", Unit: dashboard.Count}
	for _, w := range where {
		bc.Series = append(bc.Series, *bytes[w])
		oc.Series = append(oc.Series, *objects[w])
	}
	return dashboard.Section{Title: "Storage", Note: "From lakectl storage metrics --to, the largest locations.", Charts: []dashboard.Chart{bc, oc}}
}

// qualitySection draws each dataset's quality metrics over its runs: a
// chart per dataset and metric, a line per column (instance).
func qualitySection(r *Report) dashboard.Section {
	sec := dashboard.Section{Title: "Data quality", Note: "Metrics kept by validate profile and check --save, a run at a time."}
	var charts []*dashboard.Chart
	byKey := map[string]*dashboard.Chart{}
	t := dashboard.Table{Title: "Quality metrics", Columns: []string{"Dataset", "Metric", "Instance", "Runs", "Last", "Previous", "Min", "Max"}}
	for _, q := range r.Quality {
		k := q.Dataset + "\x00" + q.Name + "\x00" + q.Tags
		c := byKey[k]
		if c == nil {
			title := q.Name + " of " + q.Dataset
			if q.Tags != "" && q.Tags != "{}" {
				title += " " + q.Tags
			}
			c = &dashboard.Chart{ID: fmt.Sprintf("quality-%d", len(charts)+1), Title: title}
			if q.Name == "Size" {
				c.Unit = dashboard.Rows
			}
			byKey[k] = c
			charts = append(charts, c)
		}
		if len(c.Series) < maxSeries {
			s := dashboard.Series{Name: q.Instance}
			for _, p := range q.Points {
				s.Points = append(s.Points, dashboard.Point{T: p.Time, V: p.Value})
			}
			c.Series = append(c.Series, s)
		}
		prev := ""
		if q.HasPrevious {
			prev = strconv.FormatFloat(q.Previous, 'g', -1, 64)
		}
		t.Rows = append(t.Rows, []string{q.Dataset, q.Name, q.Instance, strconv.Itoa(len(q.Points)),
			strconv.FormatFloat(q.Last, 'g', -1, 64), prev, strconv.FormatFloat(q.Min, 'g', -1, 64), strconv.FormatFloat(q.Max, 'g', -1, 64)})
	}
	for _, c := range charts {
		sec.Charts = append(sec.Charts, *c)
	}
	sec.Tables = []dashboard.Table{t}
	return sec
}

func series(name string, totals []Total, v func(Total) int64) dashboard.Series {
	s := dashboard.Series{Name: name}
	for _, t := range totals {
		s.Points = append(s.Points, dashboard.Point{T: t.Time, V: float64(v(t))})
	}
	return s
}

func overTime(r *Report) dashboard.Section {
	byDB := map[string]*dashboard.Series{}
	var order []string
	for _, d := range r.Databases {
		name := d.Database.Database
		if byDB[name] == nil {
			byDB[name] = &dashboard.Series{Name: name}
			order = append(order, name)
		}
		byDB[name].Points = append(byDB[name].Points, dashboard.Point{T: Day(d.Time), V: float64(d.Bytes)})
	}
	dbSeries := []dashboard.Series{}
	for _, name := range order {
		dbSeries = append(dbSeries, *byDB[name])
	}
	return dashboard.Section{
		Title: "The lake over time",
		Note:  fmt.Sprintf("%d snapshots, %s to %s.", r.Snapshots, r.From.Format(time.DateOnly), r.To.Format(time.DateOnly)),
		Charts: []dashboard.Chart{
			{ID: "tables", Title: "Tables and databases", Unit: dashboard.Count, Series: []dashboard.Series{
				series("tables", r.Totals, func(t Total) int64 { return t.Tables }),
				series("databases", r.Totals, func(t Total) int64 { return t.Databases })}},
			{ID: "bytes", Title: "Storage size", Unit: dashboard.Bytes, Series: []dashboard.Series{
				series("bytes", r.Totals, func(t Total) int64 { return t.Bytes })}},
			{ID: "files", Title: "Data files", Unit: dashboard.Count, Series: []dashboard.Series{
				series("files", r.Totals, func(t Total) int64 { return t.Files }),
				series("small files", r.Totals, func(t Total) int64 { return t.SmallFiles })}},
			{ID: "database-bytes", Title: "Storage size by database", Unit: dashboard.Bytes, Series: dbSeries},
		},
	}
}

// growthSection draws the fastest growing tables' sizes, each with its
// least-squares line projected ahead (dashed): to its goal date when it
// has one within a year, else 30 days.
func growthSection(h *History, r *Report, goal int64) dashboard.Section {
	const drawn = 5
	sizes := map[[2]string][]TableRow{}
	for _, row := range h.Tables {
		k := [2]string{row.Database, row.Table.Table}
		sizes[k] = append(sizes[k], row)
	}
	chart := dashboard.Chart{ID: "growth", Title: "Fastest growing tables, with their projections", Unit: dashboard.Bytes,
		Note: "Dashed: the least-squares line through each table's sizes, drawn ahead to its size-goal date or 30 days."}
	if goal > 0 {
		chart.Marks = append(chart.Marks, dashboard.Mark{Label: "goal " + dashboard.Short(float64(goal), dashboard.Bytes), V: float64(goal)})
	}
	t := dashboard.Table{Title: "Growth", Columns: []string{"Table", "Snapshots", "Bytes", "Bytes a day", "R²", "Records a day", "Reaches the goal"}}
	for i, g := range r.Growth {
		name := g.Database + "." + g.Table
		goalText := ""
		switch {
		case g.GoalReached:
			goalText = "reached"
		case !g.GoalDate.IsZero():
			goalText = g.GoalDate.Format(time.DateOnly)
		}
		t.Rows = append(t.Rows, []string{name, strconv.Itoa(g.Points), strconv.FormatInt(g.Bytes, 10),
			strconv.FormatFloat(g.BytesPerDay, 'f', 0, 64), strconv.FormatFloat(g.BytesR2, 'f', 3, 64),
			strconv.FormatFloat(g.RecordsPerDay, 'f', 1, 64), goalText})
		if i >= drawn || g.BytesPerDay <= 0 {
			continue
		}
		rows := sizes[[2]string{g.Database, g.Table}]
		s := dashboard.Series{Name: name}
		for _, row := range rows {
			s.Points = append(s.Points, dashboard.Point{T: row.Time, V: float64(row.Bytes)})
		}
		chart.Series = append(chart.Series, s)
		last := rows[len(rows)-1].Time
		end := last.AddDate(0, 0, projectionDays)
		if !g.GoalDate.IsZero() && g.GoalDate.After(last) && g.GoalDate.Before(last.AddDate(1, 0, 0)) {
			end = g.GoalDate
		}
		at := func(t time.Time) float64 { return g.BytesIntercept + g.BytesPerDay*t.Sub(g.First).Hours()/24 }
		chart.Series = append(chart.Series, dashboard.Series{Name: name + " (projected)", Dashed: true,
			Points: []dashboard.Point{{T: last, V: at(last)}, {T: end, V: at(end)}}})
	}
	return dashboard.Section{Title: "Growth", Charts: []dashboard.Chart{chart}, Tables: []dashboard.Table{t}}
}

func largest(r *Report) dashboard.Section {
	s := dashboard.Series{Name: "bytes"}
	for _, t := range r.Largest {
		s.Points = append(s.Points, dashboard.Point{Label: t.Database + "." + t.Table, V: float64(t.Bytes)})
	}
	return dashboard.Section{Title: "Largest tables", Charts: []dashboard.Chart{
		{ID: "largest", Title: "Largest tables, last snapshot", Unit: dashboard.Bytes, Kind: dashboard.Bar, Series: []dashboard.Series{s}}}}
}

func leastUsed(r *Report) dashboard.Section {
	s := dashboard.Series{Name: "days since the last access"}
	t := dashboard.Table{Title: "Least recently accessed", Columns: []string{"Table", "Last access", "Days ago"}}
	for _, x := range r.LeastAccessed {
		name := x.Database + "." + x.Table
		if x.Time.IsZero() {
			t.Rows = append(t.Rows, []string{name, "never", ""})
			continue
		}
		s.Points = append(s.Points, dashboard.Point{Label: name, V: x.Days})
		t.Rows = append(t.Rows, []string{name, x.Time.Format(time.RFC3339), strconv.FormatFloat(x.Days, 'f', 1, 64)})
	}
	return dashboard.Section{Title: "Least used tables",
		Note: "Last access as lakectl records it (validate, convert, compare: at most once an hour) or as another tool set it.",
		Charts: []dashboard.Chart{{ID: "least-used", Title: "Days since the last access", Unit: dashboard.Count, Kind: dashboard.Bar,
			Series: []dashboard.Series{s}}},
		Tables: []dashboard.Table{t}}
}

func smallFiles(r *Report) dashboard.Section {
	s := dashboard.Series{Name: "small files"}
	t := dashboard.Table{Title: "Small-file offenders", Columns: []string{"Table", "Small files", "Files", "Share", "Fix"}}
	for _, x := range r.SmallFiles {
		s.Points = append(s.Points, dashboard.Point{Label: x.Database + "." + x.Table, V: float64(x.SmallFiles)})
		t.Rows = append(t.Rows, []string{x.Database + "." + x.Table, strconv.FormatInt(x.SmallFiles, 10), strconv.FormatInt(x.Files, 10),
			fmt.Sprintf("%.0f%%", 100*x.Share), x.Fix})
	}
	return dashboard.Section{Title: "Small files", Charts: []dashboard.Chart{{ID: "small-files", Title: "Tables with the most small files",
		Unit: dashboard.Count, Kind: dashboard.Bar, Series: []dashboard.Series{s}}}, Tables: []dashboard.Table{t}}
}

func housekeeping(r *Report) dashboard.Section {
	names := func(title string, list []TableName) dashboard.Table {
		t := dashboard.Table{Title: title, Columns: []string{"Table", "Note"}}
		for _, x := range list {
			t.Rows = append(t.Rows, []string{x.Database + "." + x.Table, x.Note})
		}
		return t
	}
	tables := []dashboard.Table{names("Tables without a description", r.Undescribed), names("Deprecated tables still registered", r.Deprecated)}
	if len(r.ListingErrors) > 0 {
		tables = append(tables, names("Tables whose storage could not be listed", r.ListingErrors))
	}
	return dashboard.Section{Title: "Housekeeping", Tables: tables}
}
