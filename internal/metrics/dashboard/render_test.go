package dashboard

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestValueTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi   float64
		unit     string
		labels   string
		min, max float64
	}{
		{0, 11.4 * (1 << 30), Bytes, "0 2.5 GiB 5 GiB 7.5 GiB 10 GiB 12.5 GiB", 0, 12.5 * (1 << 30)},
		{0, 900 << 10, Bytes, "0 200 KiB 400 KiB 600 KiB 800 KiB 1000 KiB", 0, 1000 << 10},
		{0, 206, Count, "0 50 100 150 200 250", 0, 250},
		{0, 1.2e6, Rows, "0 250k 500k 750k 1M 1.25M", 0, 1.25e6},
		{-0.3, 0.7, "", "-0.4 -0.2 0 0.2 0.4 0.6 0.8", -0.4, 0.8},
		{0, 0, Count, "0 1", 0, 1},
		{0, 3, Count, "0 1 2 3", 0, 3},   // nothing but zeros
		{5, 5, Count, "0 2 4 6 8", 0, 8}, // one value: from zero, above it
	} {
		ticks, min, max := valueTicks(c.lo, c.hi, c.unit, 5)
		var labels []string
		for _, k := range ticks {
			labels = append(labels, k.Label)
		}
		if got := strings.Join(labels, " "); got != c.labels || min != c.min || max != c.max {
			t.Errorf("valueTicks(%v, %v, %q) = %q over [%v, %v], want %q over [%v, %v]", c.lo, c.hi, c.unit, got, min, max, c.labels, c.min, c.max)
		}
	}
}

func TestTimeTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi time.Time
		labels string
	}{
		{day0, day0.AddDate(0, 0, 29), "Sep 7 Sep 14 Sep 21 Sep 28"}, // Mondays
		{day0, day0.AddDate(0, 0, 5), "Sep 1 Sep 2 Sep 3 Sep 4 Sep 5 Sep 6"},
		{day0, day0.AddDate(1, 0, 0), "Oct 2026 Jan 2027 Apr 2027 Jul 2027"},
		{day0.Add(-30 * 24 * time.Hour), day0.AddDate(0, 6, 0), "Sep 2026 Oct 2026 Nov 2026 Dec 2026 Jan 2027 Feb 2027 Mar 2027"},
		{day0, day0.AddDate(0, 0, 10), "Sep 2 Sep 4 Sep 6 Sep 8 Sep 10"},
		{day0, day0.Add(5 * time.Hour), "Sep 1 00:00 Sep 1 01:00 Sep 1 02:00 Sep 1 03:00 Sep 1 04:00 Sep 1 05:00"},
		{time.Date(2025, 12, 20, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC), "2025-12-22 2025-12-29 2026-01-05"},
	} {
		var labels []string
		for _, k := range timeTicks(c.lo, c.hi, 7) {
			labels = append(labels, k.Label)
		}
		if got := strings.Join(labels, " "); got != c.labels {
			t.Errorf("timeTicks(%s, %s) = %q, want %q", c.lo.Format(time.DateOnly), c.hi.Format(time.DateOnly), got, c.labels)
		}
	}
}

func TestExactAndShort(t *testing.T) {
	for _, c := range []struct {
		v            float64
		unit         string
		exact, short string
	}{
		{1234567890, Bytes, "1,234,567,890 bytes (1.15 GiB)", "1.15 GiB"},
		{512, Bytes, "512 bytes (512 B)", "512 B"},
		{-1234, Count, "-1,234", "-1.23k"},
		{12345678, Rows, "12,345,678 rows", "12.35M"},
		{0.125, "", "0.125", "0.125"},
	} {
		if got := exact(c.v, c.unit); got != c.exact {
			t.Errorf("exact(%v, %q) = %q, want %q", c.v, c.unit, got, c.exact)
		}
		if got := short(c.v, c.unit); got != c.short {
			t.Errorf("short(%v, %q) = %q, want %q", c.v, c.unit, got, c.short)
		}
	}
}

// TestNothingToDraw: a chart with no series, an empty series, only NaN,
// or one point draws its frame, and the one point, without failing.
func TestNothingToDraw(t *testing.T) {
	one := Series{Name: "one", Points: []Point{{T: day0, V: 7}}}
	page := Page{Title: "edge", Sections: []Section{{Title: "s", Charts: []Chart{
		{ID: "none"},
		{ID: "empty", Series: []Series{{Name: "empty"}}},
		{ID: "nan", Series: []Series{{Name: "nan", Points: []Point{{T: day0, V: math.NaN()}, {T: day0, V: math.Inf(1)}}}}},
		{ID: "bars", Kind: Bar, Series: []Series{{Name: "none"}}},
		{ID: "one", Series: []Series{one}, Marks: []Mark{{Label: "goal", V: 10}, {Label: "today", T: day0.Add(time.Hour)}}},
		{ID: "onebar", Kind: Bar, Series: []Series{{Name: "b", Points: []Point{{Label: "only", V: 3}}}}},
	}}}}
	var buf bytes.Buffer
	if err := Render(&buf, page); err != nil {
		t.Fatal(err)
	}
	doc := parse(t, buf.Bytes())
	if n := strings.Count(doc.text, "no data"); n != 4 {
		t.Errorf(`"no data" %d times, want 4 (none, empty, nan, bars)`, n)
	}
	if !slices.Equal(doc.values, []string{"10", "2026-09-01T01:00:00Z", "7", "3"}) {
		t.Errorf("data-v of the page %q, want the goal, today, the one point and the one bar", doc.values)
	}
	if !strings.Contains(doc.text, "one, 2026-09-01 00:00: 7") {
		t.Errorf("the one point's tooltip is missing from %q", doc.text)
	}
}

func TestRenderRefuses(t *testing.T) {
	for _, c := range []struct {
		page Page
		want string
	}{
		{Page{Sections: []Section{{Charts: []Chart{{ID: "a"}}}, {Charts: []Chart{{ID: "a"}}}}}, `two charts have the id "a"`},
		{Page{Sections: []Section{{Charts: []Chart{{ID: "a", Kind: "pie"}}}}}, `kind "pie" is neither "line" nor "bar"`},
	} {
		if err := Render(io.Discard, c.page); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Render: %v, want an error saying %s", err, c.want)
		}
	}
}

// document is what a strict XML reader finds in a rendered page.
type document struct {
	elements []string // every element's name, in order
	text     string   // all text, <title>s and <style> included
	values   []string // every data-v
	attrs    string   // every attribute's value, one a line
}

// parse reads a page as XML, which it is as well as HTML: a page that
// reads is well formed, whatever its names held.
func parse(t testing.TB, page []byte) document {
	t.Helper()
	var doc document
	var text, attrs strings.Builder
	d := xml.NewDecoder(bytes.NewReader(page))
	d.Strict = true
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("the page is not well formed: %v\n%s", err, page)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			doc.elements = append(doc.elements, tok.Name.Local)
			for _, a := range tok.Attr {
				attrs.WriteString(a.Value + "\n")
				if a.Name.Local == "data-v" {
					doc.values = append(doc.values, a.Value)
				}
			}
		case xml.CharData:
			text.Write(tok)
		}
	}
	doc.text, doc.attrs = text.String(), attrs.String()
	return doc
}

// namedPage puts name everywhere a user's name can go.
func namedPage(name, label string, v1, v2 float64, span int64) Page {
	t1 := day0.Add(time.Duration(span) * time.Second)
	return Page{Title: name, Generated: day0, Sections: []Section{{
		Title: name, Note: name,
		Charts: []Chart{
			{ID: "line", Title: name, Note: name, Unit: Bytes, Series: []Series{
				{Name: name, Points: []Point{{T: day0, V: v1}, {T: t1, V: v2}}},
				{Name: name + "2", Dashed: true, Points: []Point{{T: t1, V: v2}}},
			}, Marks: []Mark{{Label: name, V: v2}, {Label: name, T: t1}}},
			{ID: "bar", Title: name, Kind: Bar, Unit: Count, Series: []Series{
				{Name: name, Points: []Point{{Label: label, V: v1}, {Label: label + "b", V: v2}}},
			}, Marks: []Mark{{Label: name, V: v1}}},
		},
		Tables: []Table{{Title: name, Columns: []string{name, "v"}, Rows: [][]string{{label, name}}}},
	}}}
}

// FuzzRender: whatever the names and values, the page is well formed, has
// the same elements as with plain names, shows each name as text (cleaned
// of control characters) and never as markup, and carries each drawn value
// exactly.
func FuzzRender(f *testing.F) {
	f.Add("sales.orders", "raw.events", 1.5e9, 2e9, int64(86400*30))
	f.Add(`<script>alert("x")</script>`, `</title><b>`, 0.0, -1.0, int64(0))
	f.Add("a & b ' \" > ]]> <!-- -->", "\x00\x01\xff", math.NaN(), math.Inf(1), int64(-3600))
	f.Add("", "", 1e308, -1e308, int64(math.MaxInt64))
	f.Add("{{.Title}}", "é日本\u2028", 5e-324, 3.0, int64(1))
	f.Fuzz(func(t *testing.T, name, label string, v1, v2 float64, span int64) {
		var out bytes.Buffer
		if err := Render(&out, namedPage(name, label, v1, v2, span)); err != nil {
			t.Fatal(err)
		}
		plainName, plainLabel := "", ""
		if name != "" {
			plainName = "n"
		}
		if label != "" {
			plainLabel = "l"
		}
		var plain bytes.Buffer
		if err := Render(&plain, namedPage(plainName, plainLabel, v1, v2, span)); err != nil {
			t.Fatal(err)
		}
		doc, want := parse(t, out.Bytes()), parse(t, plain.Bytes())
		if !slices.Equal(doc.elements, want.elements) {
			t.Fatalf("name %q, label %q: elements\n%q\nwant (as with plain names)\n%q", name, label, doc.elements, want.elements)
		}
		if strings.Count(out.String(), "<") != strings.Count(plain.String(), "<") {
			t.Fatalf("name %q, label %q: a '<' of the input is in the page as markup", name, label)
		}
		if c := clean(name); !strings.Contains(doc.text, c) || !strings.Contains(doc.attrs, c) {
			t.Fatalf("name %q (cleaned %q) is not in the page's text and attributes", name, c)
		}
		// The label is whole in the table, and cut on a bar, where a bar
		// is drawn (a value that is NaN or infinite draws none).
		if c := clean(label); !strings.Contains(doc.text, c) {
			t.Fatalf("label %q (cleaned %q) is not in the table's text", label, c)
		}
		if c := cut(clean(label), labelRunes); (finite(v1) || finite(v2)) && !strings.Contains(doc.text, c) {
			t.Fatalf("label %q (shown %q) is not on its bar", label, c)
		}
		for _, s := range doc.values {
			v, err := strconv.ParseFloat(s, 64)
			if _, terr := time.Parse(time.RFC3339, s); err != nil && terr != nil {
				t.Fatalf("data-v %q is neither a number nor a time", s)
			}
			if err == nil && v != v1 && v != v2 {
				t.Fatalf("data-v %q is neither %v nor %v", s, v1, v2)
			}
		}
	})
}
