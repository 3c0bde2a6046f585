package ingest

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/convert"
	"github.com/lakectl/lakectl/internal/dataset"
	"github.com/lakectl/lakectl/internal/testenv"
)

const testPassword = "lakectl-test-pw"

// sqlTable makes a table of its own on the test database at uri (its
// statements with %s for the table's name), dropped when the test ends.
func sqlTable(t testing.TB, uri string, stmts ...string) string {
	t.Helper()
	b := make([]byte, 4)
	rand.Read(b)
	name := "ingest_" + hex.EncodeToString(b)
	driver, dsn := "pgx", uri
	if strings.HasPrefix(uri, "mysql://") {
		// mysql://user:pw@tcp(host:port)/db as the driver's DSN.
		driver, dsn = "mysql", strings.TrimPrefix(uri, "mysql://")+"?time_zone=%27%2B00%3A00%27"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Exec("DROP TABLE " + name)
		db.Close()
	})
	for _, s := range stmts {
		if _, err := db.Exec(strings.ReplaceAll(s, "%s", name)); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	return name
}

// land reads a source's rows into one Parquet file on out with
// convert.RowWriter, as ingest lands a batch stream.
func land(ctx context.Context, src RowSource, req ReadRequest, out io.Writer) ([]catalog.Column, *convert.RowWriter, error) {
	r, err := src.Read(ctx, req)
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	w, err := convert.NewRowWriter(out, r.Columns(), convert.FileOptions{})
	if err != nil {
		return nil, nil, err
	}
	for {
		rows, err := r.Next(ctx)
		if errors.Is(err, io.EOF) {
			return r.Columns(), w, w.Close()
		}
		if err != nil {
			return nil, nil, err
		}
		if err := w.Write(rows); err != nil {
			return nil, nil, err
		}
	}
}

// landParquet lands a source's rows in memory.
func landParquet(t *testing.T, src RowSource, req ReadRequest) ([]catalog.Column, []byte) {
	t.Helper()
	var buf bytes.Buffer
	cols, _, err := land(t.Context(), src, req, &buf)
	if err != nil {
		t.Fatal(err)
	}
	return cols, buf.Bytes()
}

// arrowValues reads a Parquet file with Apache Arrow (no code of
// lakectl's): each column's type, and its values as Arrow prints them.
func arrowValues(t *testing.T, data []byte) map[string]string {
	t.Helper()
	pf, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	out := map[string]string{}
	for c := range int(tbl.NumCols()) {
		col := tbl.Column(c)
		var vals []string
		for _, chunk := range col.Data().Chunks() {
			for i := range chunk.Len() {
				vals = append(vals, chunk.ValueStr(i))
			}
		}
		out[col.Name()] = col.DataType().String() + " " + strings.Join(vals, " | ")
	}
	return out
}

func checkValues(t *testing.T, got, want map[string]string) {
	t.Helper()
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s:\n got %s\nwant %s", k, got[k], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d columns, want %d: %v", len(got), len(want), got)
	}
}

// Every type of a PostgreSQL table lands in Parquet as the value it is,
// read back by Apache Arrow.
func TestSQLSourceLandsEveryPostgresType(t *testing.T) {
	uri := testenv.URL(t, "LAKECTL_TEST_POSTGRES_URL")
	table := sqlTable(t, uri, `CREATE TABLE %s (id int8, i2 int2, i4 int4, f4 float4, f8 float8, n numeric(12,2), w numeric(30,10), free numeric,
		b boolean, d date, ts timestamp, tstz timestamptz, t text, u uuid, j json, jb jsonb, by bytea, ai int4[], ats timestamptz[], iv interval)`,
		`INSERT INTO %s VALUES (1, -32768, 2147483647, 1.5, 0.1, -12345.67, 12345678901234567890.0123456789, 1e-20,
		  true, '2024-02-29', '2024-01-02 03:04:05.678901', '2024-01-02 03:04:05.678901-05', 'héllo', '0b5e2a86-8f0e-4c5c-9b25-3c1f6e4b0f00',
		  '{"b": 1, "a": [true, null]}', '{"b": 1, "a": [true, null]}', '\x00ff', '{1,NULL}', '{"2024-01-02 00:00:00+00"}', '90 minutes'),
		  (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`)
	src, err := NewSQLSource(t.Context(), uri+"?table=public."+table, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, data := landParquet(t, src, ReadRequest{})
	checkValues(t, arrowValues(t, data), map[string]string{
		"id":   "int64 1 | 2",
		"i2":   "int16 -32768 | (null)",
		"i4":   "int32 2147483647 | (null)",
		"f4":   "float32 1.5 | (null)",
		"f8":   "float64 0.1 | (null)",
		"n":    "decimal(12, 2) -12345.67 | (null)",
		"w":    "decimal(30, 10) 12345678901234567890.0123456789 | (null)",
		"free": "utf8 0.00000000000000000001 | (null)",
		"b":    "bool true | (null)",
		"d":    "date32 2024-02-29 | (null)",
		"ts":   "timestamp[us] 2024-01-02T03:04:05.678901 | (null)",
		"tstz": "timestamp[us, tz=UTC] 2024-01-02T08:04:05.678901Z | (null)",
		"t":    "utf8 héllo | (null)",
		"u":    "utf8 0b5e2a86-8f0e-4c5c-9b25-3c1f6e4b0f00 | (null)",
		"j":    `utf8 {"a":[true,null],"b":1} | (null)`,
		"jb":   `utf8 {"a":[true,null],"b":1} | (null)`,
		"by":   "binary AP8= | (null)",
		"ai":   "list<element: int32, nullable> [1,null] | (null)",
		"ats":  `list<element: timestamp[us, tz=UTC], nullable> ["2024-01-02T00:00:00Z"] | (null)`,
		"iv":   "utf8 01:30:00 | (null)",
	})
}

// Every type of a MariaDB table lands in Parquet as the value it is,
// read back by Apache Arrow.
func TestSQLSourceLandsEveryMariaDBType(t *testing.T) {
	uri := testenv.URL(t, "LAKECTL_TEST_MYSQL_URL")
	table := sqlTable(t, uri, "CREATE TABLE %s (id BIGINT, ti TINYINT, si SMALLINT UNSIGNED, i INT, f FLOAT, d DOUBLE, n DECIMAL(12,2), "+
		"b BOOLEAN, dt DATE, dtm DATETIME(6), ts TIMESTAMP(6) NULL DEFAULT NULL, c VARCHAR(10), j JSON, bl BLOB, u UUID, tm TIME)",
		`INSERT INTO %s VALUES (1, -128, 65535, -2147483648, 1.5, 0.1, -12345.67, true, '2024-02-29', '2024-01-02 03:04:05.678901',
		  '2024-01-02 08:04:05.678901', 'héllo', '{"b": 1, "a": [true, null]}', X'00ff', '0b5e2a86-8f0e-4c5c-9b25-3c1f6e4b0f00', '01:30:00'),
		  (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`)
	src, err := NewSQLSource(t.Context(), uri+"?table="+table, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, data := landParquet(t, src, ReadRequest{})
	checkValues(t, arrowValues(t, data), map[string]string{
		"id":  "int64 1 | 2",
		"ti":  "int8 -128 | (null)",
		"si":  "int32 65535 | (null)",
		"i":   "int32 -2147483648 | (null)",
		"f":   "float32 1.5 | (null)",
		"d":   "float64 0.1 | (null)",
		"n":   "decimal(12, 2) -12345.67 | (null)",
		"b":   "bool true | (null)",
		"dt":  "date32 2024-02-29 | (null)",
		"dtm": "timestamp[us] 2024-01-02T03:04:05.678901 | (null)",
		"ts":  "timestamp[us, tz=UTC] 2024-01-02T08:04:05.678901Z | (null)",
		"c":   "utf8 héllo | (null)",
		"j":   `utf8 {"a":[true,null],"b":1} | (null)`,
		"bl":  "binary AP8= | (null)",
		"u":   "utf8 0b5e2a86-8f0e-4c5c-9b25-3c1f6e4b0f00 | (null)",
		"tm":  "utf8 01:30:00 | (null)",
	})
}

// Incremental reads, on both databases: only the rows at or above the
// lower bound, the database comparing; the whole table without one; a
// column the table lacks, or a query the database refuses, is a clear
// error that never shows the password.
func TestSQLSourceReadsFromALowerBound(t *testing.T) {
	for _, env := range []string{"LAKECTL_TEST_POSTGRES_URL", "LAKECTL_TEST_MYSQL_URL"} {
		t.Run(strings.TrimSuffix(strings.TrimPrefix(env, "LAKECTL_TEST_"), "_URL"), func(t *testing.T) {
			uri := testenv.URL(t, env)
			ts := "timestamptz"
			if strings.HasPrefix(uri, "mysql") {
				ts = "TIMESTAMP(6) NULL"
			}
			table := sqlTable(t, uri, "CREATE TABLE %s (id bigint, updated_at "+ts+", note varchar(20))",
				`INSERT INTO %s VALUES (1, '2024-01-01 00:00:00', 'a'), (2, '2024-01-02 00:00:00', 'b'), (3, '2024-01-02 00:00:00', 'c'),
				  (4, '2024-01-03 12:00:00.5', 'd'), (5, NULL, 'e')`)
			src, err := NewSQLSource(t.Context(), uri+"?table="+table, "", nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range []string{src.String(), fmt.Sprintf("%v %+v %#v %s", src, src, src, src)} {
				if strings.Contains(s, testPassword) || !strings.Contains(s, "xxxxx") {
					t.Errorf("the source shows as %s", s)
				}
			}
			ids := func(req ReadRequest) string {
				_, data := landParquet(t, src, req)
				return arrowValues(t, data)["id"]
			}
			if got := ids(ReadRequest{}); got != "int64 1 | 2 | 3 | 4 | 5" {
				t.Errorf("a full load: %s", got)
			}
			if got := ids(ReadRequest{Column: "updated_at"}); got != "int64 1 | 2 | 3 | 4 | 5" {
				t.Errorf("an incremental load with no watermark yet: %s", got)
			}
			from := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
			if got := ids(ReadRequest{Column: "updated_at", From: from}); got != "int64 2 | 3 | 4" {
				t.Errorf("from %v: %s", from, got)
			}
			if got := ids(ReadRequest{Column: "UPDATED_AT", From: from.Add(36*time.Hour + 500*time.Millisecond)}); got != "int64 4" {
				t.Errorf("from its last value: %s", got)
			}
			if got := ids(ReadRequest{Column: "id", From: int64(4)}); got != "int64 4 | 5" {
				t.Errorf("from id 4: %s", got)
			}
			q, err := NewSQLSource(t.Context(), uri, "SELECT id, note FROM "+table+" WHERE id <> 3", nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, data := landParquet(t, q, ReadRequest{Column: "note", From: "b"}); arrowValues(t, data)["id"] != "int64 2 | 4 | 5" {
				t.Errorf("a query from note b: %s", arrowValues(t, data)["id"])
			}

			_, err = src.Read(t.Context(), ReadRequest{Column: "modified", From: from})
			var oe *catalog.OptionError
			if !errors.As(err, &oe) || oe.Option != "Column" || !errors.Is(err, catalog.ErrInvalid) ||
				!strings.Contains(err.Error(), "Column modified: no such column in ") || !strings.Contains(err.Error(), "(its columns: id, updated_at, note)") {
				t.Errorf("a missing column: %v", err)
			}
			bad, err := NewSQLSource(t.Context(), uri, "SELECT id FROM "+table+" WHERE nope = 1", nil)
			if err != nil {
				t.Fatal(err)
			}
			_, err = bad.Read(t.Context(), ReadRequest{})
			if !errors.Is(err, dataset.ErrDatabase) || !strings.Contains(strings.ToLower(err.Error()), `nope`) ||
				strings.Contains(err.Error(), testPassword) || !strings.Contains(err.Error(), "xxxxx") {
				t.Errorf("a failing query: %v", err)
			}
		})
	}
}

// flakyProxy forwards TCP connections to addr, but closes the first fail
// of them at once, as a server restarting does; it counts them.
func flakyProxy(t *testing.T, addr string, fail int32) (string, *atomic.Int32) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	var n atomic.Int32
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			if n.Add(1) <= fail {
				c.Close()
				continue
			}
			go func() {
				defer c.Close()
				up, err := net.Dial("tcp", addr)
				if err != nil {
					return
				}
				defer up.Close()
				go io.Copy(up, c)
				io.Copy(c, up)
			}()
		}
	}()
	return l.Addr().String(), &n
}

// Connections dropped as a server restarts are tried again with a
// growing, capped wait, until the rows come or the tries run out.
func TestSQLSourceRetriesTransientFailures(t *testing.T) {
	for _, env := range []string{"LAKECTL_TEST_POSTGRES_URL", "LAKECTL_TEST_MYSQL_URL"} {
		t.Run(strings.TrimSuffix(strings.TrimPrefix(env, "LAKECTL_TEST_"), "_URL"), func(t *testing.T) {
			uri := testenv.URL(t, env)
			if strings.HasPrefix(uri, "postgres") {
				uri += "?sslmode=disable" // one connection a try, not one with TLS and one without
			}
			host := uri[strings.LastIndex(uri, "@")+1:]
			host = strings.TrimSuffix(strings.TrimPrefix(host[:strings.Index(host, "/")], "tcp("), ")")
			var waits []time.Duration
			retry := Retry{Attempts: 4, First: 10 * time.Millisecond, Max: 15 * time.Millisecond,
				Sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }}

			addr, conns := flakyProxy(t, host, 3)
			src, err := NewSQLSource(t.Context(), strings.Replace(uri, host, addr, 1), "SELECT 1 AS one", nil)
			if err != nil {
				t.Fatal(err)
			}
			src.Retry = retry
			if _, data := landParquet(t, src, ReadRequest{}); arrowValues(t, data)["one"] != "int32 1" && arrowValues(t, data)["one"] != "int64 1" {
				t.Errorf("rows %v", arrowValues(t, data))
			}
			// Each try takes one connection or more (pgconn may try again
			// itself), so there were one to three waits.
			if len(waits) == 0 || fmt.Sprint(waits) != fmt.Sprint([]time.Duration{10 * time.Millisecond, 15 * time.Millisecond, 15 * time.Millisecond}[:len(waits)]) || conns.Load() < 4 {
				t.Errorf("waited %v over %d connections, want 10ms 15ms 15ms (or the start of it) over 4 or more", waits, conns.Load())
			}

			waits = nil
			addr, _ = flakyProxy(t, host, 100)
			src, _ = NewSQLSource(t.Context(), strings.Replace(uri, host, addr, 1), "SELECT 1", nil)
			src.Retry = retry
			_, err = src.Read(t.Context(), ReadRequest{})
			if !errors.Is(err, dataset.ErrTransient) || !strings.Contains(err.Error(), "(tried 4 times)") || len(waits) != 3 || strings.Contains(err.Error(), testPassword) {
				t.Errorf("a server that never comes back: %v, waits %v", err, waits)
			}
			// A refusal that trying again cannot cure is not tried again.
			waits = nil
			src, _ = NewSQLSource(t.Context(), strings.Replace(uri, testPassword, "wrong", 1), "SELECT 1", nil)
			src.Retry = retry
			if _, err := src.Read(t.Context(), ReadRequest{}); err == nil || errors.Is(err, dataset.ErrTransient) || len(waits) != 0 {
				t.Errorf("a wrong password: %v, waits %v", err, waits)
			}
		})
	}
}
