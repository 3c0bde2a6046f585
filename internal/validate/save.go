package validate

import (
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
)

// ReportColumns are the columns of a saved compare report: those of the
// PyDeequ migration blog, the run time, and the run date it is partitioned by.
var ReportColumns = []catalog.Column{
	{Name: "table_name", Type: "string", Comment: "the source"},
	{Name: "col_name", Type: "string"},
	{Name: "src_datatype", Type: "string"},
	{Name: "tgt_datatype", Type: "string"},
	{Name: "src_completeness", Type: "double"},
	{Name: "tgt_completeness", Type: "double"},
	{Name: "src_approx_distinct_values", Type: "bigint"},
	{Name: "tgt_approx_distinct_values", Type: "bigint"},
	{Name: "src_count", Type: "bigint"},
	{Name: "tgt_count", Type: "bigint"},
	{Name: "status", Type: "string", Comment: "Match or No Match"},
	{Name: "target_name", Type: "string", Comment: "the target"},
	{Name: "run_time", Type: "timestamp"},
	{Name: "run_date", Type: "string", Comment: "partition: the day of the run"},
}

// ReportRows are a compare's column report as rows of ReportColumns, with
// the run's time and date.
func ReportRows(rep *CompareReport, now time.Time) [][]any {
	day := now.UTC().Format(time.DateOnly)
	var rows [][]any
	for _, c := range rep.Columns {
		rows = append(rows, []any{rep.Source, c.Column, c.SrcDataType, c.TgtDataType, float64(c.SrcCompleteness), float64(c.TgtCompleteness),
			c.SrcDistinct, c.TgtDistinct, c.SrcCount, c.TgtCount, c.Status, rep.Target, now.UTC(), day})
	}
	return rows
}
