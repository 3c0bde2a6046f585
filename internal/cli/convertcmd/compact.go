package convertcmd

import (
	"context"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/cli/cmdutil"
	"github.com/lakectl/lakectl/internal/cli/version"
	"github.com/lakectl/lakectl/internal/commit"
	"github.com/lakectl/lakectl/internal/convert"
)

type CompactOptions struct {
	F              *cmdutil.Factory
	Table          string
	TargetFileSize string
	Compact        convert.CompactOptions
}

func NewCmdCompact(f *cmdutil.Factory) *cobra.Command {
	opts := &CompactOptions{F: f}
	cmd := &cobra.Command{
		Use:   "compact DB.TABLE [--target-file-size SIZE]",
		Short: "Rewrite the small Parquet files of each partition into few files near the target size",
		Long: `Rewrite the small Parquet files of each partition of a table (or of the table)
into few files near the target size. Locations with fewer than two files, or
no file smaller than half the target, are left alone.

The table keeps its layout: the new files go into the same partition
folders, under the table's lease, one commit per location through the
journal that convert uses (the old files removed, the new ones moved in, the
statistics set): a reader never sees a row twice. Only a location's own
files are rewritten; files in subfolders stay as they are.

Each location is reported on a line: its partition named as Hive names its
folder (year=2023/region=eu, values escaped: region=eu%2Fwest for eu/west),
files and bytes before and after, rows, and its location. JSON output:
{"runId", "table", "locations": [{"partition", "values", "from", "to",
"filesBefore", "filesAfter", "bytesBefore", "bytesAfter", "rows"}],
"filesRead", "filesWritten", "rows", "refused": [{"location", "reason"}]}.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Table = args[0]
			return compactRun(cmd.Context(), opts)
		},
		ValidArgsFunction: cmdutil.TableArg(f),
	}
	cmd.Flags().StringVar(&opts.TargetFileSize, "target-file-size", "128MiB", "target size of the rewritten files")
	cmd.Flags().IntVar(&opts.Compact.RowGroupSize, "row-group-size", convert.DefaultRowGroupSize, "rows per Parquet row group")
	cmd.Flags().BoolVar(&opts.Compact.DryRun, "dry-run", false, "report what would be compacted, change nothing")
	return cmd
}

func compactRun(ctx context.Context, opts *CompactOptions) error {
	var err error
	if opts.Compact.TargetFileSize, err = cmdutil.ParseSize(opts.TargetFileSize); err != nil {
		return cmdutil.Usagef("--target-file-size: %v", err)
	}
	db, name, err := catalog.ParseTableName(opts.Table)
	if err != nil {
		return err
	}
	c, err := opts.F.Catalog(ctx)
	if err != nil {
		return err
	}
	opts.Compact.RunID = commit.NewRunID(opts.F.Now())
	opts.Compact.Version, opts.Compact.Build = version.Version, version.Commit
	opts.Compact.Waiting = cmdutil.WaitingMessage(opts.F, opts.Table)
	if opts.Compact.Failpoint, err = opts.F.Failpoint(); err != nil {
		return err
	}
	prog := opts.F.StartProgress("convert compact")
	opts.Compact.Progress = prog.Reporter()
	sum, err := convert.Compact(ctx, c, opts.F.Store, db, name, opts.Compact)
	prog.Stop()
	if err != nil {
		return err
	}
	t := cmdutil.Table{Header: []string{"PARTITION", "FILES", "BYTES", "ROWS", "LOCATION"}}
	for _, l := range sum.Locations {
		t.Add(cmdutil.OrDash(l.Partition), fmt.Sprintf("%d → %d", l.FilesBefore, l.FilesAfter),
			fmt.Sprintf("%d → %d", l.BytesBefore, l.BytesAfter), strconv.FormatInt(l.Rows, 10), l.To)
	}
	if opts.F.Settings.Output != "table" {
		return opts.F.Print(t, sum)
	}
	verb := "Compacted"
	if opts.Compact.DryRun {
		verb = "Would compact (dry run)"
	}
	cmdutil.Fprintf(opts.F.IO.Out, "%s %s: %d files into %d, %d rows, in %d locations\n", verb, sum.Table, sum.FilesRead, sum.FilesWritten, sum.Rows, len(sum.Locations))
	for _, r := range sum.Refused {
		cmdutil.Fprintf(opts.F.IO.Out, "Left as it is: %s: %s\n", r.Location, r.Reason)
	}
	if len(sum.Locations) == 0 {
		fmt.Fprintln(opts.F.IO.Out, "Nothing to compact.")
		return nil
	}
	fmt.Fprintln(opts.F.IO.Out)
	return opts.F.Print(t, nil)
}
