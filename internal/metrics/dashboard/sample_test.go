package dashboard

import (
	"fmt"
	"math"
	"time"
)

var day0 = time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)

// samplePage is a lake's dashboard in small: storage over 30 days with
// its projection to a goal, tables over time, the largest tables, and a
// table of small-file offenders.
func samplePage() Page {
	var size, proj, tables, dbs Series
	size.Name, proj.Name, proj.Dashed = "sales <orders>", "sales <orders> (projected)", true
	tables.Name, dbs.Name = "tables", "databases"
	for d := 0; d < 30; d++ {
		t := day0.AddDate(0, 0, d)
		v := 3<<30 + float64(d*97<<20) + float64(d%7)*1234567
		size.Points = append(size.Points, Point{T: t, V: v})
		tables.Points = append(tables.Points, Point{T: t, V: float64(120 + d*3 - d%4)})
		dbs.Points = append(dbs.Points, Point{T: t, V: float64(8 + d/10)})
	}
	last := size.Points[len(size.Points)-1]
	for d := 0; d <= 60; d += 10 {
		proj.Points = append(proj.Points, Point{T: last.T.AddDate(0, 0, d), V: last.V + float64(d*97<<20)})
	}
	var largest Series
	largest.Name = "size"
	for i, n := range []string{"sales.orders", "sales.order_lines", "web.clicks_2026_with_a_very_long_name_indeed", "hr.people", "ops.events"} {
		largest.Points = append(largest.Points, Point{Label: n, V: math.Round(5.5e9 / float64(i*i+1))})
	}
	offenders := Table{Title: "Small files", Columns: []string{"table", "files", "small files", "share", "size"}}
	for i := 0; i < 6; i++ {
		offenders.Rows = append(offenders.Rows, []string{
			fmt.Sprintf("raw.events_%d", i), fmt.Sprint(10000 - i*1111), fmt.Sprint(9000 - i*1000), fmt.Sprintf("%d%%", 90-i*5), fmt.Sprintf("%.1f MiB", 812.5-float64(i)*100),
		})
	}
	return Page{
		Title:     "Lake metrics <prod>",
		Generated: day0.AddDate(0, 0, 30).Add(6 * time.Hour),
		Sections: []Section{
			{
				Title: "Storage",
				Note:  "Bytes under each table's location, listed daily.",
				Charts: []Chart{
					{ID: "storage", Title: "Storage size", Unit: Bytes, Kind: Line, Series: []Series{size, proj},
						Marks: []Mark{{Label: "goal 10 GiB", V: 10 << 30}},
						Note:  "Projected by least squares over 30 days."},
					{ID: "largest", Title: "Largest tables", Unit: Bytes, Kind: Bar, Series: []Series{largest}},
				},
			},
			{
				Title: "Catalog",
				Charts: []Chart{
					{ID: "counts", Title: "Tables and databases", Unit: Count, Series: []Series{tables, dbs}},
				},
				Tables: []Table{offenders},
			},
		},
	}
}
