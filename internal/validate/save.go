package validate

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/convert"
	"github.com/lakectl/lakectl/internal/dataset"
	"github.com/lakectl/lakectl/internal/storage"
	"github.com/lakectl/lakectl/internal/storage/local"
)

// reportColumns are the columns of a saved compare report: those of the
// PyDeequ migration blog, the run time, and the run date it is partitioned by.
var reportColumns = []catalog.Column{
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

// SaveReport appends a compare's column report to a Parquet table under
// dest, partitioned by run date and registered in the catalog as table
// (DB.TABLE), so that its history can be queried. It is written as any
// conversion is: staged, then committed whole.
func SaveReport(ctx context.Context, cat catalog.Catalog, rep *CompareReport, dest storage.Store, table string, now time.Time) error {
	dir, err := os.MkdirTemp("", "lakectl-report-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	f, err := os.Create(filepath.Join(dir, "report.csv"))
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	header := make([]string, len(reportColumns))
	for i, c := range reportColumns {
		header[i] = c.Name
	}
	w.Write(header)
	ts := now.UTC().Format(time.RFC3339)
	day := now.UTC().Format("2006-01-02")
	ff := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	for _, c := range rep.Columns {
		w.Write([]string{rep.Source, c.Column, c.SrcDataType, c.TgtDataType, ff(c.SrcCompleteness), ff(c.TgtCompleteness),
			strconv.FormatInt(c.SrcDistinct, 10), strconv.FormatInt(c.TgtDistinct, 10),
			strconv.FormatInt(c.SrcCount, 10), strconv.FormatInt(c.TgtCount, 10), c.Status, rep.Target, ts, day})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	src, err := local.New(dir)
	if err != nil {
		return err
	}
	t := &catalog.Table{Name: "report", Parameters: map[string]string{"classification": "csv", "delimiter": ",", "skip.header.line.count": "1"},
		StorageDescriptor: catalog.StorageDescriptor{Location: src.URI(""), Columns: reportColumns}}
	in := dataset.Input{Table: t, Store: func(context.Context, string) (storage.Store, error) { return src, nil }}
	_, err = convert.Run(ctx, cat, in, dest, convert.Options{Register: table, PartitionBy: []string{"run_date"}, Mode: convert.Append, Workers: 1})
	return err
}
