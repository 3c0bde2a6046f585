package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/internal/dataset"
	"github.com/lakectl/lakectl/internal/storage/s3/s3test"
	"github.com/lakectl/lakectl/internal/testenv"
)

// An ingest of files killed (SIGKILL) at every step of its write: right
// after the kill, with no journal left, the dataset shows the files before
// the run or all of them after it; with a journal, the next run finishes
// it. Run again, every source file is landed exactly once, and the history
// holds one committed run per landing. Files are listed with os or a plain
// AWS SDK client (no lakectl code).
func TestIngestFailpoints(t *testing.T) {
	if testing.Short() {
		t.Skip("kills the binary at every step of an ingest")
	}
	t.Run("local", func(t *testing.T) { runIngestFailpoints(t, nil) })
	t.Run("minio", func(t *testing.T) {
		srv, ok := s3Server(t)
		if !ok {
			t.Skip("no S3 test server (run make test)")
		}
		runIngestFailpoints(t, &srv)
	})
}

func runIngestFailpoints(t *testing.T, srv *s3test.Server) {
	steps := []string{"ingest.leased", "ingest.fetched#1", "ingest.fetched#3", "ingest.staged", "ingest.journaled",
		"ingest.moved#1", "ingest.moved#3", "ingest.recorded", "ingest.finished"}
	for _, step := range steps {
		t.Run(strings.ReplaceAll(step, "#", "_"), func(t *testing.T) {
			sources := map[string]string{}
			for i := range 3 {
				sources[fmt.Sprintf("f%d.csv", i)] = fmt.Sprintf("id\n%d\n", i)
			}
			k := newKillEnv(t, srv, sources)
			root, name := filepath.Dir(k.dest), filepath.Base(k.dest)
			if srv != nil {
				root, name = strings.TrimSuffix(k.dest, "/t"), "t"
			}
			ingest := []string{"ingest", filepath.Join(k.dir, "raw"), "--to", root, "--dataset", name}
			landed := func() []string {
				var out []string
				for key := range k.files() {
					if !hiddenKey(key) {
						out = append(out, key[strings.LastIndex(key, "_")+1:])
					}
				}
				slices.Sort(out)
				return out
			}
			all := []string{"f0.csv", "f1.csv", "f2.csv"}
			for round, want := range [][]string{all, append(slices.Clone(all), "f3.csv")} {
				if round == 1 {
					os.WriteFile(filepath.Join(k.dir, "raw", "f3.csv"), []byte("id\n3\n"), 0o644)
				}
				before := landed()
				at := step
				if round == 1 { // one new file: each step is reached once
					at, _, _ = strings.Cut(step, "#")
				}
				if !k.killedAt(at, ingest...) {
					t.Fatalf("round %d: not killed at %s", round, step)
				}
				got := landed()
				_, journal := k.files()["_lakectl_journal.json"]
				if !journal && !slices.Equal(got, before) && !slices.Equal(got, want) {
					t.Fatalf("round %d, killed at %s with no journal: landed %v, want %v or %v", round, step, got, before, want)
				}
				k.run(ingest...)
				if got := landed(); !slices.Equal(got, want) {
					t.Fatalf("round %d, killed at %s and run again: landed %v, want %v", round, step, got, want)
				}
				if _, journal := k.files()["_lakectl_journal.json"]; journal {
					t.Fatalf("round %d: a journal is left after the rerun", round)
				}
				out := string(k.run("ingest", "history", name, "--to", root, "-o", "json"))
				if n := strings.Count(out, `"outcome": "committed"`); n != round+1 {
					t.Fatalf("round %d: %d committed runs in the history:\n%s", round, n, out)
				}
			}
		})
	}
}

// An incremental ingest of a PostgreSQL and a MariaDB table killed at
// every step of its write: run again, every row is landed exactly once (no
// duplicate, no gap), rows committed late within the lookback included, and
// the watermark never runs ahead of the data: after a kill before the
// journal, the watermark is the one before the run.
func TestIngestSQLFailpoints(t *testing.T) {
	if testing.Short() {
		t.Skip("kills the binary at every step of an ingest")
	}
	for _, db := range []string{"postgres", "mysql"} {
		t.Run(db, func(t *testing.T) {
			base := testenv.URL(t, map[string]string{"postgres": "LAKECTL_TEST_POSTGRES_URL", "mysql": "LAKECTL_TEST_MYSQL_URL"}[db])
			for _, step := range []string{"ingest.leased", "ingest.staged", "ingest.journaled", "ingest.moved", "ingest.recorded", "ingest.state", "ingest.finished"} {
				t.Run(step, func(t *testing.T) { runIngestSQLFailpoint(t, db, base, step) })
			}
		})
	}
}

func runIngestSQLFailpoint(t *testing.T, db, base, step string) {
	table := fmt.Sprintf("ingkill_%s", strings.ReplaceAll(step, ".", "_"))
	exec := func(stmts ...string) {
		t.Helper()
		src, err := dataset.ParseDatabaseURI(context.Background(), base, "SELECT 1", nil)
		if err != nil {
			t.Fatal(err)
		}
		conn, rows, err := src.Open(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		rows.Close()
		defer conn.Close()
		for _, s := range stmts {
			if _, err := conn.Exec(s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
	}
	exec("DROP TABLE IF EXISTS "+table, "CREATE TABLE "+table+" (id bigint PRIMARY KEY, note varchar(20), updated_at timestamp NULL)",
		"INSERT INTO "+table+" VALUES (1, 'a', '2026-11-01 08:00:00'), (2, 'b', '2026-11-01 09:00:00'), (3, 'c', '2026-11-01 10:00:00')")
	t.Cleanup(func() { exec("DROP TABLE IF EXISTS " + table) })
	k := newKillEnv(t, nil, nil)
	ingest := []string{"ingest", base + "?table=" + table, "--to", k.dir, "--dataset", "dest",
		"--incremental-column", "updated_at", "--lookback", "2h", "--key", "id"}
	landed := func() []int64 {
		var ids []int64
		for key := range k.files() {
			if hiddenKey(key) {
				continue
			}
			data, err := os.ReadFile(filepath.Join(k.dest, key))
			if err != nil {
				t.Fatal(err)
			}
			for line := range strings.SplitSeq(strings.TrimSpace(string(data)), "\n") {
				var rec struct{ ID int64 }
				if err := json.Unmarshal([]byte(line), &rec); err != nil {
					t.Fatalf("%s: %v", key, err)
				}
				ids = append(ids, rec.ID)
			}
		}
		slices.Sort(ids)
		return ids
	}
	watermark := func() string {
		data, err := os.ReadFile(filepath.Join(k.dest, "_lakectl_state.json"))
		if errors.Is(err, fs.ErrNotExist) {
			return ""
		}
		if err != nil {
			t.Fatal(err)
		}
		var st struct{ Watermark string }
		if err := json.Unmarshal(data, &st); err != nil {
			t.Fatal(err)
		}
		return st.Watermark
	}
	rounds := []struct {
		insert string
		want   []int64
	}{
		{"", []int64{1, 2, 3}},
		// 4 at the watermark's time, 5 committed late (an hour older), 6 new.
		{"INSERT INTO " + table + " VALUES (4, 'd', '2026-11-01 10:00:00'), (5, 'late', '2026-11-01 09:00:00'), (6, 'e', '2026-11-02 00:00:00')", []int64{1, 2, 3, 4, 5, 6}},
	}
	for i, r := range rounds {
		if r.insert != "" {
			exec(r.insert)
		}
		before, wmBefore := landed(), watermark()
		if !k.killedAt(step, ingest...) {
			t.Fatalf("round %d: not killed at %s", i, step)
		}
		_, journal := k.files()["_lakectl_journal.json"]
		if got := landed(); !journal && !slices.Equal(got, before) && !slices.Equal(got, r.want) {
			t.Fatalf("round %d, killed at %s with no journal: landed %v, want %v or %v", i, step, got, before, r.want)
		}
		if wm := watermark(); !journal && wm != wmBefore && !slices.Equal(landed(), r.want) {
			t.Fatalf("round %d, killed at %s: the watermark moved to %s without the data", i, step, wm)
		}
		k.run(ingest...)
		if got := landed(); !slices.Equal(got, r.want) {
			t.Fatalf("round %d, killed at %s and run again: landed %v, want %v", i, step, got, r.want)
		}
	}
	if wm := watermark(); wm != "2026-11-02T00:00:00Z" {
		t.Fatalf("watermark %s", wm)
	}
}
