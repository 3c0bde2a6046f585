package dataset

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/testenv"
)

// testTable makes a table of its own on a test database, dropped when the
// test ends, and returns its name.
func testTable(t *testing.T, uri, columns string, inserts ...string) string {
	t.Helper()
	b := make([]byte, 4)
	rand.Read(b)
	name := "rows_" + hex.EncodeToString(b)
	db := testDB(t, uri)
	exec := func(q string) {
		t.Helper()
		if _, err := db.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec("CREATE TABLE " + name + " (" + columns + ")")
	t.Cleanup(func() { db.ExecContext(context.Background(), "DROP TABLE "+name) })
	for _, ins := range inserts {
		exec("INSERT INTO " + name + " VALUES " + ins)
	}
	return name
}

// testDB connects to a test database as ReadRows does.
func testDB(t *testing.T, uri string) *sql.DB {
	t.Helper()
	s, err := ParseDatabaseURI(t.Context(), uri, "SELECT 1", nil)
	if err != nil {
		t.Fatal(err)
	}
	db, err := s.openDB()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// readAll reads every row of a source.
func readAll(t *testing.T, s *SQL, req RowsRequest) ([]catalog.Column, [][]any) {
	t.Helper()
	r, err := s.ReadRows(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var rows [][]any
	for {
		b, err := r.Next(t.Context())
		if errors.Is(err, io.EOF) {
			return r.Columns(), rows
		}
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, b...)
	}
}

// checkRows compares the columns (name type, and local for those holding
// local date-times) and the rows' values.
func checkRows(t *testing.T, cols []catalog.Column, rows [][]any, wantCols string, want [][]any) {
	t.Helper()
	var got []string
	for _, c := range cols {
		s := c.Name + " " + c.Type
		if c.Parameters[catalog.ParamLocalTime] == "true" {
			s += " local"
		}
		got = append(got, s)
	}
	if g := strings.Join(got, ", "); g != wantCols {
		t.Errorf("columns\n got %s\nwant %s", g, wantCols)
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(rows), len(want))
	}
	for i, w := range want {
		for j, v := range w {
			if !sameValue(rows[i][j], v) {
				t.Errorf("row %d, column %s: got %#v, want %#v", i+1, cols[j].Name, rows[i][j], v)
			}
		}
	}
}

// sameValue: equal values of one Go type, times the same instant in UTC.
func sameValue(got, want any) bool {
	if g, ok := got.(time.Time); ok {
		w, ok := want.(time.Time)
		return ok && g.Equal(w) && g.Location() == time.UTC
	}
	if g, ok := got.(float64); ok && math.IsNaN(g) {
		w, ok := want.(float64)
		return ok && math.IsNaN(w)
	}
	if g, ok := got.([]any); ok {
		w, ok := want.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range g {
			if !sameValue(g[i], w[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(got, want)
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// Every PostgreSQL type reads typed as the rows' mapping says: integers
// of their width, exact decimals, local and zoned timestamps, JSON in its
// canonical form, UUIDs, bytes, arrays; other types as their text.
func TestPostgresRowsEveryType(t *testing.T) {
	uri := testenv.URL(t, "LAKECTL_TEST_POSTGRES_URL")
	table := testTable(t, uri, `id int8 PRIMARY KEY, i2 int2, i4 int4, f4 float4, f8 float8,
		n numeric(12,2), nwide numeric(40,5), nfree numeric, b boolean, d date, ts timestamp(6), tstz timestamptz,
		t text, vc varchar(10), ch char(3), u uuid, j json, jb jsonb, "By tes" bytea,
		ai int4[], at text[], ats timestamp[], an numeric(6,2)[], iv interval`,
		`(1, -32768, 2147483647, 1.5, -2.25e300, 12345.67, 123456789012345678901234567890.12345, -0.000123, true,
		  '2024-02-29', '2024-01-02 03:04:05.678901', '2024-01-02 03:04:05.678901+02', 'héllo', 'ab', 'x',
		  '0B5E2A86-8F0E-4C5C-9B25-3C1F6E4B0F00', '{"b": [1, 2.50], "a": null, "b": "last"}', '{"b": [1, 2.50], "a": null}',
		  '\x00ff61', '{1,NULL,3}', '{"a,b",""}', '{"2024-01-02 03:04:05"}', '{1.5,-2}', '1 day 02:00:00')`,
		`(2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
		`(3, 0, 0, 'NaN', '-Infinity', 0, 0, 'NaN', false, '1970-01-01', '1970-01-01', '1970-01-01 00:00:00+00', '', '', '',
		  '00000000-0000-0000-0000-000000000000', '[]', '"x"', '', '{}', '{}', '{}', '{}', '0')`)
	s, err := ParseDatabaseURI(t.Context(), uri+"?table="+table, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	// A number read as its text cannot be incremental: text order is not
	// number order ("9" > "10").
	for _, col := range []string{"nwide", "nfree"} {
		if _, err := s.ReadRows(t.Context(), RowsRequest{Column: col}); !errors.Is(err, catalog.ErrInvalid) || !strings.Contains(err.Error(), "is a number wider than a decimal(38), read as its text") {
			t.Errorf("incremental on %s: %v", col, err)
		}
	}
	cols, rows := readAll(t, s, RowsRequest{})
	checkRows(t, cols, rows,
		"id bigint, i2 smallint, i4 int, f4 float, f8 double, n decimal(12,2), nwide string, nfree string, b boolean, d date, "+
			"ts timestamp local, tstz timestamp, t string, vc string, ch string, u string, j string, jb string, by_tes binary, "+
			"ai array<int>, at array<string>, ats array<timestamp> local, an array<decimal(6,2)>, iv string",
		[][]any{
			{int64(1), int64(-32768), int64(2147483647), 1.5, -2.25e300, json.Number("12345.67"), "123456789012345678901234567890.12345", "-0.000123", true,
				utc("2024-02-29T00:00:00Z"), utc("2024-01-02T03:04:05.678901Z"), utc("2024-01-02T01:04:05.678901Z"), "héllo", "ab", "x  ",
				"0b5e2a86-8f0e-4c5c-9b25-3c1f6e4b0f00", `{"a":null,"b":"last"}`, `{"a":null,"b":[1,2.50]}`,
				[]byte{0, 0xff, 'a'}, []any{int64(1), nil, int64(3)}, []any{"a,b", ""}, []any{utc("2024-01-02T03:04:05Z")},
				[]any{json.Number("1.50"), json.Number("-2.00")}, "1 day 02:00:00"},
			{int64(2), nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil},
			{int64(3), int64(0), int64(0), math.NaN(), math.Inf(-1), json.Number("0.00"), "0.00000", "NaN", false,
				utc("1970-01-01T00:00:00Z"), utc("1970-01-01T00:00:00Z"), utc("1970-01-01T00:00:00Z"), "", "", "   ",
				"00000000-0000-0000-0000-000000000000", `[]`, `"x"`, []byte{}, []any{}, []any{}, []any{}, []any{}, "00:00:00"},
		})
	// The same rows from a query, and from the row at id 2 on (by the
	// column's catalog name, in any case): the database compares.
	s, err = ParseDatabaseURI(t.Context(), uri, "SELECT id, tstz AS \"When\", n FROM "+table+" ORDER BY id;", nil)
	if err != nil {
		t.Fatal(err)
	}
	cols, rows = readAll(t, s, RowsRequest{Column: "ID", From: int64(2)})
	checkRows(t, cols, rows, "id bigint, when timestamp, n decimal(12,2)",
		[][]any{{int64(2), nil, nil}, {int64(3), utc("1970-01-01T00:00:00Z"), json.Number("0.00")}})
	_, rows = readAll(t, s, RowsRequest{Column: "When", From: utc("2024-01-02T01:04:05.678901Z")})
	if len(rows) != 1 || rows[0][0] != int64(1) {
		t.Errorf("from an instant: %v", rows)
	}
	_, rows = readAll(t, s, RowsRequest{Column: "n", From: json.Number("12345.67")})
	if len(rows) != 1 || rows[0][0] != int64(1) {
		t.Errorf("from a decimal: %v", rows)
	}
	s, _ = ParseDatabaseURI(t.Context(), uri+"?table="+table, "", nil)
	_, rows = readAll(t, s, RowsRequest{Column: "ts", From: utc("2024-01-02T03:04:05.678901Z")})
	if len(rows) != 1 || rows[0][0] != int64(1) {
		t.Errorf("from a local date-time: %v", rows)
	}
	_, rows = readAll(t, s, RowsRequest{Column: "d", From: utc("2024-02-29T00:00:00Z")})
	if len(rows) != 1 || rows[0][0] != int64(1) {
		t.Errorf("from a date: %v", rows)
	}
	_, rows = readAll(t, s, RowsRequest{Column: "t", From: "h"})
	if len(rows) != 1 || rows[0][0] != int64(1) {
		t.Errorf("from a string: %v", rows)
	}
	checkRequestErrors(t, s)
}

// A column the rows lack, and a lower bound of another type, are errors
// naming the column, before any row is read.
func checkRequestErrors(t *testing.T, s *SQL) {
	t.Helper()
	_, err := s.ReadRows(t.Context(), RowsRequest{Column: "updated_at", From: int64(1)})
	var oe *catalog.OptionError
	if !errors.As(err, &oe) || oe.Option != "Column" || oe.Value != "updated_at" || !strings.Contains(err.Error(), "no such column in "+s.Display+" (its columns: id, ") {
		t.Errorf("a missing column: %v", err)
	}
	if _, err := s.ReadRows(t.Context(), RowsRequest{Column: "id", From: "x"}); !errors.Is(err, catalog.ErrInvalid) || !strings.Contains(err.Error(), "column id is a bigint: the lower bound x (string) is no value of it") {
		t.Errorf("a bound of another type: %v", err)
	}
}

// Every MySQL/MariaDB type reads typed; a table's declared types tell
// booleans, JSON and unsigned decimals; TIMESTAMP values are instants
// whatever the session that wrote them, DATETIME values wall clocks; a
// zero date is a null.
func TestMySQLRowsEveryType(t *testing.T) {
	uri := testenv.URL(t, "LAKECTL_TEST_MYSQL_URL")
	table := testTable(t, uri, "id BIGINT PRIMARY KEY, ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, mi MEDIUMINT, i INT, iu INT UNSIGNED, bu BIGINT UNSIGNED, "+
		"f FLOAT, d DOUBLE, n DECIMAL(12,2), nu DECIMAL(10,2) UNSIGNED, nwide DECIMAL(50,5), b BOOLEAN, "+
		"dt DATE, dtm DATETIME(6), ts TIMESTAMP(6) NULL DEFAULT NULL, tm TIME, c CHAR(3), vc VARCHAR(10), tx TEXT, e ENUM('x','y'), j JSON, "+
		"bl BLOB, vb VARBINARY(10), bt BIT(8), y YEAR, u UUID",
		`(1, -128, 255, -32768, -8388608, -2147483648, 4294967295, 18446744073709551615, 1.5, -2.25e300, 12345.67, 99999999.99,
		  123456789012345678901234567890123456789012345.12345, true, '2024-02-29', '2024-01-02 03:04:05.678901', '2024-01-02 01:04:05.678901',
		  '12:34:56', 'x', 'ab', 'héllo', 'y', '{"b": [1, 2.50], "a": null}', X'00ff61', X'', b'101', 2024, '0b5e2a86-8f0e-4c5c-9b25-3c1f6e4b0f00')`,
		`(2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
		`(3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, false, '0000-00-00', '1970-01-01', '1970-01-01 00:00:01', '-838:59:59', '', '', '', 'x', '[]', '', X'00', b'0', 1901, '00000000-0000-0000-0000-000000000000')`)
	// A row written by a session in another zone: TIMESTAMP keeps the
	// instant, DATETIME the wall clock.
	db := testDB(t, uri)
	conn, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, q := range []string{"SET time_zone = '+02:00'", "INSERT INTO " + table + " (id, dtm, ts) VALUES (4, '2024-06-01 12:00:00', '2024-06-01 12:00:00')"} {
		if _, err := conn.ExecContext(t.Context(), q); err != nil {
			t.Fatal(err)
		}
	}
	s, err := ParseDatabaseURI(t.Context(), uri+"?table="+table, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	nulls := func(id int64, vals map[int]any) []any {
		r := make([]any, 28)
		r[0] = id
		for i, v := range vals {
			r[i] = v
		}
		return r
	}
	cols, rows := readAll(t, s, RowsRequest{})
	checkRows(t, cols, rows,
		"id bigint, ti tinyint, tiu smallint, si smallint, mi int, i int, iu bigint, bu decimal(20,0), f float, d double, "+
			"n decimal(12,2), nu decimal(10,2), nwide string, b boolean, dt date, dtm timestamp local, ts timestamp, tm string, "+
			"c string, vc string, tx string, e string, j string, bl binary, vb binary, bt bigint, y smallint, u string",
		[][]any{
			{int64(1), int64(-128), int64(255), int64(-32768), int64(-8388608), int64(-2147483648), int64(4294967295), json.Number("18446744073709551615"),
				1.5, -2.25e300, json.Number("12345.67"), json.Number("99999999.99"), "123456789012345678901234567890123456789012345.12345", true,
				utc("2024-02-29T00:00:00Z"), utc("2024-01-02T03:04:05.678901Z"), utc("2024-01-02T01:04:05.678901Z"), "12:34:56",
				"x", "ab", "héllo", "y", `{"a":null,"b":[1,2.50]}`, []byte{0, 0xff, 'a'}, []byte{}, int64(5), int64(2024), "0b5e2a86-8f0e-4c5c-9b25-3c1f6e4b0f00"},
			nulls(2, nil),
			{int64(3), int64(0), int64(0), int64(0), int64(0), int64(0), int64(0), json.Number("0"), 0.0, 0.0, json.Number("0.00"), json.Number("0.00"), "0.00000", false,
				nil, utc("1970-01-01T00:00:00Z"), utc("1970-01-01T00:00:01Z"), "-838:59:59", "", "", "", "x", "[]", []byte{}, []byte{0}, int64(0), int64(1901),
				"00000000-0000-0000-0000-000000000000"},
			nulls(4, map[int]any{15: utc("2024-06-01T12:00:00Z"), 16: utc("2024-06-01T10:00:00Z")}),
		})
	// A query's rows are typed by the result alone: a BOOLEAN is the
	// tinyint it is stored as, MariaDB's JSON the text it holds.
	q, err := ParseDatabaseURI(t.Context(), uri, "SELECT id, b, j, ts FROM "+table+" WHERE id = 1", nil)
	if err != nil {
		t.Fatal(err)
	}
	cols, rows = readAll(t, q, RowsRequest{Column: "ts", From: utc("2024-01-02T01:04:05.678901Z")})
	checkRows(t, cols, rows, "id bigint, b tinyint, j string, ts timestamp",
		[][]any{{int64(1), int64(1), `{"b": [1, 2.50], "a": null}`, utc("2024-01-02T01:04:05.678901Z")}})
	for _, c := range []struct {
		col  string
		from any
		ids  []int64
	}{
		{"id", int64(3), []int64{3, 4}},
		{"n", json.Number("12345.67"), []int64{1}},
		{"bu", json.Number("18446744073709551615"), []int64{1}},
		{"ts", utc("2024-01-02T01:04:05.678901Z"), []int64{1, 4}},
		{"dtm", utc("2024-06-01T12:00:00Z"), []int64{4}},
		{"dt", utc("2024-01-01T00:00:00Z"), []int64{1}},
		{"d", -3e300, []int64{1, 3}},
		{"vc", "a", []int64{1}},
	} {
		_, rows := readAll(t, s, RowsRequest{Column: c.col, From: c.from})
		var ids []int64
		for _, r := range rows {
			ids = append(ids, r[0].(int64))
		}
		if fmt.Sprint(ids) != fmt.Sprint(c.ids) {
			t.Errorf("%s from %v: ids %v, want %v", c.col, c.from, ids, c.ids)
		}
	}
	checkRequestErrors(t, s)
}

// A query the database refuses is an error with the database's own
// message and never the password; one that may pass if tried again (no
// server listening) is ErrTransient, one that will not (a wrong
// password) is not.
func TestReadRowsErrors(t *testing.T) {
	for _, env := range []string{"LAKECTL_TEST_POSTGRES_URL", "LAKECTL_TEST_MYSQL_URL"} {
		t.Run(env, func(t *testing.T) {
			uri := testenv.URL(t, env)
			s, err := ParseDatabaseURI(t.Context(), uri, "SELECT nope FROM nowhere", nil)
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.ReadRows(t.Context(), RowsRequest{})
			t.Log(err)
			if !errors.Is(err, ErrDatabase) || errors.Is(err, ErrTransient) || !strings.Contains(strings.ToLower(err.Error()), "nowhere") || strings.Contains(err.Error(), "lakectl-test-pw") {
				t.Errorf("a failing query: %v", err)
			}
			wrong, _ := ParseDatabaseURI(t.Context(), strings.Replace(uri, "lakectl-test-pw", "wrong-pw", 1), "SELECT 1", nil)
			_, err = wrong.ReadRows(t.Context(), RowsRequest{})
			if !errors.Is(err, ErrDatabase) || errors.Is(err, ErrTransient) || strings.Contains(err.Error(), "wrong-pw") {
				t.Errorf("a wrong password: %v", err)
			}
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := l.Addr().String()
			l.Close() // nothing listens there now
			host := uri[strings.Index(uri, "@")+1:]
			host = host[:strings.IndexAny(host, "/")]
			host = strings.TrimSuffix(strings.TrimPrefix(host, "tcp("), ")")
			gone, _ := ParseDatabaseURI(t.Context(), strings.Replace(uri, host, addr, 1), "SELECT 1", nil)
			_, err = gone.ReadRows(t.Context(), RowsRequest{})
			t.Log(err)
			if !errors.Is(err, ErrTransient) || !errors.Is(err, ErrDatabase) || strings.Contains(err.Error(), "lakectl-test-pw") {
				t.Errorf("no server: %v", err)
			}
		})
	}
}

// canonicalJSON: documents equal as JSON have one text; numbers keep
// their digits; what is not one document is an error.
func TestCanonicalJSON(t *testing.T) {
	for in, want := range map[string]string{
		`{"b": [1, 2.50, 1e400], "a": {"y": null, "x": "<&>"}}`: `{"a":{"x":"<&>","y":null},"b":[1,2.50,1e400]}`,
		` "x" `:                 `"x"`,
		`{"a": 1, "a": 2}`:      `{"a":2}`,
		`12345678901234567890`:  `12345678901234567890`,
		`{"é\u00e9": "\u2028"}`: `{"éé":"\u2028"}`,
	} {
		if got, err := canonicalJSON([]byte(in)); err != nil || got != want {
			t.Errorf("%s: got %s (%v), want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{``, `{`, `{} {}`, `[1,]`} {
		if got, err := canonicalJSON([]byte(bad)); err == nil {
			t.Errorf("%q: got %s, want an error", bad, got)
		}
	}
}

// Closing a reader before its last row ends the query in flight rather
// than reading the rest: 50 million rows would take many seconds.
func TestReadRowsCloseEarly(t *testing.T) {
	for env, query := range map[string]string{
		"LAKECTL_TEST_POSTGRES_URL": "SELECT a * 50000 + b FROM generate_series(0, 999) a, generate_series(1, 50000) b",
		"LAKECTL_TEST_MYSQL_URL":    "SELECT seq FROM seq_1_to_50000000",
	} {
		t.Run(env, func(t *testing.T) {
			s, err := ParseDatabaseURI(t.Context(), testenv.URL(t, env), query, nil)
			if err != nil {
				t.Fatal(err)
			}
			r, err := s.ReadRows(t.Context(), RowsRequest{})
			if err != nil {
				t.Fatal(err)
			}
			if b, err := r.Next(t.Context()); err != nil || len(b) != rowsBatch {
				t.Fatalf("first batch: %d rows, %v", len(b), err)
			}
			start := time.Now()
			r.Close()
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("Close took %v", d)
			}
		})
	}
}
