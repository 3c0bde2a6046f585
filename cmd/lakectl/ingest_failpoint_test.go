package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/internal/storage/s3/s3test"
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
