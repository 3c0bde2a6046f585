// Package tablecmd is `lakectl table`: the health of a table's data, as
// against its catalog entry.
package tablecmd

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

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
		Use:   "check DB.TABLE|DEST [--repair]",
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

Given a destination folder instead (a path with a /, such as ./curated/orders,
or a URI), only the folder's unfinished commit and dead runs' staging are
checked: for a commit that creates its table, which the catalog cannot name
until the commit is finished.

With --repair, what is safe to fix is fixed, under the table's lease: an
unfinished commit is finished (as the next writer would), dead runs' staging
is removed, and the statistics are set to what the files hold. Missing
locations, unreadable files and orphans are reported, never changed: they
need a decision.

Exit status: 0 when nothing is wrong (or everything found was repaired),
1 when something is left, 2 and 3 as for every command.`,
		Example: `  lakectl table check curated.orders
  lakectl table check curated.orders --repair -o json
  lakectl table check s3://lake/curated/orders/ --repair`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Table = args[0]
			return checkRun(cmd.Context(), opts)
		},
		ValidArgsFunction: cmdutil.SourceArg(f),
	}
	cmd.Flags().BoolVar(&opts.Check.Repair, "repair", false, "fix what is safe to fix, and say what was done")
	return cmd
}

func checkRun(ctx context.Context, opts *CheckOptions) error {
	if strings.Contains(opts.Table, "/") {
		return checkFolder(ctx, opts)
	}
	db, name, err := catalog.ParseTableName(opts.Table)
	if err != nil {
		return err
	}
	cat, err := opts.catalog(ctx)
	if err != nil {
		return err
	}
	if err := opts.setup(); err != nil {
		return err
	}
	openStore := func(ctx context.Context, uri string) (storage.Store, error) { return opts.F.Store(ctx, uri) }
	rep, err := commit.CheckTable(ctx, cat, openStore, db, name, opts.Check)
	if errors.Is(err, catalog.ErrNotFound) {
		return fmt.Errorf("%w (a commit that creates it may be unfinished: `lakectl table check DEST --repair` with its destination finishes it, as does the next convert into it)", err)
	}
	if err != nil {
		return err
	}
	return report(opts, rep)
}

// checkFolder checks a destination folder: its unfinished commit and dead
// runs' staging.
func checkFolder(ctx context.Context, opts *CheckOptions) error {
	s, err := opts.F.ExistingStore(ctx, opts.Table)
	if err != nil {
		return err
	}
	var cat catalog.Catalog
	if j, _ := commit.ReadJournal(ctx, s); j != nil && j.Catalog != nil {
		if cat, err = opts.catalog(ctx); err != nil {
			return err
		}
	}
	if err := opts.setup(); err != nil {
		return err
	}
	rep, table, err := commit.CheckFolder(ctx, cat, s, opts.Check)
	if err != nil {
		return err
	}
	rep.Table = table
	return report(opts, rep)
}

// catalog opens the catalog: to write it under --repair, else to read.
func (opts *CheckOptions) catalog(ctx context.Context) (catalog.Catalog, error) {
	if opts.Check.Repair {
		return opts.F.Catalog(ctx)
	}
	return opts.F.ReadCatalog(ctx)
}

func (opts *CheckOptions) setup() (err error) {
	opts.Check.RunID = commit.NewRunID(opts.F.Now())
	opts.Check.Waiting = cmdutil.WaitingMessage(opts.F, opts.Table)
	opts.Check.Failpoint, err = opts.F.Failpoint()
	return err
}

// report prints a check's report; problems left are exit 1.
func report(opts *CheckOptions, rep *commit.CheckReport) error {
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
		if rep.Locations == 0 { // a folder alone
			cmdutil.Fprintf(opts.F.IO.Out, "Checked %s: its commit and staging\n", rep.Root)
			if rep.Table != "" {
				cmdutil.Fprintf(opts.F.IO.Out, "Its commit registers %s: `lakectl table check %s` checks its data.\n", rep.Table, rep.Table)
			}
		} else {
			cmdutil.Fprintf(opts.F.IO.Out, "Checked %s: %d locations, %d files, %d bytes, %s\n", rep.Table, rep.Locations, rep.Files, rep.Bytes, rows)
		}
		if rep.Busy != "" {
			cmdutil.Fprintf(opts.F.IO.Out, "A writer is at work on it (%s): what it is staging and committing is not checked.\n", rep.Busy)
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
		return &cmdutil.ExitError{Code: 1, Msg: fmt.Sprintf("%s: %s left%s", cmp.Or(rep.Table, rep.Root), cmdutil.Count(n, "problem"), hint)}
	}
	return nil
}
