package cmdutil

import (
	"bytes"
	"errors"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func writeTable(t *testing.T, tab Table, width int) string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteTable(&b, tab, width); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestWriteTableAligns(t *testing.T) {
	tab := Table{Header: []string{"NAME", "SIZE", "NOTE"}}
	tab.Add("a", "1", "")
	tab.Add("longer name", "123456789012", "x")
	want := "" +
		"NAME         SIZE          NOTE\n" +
		"a            1\n" +
		"longer name  123456789012  x\n"
	if got := writeTable(t, tab, 0); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// Headers are printed as given: no title case, no underscores replaced.
	if got := writeTable(t, Table{Header: []string{"partition_key", "camelCase"}, Rows: [][]string{{"a", "b"}}}, 0); !strings.HasPrefix(got, "partition_key  camelCase\n") {
		t.Errorf("header changed: %q", got)
	}
	// No header: the rows alone (the properties of catalog show).
	if got := writeTable(t, Table{Rows: [][]string{{"Table:", "raw.t"}, {"Description:", "-"}}}, 0); got != "Table:        raw.t\nDescription:  -\n" {
		t.Errorf("rows alone: %q", got)
	}
	if got := writeTable(t, Table{}, 80); got != "" {
		t.Errorf("empty table: %q", got)
	}
	// A header and no rows: the header.
	if got := writeTable(t, Table{Header: []string{"A", "B"}}, 80); got != "A  B\n" {
		t.Errorf("header alone: %q", got)
	}
	// Leading spaces of a value are kept.
	if got := writeTable(t, Table{Rows: [][]string{{"  x", "y"}}}, 0); got != "  x  y\n" {
		t.Errorf("leading spaces: %q", got)
	}
}

func TestWriteTableEscapes(t *testing.T) {
	tab := Table{Header: []string{"KEY", "VALUE"}}
	tab.Add("delimiter", "\t")
	tab.Add("nul", "a\x00b")
	tab.Add("lines", "one\ntwo\r\n")
	tab.Add("bad utf-8", "\xff\xfe")
	tab.Add("bidi", "abc\u202edef")
	tab.Add("escape", "\x1b[31mred")
	tab.Add("kept", `C:\data "quoted" é 日本`)
	want := "" +
		"KEY        VALUE\n" +
		"delimiter  \\t\n" +
		"nul        a\\x00b\n" +
		"lines      one\\ntwo\\r\\n\n" +
		"bad utf-8  \\xff\\xfe\n" +
		"bidi       abc\\u202edef\n" +
		"escape     \\x1b[31mred\n" +
		"kept       C:\\data \"quoted\" é 日本\n"
	for _, width := range []int{0, 80} {
		if got := writeTable(t, tab, width); got != want {
			t.Errorf("width %d: got\n%s\nwant\n%s", width, got, want)
		}
	}
	// Headers are escaped too: a key can be named anything.
	if got := writeTable(t, Table{Header: []string{"A\tB"}}, 0); got != "A\\tB\n" {
		t.Errorf("header: %q", got)
	}
}

// Prose escapes the text it embeds as a table escapes its cells: the
// format's own line ends stay, an argument's control characters do not.
func TestFprintfEscapes(t *testing.T) {
	var b bytes.Buffer
	Fprintf(&b, "Check of %s: %d rows (%v)\n", "a\tb\x1b[31m", 3, errors.New("bad\nline"))
	if got, want := b.String(), `Check of a\tb\x1b[31m: 3 rows (bad\nline)`+"\n"; got != want {
		t.Errorf("Fprintf: %q, want %q", got, want)
	}
	if got, want := EscapeLines("changes:\n  + a\x1bb\n"), "changes:\n  + a\\x1bb\n"; got != want {
		t.Errorf("EscapeLines: %q, want %q", got, want)
	}
}

func TestWriteTableFitsTheTerminal(t *testing.T) {
	values := make([]string, 28)
	for i := range values {
		values[i] = "country_" + string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	rule := "isContainedIn(country, [" + strings.Join(values, ", ") + "])"
	tab := Table{Header: []string{"STATUS", "CONSTRAINT", "METRIC", "MESSAGE"}}
	tab.Add("Failure", rule, "0.8", "value 0.8 does not meet == 1: 1 row has a value not listed")
	tab.Add("Success", "isComplete(id)", "1", "-")

	whole := writeTable(t, tab, 0)
	if !strings.Contains(whole, rule) || strings.Contains(whole, "…") {
		t.Errorf("off a terminal a cell is cut:\n%s", whole)
	}
	for _, width := range []int{60, 80, 120} {
		got := writeTable(t, tab, width)
		for line := range strings.Lines(got) {
			if n := utf8.RuneCountInString(strings.TrimSuffix(line, "\n")); n > width {
				t.Errorf("width %d: a line of %d: %q", width, n, line)
			}
		}
		lines := strings.Split(got, "\n")
		// The header, the short columns and the numbers are whole.
		if !strings.HasPrefix(lines[0], "STATUS   CONSTRAINT") || !strings.Contains(lines[0], "METRIC  MESSAGE") {
			t.Errorf("width %d: header %q", width, lines[0])
		}
		if !strings.HasPrefix(lines[1], "Failure  isContainedIn(") || !strings.Contains(lines[1], "…  0.8     value 0.8") {
			t.Errorf("width %d: row %q", width, lines[1])
		}
	}
	// The two wide columns share the room: 80 - 7 - 6 - 3 gaps of 2 = 61,
	// the odd one to the first.
	got := strings.Split(writeTable(t, tab, 80), "\n")[1]
	want := "Failure  isContainedIn(country, [countr…  0.8     value 0.8 does not meet == 1:…"
	if got != want {
		t.Errorf("at 80:\n got %q\nwant %q", got, want)
	}
}

func TestWriteTableBoundsHugeValues(t *testing.T) {
	huge := strings.Repeat(`{"a":[1,2,3],"b":"x"}`+"\n", 50_000) // a nested value of a megabyte
	tab := Table{Header: []string{"COLUMN", "VALUE"}, Rows: [][]string{{"doc", huge}}}
	got := writeTable(t, tab, 100)
	if len(got) > 300 || !strings.HasSuffix(got, "…\n") || strings.Count(got, "\n") != 2 {
		t.Errorf("on a terminal of 100 columns: %d bytes: %q", len(got), got)
	}
	if got := writeTable(t, tab, 0); !strings.Contains(got, strings.ReplaceAll(huge, "\n", `\n`)) {
		t.Errorf("off a terminal, the value is not whole")
	}
}

func TestFit(t *testing.T) {
	for _, c := range []struct {
		natural, floor []int
		width          int
		want           []int
	}{
		{[]int{5, 10, 20}, []int{5, 8, 8}, 100, []int{5, 10, 20}},   // fits
		{[]int{5, 10, 200}, []int{5, 8, 8}, 60, []int{5, 10, 45}},   // the wide one gives way
		{[]int{5, 100, 200}, []int{5, 8, 8}, 61, []int{5, 28, 28}},  // two wide ones share
		{[]int{5, 100, 200}, []int{5, 8, 8}, 62, []int{5, 29, 28}},  // the first gets what is left over
		{[]int{30, 100, 200}, []int{30, 8, 8}, 40, []int{30, 8, 8}}, // never under the floor
		{[]int{12, 12, 12}, []int{12, 12, 12}, 10, []int{12, 12, 12}},
	} {
		if got := Fit(c.natural, c.floor, c.width); !slices.Equal(got, c.want) {
			t.Errorf("Fit(%v, %v, %d) = %v, want %v", c.natural, c.floor, c.width, got, c.want)
		}
	}
}

func TestWriteTableNeverCutsNumbers(t *testing.T) {
	tab := Table{Header: []string{"ID", "NAME"}}
	tab.Add("9007199254740993", strings.Repeat("n", 100))
	tab.Add("-", "x")
	got := strings.Split(writeTable(t, tab, 30), "\n")
	if got[1] != "9007199254740993  nnnnnnnnnnn…" {
		t.Errorf("got %q", got[1])
	}
}

func TestNumber(t *testing.T) {
	for f, want := range map[float64]string{
		999988000:             "999988000",
		999988123:             "999988123",
		1e12 + 1:              "1000000000001",
		9007199254740992:      "9007199254740992",
		-42:                   "-42",
		0:                     "0",
		0.1:                   "0.1",
		1234.5678:             "1234.5678",
		1.0 / 3:               "0.3333333333333333",
		0.000001:              "0.000001",
		1.5e-7:                "1.5e-07",
		1e21:                  "1e+21",
		123456789012345680000: "123456789012345680000",
		math.NaN():            "NaN",
		math.Inf(1):           "Infinity",
		math.Inf(-1):          "-Infinity",
	} {
		if got := Number(f); got != want {
			t.Errorf("Number(%v) = %s, want %s", f, got, want)
		}
	}
}

func TestStatistic(t *testing.T) {
	for f, want := range map[float64]string{
		999988123.4:        "999988123",
		2.8722813232690143: "2.87228",
		5.5:                "5.5",
		1.0 / 3:            "0.333333",
		2.0 / 3:            "0.666667",
		0.000123456789:     "0.000123457",
		9.9999999:          "10",
		-1234.56789:        "-1234.57",
		0:                  "0",
		1.5e-7:             "1.5e-07",
		math.NaN():         "NaN",
		math.Inf(-1):       "-Infinity",
	} {
		if got := Statistic(f); got != want {
			t.Errorf("Statistic(%v) = %s, want %s", f, got, want)
		}
	}
}

// BenchmarkWriteTable prints a listing of 10,000 objects, as storage ls
// prints them.
func BenchmarkWriteTable(b *testing.B) {
	tab := Table{Header: []string{"KEY", "SIZE", "LAST MODIFIED"}}
	for i := range 10_000 {
		tab.Add("data/year=2024/part-"+strconv.Itoa(i)+".parquet", strconv.Itoa(i*1000), "2024-01-02T03:04:05Z")
	}
	for _, width := range []int{0, 80} {
		b.Run("width="+strconv.Itoa(width), func(b *testing.B) {
			for b.Loop() {
				if err := WriteTable(io.Discard, tab, width); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
