package catalog

import (
	"errors"
	"reflect"
	"testing"
)

// FuzzParseFilter: whatever ParseFilter reads, it reads back from its
// String the same filter; and on keys of any types (types gives each key a
// type, three bits a key), a filter Check accepts has a GlueExpression that
// parses to a filter selecting the same partitions, and that writes the
// same expression again. Nothing panics.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{
		"year='2015'", "year>'2016' AND year<'2018'", "year BETWEEN 2015 AND 2018", "year IN (2015,2016,2017,2018)", "year LIKE '%7'",
		"Country = 'US' AND Category = 'Shoes' AND (Year = 2017 OR Year = '2018')", "Country in ('US', 'UK') AND Category = 'Shoes'",
		"year >= 2023 and region='eu', day<>1", `region="e""u" , month>=06`, "NOT (a = 1 OR b NOT BETWEEN -1.5 AND 3e2)", "a IS NOT NULL OR `in` NOT LIKE '_%'",
		"dt > '2024-02-29' AND ts <= '2024-01-02 03:04:05.123'", "a = 'it''s'", "((a=1))", "a=", "a IN ()", "NOT", "a = '\xff'",
	} {
		f.Add(s, uint16(0))
		f.Add(s, uint16(0x1234))
	}
	types := []string{"string", "int", "decimal(10,2)", "date", "timestamp", "varchar(5)", "bigint", "boolean"}
	f.Fuzz(func(t *testing.T, s string, typeBits uint16) {
		flt, err := ParseFilter(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("ParseFilter(%q): %v does not wrap ErrInvalid", s, err)
			}
			return
		}
		back, err := ParseFilter(flt.String())
		if err != nil {
			t.Fatalf("ParseFilter(%q) wrote %q, which does not parse: %v", s, flt.String(), err)
		}
		if !reflect.DeepEqual(back, flt) {
			t.Fatalf("ParseFilter(%q) wrote %q, which reads as %q", s, flt.String(), back.String())
		}

		// Give the keys types, and values to try: each value the filter
		// names for a key, and a few others.
		var keys []Column
		values := map[string][]string{}
		_ = flt.walk(func(n *filterNode) error {
			if indexOfColumn(keys, n.key) < 0 {
				keys = append(keys, Column{Name: n.key, Type: types[(typeBits>>(3*len(keys)))&7]})
			}
			values[n.key] = append(values[n.key], n.vals...)
			return nil
		})
		var parts [][]string
		for i := range 64 {
			p := make([]string, len(keys))
			for j, k := range keys {
				vs := append(values[k.Name], "0", "1", "2024-01-02", HiveNullPartition)
				p[j] = vs[(i*(j+3)+j)%len(vs)]
			}
			parts = append(parts, p)
		}
		for _, p := range parts {
			flt.Match(keys, p)
		}

		expr, err := flt.GlueExpression(keys)
		if checkErr := flt.Check(keys); checkErr != nil {
			if !errors.Is(checkErr, ErrInvalid) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("%q on %v: Check %v, GlueExpression %v: both want ErrInvalid", s, keys, checkErr, err)
			}
			return
		}
		if err != nil {
			if !errors.Is(err, ErrGlueUnsupported) {
				t.Fatalf("%q on %v: GlueExpression: %v", s, keys, err)
			}
			return
		}
		glue, err := ParseFilter(expr)
		if err != nil {
			t.Fatalf("%q on %v: GlueExpression %q does not parse: %v", s, keys, expr, err)
		}
		if again, err := glue.GlueExpression(keys); err != nil || again != expr {
			t.Fatalf("%q on %v: GlueExpression %q writes %q, %v", s, keys, expr, again, err)
		}
		for _, p := range parts {
			if flt.Match(keys, p) != glue.Match(keys, p) {
				t.Fatalf("%q on %v: GlueExpression %q: on %q Match is %v, the filter's %v", s, keys, expr, p, glue.Match(keys, p), flt.Match(keys, p))
			}
		}
	})
}
