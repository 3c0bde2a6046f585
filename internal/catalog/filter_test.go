package catalog

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// matching returns the partitions (values joined by /) that expr selects.
func matching(t *testing.T, expr string, keys []Column, parts [][]string) []string {
	t.Helper()
	f, err := ParseFilter(expr)
	if err != nil {
		t.Fatalf("ParseFilter(%q): %v", expr, err)
	}
	if err := f.Check(keys); err != nil {
		t.Fatalf("%q: Check: %v", expr, err)
	}
	got := []string{}
	for _, p := range parts {
		if f.Match(keys, p) {
			got = append(got, strings.Join(p, "/"))
		}
	}
	return got
}

func checkMatches(t *testing.T, keys []Column, parts [][]string, cases []struct{ expr, want string }) {
	t.Helper()
	for _, c := range cases {
		want := []string{}
		if c.want != "" {
			want = strings.Split(c.want, ", ")
		}
		if got := matching(t, c.expr, keys, parts); !reflect.DeepEqual(got, want) {
			t.Errorf("%q on %v: got %v, want %v", c.expr, keys, got, want)
		}
	}
}

// The examples of Glue's GetPartitions documentation, on its table
// twitter_partition: year as a crawler makes it (string), and as int.
func TestFilterGlueDocExamples(t *testing.T) {
	parts := [][]string{{"2015"}, {"2016"}, {"2017"}}
	for _, typ := range []string{"string", "int"} {
		checkMatches(t, []Column{{Name: "year", Type: typ}}, parts, []struct{ expr, want string }{
			{"year='2015'", "2015"},
			{"year>'2016' AND year<'2018'", "2017"},
			{"year>='2015' AND year<='2018'", "2015, 2016, 2017"},
			{"year BETWEEN 2015 AND 2018", "2015, 2016, 2017"},
			{"year IN (2015,2016,2017,2018)", "2015, 2016, 2017"},
			{"year <> 2016", "2015, 2017"},
			{"year NOT IN (2015, '2017')", "2016"},
			{"year NOT BETWEEN 2016 AND 2017", "2015"},
			{"NOT year = 2015 AND NOT (year = 2016)", "2017"},
		})
	}
	// LIKE is for strings (Glue: "Integral data type doesn't support
	// operation 'LIKE'").
	checkMatches(t, []Column{{Name: "year", Type: "string"}}, parts, []struct{ expr, want string }{
		{"year LIKE '%7'", "2017"},
		{"year NOT LIKE '201_'", ""},
	})
}

// The examples of Glue's guide to partition indexes, on its sales_data
// table.
func TestFilterSalesDataExamples(t *testing.T) {
	keys := []Column{{Name: "country", Type: "string"}, {Name: "category", Type: "string"}, {Name: "year", Type: "int"}, {Name: "month", Type: "int"}, {Name: "creationdate", Type: "date"}}
	parts := [][]string{
		{"US", "Shoes", "2017", "1", "2017-01-05"},
		{"US", "Shoes", "2018", "2", "2018-02-05"},
		{"US", "Books", "2020", "9", "2020-09-01"},
		{"UK", "Shoes", "2019", "2", "2019-02-05"},
		{"UK", "Books", "2020", "8", "2020-08-15"},
		{"FR", "Shoes", "2016", "2", "2016-02-05"},
	}
	checkMatches(t, keys, parts, []struct{ expr, want string }{
		{"Category = 'Books' and creationDate > '2020-08-15'", "US/Books/2020/9/2020-09-01"},
		{"Country = 'US'", "US/Shoes/2017/1/2017-01-05, US/Shoes/2018/2/2018-02-05, US/Books/2020/9/2020-09-01"},
		{"Country = 'US' and Category = 'Shoes' and Year > '2017' and month = 2", "US/Shoes/2018/2/2018-02-05"},
		// AND binds tighter than OR.
		{"Country = 'US' AND Category = 'Shoes' OR Year > '2018'", "US/Shoes/2017/1/2017-01-05, US/Shoes/2018/2/2018-02-05, US/Books/2020/9/2020-09-01, UK/Shoes/2019/2/2019-02-05, UK/Books/2020/8/2020-08-15"},
		{"Country = 'US' AND (Category = 'Shoes' OR Year > '2018')", "US/Shoes/2017/1/2017-01-05, US/Shoes/2018/2/2018-02-05, US/Books/2020/9/2020-09-01"},
		{"Country = 'US' AND Category = 'Shoes' AND (Year = 2017 OR Year = '2018')", "US/Shoes/2017/1/2017-01-05, US/Shoes/2018/2/2018-02-05"},
		{"Country in ('US', 'UK') AND Category = 'Shoes'", "US/Shoes/2017/1/2017-01-05, US/Shoes/2018/2/2018-02-05, UK/Shoes/2019/2/2019-02-05"},
		{"creationdate BETWEEN '2019-01-01' AND '2020-08-15'", "UK/Shoes/2019/2/2019-02-05, UK/Books/2020/8/2020-08-15"},
	})
}

// Values compare by their key's type, not by how they look. The first key
// names the partition.
func TestFilterComparesByKeyType(t *testing.T) {
	keys := []Column{{Name: "p", Type: "string"}, {Name: "n", Type: "int"}, {Name: "s", Type: "string"}, {Name: "d", Type: "decimal(10,2)"}, {Name: "ts", Type: "timestamp"}, {Name: "c", Type: "varchar(5)"}, {Name: "b", Type: "bigint"}}
	parts := [][]string{
		{"p1", "9", "9", "2.6", "2024-01-02 03:04:05", "b", "-9223372036854775808"},
		{"p2", "10", "10", "10.00", "2024-01-02 03:04:05.5", "a", "9223372036854775807"},
		{"p3", "06", "06", "3e14", "2023-12-31 23:59:59.999999999", "B", "0"},
	}
	for expr, want := range map[string]string{
		"n < 10":                     "p1, p3",
		"s < 10":                     "p3", // '06' < '10' < '9'
		"s > '10'":                   "p1",
		"n = 6":                      "p3",
		"n = '6'":                    "p3",
		"s = 6":                      "",
		"s = 06":                     "p3",
		"d = 10":                     "p2",
		"d > 1e3":                    "p3",
		"d BETWEEN 2 AND 3e10":       "p1, p2",
		"d IN (6, '4', 2.60)":        "p1",
		"ts > '2024-01-02 03:04:05'": "p2",
		"ts < '2024-01-01 00:00:00'": "p3",
		"c > 'a'":                    "p1", // 'B' < 'a'
		"c LIKE 'B'":                 "p3", // case counts
		"b < -1":                     "p1",
		"b >= 9223372036854775807":   "p2",
	} {
		var got []string
		for _, m := range matching(t, expr, keys, parts) {
			got = append(got, strings.SplitN(m, "/", 2)[0])
		}
		if strings.Join(got, ", ") != want {
			t.Errorf("%q: got %v, want %s", expr, got, want)
		}
	}
}

// __HIVE_DEFAULT_PARTITION__, and a value not of its key's type, are NULL:
// only IS NULL holds for them.
func TestFilterNullValues(t *testing.T) {
	keys := []Column{{Name: "n", Type: "int"}, {Name: "s", Type: "string"}}
	parts := [][]string{{"1", "a"}, {HiveNullPartition, HiveNullPartition}, {"x", "b"}}
	checkMatches(t, keys, parts, []struct{ expr, want string }{
		{"n IS NULL", "__HIVE_DEFAULT_PARTITION__/__HIVE_DEFAULT_PARTITION__, x/b"},
		{"n IS NOT NULL", "1/a"},
		{"s IS NULL", "__HIVE_DEFAULT_PARTITION__/__HIVE_DEFAULT_PARTITION__"},
		{"s is not null", "1/a, x/b"},
		{"n = 1", "1/a"},
		{"n <> 1", ""},
		{"NOT n = 1", ""},
		{"n NOT IN (1)", ""},
		{"n NOT BETWEEN 5 AND 6", "1/a"},
		{"s <> 'a'", "x/b"},
		{"s NOT LIKE 'a'", "x/b"},
		{"n = 1 OR s = 'b'", "1/a, x/b"},
		{"NOT (n = 1 OR s = 'b')", ""},
		{"NOT (n = 1 AND s = 'zz')", "1/a, x/b"}, // x is NULL, but s = 'zz' is false
		{"n IS NULL OR NOT s = 'b'", "1/a, __HIVE_DEFAULT_PARTITION__/__HIVE_DEFAULT_PARTITION__, x/b"},
	})
}

func TestLike(t *testing.T) {
	for _, c := range []struct {
		value, pattern string
		want           bool
	}{
		{"two", "two", true}, {"two", "t_o", true}, {"two", "t__", true}, {"two", "%wo", true}, {"two", "%", true},
		{"", "%", true}, {"", "", true}, {"", "_", false}, {"two", "tw", false}, {"two", "%e", false},
		{"abcabd", "%ab_", true}, {"abcabd", "a%c%d", true}, {"abcabd", "a%c%c", false}, {"été", "_t_", true},
		{"a.b", "a.b", true}, {"axb", "a.b", false}, {"a*b", "a*b", true}, {"aXb", "a%%b", true}, {"ab", "a%%b", true},
	} {
		if got := like(c.value, c.pattern); got != c.want {
			t.Errorf("%q LIKE %q = %v, want %v", c.value, c.pattern, got, c.want)
		}
	}
}

// String writes Glue's syntax, and earlier lakectl filters read as before.
func TestFilterString(t *testing.T) {
	for in, want := range map[string]string{
		"year >= 2023 and region='eu', day<>1":      "year >= 2023 AND region = 'eu' AND day <> 1",
		"year!=2024, year > 9, region=us":           "year <> 2024 AND year > 9 AND region = 'us'",
		`region="eu"`:                               "region = 'eu'",
		`Region = 'it''s', dt=2024-01-02`:           "region = 'it''s' AND dt = '2024-01-02'",
		"month>=06":                                 "month >= 06",
		"(a=1 OR b=2) AND c=3":                      "(a = 1 OR b = 2) AND c = 3",
		"a=1 OR b=2 AND c=3":                        "a = 1 OR b = 2 AND c = 3",
		"(a=1 OR b=2)":                              "a = 1 OR b = 2",
		"a=1 AND (b=2 AND c=3)":                     "a = 1 AND b = 2 AND c = 3",
		"NOT (a=1 OR b=2)":                          "NOT (a = 1 OR b = 2)",
		"NOT NOT a=1":                               "NOT NOT a = 1",
		"a not in (1,'x') or b not between 1 and 2": "a NOT IN (1, 'x') OR b NOT BETWEEN 1 AND 2",
		"`in` = 1 AND x like 'a%' AND y is null":    "`in` = 1 AND x LIKE 'a%' AND y IS NULL",
		"x = -1.5 AND y = '1e3'":                    "x = -1.5 AND y = '1e3'",
		"  ":                                        "",
	} {
		f, err := ParseFilter(in)
		if err != nil {
			t.Errorf("ParseFilter(%q): %v", in, err)
			continue
		}
		if got := f.String(); got != want {
			t.Errorf("ParseFilter(%q).String() = %q, want %q", in, got, want)
		}
	}
}

func TestParseFilterErrors(t *testing.T) {
	for in, want := range map[string]string{
		"year":                   "want an operator after year",
		"year=>1":                `want a value, found ">1"`,
		"=1":                     `want a partition key, found "=1"`,
		"a b=1":                  "want an operator after a",
		"year=":                  "missing a value at the end",
		"year='2024":             "missing closing '",
		"(year=1":                "missing )",
		"year=1)":                `unexpected ")"`,
		"year=1 AND":             "missing a key at the end",
		"year IN 1":              "want ( after IN",
		"year IN (1 2)":          "want , or ) in the list of IN",
		"year BETWEEN 1 OR 2":    "want AND after BETWEEN 1",
		"year NOT = 1":           "want IN, BETWEEN or LIKE after year NOT",
		"year IS 1":              "want NULL after IS",
		"year = NULL":            "nothing equals NULL: test for it with KEY IS NULL",
		"in = 1":                 "write `in` for a key of that name",
		"`a-b` = 1":              "key `a-b`",
		"year = 1 OR":            "missing a key at the end",
		strings.Repeat("(", 200): "nested more than 100 deep",
	} {
		_, err := ParseFilter(in)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseFilter(%q) = %v, want ErrInvalid saying %q", in, err, want)
		}
	}
}

func TestFilterCheck(t *testing.T) {
	keys := []Column{{Name: "year", Type: "int"}, {Name: "region", Type: "string"}, {Name: "ok", Type: "boolean"}, {Name: "dt", Type: "date"}, {Name: "ts", Type: "timestamp"}, {Name: "d", Type: "decimal(4,1)"}}
	for in, want := range map[string]string{
		"month=1":                          `"month" is not a partition key (keys: year, region, ok, dt, ts, d)`,
		"region = 'eu' OR NOT (month = 1)": `"month" is not a partition key`,
		"ok = true":                        "ok is boolean: Glue filters partitions on keys of types string, char, varchar, date, timestamp, tinyint, smallint, int, bigint and decimal only",
		"year = 'abc'":                     "year is int: 'abc' is not an integer",
		"year IN (2024, 2.5)":              "year is int: 2.5 is not an integer",
		"year BETWEEN 1 AND 99999999999999999999": "99999999999999999999 is not an integer",
		"year LIKE '2%'":                        "year is int: LIKE compares strings only",
		"dt LIKE '2024%'":                       "dt is date: LIKE compares strings only",
		"dt > '2024-1-2'":                       "'2024-1-2' is not a date (YYYY-MM-DD)",
		"dt = '2024-02-30'":                     "is not a date",
		"ts > '2024-01-02T03:04:05'":            "is not a timestamp (YYYY-MM-DD hh:mm:ss[.fffffffff])",
		"ts > '2024-01-02 03:04:05+01:00'":      "is not a timestamp",
		"d = 'x'":                               "d is decimal(4,1): 'x' is not a decimal number",
		"region = '__HIVE_DEFAULT_PARTITION__'": "__HIVE_DEFAULT_PARTITION__ stands for a null value, which equals nothing: write region IS NULL",
	} {
		f, err := ParseFilter(in)
		if err != nil {
			t.Fatalf("ParseFilter(%q): %v", in, err)
		}
		if err := f.Check(keys); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), want) {
			t.Errorf("Check(%q) = %v, want ErrInvalid saying %q", in, err, want)
		}
	}
	for _, in := range []string{"", "year = '2024' AND region LIKE 'e%' AND dt >= '2024-02-29' AND ts < '2024-01-02 03:04:05.123456789' AND d IN (1, -2.5, 3e2)", "ok IS NULL OR year = 1"} {
		f, err := ParseFilter(in)
		if err != nil {
			t.Fatal(err)
		}
		if in == "ok IS NULL OR year = 1" {
			if err := f.Check(keys); err == nil {
				t.Errorf("Check(%q) accepted a boolean key", in)
			}
			continue
		}
		if err := f.Check(keys); err != nil {
			t.Errorf("Check(%q) = %v", in, err)
		}
	}
}

func TestFilterZeroMatchesAll(t *testing.T) {
	var f Filter
	if err := f.Check(nil); err != nil || !f.Match(nil, nil) || f.String() != "" {
		t.Errorf("the zero Filter: Check %v, Match %v, String %q", err, f.Match(nil, nil), f.String())
	}
	if e, err := f.GlueExpression(nil); e != "" || err != nil {
		t.Errorf("GlueExpression of the zero Filter = %q, %v", e, err)
	}
}

func TestGlueExpression(t *testing.T) {
	keys := []Column{{Name: "year", Type: "int"}, {Name: "region", Type: "string"}, {Name: "dt", Type: "date"}, {Name: "price", Type: "decimal(10,2)"}, {Name: "in", Type: "string"}}
	for in, want := range map[string]string{
		"year=2024, region=eu":                          "year = 2024 AND region = 'eu'",
		"year >= '06' AND year < +10":                   "year >= 6 AND year < 10",
		"region IN (2015, 'it''s', \"x\")":              "region IN ('2015', 'it''s', 'x')",
		"year BETWEEN '2015' AND 2018 OR region <> 'a'": "year BETWEEN 2015 AND 2018 OR region <> 'a'",
		"dt > '2020-08-15' AND NOT region LIKE 'e_%'":   "dt > '2020-08-15' AND NOT region LIKE 'e_%'",
		"price IN (3e2, +.5, -1.50, 1.5e-1, 7)":         "price IN (300, 0.5, -1.50, 0.15, 7)",
		"(year = 1 OR year = 2) AND region = 'x'":       "(year = 1 OR year = 2) AND region = 'x'",
	} {
		f, err := ParseFilter(in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.GlueExpression(keys)
		if err != nil || got != want {
			t.Errorf("GlueExpression(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, want := range map[string]error{
		"year = 'x'":                     ErrInvalid,
		"month = 1":                      ErrInvalid,
		"region IS NULL":                 ErrGlueUnsupported,
		"year = 1 OR NOT dt IS NOT NULL": ErrGlueUnsupported,
		"`in` = 'a'":                     ErrGlueUnsupported,
		"region = 'a\x01'":               ErrGlueUnsupported,
		"region = '\xff'":                ErrGlueUnsupported,
		"region = '" + strings.Repeat("x", 2040) + "'": ErrGlueUnsupported,
	} {
		f, err := ParseFilter(in)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := f.GlueExpression(keys); !errors.Is(err, want) {
			t.Errorf("GlueExpression(%q) = %q, %v; want an error wrapping %v", in, got, err, want)
		}
	}
}
