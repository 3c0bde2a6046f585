package cmdutil

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Table is a result as rows for people (table) and CSV.
type Table struct {
	Header []string
	Rows   [][]string
}

// Add appends a row.
func (t *Table) Add(cells ...string) { t.Rows = append(t.Rows, cells) }

// Print writes a result in the chosen output: tab-aligned columns, CSV
// with a header row, or the JSON value (see WriteJSON).
func Print(w io.Writer, output string, t Table, jsonValue any) error {
	switch output {
	case "json":
		return WriteJSON(w, jsonValue)
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write(t.Header)
		cw.WriteAll(t.Rows)
		return cw.Error()
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if len(t.Header) > 0 {
		fmt.Fprintln(tw, strings.Join(t.Header, "\t"))
	}
	for _, r := range t.Rows {
		cells := make([]string, len(r))
		for i, c := range r {
			// One row per line, whatever the cell holds.
			cells[i] = strings.NewReplacer("\n", `\n`, "\t", " ").Replace(c)
		}
		fmt.Fprintln(tw, strings.TrimRight(strings.Join(cells, "\t"), " "))
	}
	return tw.Flush()
}

// FormatTime prints a time for a table cell (RFC 3339, UTC), "-" when unset.
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// OrDash returns s, or "-" when it is empty, so table columns stay aligned.
func OrDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Count says n things: "1 file", "2 files" (noun's plural with an s).
func Count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
