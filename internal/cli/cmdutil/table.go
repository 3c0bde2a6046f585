package cmdutil

import (
	"bufio"
	"bytes"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// Table is a result as rows for people (table) and CSV.
type Table struct {
	Header []string
	Rows   [][]string
}

// Add appends a row.
func (t *Table) Add(cells ...string) { t.Rows = append(t.Rows, cells) }

// The layout of a table for people.
const (
	// gap is the space between two columns.
	gap = 2
	// minCut is the narrowest a cut column gets (unless its header is
	// wider): below it a value says nothing.
	minCut = 8
	// maxNumber is the longest cell read as a number; a number is never cut.
	maxNumber = 40
)

// WriteTable prints t for people: aligned columns under the header, one
// row per line, control characters escaped (Escape). width is the width of
// the terminal the table is printed on: when the table is wider, cells are
// cut with an ellipsis so that it fits (Fit); 0 prints every cell whole, as
// in a pipe or a file. See docs/conventions.md, "Tables".
func WriteTable(w io.Writer, t Table, width int) error {
	cols := len(t.Header)
	for _, r := range t.Rows {
		cols = max(cols, len(r))
	}
	if cols == 0 {
		return nil
	}
	cell := func(r []string, c int) string {
		if c < len(r) {
			return r[c]
		}
		return ""
	}
	header := make([]string, 0, cols)
	for c := range cols {
		header = append(header, Escape(bound(cell(t.Header, c), width)))
	}
	rows := make([][]string, len(t.Rows))
	for i, r := range t.Rows {
		rows[i] = make([]string, cols)
		for c := range cols {
			rows[i][c] = Escape(bound(cell(r, c), width))
		}
	}

	natural := make([]int, cols)
	floor := make([]int, cols)
	numbers := make([]bool, cols)
	for c := range cols {
		natural[c] = twwidth.Width(header[c])
		numbers[c] = len(rows) > 0
		for _, r := range rows {
			natural[c] = max(natural[c], twwidth.Width(r[c]))
			numbers[c] = numbers[c] && isNumber(r[c])
		}
		floor[c] = min(natural[c], max(twwidth.Width(header[c]), minCut))
		if numbers[c] {
			floor[c] = natural[c]
		}
	}
	widths := natural
	if width > 0 {
		widths = Fit(natural, floor, width-gap*(cols-1))
		for _, r := range rows {
			for c, v := range r {
				if twwidth.Width(v) > widths[c] {
					r[c] = twwidth.Truncate(v, widths[c], "…")
				}
			}
		}
	}

	// tablewriter aligns; the cells are already cut to their widths.
	var b bytes.Buffer
	padding := tw.CellPadding{Global: tw.Padding{Right: strings.Repeat(" ", gap), Overwrite: true}}
	cells := tw.CellConfig{
		Formatting: tw.CellFormatting{AutoFormat: tw.Off, AutoWrap: tw.WrapNone},
		Alignment:  tw.CellAlignment{Global: tw.AlignLeft},
		Padding:    padding,
	}
	table := tablewriter.NewTable(&b,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders: tw.BorderNone,
			Symbols: tw.NewSymbols(tw.StyleNone),
			Settings: tw.Settings{
				Separators: tw.Separators{BetweenRows: tw.Off, BetweenColumns: tw.Off},
				Lines:      tw.Lines{ShowHeaderLine: tw.Off},
			},
		})),
		tablewriter.WithConfig(tablewriter.Config{
			Header:   cells,
			Row:      cells,
			Behavior: tw.Behavior{TrimSpace: tw.Off},
		}),
	)
	if len(t.Header) > 0 {
		table.Header(header)
	}
	if err := table.Bulk(rows); err != nil {
		return err
	}
	if err := table.Render(); err != nil {
		return err
	}
	// The last column is padded like the others: no line ends in spaces.
	out := bufio.NewWriter(w)
	for line := range strings.Lines(b.String()) {
		out.WriteString(strings.TrimRight(line, " \n"))
		out.WriteByte('\n')
	}
	return out.Flush()
}

// Fit shares out width between columns of the given natural widths: a
// column that fits its share of what is left keeps its width; the others
// share the rest equally, none narrower than its floor (so the result may
// be wider than width). A table that fits keeps its natural widths.
func Fit(natural, floor []int, width int) []int {
	widths := make([]int, len(natural))
	copy(widths, natural)
	total := 0
	for _, n := range natural {
		total += n
	}
	if total <= width {
		return widths
	}
	open := make([]bool, len(natural)) // not yet given a width
	left := len(natural)
	for c := range natural {
		if natural[c] == floor[c] { // a column that cannot be cut
			width -= natural[c]
			left--
		} else {
			open[c] = true
		}
	}
	// A column narrower than its share keeps its width, which leaves more
	// for the others: again until none is.
	for changed := true; changed && left > 0; {
		changed = false
		share := max(width, 0) / left
		for c := range natural {
			if open[c] && natural[c] <= share {
				open[c], changed = false, true
				width -= natural[c]
				left--
			}
		}
	}
	if left == 0 {
		return widths
	}
	share, extra := max(width, 0)/left, max(width, 0)%left
	for c := range natural {
		if !open[c] {
			continue
		}
		widths[c] = share
		if extra > 0 {
			widths[c]++
			extra--
		}
		widths[c] = max(widths[c], floor[c])
	}
	return widths
}

// bound cuts a value far wider than a terminal of width columns (0: no
// terminal) before it is escaped and measured, so that a value of
// megabytes costs no more than one that fills the line.
func bound(s string, width int) string {
	if limit := 4*width + 16; width > 0 && len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return s[:cut] + "…"
	}
	return s
}

// isNumber says whether a cell holds a number (or "-", no number).
func isNumber(s string) bool {
	if s == "-" || s == "" {
		return true
	}
	if len(s) > maxNumber {
		return false
	}
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

// Escape shows s on one line with every character a terminal would not
// print as itself escaped as Go escapes it in a quoted string: a tab as
// \t, a newline as \n, a carriage return as \r, other control characters,
// and bytes that are not UTF-8, as \xNN, and characters that print nothing
// (zero-width and direction marks, line separators) as \uNNNN. A backslash
// is left as it is.
func Escape(s string) string {
	clean := true
	for _, r := range s {
		if !printable(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if printable(r) {
			b.WriteString(s[i : i+size])
		} else {
			q := strconv.Quote(s[i : i+size]) // "\t", "\x00", "\xff", "\u200b"
			b.WriteString(q[1 : len(q)-1])
		}
		i += size
	}
	return b.String()
}

// EscapeLines escapes each line of a message made of several (an error
// that lists changes, one a line) as Escape does, keeping its line ends.
func EscapeLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = Escape(l)
	}
	return strings.Join(lines, "\n")
}

func printable(r rune) bool {
	return r == ' ' || (r != utf8.RuneError && strconv.IsPrint(r))
}

// Number prints a number exactly, for a table or CSV cell: an integer in
// full (999988000, never 9.99988e+08), any other value as the shortest
// decimal that reads back as the same float64 (0.1, 1234.5678), an
// exponent only outside 1e-6 to 1e21 (as JavaScript prints numbers), and
// NaN and the infinities by the names Spark gives them.
func Number(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// Statistic prints a statistic computed over many values (a mean, a
// standard deviation, a ratio) for people: 6 significant digits, but the
// integer part always in full (999988123.4 as 999988123, never
// 9.99988e+08), trailing zeros dropped. CSV and JSON print it exactly
// (Number).
func Statistic(f float64) string {
	a := math.Abs(f)
	if math.IsNaN(f) || math.IsInf(f, 0) || a == 0 {
		return Number(f)
	}
	if a < 1e-6 || a >= 1e21 {
		return strconv.FormatFloat(f, 'g', 6, 64)
	}
	digits := int(math.Floor(math.Log10(a))) + 1 // before the point
	s := strconv.FormatFloat(f, 'f', max(6-digits, 0), 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}
