package validatecmd

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/cli/cmdutil"
	"github.com/lakectl/lakectl/internal/cli/version"
	"github.com/lakectl/lakectl/internal/convert"
	"github.com/lakectl/lakectl/internal/dataset"
	"github.com/lakectl/lakectl/internal/validate"
)

// SaveOptions are where a validate command appends what it measured:
// --save DB.TABLE, its files in --save-to, and the run's --tag values.
type SaveOptions struct {
	Table, To string
	Tags      []string
}

// addSaveFlags adds --save and --save-to; what names what is saved.
func addSaveFlags(f *cmdutil.Factory, cmd *cobra.Command, opts *SaveOptions, what string) {
	fl := cmd.Flags()
	fl.StringVar(&opts.Table, "save", "", "append "+what+" to this catalog table (DB.TABLE), Parquet partitioned by run date")
	cmd.RegisterFlagCompletionFunc("save", cmdutil.TableFlag(f))
	fl.StringVar(&opts.To, "save-to", "", "where --save keeps its files (default: $LAKECTL_HOME/validation/DB/TABLE/)")
}

// addTagFlag adds --tag, the run's tags saved with its metrics.
func addTagFlag(cmd *cobra.Command, opts *SaveOptions) {
	cmd.Flags().StringArrayVar(&opts.Tags, "tag", nil, "a tag KEY=VALUE saved with the metrics, and which history points must carry (repeatable)")
}

// tags reads --tag KEY=VALUE values.
func (o *SaveOptions) tags() (map[string]string, error) {
	out := map[string]string{}
	for _, t := range o.Tags {
		k, v, ok := strings.Cut(t, "=")
		if !ok || k == "" {
			return nil, cmdutil.Want("--tag", t, "KEY=VALUE")
		}
		out[k] = v
	}
	return out, nil
}

// save appends rows of columns to the --save table: Parquet partitioned
// by run_date, registered in the catalog. noun says what was saved, in the
// confirmation; source names the rows in the table's run records.
func (o *SaveOptions) save(ctx context.Context, f *cmdutil.Factory, columns []catalog.Column, rows [][]any, source, noun string) error {
	db, name, err := catalog.ParseTableName(o.Table)
	if err != nil {
		return err
	}
	to := o.To
	if to == "" {
		to = filepath.Join(f.Settings.Home, "validation", db, name)
	}
	dest, err := f.Store(ctx, to)
	if err != nil {
		return err
	}
	c, err := f.Catalog(ctx)
	if err != nil {
		return err
	}
	opts := convert.Options{Register: o.Table, PartitionBy: []string{"run_date"}, Mode: convert.Append, Workers: 1,
		Version: version.Version, Build: version.Commit}
	if _, err := convert.AppendRows(ctx, c, columns, rows, source, dest, opts); err != nil {
		return fmt.Errorf("--save %s: %w", o.Table, err)
	}
	if f.Settings.Output == "table" && !f.Settings.Quiet {
		cmdutil.Fprintf(f.IO.Out, "\n%s saved in %s (%s)\n", noun, o.Table, dest.URI(""))
	}
	return nil
}

// datasetName names what a run measured in its metrics history: a catalog
// table as DB.TABLE (wherever its files are), a database query by its
// database and a hash of the query, anything else by its URI, secrets
// hidden.
func datasetName(f *cmdutil.Factory, in dataset.Input) string {
	if in.FromCatalog && in.Table != nil && in.Table.DatabaseName != "" {
		return in.Table.DatabaseName + "." + in.Table.Name
	}
	if in.SQL != nil && in.SQL.TableName == "" && in.SQL.Query != "" {
		// Queries of one database are different datasets: the query
		// names it too (a short hash; the query itself may be long).
		sum := sha256.Sum256([]byte(in.SQL.Query))
		return f.Redact(in.SQL.Display) + "#query-" + hex.EncodeToString(sum[:6])
	}
	return f.Redact(in.Name())
}

// saveMetrics appends a run's metrics to the --save table.
func (o *SaveOptions) saveMetrics(ctx context.Context, f *cmdutil.Factory, command, dataset string, metrics []validate.Metric) error {
	tags, err := o.tags()
	if err != nil {
		return err
	}
	run := validate.MetricRun{Time: f.Now(), Dataset: f.Redact(dataset), Tags: tags, Command: command, Metrics: metrics}
	return o.save(ctx, f, validate.MetricColumns, validate.MetricRows(run), command+" metrics", "Metrics")
}
