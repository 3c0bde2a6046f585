package format

import (
	"slices"
	"strings"
	"testing"
)

func records(t *testing.T, d CSVDialect, text string) []CSVRecord {
	t.Helper()
	var out []CSVRecord
	d.Records([]byte(text), 1, func(r CSVRecord) bool {
		r.Fields = slices.Clone(r.Fields)
		out = append(out, r)
		return true
	})
	return out
}

func TestCSVRecordsCRLFQuotedLastField(t *testing.T) {
	// An Excel-style export: CRLF line ends, the last field quoted.
	got := records(t, CSVDialect{Delim: ',', Quote: '"'}, "id,code\r\n1,\"+297\"\r\n2,\"+93\"\r\n3,\"\"\r\n")
	want := [][]string{{"id", "code"}, {"1", "+297"}, {"2", "+93"}, {"3", ""}}
	if len(got) != len(want) {
		t.Fatalf("%d records: %+v", len(got), got)
	}
	for i, r := range got {
		if !slices.Equal(r.Fields, want[i]) || r.Bad != "" || r.Line != int64(i+1) {
			t.Errorf("record %d = %q (line %d, bad %q), want %q", i, r.Fields, r.Line, r.Bad, want[i])
		}
	}
}

func TestCSVRecordsQuoteRules(t *testing.T) {
	d := CSVDialect{Delim: ',', Quote: '"'}
	for _, c := range []struct {
		in   string
		want [][]string
	}{
		{"a,b\"c,d\n", [][]string{{"a", `b"c`, "d"}}},                      // a quote inside a field is a character
		{"a,\"x,\"\"y\"\"\nz\",1\n", [][]string{{"a", "x,\"y\"\nz", "1"}}}, // delimiter, doubled quote and newline inside quotes
		{"\"ab\"cd,e\n", [][]string{{"abcd", "e"}}},                        // text after the closing quote is kept
		{"\n\r\n1,2\n", [][]string{{"1", "2"}}},                            // blank lines are no records
		{"1,2", [][]string{{"1", "2"}}},                                    // a last line without a newline
		{"\"a\r\nb\",c\r\n", [][]string{{"a\r\nb", "c"}}},                  // CRLF inside quotes is data
	} {
		var got [][]string
		for _, r := range records(t, d, c.in) {
			got = append(got, r.Fields)
		}
		if len(got) != len(c.want) {
			t.Errorf("%q: %q, want %q", c.in, got, c.want)
			continue
		}
		for i := range got {
			if !slices.Equal(got[i], c.want[i]) {
				t.Errorf("%q: %q, want %q", c.in, got, c.want)
			}
		}
	}
}

func TestCSVRecordsUnterminatedQuoteCostsOneLine(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,name\n1,a\n2,\"broken\n")
	for i := 3; i <= 300; i++ {
		b.WriteString("3,c\n")
	}
	recs := records(t, CSVDialect{Delim: ',', Quote: '"'}, b.String())
	if len(recs) != 301 {
		t.Fatalf("%d records, want 301 (header, 299 good, 1 bad)", len(recs))
	}
	bad := recs[2]
	if bad.Bad == "" || bad.Line != 3 || bad.Lines != 1 || bad.Bytes != len("2,\"broken\n") || bad.Raw != "2,\"broken" {
		t.Errorf("bad record %+v", bad)
	}
	lines := int64(0)
	for _, r := range recs {
		lines += r.Lines
		if r.Line != bad.Line && r.Bad != "" {
			t.Errorf("record on line %d is bad: %s", r.Line, r.Bad)
		}
	}
	if lines != 301 || recs[3].Line != 4 {
		t.Errorf("records span %d lines (want 301), the one after the bad record starts on line %d", lines, recs[3].Line)
	}
}

func TestCSVRecordEndBound(t *testing.T) {
	d := CSVDialect{Delim: ',', Quote: '"'}
	// Still open, less than the bound read: more input is needed.
	if _, _, ok := d.RecordEnd([]byte("1,\"open\nmore\n"), false); ok {
		t.Error("an open quote short of the bound should need more input")
	}
	// Open past the bound: bad, ending with the line it opened on.
	long := "1,\"open\n" + strings.Repeat("x\n", MaxQuotedBytes/2+1)
	end, bad, ok := d.RecordEnd([]byte(long), false)
	if !ok || !bad || end != len("1,\"open\n") {
		t.Errorf("past the bound: end %d bad %v ok %v", end, bad, ok)
	}
	// A doubled quote at the end of the data: wait for the next byte.
	if _, _, ok := d.RecordEnd([]byte("\"a\""), false); ok {
		t.Error("a quote at the end of the data may be doubled: need more input")
	}
	if end, bad, ok := d.RecordEnd([]byte("\"a\"\"b\",c\nnext"), false); !ok || bad || end != 9 {
		t.Errorf("doubled quote: end %d bad %v ok %v", end, bad, ok)
	}
}

// A doubled quote right at the bound is no reason to fail.
func TestCSVRecordEndDoubledQuoteAtTheBound(t *testing.T) {
	data := []byte(`"` + strings.Repeat("a", MaxQuotedBytes-1) + `""` + strings.Repeat("b", 10) + "\"\nnext\n")
	end, bad, ok := CSVDialect{Delim: ',', Quote: '"'}.RecordEnd(data, true)
	if !ok || !bad || end != len(data)-len("next\n") {
		t.Errorf("end %d bad %v ok %v", end, bad, ok)
	}
}

// A stray quote closed by the opening quote of a later line's field (text
// follows that quote) costs its own line, not the lines in between: they
// were swallowed into one field, exit 0, nothing quarantined.
func TestCSVRecordsStrayQuoteClosedOnALaterLine(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,name,note\n1,n1,\"oops\n")
	for i := 2; i <= 300; i++ {
		b.WriteString("2,n2,ok\n")
	}
	b.WriteString("301,\"Lee, J\",q\n302,n302,\"ok\"\n")
	recs := records(t, CSVDialect{Delim: ',', Quote: '"'}, b.String())
	if len(recs) != 303 {
		t.Fatalf("%d records, want 303 (header, 1 bad, 301 good)", len(recs))
	}
	if bad := recs[1]; bad.Bad == "" || bad.Line != 2 || bad.Lines != 1 || bad.Raw != "1,n1,\"oops" {
		t.Errorf("bad record %+v", bad)
	}
	for _, r := range recs[2:] {
		if r.Bad != "" || len(r.Fields) != 3 {
			t.Errorf("record on line %d: %q %s", r.Line, r.Fields, r.Bad)
		}
	}
	if got := recs[301].Fields[1]; got != "Lee, J" {
		t.Errorf("line 302: name %q", got)
	}
	// A quoted field over several lines that ends at a delimiter or the
	// line end is data, as before.
	for _, in := range []string{"1,\"a\nb\",c\n", "1,\"a\r\nb\"\r\n", "1,\"a\nb\""} {
		if recs := records(t, CSVDialect{Delim: ',', Quote: '"'}, in); len(recs) != 1 || recs[0].Bad != "" {
			t.Errorf("%q: %+v", in, recs)
		}
	}
}
