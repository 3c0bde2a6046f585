package ingest

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/catalog/sqlite"
	"github.com/lakectl/lakectl/internal/storage/local"
)

// table is a row source in memory: rows of (id bigint, updated_at
// timestamp, note string), filtered as a database would.
type table struct {
	rows [][]any
	reqs []ReadRequest
	name string // String(), "memory" when empty
	// bare: a read of no row says nothing of its columns (as a SharePoint
	// list's does).
	bare bool
}

func (t *table) String() string {
	if t.name != "" {
		return t.name
	}
	return "memory"
}

func (t *table) Read(ctx context.Context, req ReadRequest) (RowReader, error) {
	t.reqs = append(t.reqs, req)
	var out [][]any
	for _, r := range t.rows {
		if req.From != nil && (r[1] == nil || compareValues(r[1], req.From) < 0) {
			continue
		}
		out = append(out, r)
	}
	return &tableReader{rows: out, bare: t.bare && len(out) == 0}, nil
}

type tableReader struct {
	rows [][]any
	bare bool
}

func (r *tableReader) Columns() []catalog.Column {
	if r.bare {
		return nil
	}
	return []catalog.Column{{Name: "id", Type: "bigint"}, {Name: "updated_at", Type: "timestamp", Parameters: map[string]string{catalog.ParamLocalTime: "true"}}, {Name: "note", Type: "string"}}
}

func (r *tableReader) Next(ctx context.Context) ([][]any, error) {
	if len(r.rows) == 0 {
		return nil, io.EOF
	}
	n := min(2, len(r.rows)) // small batches
	b := r.rows[:n]
	r.rows = r.rows[n:]
	return b, nil
}

func (r *tableReader) Close() error { return nil }

func at(min int) time.Time { return time.Date(2026, 1, 1, 0, min, 0, 0, time.UTC) }

// landedIDs reads every landed JSON lines file of the dataset.
func landedIDs(t *testing.T, dir string) []int64 {
	t.Helper()
	var ids []int64
	for _, f := range dataFiles(t, dir) {
		fh, err := os.Open(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			var rec struct {
				ID        int64  `json:"id"`
				UpdatedAt string `json:"updated_at"`
			}
			if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(rec.UpdatedAt, " ") {
				t.Errorf("a local timestamp landed as %q", rec.UpdatedAt)
			}
			ids = append(ids, rec.ID)
		}
		fh.Close()
	}
	slices.Sort(ids)
	return ids
}

func TestRowsIncrementalBoundaryAndLookback(t *testing.T) {
	ctx := context.Background()
	dest := t.TempDir()
	cat, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	ds, err := local.New(filepath.Join(dest, "t"))
	if err != nil {
		t.Fatal(err)
	}
	src := &table{rows: [][]any{
		{int64(1), at(1), "a"}, {int64(2), at(2), "b"}, {int64(3), at(3), "c"},
	}}
	run := func(opts Options) *Summary {
		t.Helper()
		opts.Column = "updated_at"
		sum, err := Rows(ctx, cat, ds, "t", src, opts)
		if err != nil {
			t.Fatal(err)
		}
		return sum
	}
	lb := Options{Lookback: "10m", Key: []string{"id"}}
	s := run(lb)
	if s.Rows != 3 || s.WatermarkAfter != at(3).Format(time.RFC3339Nano) || src.reqs[0].From != nil {
		t.Fatalf("first run %+v, request %+v", s, src.reqs[0])
	}
	// A row that shares the watermark's value, committed after the run:
	// read again, landed once; the rows read again are not landed twice.
	src.rows = append(src.rows, []any{int64(4), at(3), "d"})
	s = run(lb)
	if s.Rows != 1 || s.Duplicates != 3 || !src.reqs[1].From.(time.Time).Equal(at(3).Add(-10*time.Minute)) {
		t.Fatalf("second run %+v, request %+v", s, src.reqs[1])
	}
	// Nothing new: nothing landed, the watermark stays.
	if s = run(lb); s.Outcome != NothingNew || s.Rows != 0 {
		t.Fatalf("third run %+v", s)
	}
	// Rows committed late with an older timestamp, within the lookback,
	// are landed.
	src.rows = append(src.rows, []any{int64(5), at(2), "late"}, []any{int64(6), at(5), "e"})
	if s = run(lb); s.Rows != 2 || s.WatermarkAfter != at(5).Format(time.RFC3339Nano) {
		t.Fatalf("fourth run %+v", s)
	}
	src.rows = append(src.rows, []any{int64(7), at(4), "late again"})
	if s = run(lb); s.Rows != 1 {
		t.Fatalf("fifth run %+v", s)
	}
	// An updated row (the same key, a later time) is new.
	src.rows[0] = []any{int64(1), at(9), "a2"}
	if s = run(lb); s.Rows != 1 {
		t.Fatalf("update %+v", s)
	}
	if got := landedIDs(t, filepath.Join(dest, "t")); !slices.Equal(got, []int64{1, 1, 2, 3, 4, 5, 6, 7}) {
		t.Fatalf("landed %v", got)
	}

	// Without a lookback, rows at the watermark are still read again and
	// landed once, but a row committed late below it is not read.
	ds2, _ := local.New(filepath.Join(dest, "u"))
	src2 := &table{rows: [][]any{{int64(1), at(1), "a"}, {int64(2), at(3), "b"}}}
	for i, add := range [][]any{nil, {int64(3), at(3), "same time"}, {int64(4), at(2), "late"}} {
		if add != nil {
			src2.rows = append(src2.rows, add)
		}
		if _, err := Rows(ctx, cat, ds2, "u", src2, Options{Column: "updated_at"}); err != nil {
			t.Fatal(i, err)
		}
	}
	if got := landedIDs(t, filepath.Join(dest, "u")); !slices.Equal(got, []int64{1, 2, 3}) {
		t.Fatalf("landed without lookback %v", got)
	}
}

func TestRowsFormats(t *testing.T) {
	ctx := context.Background()
	cat, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ds, _ := local.New(dir)
	src := &table{rows: [][]any{{int64(1), at(1), "with, comma \"q\"\nline"}, {int64(2), nil, nil}}}
	sum, err := Rows(ctx, cat, ds, "t", src, Options{Format: FormatCSV})
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, sum.Landed[0].Key))
	if err != nil {
		t.Fatal(err)
	}
	want := "id,updated_at,note\n1,2026-01-01 00:01:00,\"with, comma \"\"q\"\"\nline\"\n2,,\n"
	if string(data) != want {
		t.Fatalf("csv:\n%s\nwant\n%s", data, want)
	}
}

// The review's cases: a wider lookback lands nothing twice; a column null
// in every row, a string column, and another source's watermark are
// refused; a read of no row and no columns is nothing new.
func TestRowsStateEdges(t *testing.T) {
	ctx := context.Background()
	cat, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ds, _ := local.New(dir)
	src := &table{rows: [][]any{{int64(1), at(1), "a"}, {int64(2), at(2), "b"}, {int64(3), at(3), "c"}}}
	run := func(opts Options) (*Summary, error) {
		opts.Column = "updated_at"
		return Rows(ctx, cat, ds, "t", src, opts)
	}
	if _, err := run(Options{Key: []string{"id"}}); err != nil {
		t.Fatal(err)
	}
	src.rows = append(src.rows, []any{int64(4), at(4), "d"})
	for i := range 3 { // the lookback widened: rows 1-3 are not landed again
		if _, err := run(Options{Lookback: "30m", Key: []string{"id"}}); err != nil {
			t.Fatal(i, err)
		}
	}
	if got := landedIDs(t, dir); !slices.Equal(got, []int64{1, 2, 3, 4}) {
		t.Fatalf("after widening the lookback: %v", got)
	}

	// Another source's watermark is refused.
	other := &table{rows: src.rows, name: "another table"}
	if _, err := Rows(ctx, cat, ds, "t", other, Options{Column: "updated_at", Key: []string{"id"}}); err == nil || !strings.Contains(err.Error(), "the dataset's watermark is of memory, not of another table") {
		t.Fatalf("another source: %v", err)
	}
	// A string column cannot be incremental.
	ds2, _ := local.New(t.TempDir())
	if _, err := Rows(ctx, cat, ds2, "s", src, Options{Column: "note"}); err == nil || !strings.Contains(err.Error(), "a string column cannot be incremental") {
		t.Fatalf("a string column: %v", err)
	}
	// A column null in every row: refused, nothing landed.
	nulls := &table{rows: [][]any{{int64(1), nil, "a"}, {int64(2), nil, "b"}}}
	dir3 := t.TempDir()
	ds3, _ := local.New(dir3)
	if _, err := Rows(ctx, cat, ds3, "n", nulls, Options{Column: "updated_at"}); err == nil || !strings.Contains(err.Error(), "is null in every row read") {
		t.Fatalf("all null: %v", err)
	}
	if got := landedIDs(t, dir3); len(got) != 0 {
		t.Fatalf("all null landed %v", got)
	}
	// The rows beyond the watermark are gone, and the source says nothing
	// of its columns: nothing new.
	bare := &table{bare: true}
	// Another key than the one the hashes are of is refused.
	if _, err := run(Options{}); err == nil || !strings.Contains(err.Error(), "the dataset's rows are told apart by id: keep that --key") {
		t.Fatalf("another key: %v", err)
	}
	dir4 := t.TempDir()
	ds4, _ := local.New(dir4)
	if s, err := Rows(ctx, cat, ds4, "b", bare, Options{Column: "updated_at"}); err != nil || s.Outcome != NothingNew {
		t.Fatalf("no row, no column: %v, %+v", err, s)
	}
}
