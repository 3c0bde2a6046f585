package dashboard

import (
	"bufio"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
)

//go:embed page.html.tmpl
var pageTemplate string

//go:embed page.css
var pageStyle string

var tmpl = template.Must(template.New("page").Parse(pageTemplate))

type pageView struct {
	Title, Generated string
	Style            template.CSS
	Sections         []sectionView
}

type sectionView struct {
	ID, Title, Note string
	Charts          []chartView
	Tables          []tableView
}

type tableView struct {
	Title   string
	Columns []string
	Right   []bool // the column's cells are all numbers
	Rows    [][]cellView
}

type cellView struct {
	Text  string
	Right bool
}

// Render writes p as one HTML file. It fails when two charts share an ID,
// when a chart's Kind is neither Line nor Bar, or when w does.
func Render(w io.Writer, p Page) error {
	v := pageView{Title: clean(p.Title), Style: template.CSS(pageStyle)}
	if !p.Generated.IsZero() {
		v.Generated = p.Generated.UTC().Format("2006-01-02 15:04 UTC")
	}
	ids := map[string]bool{}
	n := 0
	for i, s := range p.Sections {
		sv := sectionView{ID: "section-" + strconv.Itoa(i+1), Title: clean(s.Title), Note: clean(s.Note)}
		for _, c := range s.Charts {
			n++
			id := c.ID
			if id == "" {
				id = "chart-" + strconv.Itoa(n)
			}
			id = clean(id)
			if ids[id] {
				return fmt.Errorf("dashboard: two charts have the id %q", id)
			}
			ids[id] = true
			cv := chartView{ID: id, Title: clean(c.Title), Note: clean(c.Note), Kind: c.Kind}
			switch c.Kind {
			case Line, "":
				cv.Kind = Line
				cv = lineView(c, cv)
			case Bar:
				cv = barView(c, cv)
			default:
				return fmt.Errorf("dashboard: chart %q: kind %q is neither %q nor %q", id, c.Kind, Line, Bar)
			}
			named := 0
			for _, s := range cv.Series {
				if s.Name != "" {
					named++
				}
			}
			cv.Legend = named > 1 // one series is what the title says
			sv.Charts = append(sv.Charts, cv)
		}
		for _, t := range s.Tables {
			sv.Tables = append(sv.Tables, newTableView(t))
		}
		v.Sections = append(v.Sections, sv)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := tmpl.Execute(bw, v); err != nil {
		return fmt.Errorf("dashboard: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("dashboard: %w", err)
	}
	return nil
}

func newTableView(t Table) tableView {
	tv := tableView{Title: clean(t.Title)}
	for _, c := range t.Columns {
		tv.Columns = append(tv.Columns, clean(c))
	}
	tv.Right = make([]bool, len(t.Columns))
	for i := range tv.Right {
		tv.Right[i] = len(t.Rows) > 0
		for _, r := range t.Rows {
			if i < len(r) && r[i] != "" && !numeric(r[i]) {
				tv.Right[i] = false
				break
			}
		}
	}
	for _, r := range t.Rows {
		row := make([]cellView, len(r))
		for i, c := range r {
			row[i] = cellView{Text: clean(c), Right: i < len(tv.Right) && tv.Right[i]}
		}
		tv.Rows = append(tv.Rows, row)
	}
	return tv
}

// numeric reports whether a cell reads as a number, units aside:
// 1,234, -0.5, 12%, 1.5 GiB.
func numeric(s string) bool {
	s = strings.TrimSpace(s)
	if f, _, ok := strings.Cut(s, " "); ok {
		s = f
	}
	s = strings.TrimSuffix(strings.ReplaceAll(s, ",", ""), "%")
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}
