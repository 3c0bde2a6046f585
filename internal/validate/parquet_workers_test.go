package validate

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/catalog/sqlite"
	"github.com/lakectl/lakectl/internal/dataset"
	"github.com/lakectl/lakectl/internal/storage/local"
)

// Two workers profiling small Parquet files side by side read every string
// whole. (Pages handed back to parquet-go's pool had their buffers reused
// while the other worker's values still pointed into them: "Match" was
// profiled as "tch", about once in a hundred runs.)
func TestProfileParquetStringsSurviveTwoWorkers(t *testing.T) {
	c, _ := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "catalog.db"))
	defer c.Close()
	dest, _ := local.New(t.TempDir())
	rep := &CompareReport{Source: "s", Target: "t", Columns: []ColumnComparison{
		{Column: "id", Status: Match},
		{Column: "amount", Status: NoMatch},
	}}
	for _, day := range []string{"2026-11-25", "2026-11-26", "2026-11-26"} {
		now, _ := time.Parse("2006-01-02", day)
		saveReport(t, c, rep, dest, now)
	}
	tb, _ := c.GetTable(t.Context(), "db_deequ", "migration_validation")
	for i := range 200 {
		pq := *tb
		p, err := ProfileInput(t.Context(), dataset.Input{Table: &pq, Partitions: partitionsOf(t, c), Store: openLocal}, ProfileOptions{Columns: []string{"status"}, Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		if p.Column("status").ApproxDistinct != 2 {
			t.Fatalf("iteration %d: %+v", i, p.Column("status").Histogram)
		}
	}
}
