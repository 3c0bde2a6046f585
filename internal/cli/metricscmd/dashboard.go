package metricscmd

import (
	"bytes"
	"context"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/cli/cmdutil"
	"github.com/lakectl/lakectl/internal/metrics"
	"github.com/lakectl/lakectl/internal/metrics/dashboard"
	"github.com/lakectl/lakectl/internal/storage/local"
)

type DashboardOptions struct {
	ReportOptions
	Out string
}

func NewCmdDashboard(f *cmdutil.Factory) *cobra.Command {
	opts := &DashboardOptions{ReportOptions: ReportOptions{F: f}}
	cmd := &cobra.Command{
		Use:   "dashboard --out FILE.html [--from URI] [--days N] [--size-goal SIZE]",
		Short: "Draw the snapshots' history as one self-contained HTML page",
		Long: `Draw what 'metrics report' says as one HTML file: the tables, databases,
storage size and files over time (and each database's size), the fastest
growing tables with their least-squares projections (dashed, to the
--size-goal date), the largest tables, the least used tables, the
small-file offenders, and the tables without a description or deprecated.

The file is self-contained: its charts are SVG drawn by lakectl, its style
inline, and it fetches nothing, so it opens with no network, can be mailed
or kept as a build artifact, and prints as it shows. Each point and bar
carries its exact value (hover for it).`,
		Example: `  lakectl metrics dashboard --out lake.html
  lakectl metrics dashboard --from s3://lake/metrics --days 365 --size-goal 1TiB --out lake.html`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Out == "" {
				return cmdutil.Usagef("--out is required: the HTML file to write")
			}
			return dashboardRun(cmd.Context(), opts)
		},
	}
	opts.flags(cmd)
	cmd.Flags().StringVarP(&opts.Out, "out", "O", "", "the HTML file to write (required)")
	return cmd
}

func dashboardRun(ctx context.Context, opts *DashboardOptions) error {
	f := opts.F
	h, r, err := opts.build(ctx)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := dashboard.Render(&b, metrics.Page(h, r, opts.goal, f.Now().UTC())); err != nil {
		return err
	}
	// Written whole or not at all, by the local store's atomic Put, into
	// a folder that must exist.
	dir := filepath.Dir(opts.Out)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return cmdutil.Usagef("--out %s: no such folder", opts.Out)
	}
	out, err := local.New(dir)
	if err != nil {
		return err
	}
	if err := out.Put(ctx, filepath.Base(opts.Out), bytes.NewReader(b.Bytes())); err != nil {
		return err
	}
	return f.Done(map[string]any{"file": opts.Out, "bytes": b.Len(), "snapshots": r.Snapshots},
		"Dashboard of %s (%s to %s) written to %s (%s)", cmdutil.Count(r.Snapshots, "snapshot"), day(r.From), day(r.To), opts.Out, cmdutil.HumanBytes(int64(b.Len())))
}
