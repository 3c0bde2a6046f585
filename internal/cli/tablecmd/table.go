// Package tablecmd is `lakectl table`: the health of a table's data, as
// against its catalog entry.
package tablecmd

import (
	"context"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/cli/cmdutil"
	"github.com/lakectl/lakectl/internal/commit"
	"github.com/lakectl/lakectl/internal/storage"
)

func NewCmdTable(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "table",
		Short: "Check a table's data against its catalog entry, and repair what is safe to",
	}
	cmd.AddCommand(NewCmdCheck(f))
	return cmd
}

type CheckOptions struct {
	F     *cmdutil.Factory
	Table string
	Check commit.CheckOptions
}

func NewCmdCheck(f *cmdutil.Factory) *cobra.Command {
	opts := &CheckOptions{F: f}
	cmd := &cobra.Command{
		Use:   "check DB.TABLE [--repair]",
		Short: "Verify that a table's locations exist, its files read, and its statistics match",
		Long: `Verify a table, in the spirit of 'restic check':

  - every location of the catalog (the table's, each partition's) holds files;
  - every data file can be read (Parquet: its footer);
  - the catalog's recordCount (Parquet tables: counted from the footers),
    objectCount and sizeKey match the files;
  - nothing under the table's folder is data the catalog does not know of
    (orphans: every reader of the folder takes them for rows);
  - no commit was left unfinished by a killed writer, and no dead run's
    staged files remain.

With --repair, what is safe to fix is fixed, under the table's lease: an
unfinished commit is finished (as the next writer would), dead runs' staging
is removed, and the statistics are set to what the files hold. Missing
locations, unreadable files and orphans are reported, never changed: they
need a decision.

Exit status: 0 when nothing is wrong (or everything found was repaired),
1 when something is left, 2 and 3 as for every command.`,
		Example: `  lakectl table check curated.orders
  lakectl table check curated.orders --repair -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Table = args[0]
			return checkRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Check.Repair, "repair", false, "fix what is safe to fix, and say what was done")
	return cmd
}

func checkRun(ctx context.Context, opts *CheckOptions) error {
	db, name, err := catalog.ParseTableName(opts.Table)
	if err != nil {
		return err
	}
	var cat catalog.Catalog
	if opts.Check.Repair {
		cat, err = opts.F.Catalog(ctx)
	} else {
		cat, err = opts.F.ReadCatalog(ctx)
	}
	if err != nil {
		return err
	}
	opts.Check.RunID = commit.NewRunID(opts.F.Now())
	if opts.Check.Failpoint, err = opts.F.Failpoint(); err != nil {
		return err
	}
	opts.Check.Waiting = cmdutil.WaitingMessage(opts.F, opts.Table)
	openStore := func(ctx context.Context, uri string) (storage.Store, error) { return opts.F.Store(ctx, uri) }
	rep, err := commit.CheckTable(ctx, cat, openStore, db, name, opts.Check)
	if err != nil {
		return err
	}
	t := cmdutil.Table{Header: []string{"FINDING", "LOCATION", "DETAIL", "REPAIRED"}}
	for _, f := range rep.Findings {
		t.Add(f.Kind, f.Location, f.Detail, strconv.FormatBool(f.Repaired))
	}
	if opts.F.Settings.Output != "table" {
		if err := opts.F.Print(t, rep); err != nil {
			return err
		}
	} else {
		rows := "rows not counted (text files)"
		if rep.Rows >= 0 {
			rows = fmt.Sprintf("%d rows", rep.Rows)
		}
		fmt.Fprintf(opts.F.IO.Out, "Checked %s: %d locations, %d files, %d bytes, %s\n", rep.Table, rep.Locations, rep.Files, rep.Bytes, rows)
		if rep.Busy != "" {
			fmt.Fprintf(opts.F.IO.Out, "A writer is at work on it (%s): what it is staging and committing is not checked.\n", rep.Busy)
		}
		if len(rep.Findings) == 0 {
			fmt.Fprintln(opts.F.IO.Out, "No problems found.")
		} else {
			fmt.Fprintln(opts.F.IO.Out)
			if err := opts.F.Print(t, nil); err != nil {
				return err
			}
		}
	}
	if n := rep.Unrepaired(); n > 0 {
		hint := ""
		if !opts.Check.Repair {
			hint = " (--repair fixes what is safe to fix)"
		}
		return &cmdutil.ExitError{Code: 1, Msg: fmt.Sprintf("%s: %s left%s", rep.Table, cmdutil.Count(n, "problem"), hint)}
	}
	return nil
}
