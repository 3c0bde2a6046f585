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
		read    []catalog.Column
		written []catalog.Column
	}{
		{"storage snapshot", metrics.StorageColumns(), storagecmd.MetricsColumns},
		{"metrics history", metrics.QualityColumns(), validate.MetricColumns},
	} {
		for _, r := range c.read {
			i := slices.IndexFunc(c.written, func(col catalog.Column) bool { return col.Name == r.Name })
			switch {
			case i < 0:
				t.Errorf("%s: the report reads %s, which is not written", c.what, r.Name)
			case c.written[i].Type != r.Type:
				t.Errorf("%s: the report reads %s as %s, written as %s", c.what, r.Name, r.Type, c.written[i].Type)
			}
		}
	}
	// Every snapshot table ends with the keys Save partitions it by.
	for _, c := range []struct {
		cols []catalog.Column
		keys []string
	}{{metrics.TableColumns(), metricscmd.DayKeys}, {metrics.DatabaseColumns(), metricscmd.DayKeys}, {storagecmd.MetricsColumns, storagecmd.MetricsKeys}} {
		var last []string
		for _, col := range c.cols[len(c.cols)-len(c.keys):] {
			last = append(last, col.Name)
		}
		if !slices.Equal(last, c.keys) {
			t.Errorf("columns end with %v, want %v", last, c.keys)
		}
	}
}
