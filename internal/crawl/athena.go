package crawl

import (
	"fmt"
	"slices"
	"strings"

	"github.com/lakectl/lakectl/internal/format"
)

// This file decides what a table of text files must say so that Athena
// reads its values: the column types its SerDe can read, and the SerDe's
// parameters. docs/crawl.md cites the AWS documentation behind each rule.

// openCSVSerde is the SerDe for delimited text with quoted values.
const openCSVSerde = "org.apache.hadoop.hive.serde2.OpenCSVSerde"

// timestampFormats is the SerDe parameter that tells LazySimpleSerDe the
// Joda patterns of a table's timestamps, comma-separated.
const timestampFormats = "timestamp.formats"

// readableFields returns the table's columns as its SerDe can read them,
// the SerDe parameters they need, and a warning for each column typed
// string for the SerDe's sake.
//
// Unquoted CSV is read by LazySimpleSerDe, which reads a timestamp written
// yyyy-MM-dd HH:mm:ss[.f...] and, where "timestamp.formats" names their
// Joda patterns, others: ISO 8601 with a T or a zone, a date alone in a
// timestamp column. Without the patterns Athena reads such values as
// nulls. When some value needs one, the parameter names the pattern of
// every value of every timestamp column; a value no pattern reads makes
// its column a string.
//
// Quoted values need OpenCSVSerde, which reads boolean, bigint, int and
// double as written, dates only as days since 1970 and timestamps only
// as milliseconds since 1970 (integers), and fails a query (HIVE_BAD_DATA)
// on an empty cell of a numeric column. Those columns are strings: the
// values read as the file spells them, for a query to cast. A numeric
// column keeps its type only when every one of its cells was read and
// none is empty: an empty cell beyond the sample would fail every query.
func readableFields(d *folderData) ([]format.Field, map[string]string, []string) {
	switch {
	case d.csv == nil:
		return d.fields, nil, nil
	case !d.csv.Quoted:
		return lazySimpleFields(d.fields)
	}
	var warnings []string
	out := make([]format.Field, len(d.fields))
	for i, f := range d.fields {
		out[i] = f
		why := ""
		switch f.Type.Kind {
		case format.Null, format.String:
		case format.Boolean, format.Int, format.Bigint, format.Double:
			switch {
			case f.Empty:
				why = "some of its cells are empty (or missing), and OpenCSVSerde fails a query on an empty cell of a " + f.Type.String() + " column (HIVE_BAD_DATA)"
			case d.sampled:
				why = "OpenCSVSerde fails a query on an empty cell of a " + f.Type.String() + " column (HIVE_BAD_DATA), and not every cell was read (the files were sampled)"
			}
		case format.Date:
			why = "OpenCSVSerde reads a date only as a number of days since 1970-01-01"
		case format.Timestamp:
			why = "OpenCSVSerde reads a timestamp only as a number of milliseconds since 1970-01-01"
		default:
			why = "OpenCSVSerde reads only boolean, bigint, int and double as written"
		}
		if why != "" {
			out[i].Type = &format.Type{Kind: format.String}
			warnings = append(warnings, fmt.Sprintf("column %s is string, not %s: values are quoted, so Athena reads the table with OpenCSVSerde; %s", f.Name, f.Type, why))
		}
	}
	return out, nil, warnings
}

func lazySimpleFields(fields []format.Field) ([]format.Field, map[string]string, []string) {
	out := slices.Clone(fields)
	var warnings, patterns []string
	needed := false
	for i, f := range out {
		if f.Type.Kind != format.Timestamp {
			continue
		}
		if slices.Contains(f.TimeFormats, "") {
			out[i].Type = &format.Type{Kind: format.String}
			warnings = append(warnings, fmt.Sprintf("column %s is string, not timestamp: a value has a fraction of more than nine digits, which no Joda pattern of the SerDe parameter timestamp.formats reads", f.Name))
			continue
		}
		for _, p := range f.TimeFormats {
			needed = needed || !format.HiveReadsTimestamp(p)
			if !slices.Contains(patterns, p) {
				patterns = append(patterns, p)
			}
		}
	}
	if !needed {
		return out, nil, warnings
	}
	slices.Sort(patterns)
	return out, map[string]string{timestampFormats: strings.Join(patterns, ",")}, warnings
}
