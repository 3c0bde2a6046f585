package dashboard

import (
	"fmt"
	"io"
	"testing"

	"github.com/lakectl/lakectl/internal/format"
)

// largePage is the dashboard of a lake of 1,000 tables over 90 days: the
// totals over time, every table's size over time (90,000 points), every
// table's size as a bar, and a table of every table.
func largePage() Page {
	const tables, days = 1000, 90
	var total Series
	total.Name = "total"
	var each []Series
	var bars Series
	bars.Name = "size"
	list := Table{Title: "Tables", Columns: []string{"table", "size", "files", "small files", "updated"}}
	for i := 0; i < tables; i++ {
		s := Series{Name: fmt.Sprintf("db_%d.table_%d", i%20, i)}
		for d := 0; d < days; d++ {
			s.Points = append(s.Points, Point{T: day0.AddDate(0, 0, d), V: float64((i+1)*(1<<20) + d*(i%97)*4096)})
		}
		each = append(each, s)
		last := s.Points[days-1].V
		bars.Points = append(bars.Points, Point{Label: s.Name, V: last})
		list.Rows = append(list.Rows, []string{s.Name, fmt.Sprint(last), fmt.Sprint(100 + i), fmt.Sprint(i % 50), "2026-11-29"})
	}
	for d := 0; d < days; d++ {
		var sum float64
		for _, s := range each {
			sum += s.Points[d].V
		}
		total.Points = append(total.Points, Point{T: day0.AddDate(0, 0, d), V: sum})
	}
	return Page{Title: "1,000 tables over 90 days", Generated: day0.AddDate(0, 0, days), Sections: []Section{
		{Title: "Totals", Charts: []Chart{{ID: "total", Title: "Storage", Unit: Bytes, Series: []Series{total}}}},
		{Title: "Tables", Charts: []Chart{
			{ID: "each", Title: "Each table's size", Unit: Bytes, Series: each},
			{ID: "bars", Title: "Sizes", Unit: Bytes, Kind: Bar, Series: []Series{bars}},
		}, Tables: []Table{list}},
	}}
}

func BenchmarkRender1000Tables90Days(b *testing.B) {
	page := largePage()
	b.ReportAllocs()
	w := format.CountingWriter{W: io.Discard}
	for b.Loop() {
		w.N = 0
		if err := Render(&w, page); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(w.N)/(1<<20), "MiB/page")
}
