package format

import (
	"strings"
	"testing"
)

func fields(names ...string) []Field {
	out := make([]Field, len(names))
	for i, n := range names {
		out[i] = Field{Name: n, Type: tNull}
	}
	return out
}

// A table of delimited text is read by position (Athena, Hive, Spark) and
// by header name (lakectl); a file belongs to it only where both agree.
func TestBelongsByPosition(t *testing.T) {
	table := Shape{Format: CSV, Delimiter: ',', Header: true, Columns: fields("id", "amount", "name")}
	csv := func(names ...string) *File {
		return &File{Format: CSV, CSV: &CSVInfo{Delimiter: ',', Header: true}, Fields: fields(names...)}
	}
	for _, c := range []struct {
		header []string
		keys   []string
		want   string
	}{
		{header: []string{"id", "amount", "name"}},
		{header: []string{"id", "amount"}},                 // written before name was added
		{header: []string{"id", "amount", "name", "note"}}, // a column added at the end
		{header: []string{"id", "name", "amount"}, want: "its columns (id,name,amount) are not in the table's order (id,amount,name): delimited text is read by position"},
		{header: []string{"amount", "id", "name"}, want: "not in the table's order"},
		// A column that a partition key shadows is not among the table's.
		{header: []string{"id", "amount", "name", "day"}, keys: []string{"day"}},
	} {
		s := table
		s.Keys = c.keys
		got := s.Belongs(csv(c.header...))
		if c.want == "" && got != "" || c.want != "" && !strings.Contains(got, c.want) {
			t.Errorf("header %v: %q, want %q", c.header, got, c.want)
		}
	}
	// Without a header the columns are col0, col1, ...: by position alike.
	noHeader := Shape{Format: CSV, Delimiter: ',', Columns: fields("col0", "col1")}
	if got := noHeader.Belongs(&File{Format: CSV, CSV: &CSVInfo{Delimiter: ','}, Fields: fields("col0", "col1")}); got != "" {
		t.Errorf("no header: %q", got)
	}
}
