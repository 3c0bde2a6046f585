package dashboard

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The drawing's size in SVG units; the page scales it to its width.
const (
	width      = 760
	lineHeight = 280
	barRow     = 22 // height of one label's row of bars
	barLabel   = 200
	labelRunes = 30 // longer bar labels are cut, whole in the tooltip
)

// palette is Okabe and Ito's, which colour-blind readers can tell apart,
// without its yellow (too pale on white).
var palette = []string{"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"}

// chartView is a chart as the template draws it: every coordinate worked
// out, every text cleaned.
type chartView struct {
	ID, Title, Note, Kind    string
	W, H                     int
	Left, Top, Right, Bottom string // the plot area
	Bottom4                  string // 4 units below it: the end of a tick mark
	Legend                   bool   // two series or more have names
	XTicks, YTicks           []tickView
	Series                   []seriesView
	Marks                    []markView
	Labels                   []labelView // bar charts: one per row
	Empty                    bool
	EmptyX, EmptyY           string
}

type tickView struct{ At, Label string }

type seriesView struct {
	Name, Color string
	Dashed      bool
	Path        string // line charts
	Points      []pointView
}

// pointView is a dot on a line or a bar: X, Y (and W, H for a bar) in SVG
// units, and its value as data and as text.
type pointView struct {
	X, Y, W, H   string
	T, Label, V  string
	Title        string
	TextX, TextY string // bar charts: where the value is written, at the bar's end
	Value        string
}

type markView struct {
	X1, Y1, X2, Y2, TextX, TextY, Label, V, Title string
}

type labelView struct{ Y, Text, Full string }

// num writes an SVG coordinate, to a tenth of a unit.
func num(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// clean makes text safe to put in the page whatever it held: invalid
// UTF-8, control characters and non-characters become U+FFFD (escaping is
// html/template's).
func clean(s string) string {
	ok := true
	for _, r := range s {
		if r == utf8.RuneError || badRune(r) {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	return strings.Map(func(r rune) rune {
		if badRune(r) {
			return utf8.RuneError
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

func badRune(r rune) bool {
	return (unicode.IsControl(r) && r != '\t' && r != '\n') || r == 0xFFFE || r == 0xFFFF
}

// cut shortens s to n runes, ending it with an ellipsis.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

func lineView(c Chart, v chartView) chartView {
	v.W, v.H = width, lineHeight
	left, top, right, bottom := 72.0, 14.0, float64(width)-16, float64(lineHeight)-28
	v.frame(left, top, right, bottom)

	var t0, t1 time.Time
	seen := false
	lo, hi := math.Inf(1), math.Inf(-1)
	see := func(t time.Time, x float64) {
		if !seen || t.Before(t0) {
			t0 = t
		}
		if !seen || t.After(t1) {
			t1 = t
		}
		seen = true
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	for _, s := range c.Series {
		for _, p := range s.Points {
			if finite(p.V) {
				see(p.T, p.V)
			}
		}
	}
	if !seen {
		return empty(v, left, top, right, bottom)
	}
	for _, m := range c.Marks {
		switch {
		case !m.T.IsZero():
			see(m.T, lo)
		case finite(m.V):
			lo, hi = math.Min(lo, m.V), math.Max(hi, m.V)
		}
	}
	if lo > 0 {
		lo = 0 // sizes and counts are read against zero
	}
	if !t1.After(t0) {
		t0, t1 = t0.Add(-24*time.Hour), t1.Add(24*time.Hour)
	}
	ticks, vmin, vmax := valueTicks(lo, hi, c.Unit, 5)
	tx := func(t time.Time) float64 {
		return left + (right-left)*float64(t.Sub(t0))/float64(t1.Sub(t0))
	}
	ty := func(x float64) float64 { return bottom - (bottom-top)*(x-vmin)/(vmax-vmin) }
	for _, k := range ticks {
		v.YTicks = append(v.YTicks, tickView{At: num(ty(k.V)), Label: k.Label})
	}
	for _, k := range timeTicks(t0, t1, 7) {
		v.XTicks = append(v.XTicks, tickView{At: num(tx(time.Unix(int64(k.V), 0))), Label: k.Label})
	}
	colour := -1
	for _, s := range c.Series {
		if !s.Dashed || colour < 0 {
			colour++ // a projection keeps the colour of the line it projects
		}
		sv := seriesView{Name: clean(s.Name), Color: palette[colour%len(palette)], Dashed: s.Dashed}
		var path strings.Builder
		for _, p := range s.Points {
			if !finite(p.V) {
				continue
			}
			x, y := num(tx(p.T)), num(ty(p.V))
			if path.Len() == 0 {
				path.WriteString("M")
			} else {
				path.WriteString("L")
			}
			path.WriteString(x + " " + y)
			t := p.T.UTC().Format(time.RFC3339)
			title := p.T.UTC().Format("2006-01-02 15:04") + ": " + exact(p.V, c.Unit)
			if sv.Name != "" {
				title = sv.Name + ", " + title
			}
			sv.Points = append(sv.Points, pointView{X: x, Y: y, T: t, V: value(p.V), Title: title})
		}
		sv.Path = path.String()
		v.Series = append(v.Series, sv)
	}
	for _, m := range c.Marks {
		mv := markView{Label: clean(m.Label)}
		switch {
		case !m.T.IsZero():
			x := num(tx(m.T))
			mv.X1, mv.X2, mv.Y1, mv.Y2 = x, x, v.Top, v.Bottom
			mv.TextX, mv.TextY = num(tx(m.T)+4), num(top+10)
			mv.V = m.T.UTC().Format(time.RFC3339)
			mv.Title = mv.Label + ": " + m.T.UTC().Format("2006-01-02 15:04")
		case finite(m.V):
			y := num(ty(m.V))
			mv.X1, mv.X2, mv.Y1, mv.Y2 = v.Left, v.Right, y, y
			mv.TextX, mv.TextY = num(left+4), num(ty(m.V)-4) // at the left, where a rising line is not
			mv.V = value(m.V)
			mv.Title = mv.Label + ": " + exact(m.V, c.Unit)
		default:
			continue
		}
		v.Marks = append(v.Marks, mv)
	}
	return v
}

func barView(c Chart, v chartView) chartView {
	// Rows in the order their labels first appear.
	row := map[string]int{}
	var labels []string
	lo, hi := 0.0, math.Inf(-1)
	for _, s := range c.Series {
		for _, p := range s.Points {
			if !finite(p.V) {
				continue
			}
			if _, ok := row[p.Label]; !ok {
				row[p.Label] = len(labels)
				labels = append(labels, p.Label)
			}
			lo, hi = math.Min(lo, p.V), math.Max(hi, p.V)
		}
	}
	left, top, right := float64(barLabel), 8.0, float64(width)-60
	if len(labels) == 0 {
		v.W, v.H = width, 120
		return empty(v, left, top, right, 92)
	}
	for _, m := range c.Marks {
		if m.T.IsZero() && finite(m.V) {
			lo, hi = math.Min(lo, m.V), math.Max(hi, m.V)
		}
	}
	bottom := top + float64(len(labels)*barRow)
	v.W, v.H = width, int(bottom)+28
	v.frame(left, top, right, bottom)
	ticks, vmin, vmax := valueTicks(lo, hi, c.Unit, 5)
	tx := func(x float64) float64 { return left + (right-left)*(x-vmin)/(vmax-vmin) }
	for _, k := range ticks {
		v.XTicks = append(v.XTicks, tickView{At: num(tx(k.V)), Label: k.Label})
	}
	for i, l := range labels {
		l = clean(l)
		v.Labels = append(v.Labels, labelView{Y: num(top + float64(i)*barRow + barRow/2 + 4), Text: cut(l, labelRunes), Full: l})
	}
	n := 0
	for _, s := range c.Series {
		if len(s.Points) > 0 {
			n++
		}
	}
	thick := (barRow - 6) / float64(max(n, 1))
	k := 0
	for i, s := range c.Series {
		sv := seriesView{Name: clean(s.Name), Color: palette[i%len(palette)], Dashed: s.Dashed}
		for _, p := range s.Points {
			if !finite(p.V) {
				continue
			}
			x0, x1 := tx(math.Min(0, p.V)), tx(math.Max(0, p.V))
			y := top + float64(row[p.Label])*barRow + 3 + float64(k)*thick
			label := clean(p.Label)
			title := label + ": " + exact(p.V, c.Unit)
			if sv.Name != "" && n > 1 {
				title = sv.Name + ", " + title
			}
			sv.Points = append(sv.Points, pointView{
				X: num(x0), Y: num(y), W: num(math.Max(x1-x0, 0.5)), H: num(thick),
				Label: label, V: value(p.V), Title: title,
				TextX: num(x1 + 4), TextY: num(y + thick/2 + 4), Value: short(p.V, c.Unit),
			})
		}
		if len(s.Points) > 0 {
			k++
		}
		v.Series = append(v.Series, sv)
	}
	for _, m := range c.Marks {
		if !m.T.IsZero() || !finite(m.V) {
			continue
		}
		x := num(tx(m.V))
		mv := markView{X1: x, X2: x, Y1: v.Top, Y2: v.Bottom, Label: clean(m.Label), V: value(m.V)}
		mv.TextX, mv.TextY, mv.Title = num(tx(m.V)+4), num(bottom+24), mv.Label+": "+exact(m.V, c.Unit)
		v.Marks = append(v.Marks, mv)
	}
	return v
}

// frame sets the plot area.
func (v *chartView) frame(left, top, right, bottom float64) {
	v.Left, v.Top, v.Right, v.Bottom = num(left), num(top), num(right), num(bottom)
	v.Bottom4 = num(bottom + 4)
}

// empty is a chart with nothing to draw: its frame and a word saying so.
func empty(v chartView, left, top, right, bottom float64) chartView {
	v.Empty = true
	v.frame(left, top, right, bottom)
	v.EmptyX, v.EmptyY = num((left+right)/2), num((top+bottom)/2)
	return v
}

// value writes v so that it reads back exactly: whole numbers in full
// (10737418240, not 1.073741824e+10), others as briefly as they can be.
func value(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e21 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
