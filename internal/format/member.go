package format

import (
	"fmt"
	"slices"
	"strings"
)

// This file decides which files are data of a table: the crawler when it
// groups a folder's files, and every reader (convert, validate) when it
// lists a table's files, so that no reader reads a marker, a binary or a
// file of another shape that the crawler left out.

// CompatibleSimilarity: two schemas are compatible when at least this share
// of all their columns are common columns of compatible types.
const CompatibleSimilarity = 0.5

// Shape is what the files of one table share.
type Shape struct {
	Format string
	// Delimiter and Header of delimited text.
	Delimiter byte
	Header    bool
	// Columns of the table (CSV with a header is checked against them).
	Columns []Field
	// Keys are the table's partition keys: a header's column of such a
	// name is not among the table's columns (the partition key wins).
	Keys []string
}

// ShapeOf is the shape of a classified file.
func ShapeOf(f *File) Shape {
	s := Shape{Format: f.Format, Columns: f.Fields}
	if f.CSV != nil {
		s.Delimiter, s.Header = f.CSV.Delimiter, f.CSV.Header
	}
	return s
}

// Signature names the format part of a shape, for reports.
func (s Shape) Signature() string {
	if s.Format == CSV {
		return fmt.Sprintf("%s delimiter %q header %v", s.Format, s.Delimiter, s.Header)
	}
	return s.Format
}

// Belongs says why a classified file is not data of a table of this shape,
// or "" when it is. Delimited text must have the table's delimiter and
// header, and a header compatible with the table's columns and in their
// order (without a header, as many fields as the table has columns): query
// engines read delimited text by position, lakectl by header name, and the
// two agree only then. JSON and Parquet files need only be JSON and
// Parquet: members and columns a file lacks are nulls, and members the
// table lacks are reported record by record.
func (s Shape) Belongs(f *File) string {
	if f.Skip != "" {
		return f.Skip
	}
	fs := ShapeOf(f)
	if fs.Signature() != s.Signature() {
		return fmt.Sprintf("%s, not %s", fs.Signature(), s.Signature())
	}
	if f.Format != CSV || len(s.Columns) == 0 {
		return ""
	}
	if !s.Header {
		if len(f.Fields) != len(s.Columns) {
			return fmt.Sprintf("%d fields, not %d", len(f.Fields), len(s.Columns))
		}
		return ""
	}
	if sim := SchemaSimilarity(s.Columns, f.Fields); sim < CompatibleSimilarity {
		return fmt.Sprintf("its header is not the table's (similarity %.2f, below %.2f)", sim, CompatibleSimilarity)
	}
	header := slices.DeleteFunc(slices.Clone(f.Fields), func(c Field) bool { return slices.Contains(s.Keys, c.Name) })
	if !SamePositions(s.Columns, header) {
		return fmt.Sprintf("its columns (%s) are not in the table's order (%s): delimited text is read by position", FieldNames(header), FieldNames(s.Columns))
	}
	return ""
}

// SamePositions: every column both lists have a position for has the same
// name in both, so that reading delimited text by position (as Athena,
// Hive and Spark do) gives what reading by header name gives. One list
// may be longer: columns added at the end read as nulls from files
// written before them.
func SamePositions(a, b []Field) bool {
	for i := range min(len(a), len(b)) {
		if a[i].Name != b[i].Name {
			return false
		}
	}
	return true
}

// FieldNames lists the fields' names, comma-separated.
func FieldNames(fields []Field) string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.Name
	}
	return strings.Join(names, ",")
}

// SchemaSimilarity is the share of all columns of a and b that are common
// columns (by name) of compatible types.
func SchemaSimilarity(a, b []Field) float64 {
	union := len(a)
	match := 0
	for _, fb := range b {
		i := slices.IndexFunc(a, func(fa Field) bool { return fa.Name == fb.Name })
		if i < 0 {
			union++
			continue
		}
		ta, tb := a[i].Type, fb.Type
		if w := Widen(ta, tb); w.Kind != String || ta.Kind == String || tb.Kind == String || ta.Kind == Null || tb.Kind == Null {
			match++
		}
	}
	if union == 0 {
		return 1
	}
	return float64(match) / float64(union)
}
