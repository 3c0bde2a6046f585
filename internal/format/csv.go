package format

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/lakectl/lakectl/internal/catalog"
)

// Delimiters are the candidates tried, in Glue's order of preference:
// comma, pipe, tab, semicolon and Ctrl-A.
var Delimiters = []byte{',', '|', '\t', ';', '\x01'}

// CSVInfo is what was learnt of a delimited text file.
type CSVInfo struct {
	Delimiter byte
	Quote     byte
	Header    bool
	// HeaderReason says why the first row was or was not taken as a header.
	HeaderReason string
	// Ragged counts sampled rows whose field count differs from the rest.
	Ragged int
	// Quoted: some field in the sample was quoted.
	Quoted bool
}

// Header choices for delimited text.
const (
	HeaderAuto    = "auto"
	HeaderPresent = "present"
	HeaderAbsent  = "absent"
)

// Headers lists the header choices, for flags and messages.
var Headers = []string{HeaderAuto, HeaderPresent, HeaderAbsent}

// detectQuote picks the quote character: the one that more often wraps a
// field (right after a line start or a delimiter and right before one).
func detectQuote(data []byte) byte {
	count := func(q byte) int {
		n := 0
		for i := 0; i < len(data); i++ {
			if data[i] != q {
				continue
			}
			before := i == 0 || data[i-1] == '\n' || isDelimiter(data[i-1])
			after := i+1 == len(data) || data[i+1] == '\n' || data[i+1] == '\r' || isDelimiter(data[i+1])
			if before || after {
				n++
			}
		}
		return n
	}
	if count('\'') > count('"') {
		return '\''
	}
	return '"'
}

// hasQuotedField reports whether some field starts with the quote.
func hasQuotedField(data []byte, q byte) bool {
	for i, c := range data {
		if c == q && (i == 0 || data[i-1] == '\n' || isDelimiter(data[i-1])) {
			return true
		}
	}
	return false
}

func isDelimiter(c byte) bool {
	for _, d := range Delimiters {
		if c == d {
			return true
		}
	}
	return false
}

// shapeOf the most common field count, and how many records have it.
func modeFields(records [][]string) (fields, count int) {
	counts := map[int]int{}
	for _, r := range records {
		counts[len(r)]++
	}
	for f, c := range counts {
		if c > count || c == count && f > fields {
			fields, count = f, c
		}
	}
	return fields, count
}

type delimChoice struct {
	delim          byte
	records        [][]string
	consumed       int
	fields, agrees int
}

// sniffCSV classifies a sample as delimited text. delim 0 means detect.
// It returns an error (the reason) when the sample is not delimited text.
func sniffCSV(data []byte, atEOF bool, delim byte, header string, maxRecords int) (*CSVInfo, []Field, sampled, error) {
	quote := detectQuote(data)
	candidates := Delimiters
	if delim != 0 {
		candidates = []byte{delim}
	}
	// Score the candidates that occur in the first line on the first rows;
	// parse the whole sample with the winner only.
	firstLine := bytes.TrimLeft(data, "\r\n") // blank lines are no records
	if i := bytes.IndexByte(firstLine, '\n'); i >= 0 {
		firstLine = firstLine[:i]
	}
	const scoreRows = 50
	var best *delimChoice
	for _, d := range candidates {
		if delim == 0 && bytes.IndexByte(firstLine, d) < 0 {
			continue
		}
		recs, consumed := CSVDialect{Delim: d, Quote: quote}.Parse(data, atEOF, scoreRows)
		f, n := modeFields(recs)
		if f < 2 || len(recs) < 2 {
			continue
		}
		c := &delimChoice{d, recs, consumed, f, n}
		// A larger share of records agreeing wins; then more columns; then
		// Glue's order.
		if best == nil || c.agrees*len(best.records) > best.agrees*len(c.records) ||
			c.agrees*len(best.records) == best.agrees*len(c.records) && c.fields > best.fields {
			best = c
		}
	}
	if best != nil && len(best.records) == scoreRows {
		recs, consumed := CSVDialect{Delim: best.delim, Quote: quote}.Parse(data, atEOF, maxRecords+1)
		f, n := modeFields(recs)
		best = &delimChoice{best.delim, recs, consumed, f, n}
	}
	if best == nil {
		if delim != 0 {
			return nil, nil, sampled{}, fmt.Errorf("not delimited by %q: fewer than two columns or two rows", delim)
		}
		return nil, nil, sampled{}, fmt.Errorf("no delimiter (comma, pipe, tab, semicolon, Ctrl-A) gives two columns and two rows")
	}
	ragged := len(best.records) - best.agrees
	if float64(best.agrees) < 0.9*float64(len(best.records)) {
		return nil, nil, sampled{}, fmt.Errorf("rows have differing field counts: %d of %d sampled rows have %d fields", best.agrees, len(best.records), best.fields)
	}
	info := &CSVInfo{Delimiter: best.delim, Quote: quote, Ragged: ragged, Quoted: hasQuotedField(data[:best.consumed], quote)}
	recs := best.records
	first := recs[0]
	data0 := recs[1:]
	if len(data0) > maxRecords {
		data0 = data0[:maxRecords]
	}
	types, empty, formats := columnTypes(data0, best.fields)
	switch header {
	case HeaderPresent:
		info.Header, info.HeaderReason = true, "header forced present"
	case HeaderAbsent:
		info.Header, info.HeaderReason = false, "header forced absent"
	default:
		info.Header, info.HeaderReason = detectHeader(first, data0, types)
	}
	var fields []Field
	if info.Header {
		names := headerNames(first, best.fields)
		for i := range best.fields {
			fields = append(fields, Field{Name: names[i], Type: types[i], Empty: empty[i], TimeFormats: formats[i]})
			if i < len(first) {
				fields[i].Source = strings.TrimSpace(first[i])
			}
		}
	} else {
		types, empty, formats = columnTypes(recs, best.fields)
		for i := range best.fields {
			fields = append(fields, Field{Name: fmt.Sprintf("col%d", i), Type: types[i], Empty: empty[i], TimeFormats: formats[i]})
		}
		data0 = recs
		if len(data0) > maxRecords {
			data0 = data0[:maxRecords]
		}
	}
	n := countCSV(data, atEOF, CSVDialect{Delim: best.delim, Quote: quote}, info.Header)
	n.partial = !atEOF || len(best.records) > maxRecords
	return info, fields, n, nil
}

// countCSV counts the records of the whole sample, after the header when
// there is one: every record that ends within it, bad ones included (they
// are records of the file, which a reader quarantines); blank lines are
// none.
func countCSV(data []byte, atEOF bool, d CSVDialect, header bool) sampled {
	var n sampled
	pos := 0
	for pos < len(data) {
		// A line without a quote is a record (the common case, found fast).
		end := bytes.IndexByte(data[pos:], '\n') + 1
		if end == 0 || d.Quote != 0 && bytes.IndexByte(data[pos:pos+end], d.Quote) >= 0 {
			var ok bool
			if end, _, ok = d.RecordEnd(data[pos:], atEOF); !ok {
				break
			}
		}
		if line := bytes.TrimSuffix(bytes.TrimSuffix(data[pos:pos+end], []byte("\n")), []byte("\r")); len(line) > 0 {
			if header {
				header, n.start = false, pos+end
			} else {
				n.records++
			}
		}
		pos += end
	}
	n.end = max(pos, n.start)
	n.lines = bytes.Count(data[n.start:n.end], []byte("\n"))
	n.complete = atEOF && pos == len(data)
	return n
}

// columnTypes infers the type of each of n columns, whether some cell of
// it is empty, and the Joda patterns of its dates and timestamps.
func columnTypes(records [][]string, n int) ([]*Type, []bool, [][]string) {
	types := make([]*Type, n)
	empty := make([]bool, n)
	formats := make([][]string, n)
	for i := range types {
		types[i] = tNull
	}
	for _, r := range records {
		if len(r) != n {
			continue
		}
		for i, v := range r {
			t := InferText(v, true)
			types[i] = Widen(types[i], t)
			empty[i] = empty[i] || v == ""
			if k := t.Kind; k == Date || k == Timestamp {
				if p := JodaPattern(v); !slices.Contains(formats[i], p) {
					formats[i] = append(formats[i], p)
				}
			}
		}
	}
	for _, f := range formats {
		slices.Sort(f)
	}
	return types, empty, formats
}

// detectHeader follows Glue's rule and goes beyond it. Glue takes the first
// row as a header when each cell is a string, under 150 characters and a
// usable name, and the rows below are "sufficiently different": in
// practice, some column below is not a string. Glue cannot see a header
// when every column is a string; lakectl then compares the shape of each
// header cell (letters, digits, punctuation, case) with the shapes of the
// values below it, and takes a header when they differ in at least half the
// columns and no header cell reappears below.
func detectHeader(first []string, rows [][]string, types []*Type) (bool, string) {
	if len(first) != len(types) {
		return false, "no header: the first row has a different number of fields"
	}
	named := 0
	for i, h := range first {
		if h == "" {
			continue // an unnamed column (say, an index) in a header
		}
		if t := InferText(h, true); t.Kind != String {
			return false, fmt.Sprintf("no header: first-row value %q of column %d is a %s, not a name", h, i+1, t)
		}
		if len(h) >= 150 || !hasLetter(h) {
			return false, fmt.Sprintf("no header: first-row value %q of column %d is not a usable column name", trim(h), i+1)
		}
		named++
	}
	if named*2 < len(first) {
		return false, "no header: most first-row values are empty"
	}
	for i, t := range types {
		if t.Kind != String && t.Kind != Null {
			return true, fmt.Sprintf("header: the first row is all names and column %q below it is %s", first[i], t)
		}
	}
	differ := 0
	for i, h := range first {
		if h == "" {
			continue
		}
		hs := shape(h)
		same := false
		for _, r := range rows {
			if len(r) != len(first) {
				continue
			}
			if r[i] == h {
				return false, fmt.Sprintf("no header: first-row value %q appears again below it", trim(h))
			}
			if shape(r[i]) == hs {
				same = true
			}
		}
		if !same {
			differ++
		}
	}
	if differ*2 >= len(first) && differ > 0 {
		return true, fmt.Sprintf("header: every column is a string, and the first row differs in shape from the rows below in %d of %d columns", differ, len(first))
	}
	return false, fmt.Sprintf("no header: every column is a string and the first row looks like the rows below (shape differs in %d of %d columns)", differ, len(first))
}

// shape abstracts a value: runs of upper-case letters become A, of
// lower-case a, of digits 9, whitespace _; other characters stay.
func shape(s string) string {
	var b strings.Builder
	last := rune(0)
	for _, r := range s {
		var c rune
		switch {
		case unicode.IsUpper(r):
			c = 'A'
		case unicode.IsLetter(r):
			c = 'a'
		case unicode.IsDigit(r):
			c = '9'
		case unicode.IsSpace(r):
			c = '_'
		default:
			c = r
		}
		if c != last || !(c == 'A' || c == 'a' || c == '9' || c == '_') {
			b.WriteRune(c)
		}
		last = c
	}
	return b.String()
}

func hasLetter(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

func trim(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// HeaderNames turns a header's cells into column names as the crawler
// does: sanitised, empty ones colN, repeats suffixed _2, _3, ...
func HeaderNames(first []string) []string { return headerNames(first, len(first)) }

// headerNames turns header cells into column names: sanitised, empty ones
// named colN, repeats suffixed _2, _3, ...
func headerNames(first []string, n int) []string {
	names := make([]string, n)
	used := map[string]int{}
	for i := range n {
		name := ""
		if i < len(first) {
			name = catalog.SanitizeName(strings.TrimSpace(first[i]))
		}
		if name == "_" || name == "" {
			name = fmt.Sprintf("col%d", i)
		}
		if used[name] > 0 {
			used[name]++
			name = fmt.Sprintf("%s_%d", name, used[name])
		}
		used[name]++
		names[i] = name
	}
	return names
}
