package ingest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/lakectl/lakectl/internal/testenv"
)

// benchTable is the PostgreSQL table of the landing benchmarks: the
// columns of convert's CSV benchmark (a bigint, two texts, a
// numeric(12,2), an integer, a timestamptz, a date, a boolean), of
// LAKECTL_BENCH_ROWS rows (1,000,000 by default), made once and kept on
// the test server.
func benchTable(b *testing.B) (uri, table string, rows int) {
	uri = testenv.URL(b, "LAKECTL_TEST_POSTGRES_URL")
	rows = 1_000_000
	if s := os.Getenv("LAKECTL_BENCH_ROWS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			b.Fatalf("LAKECTL_BENCH_ROWS=%q: want a number of rows", s)
		}
		rows = n
	}
	table = fmt.Sprintf("lakectl_bench_orders_%d", rows)
	conn, err := pgconn.Connect(b.Context(), uri)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(context.Background())
	res := conn.ExecParams(b.Context(), "SELECT count(*) FROM "+table, nil, nil, nil, nil).Read()
	if res.Err == nil && len(res.Rows) == 1 && string(res.Rows[0][0]) == strconv.Itoa(rows) {
		return uri, table, rows
	}
	err = conn.Exec(b.Context(), fmt.Sprintf(`DROP TABLE IF EXISTS %[1]s;
		CREATE TABLE %[1]s (id bigint, customer text, email text, amount numeric(12,2), quantity int, ordered_at timestamptz, day date, paid boolean);
		INSERT INTO %[1]s SELECT g, 'customer ' || g %% 1000, 'user' || g %% 5000 || '@example.com', (g %% 1000000) / 100.0, g %% 50,
			timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second', date '2024-01-01' + (g %% 365)::int, g %% 3 = 0
		FROM generate_series(1, %[2]d) g`, table, rows)).Close()
	if err == nil {
		_, err = conn.Exec(b.Context(), "VACUUM ANALYZE "+table).ReadAll()
	}
	if err != nil {
		b.Fatal(err)
	}
	return uri, table, rows
}

// reportRows reports rows a second and the process's peak RSS.
func reportRows(b *testing.B, rows int) {
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak-MiB") // Linux counts KiB
	}
}

// BenchmarkPostgresToParquet lands the table in one Parquet file on local
// disk: SQLSource's typed rows through convert.RowWriter, as ingest
// --format parquet lands them. Run it alone (-bench '^BenchmarkPostgresToParquet$'):
// peak-MiB is the whole test process's.
func BenchmarkPostgresToParquet(b *testing.B) {
	uri, table, rows := benchTable(b)
	src, err := NewSQLSource(b.Context(), uri+"?table="+table, "", nil)
	if err != nil {
		b.Fatal(err)
	}
	out := filepath.Join(b.TempDir(), "orders.parquet")
	for b.Loop() {
		f, err := os.Create(out)
		if err != nil {
			b.Fatal(err)
		}
		_, w, err := land(b.Context(), src, ReadRequest{}, f)
		if err := errors.Join(err, f.Close()); err != nil || w.Rows() != int64(rows) {
			b.Fatalf("%v: %d rows", err, w.Rows())
		}
		b.SetBytes(w.Bytes())
	}
	reportRows(b, rows)
}

// BenchmarkPostgresCopyFloor is the floor BenchmarkPostgresToParquet is
// held against: the server's COPY (SELECT …) TO STDOUT (FORMAT binary)
// of the same table, written as it comes into a file.
func BenchmarkPostgresCopyFloor(b *testing.B) {
	uri, table, rows := benchTable(b)
	out := filepath.Join(b.TempDir(), "orders.bin")
	for b.Loop() {
		f, err := os.Create(out)
		if err != nil {
			b.Fatal(err)
		}
		conn, err := pgconn.Connect(b.Context(), uri)
		if err != nil {
			b.Fatal(err)
		}
		// Buffered as psql's \copy writes (pgconn writes each row as it
		// comes: a system call a row).
		buf := bufio.NewWriterSize(f, 1<<20)
		tag, err := conn.CopyTo(b.Context(), buf, "COPY (SELECT * FROM "+table+") TO STDOUT (FORMAT binary)")
		if err := errors.Join(err, buf.Flush(), f.Close(), conn.Close(context.Background())); err != nil || tag.RowsAffected() != int64(rows) {
			b.Fatalf("%v: %v", err, tag)
		}
	}
	reportRows(b, rows)
}
