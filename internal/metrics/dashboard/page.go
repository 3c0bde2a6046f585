// Package dashboard renders a page of charts and tables as one
// self-contained HTML file: the charts are SVG drawn here, in Go, the style
// sheet is inline, and the page fetches nothing (no script, font, image or
// style from anywhere) so that it opens with no network and prints as it
// shows.
//
// The page knows nothing of the lake: a report turns its numbers into a
// Page of sections, each with line charts (values over time), bar charts
// (ranked values) and tables. Every name on the page is escaped by
// html/template; names that are not valid UTF-8 or hold control
// characters show with U+FFFD in their place.
//
// Each drawn point and bar carries its exact value for tests and tools:
// its element has data-series (the series' name), data-v (the value, in
// as few digits as read back exactly: 10737418240, 0.25, 1e-07)
// and data-t (the time, RFC 3339 in UTC; line charts) or data-label (the
// bar's label; bar charts), and a <title> that a browser shows on hover.
package dashboard

import "time"

// Page is one HTML file: a title, the time its numbers were taken, and
// its sections in order.
type Page struct {
	Title     string
	Generated time.Time // shown under the title; the zero time shows nothing
	Sections  []Section
}

// Section is a heading with a note under it, then its charts, then its
// tables.
type Section struct {
	Title  string
	Note   string
	Charts []Chart
	Tables []Table
}

// The kinds of chart.
const (
	Line = "line" // values over time: each series a line through its points, by Point.T
	Bar  = "bar"  // ranked values: one horizontal bar per Point.Label, in the order given
)

// The units of a chart's values, which decide how its axis and tooltips
// write them.
const (
	Bytes = "bytes" // 1.5 GiB on the axis; 1,610,612,736 bytes in the tooltip
	Count = "count" // 12k on the axis; 12,345 in the tooltip
	Rows  = "rows"  // as Count, with "rows" after the exact value
)

// Chart is a line or bar chart.
type Chart struct {
	// ID names the chart's element (id and data-chart); unique on the
	// page. Empty: chart-1, chart-2, ... in the page's order.
	ID    string
	Title string
	Note  string // a line under the chart: what it shows, how a projection was fitted
	Unit  string // Bytes, Count, Rows, or "" for plain numbers
	Kind  string // Line or Bar; empty is Line
	// Series are drawn in order, each in the next colour, but a dashed
	// one (a projection) in the colour of the line before it, which it
	// projects. A point whose value is NaN or infinite is left out.
	Series []Series
	Marks  []Mark
}

// Series is one named line, or one set of bars.
type Series struct {
	Name   string
	Points []Point
	Dashed bool // a projection of the series before it, not a measurement
}

// Point is a value at a time (line charts) or under a label (bar charts).
type Point struct {
	T     time.Time
	Label string
	V     float64
}

// Mark is a reference line across a line chart: a goal (a value, drawn
// across at V) or, when T is set, a moment (drawn upright at T). Bar
// charts draw value marks only.
type Mark struct {
	Label string
	V     float64
	T     time.Time
}

// Table is a table of text. A column whose cells all read as numbers is
// aligned right.
type Table struct {
	Title   string
	Columns []string
	Rows    [][]string
}
