package cmdutil

import (
	"encoding/csv"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

// WriteCSV writes t as RFC 4180 CSV with a header row, every value as it
// is: nothing is cut or escaped.
func WriteCSV(w io.Writer, t Table) error {
	cw := csv.NewWriter(w)
	cw.Write(t.Header)
	cw.WriteAll(t.Rows)
	return cw.Error()
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

// Fprintf prints a line of prose that embeds data — a report's header, a
// crawl's decision, a confirmation — as fmt.Fprintf does, with every
// argument that is text (a string, an error, a fmt.Stringer) escaped as
// table cells are (Escape): a name or value holding a tab, a newline or an
// escape sequence can neither break the line nor reach the terminal.
// Numbers print as they are; the format itself is not escaped.
func Fprintf(w io.Writer, format string, args ...any) (int, error) {
	escaped := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case string:
			escaped[i] = Escape(v)
		case error:
			escaped[i] = Escape(v.Error())
		case fmt.Stringer:
			escaped[i] = Escape(v.String())
		default:
			escaped[i] = a
		}
	}
	return fmt.Fprintf(w, format, escaped...)
}

// RequestLine says how many requests of a kind were sent, by operation:
// "12 S3 requests (HeadBucket 1, ListObjectsV2 11)".
func RequestLine(noun string, by map[string]int) string {
	total := 0
	var each []string
	for _, op := range slices.Sorted(maps.Keys(by)) {
		total += by[op]
		each = append(each, fmt.Sprintf("%s %d", op, by[op]))
	}
	return fmt.Sprintf("%s (%s)", Count(total, noun), strings.Join(each, ", "))
}
