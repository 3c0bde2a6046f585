package metricscmd_test

import (
	"slices"
	"testing"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/cli/metricscmd"
	"github.com/lakectl/lakectl/internal/cli/storagecmd"
	"github.com/lakectl/lakectl/internal/metrics"
	"github.com/lakectl/lakectl/internal/validate"
)

// TestReadColumnsAreWritten: the columns the report reads from storage
// snapshots and metrics histories are columns those tables have, of the
// types read, so that a rename on one side fails here rather than reading
// nulls.
func TestReadColumnsAreWritten(t *testing.T) {
	for _, c := range []struct {
		what    string
		read    []string
		written []catalog.Column
	}{
		{"storage snapshot", metrics.StorageColumnNames(), storagecmd.MetricsColumns},
		{"metrics history", metrics.QualityColumnNames(), validate.MetricColumns},
	} {
		for _, name := range c.read {
			if !slices.ContainsFunc(c.written, func(col catalog.Column) bool { return col.Name == name }) {
				t.Errorf("%s: the report reads %s, which is not written", c.what, name)
			}
		}
	}
	// Every snapshot table ends with the day keys Save partitions by.
	for _, cols := range [][]catalog.Column{metrics.TableColumns(), metrics.DatabaseColumns(), storagecmd.MetricsColumns} {
		var last []string
		for _, col := range cols[len(cols)-3:] {
			last = append(last, col.Name)
		}
		if !slices.Equal(last, metricscmd.DayKeys) {
			t.Errorf("columns end with %v, want %v", last, metricscmd.DayKeys)
		}
	}
}
