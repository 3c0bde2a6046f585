package convert

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/commit"
)

// A run killed outright leaves its staging folder; the next run into the
// same destination, holding its lease, knows that every other run's
// staging is a dead run's, and removes it all, whatever its heartbeat
// says (the heartbeat rule, for a destination without a lease, is
// commit's TestSweepStagingByHeartbeat).
func TestConvertSweepsStagingOfDeadRuns(t *testing.T) {
	e := newEnv(t, map[string]string{"part-0.csv": orders})
	root := strings.TrimPrefix(e.dest.URI(""), "file://")
	hourAgo := time.Now().Add(-time.Hour)
	stage := func(rel string, mtime time.Time) {
		p := filepath.Join(root, commit.StagingDir, filepath.FromSlash(rel))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	stage("dead/part-0.parquet", hourAgo)
	stage("dead/.lakectl-tmp-42", hourAgo) // a Put cut short by the kill
	stage("alive.alive", time.Now())       // a fresh heartbeat: no lease, so dead
	stage("alive/year=2024/part-0.parquet", time.Now())

	sum, err := e.run(e.csvTable("id:bigint", "phone:string", "amount:decimal(18,2)", "day:date", "note:string"), nil, Options{StaleAfter: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"alive", "dead"}; !slices.Equal(sum.StaleRunsRemoved, want) {
		t.Errorf("StaleRunsRemoved = %v, want %v", sum.StaleRunsRemoved, want)
	}
	var staged []string
	filepath.WalkDir(filepath.Join(root, commit.StagingDir), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(filepath.Join(root, commit.StagingDir), p)
			staged = append(staged, filepath.ToSlash(rel))
		}
		return nil
	})
	if len(staged) != 0 {
		t.Errorf("staging after the run: %v, want none (the run's own heartbeat removed too)", staged)
	}
	if sum.RowsWritten != 2 {
		t.Errorf("rows written %d", sum.RowsWritten)
	}
}

func TestHeartbeatStaysFreshAndIsRemoved(t *testing.T) {
	e := newEnv(t, nil)
	key := commit.StagingDir + "/run1" + ".alive"
	stop := commit.Heartbeat(t.Context(), e.dest, "run1", 20*time.Millisecond)
	first, err := e.dest.Stat(t.Context(), key)
	if err != nil {
		t.Fatalf("no heartbeat while running: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		o, err := e.dest.Stat(t.Context(), key)
		if err == nil && o.ModTime.After(first.ModTime) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("heartbeat not rewritten")
		}
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	if _, err := e.dest.Stat(t.Context(), key); err == nil {
		t.Error("heartbeat left after stop")
	}
}
