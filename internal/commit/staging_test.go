package commit

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/storage/local"
)

// Without a lease, a dead run's staging goes once its heartbeat (or,
// without one, its newest staged file) is older than staleAfter; a run
// whose heartbeat is fresh is never touched, however old its files.
func TestSweepStagingByHeartbeat(t *testing.T) {
	root := t.TempDir()
	s, err := local.New(root)
	if err != nil {
		t.Fatal(err)
	}
	hourAgo := time.Now().Add(-time.Hour)
	stage := func(rel string, mtime time.Time) {
		p := filepath.Join(root, StagingDir, filepath.FromSlash(rel))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	stage("dead-beat.alive", hourAgo)
	stage("dead-beat/part-0.parquet", hourAgo)
	stage("dead-beat/year=2024/part-1.parquet", hourAgo)
	stage("dead-nobeat/part-0.parquet", hourAgo)
	stage("dead-nobeat/.lakectl-tmp-42", hourAgo) // a Put cut short by the kill
	stage("alive.alive", time.Now())
	stage("alive/part-0.parquet", hourAgo) // a long run: old file, fresh heartbeat
	stage("young/part-0.parquet", time.Now())
	stage("self/part-0.parquet", hourAgo)

	removed, err := SweepStaging(t.Context(), s, "self", time.Now(), 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"dead-beat", "dead-nobeat"}; !slices.Equal(removed, want) {
		t.Errorf("removed %v, want %v", removed, want)
	}
	var staged []string
	filepath.WalkDir(filepath.Join(root, StagingDir), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(filepath.Join(root, StagingDir), p)
			staged = append(staged, filepath.ToSlash(rel))
		}
		return nil
	})
	if want := "alive/part-0.parquet alive.alive self/part-0.parquet young/part-0.parquet"; strings.Join(staged, " ") != want {
		t.Errorf("staging after the sweep: %v, want %s", staged, want)
	}
}
