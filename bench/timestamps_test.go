package main

import (
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// A reader in New York sees lakectl's local date-times as they were
// written, and its instants in New York time (DuckDB as the independent
// reader: TIMESTAMP for isAdjustedToUTC=false, TIMESTAMPTZ for true).
// Needs ../bin/lakectl (make build).
func TestTimestampsReadInNewYork(t *testing.T) {
	lakectl, _ := filepath.Abs("../bin/lakectl")
	if _, err := os.Stat(lakectl); err != nil {
		t.Skip("no ../bin/lakectl: run make build")
	}
	dir := t.TempDir()
	csv := filepath.Join(dir, "events.csv")
	if err := os.WriteFile(csv, []byte("id,local,instant\n1,2024-01-02 12:34:00,2024-01-02T12:34:00Z\n2,2024-07-01T08:15,2024-07-01T08:15:00+02:00\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	cmd := exec.Command(lakectl, "convert", csv, "--to", out, "--quiet", "--catalog", "sqlite:"+filepath.Join(dir, "catalog.db"))
	cmd.Env = append(os.Environ(), "TZ=America/New_York")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("convert: %v\n%s", err, b)
	}
	t.Setenv("TZ", "America/New_York")
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // one session: the SET below applies to the query
	if _, err := db.Exec(`SET TimeZone = 'America/New_York'`); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(`SELECT typeof(local), CAST(local AS VARCHAR), typeof(instant), CAST(instant AS VARCHAR)
		FROM read_parquet('` + filepath.Join(out, "*.parquet") + `') ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	want := [][4]string{
		{"TIMESTAMP", "2024-01-02 12:34:00", "TIMESTAMP WITH TIME ZONE", "2024-01-02 07:34:00-05"},
		{"TIMESTAMP", "2024-07-01 08:15:00", "TIMESTAMP WITH TIME ZONE", "2024-07-01 02:15:00-04"},
	}
	i := 0
	for rows.Next() {
		var got [4]string
		if err := rows.Scan(&got[0], &got[1], &got[2], &got[3]); err != nil {
			t.Fatal(err)
		}
		if i >= len(want) || got != want[i] {
			t.Errorf("row %d: %q", i, got)
		}
		i++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if i != len(want) {
		t.Errorf("%d rows, want %d", i, len(want))
	}
}
