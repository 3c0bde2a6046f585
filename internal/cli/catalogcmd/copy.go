package catalogcmd

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/cli/cmdutil"
	"github.com/lakectl/lakectl/internal/redact"
)

type CopyOptions struct {
	F         *cmdutil.Factory
	From, To  string
	Databases []string
	Overwrite bool
}

func NewCmdCopy(f *cmdutil.Factory) *cobra.Command {
	opts := &CopyOptions{F: f}
	cmd := &cobra.Command{
		Use:   "copy --to URI [--from URI] [--database NAME]...",
		Short: "Copy databases, tables and partitions from one catalog to another",
		Long: `Copy databases, tables (each with its history of versions) and partitions
from one catalog to another, of any kind: sqlite:PATH, postgres://...

--from is the configured catalog (--catalog, LAKECTL_CATALOG) unless given;
--to is made when it does not exist. --database limits the copy to some
databases.

A copy can be run again at any time: what the target has already,
identical, is left alone (not given a new version), so a copy that was
stopped (Ctrl-C, a crash) is finished by running it again, with nothing
copied twice. A table whose versions in the target are the first of the
source's, as a stopped copy leaves it, gets the rest. Objects that exist in
the target but differ are reported, with the fields that differ, and left
as they are; with --overwrite they are made as the source's: a table by a
new version (its old one stays in its history), a database or partition by
an update. A copy never deletes. Times of creation and version numbers are
the target's own.

Each database and table is reported on a line (KIND NAME RESULT DETAIL),
and each partition that differs; results are copied, same, differs and
updated. JSON output:
{"From": URI, "To": URI, "Objects": [{"Kind", "Database", "Table", "Values",
"Result", "Differences", "Versions", "Partitions": {"Copied", "Same",
"Differs", "Updated"}}], "Totals": {"Databases": {...}, "Tables": {...},
"Versions": N, "Partitions": {...}}}, passwords hidden.

Exit status 1 when objects differ and were left as they are.`,
		Example: `  lakectl catalog copy --to 'postgres://lakectl@db.example.com/lake?schema=team'
  lakectl catalog copy --from sqlite:old.db --to sqlite:new.db --database sales
  lakectl catalog copy --from postgres://lakectl@db/lake --to sqlite:backup.db -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return copyRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.From, "from", "", "the catalog to copy from (default: the configured catalog)")
	cmd.Flags().StringVar(&opts.To, "to", "", "the catalog to copy to (required)")
	cmdutil.ListVar(cmd.Flags(), &opts.Databases, "database", "copy only these databases (DB,... or repeated)")
	cmd.RegisterFlagCompletionFunc("database", cmdutil.DatabaseFlagOf(f, "from"))
	cmd.Flags().BoolVar(&opts.Overwrite, "overwrite", false, "make objects of the target that differ as the source's (a table gets a new version)")
	return cmd
}

type copyReport struct {
	From string `json:"From"`
	To   string `json:"To"`
	*catalog.CopyReport
}

func copyRun(ctx context.Context, opts *CopyOptions) error {
	f := opts.F
	if opts.To == "" {
		return cmdutil.Usagef("--to is required: the catalog to copy to")
	}
	if opts.From == "" {
		opts.From = f.CatalogURI()
	}
	if opts.From == opts.To {
		return cmdutil.Usagef("--from and --to name the same catalog (%s)", opts.From)
	}
	from, err := f.CatalogAt(ctx, opts.From, false)
	if err != nil {
		return err
	}
	to, err := f.CatalogAt(ctx, opts.To, true)
	if err != nil {
		return err
	}
	copyOpts := catalog.CopyOptions{Databases: opts.Databases, Overwrite: opts.Overwrite}
	if copyOpts.Failpoint, err = f.Failpoint(); err != nil {
		return err
	}
	prog := f.StartProgress("catalog copy")
	copyOpts.Progress = prog.Reporter()
	rep, err := catalog.Copy(ctx, from, to, copyOpts)
	prog.Stop()
	if err != nil {
		return err
	}
	if err := printCopy(f, &copyReport{From: redact.Text(opts.From), To: redact.Text(opts.To), CopyReport: rep}); err != nil {
		return err
	}
	if rep.Differs() {
		n := rep.Totals.Databases.Differs + rep.Totals.Tables.Differs + rep.Totals.Partitions.Differs
		msg := "%d objects of the target differ from the source's and were left as they are (--overwrite makes them as the source's)"
		if n == 1 {
			msg = "%d object of the target differs from the source's and was left as it is (--overwrite makes it as the source's)"
		}
		return &cmdutil.ExitError{Code: 1, Msg: fmt.Sprintf(msg, n)}
	}
	return nil
}

func printCopy(f *cmdutil.Factory, rep *copyReport) error {
	out := cmdutil.Table{Header: []string{"KIND", "NAME", "RESULT", "DETAIL"}}
	for _, o := range rep.Objects {
		out.Add(o.Kind, o.Name(), o.Result, cmdutil.OrDash(copyDetail(o)))
	}
	if f.Settings.Output != "table" {
		return f.Print(out, rep)
	}
	if err := f.Print(out, nil); err != nil {
		return err
	}
	t := rep.Totals
	counts := func(c catalog.CopyCounts) string {
		return fmt.Sprintf("%d copied, %d same, %d differ, %d updated", c.Copied, c.Same, c.Differs, c.Updated)
	}
	_, err := cmdutil.Fprintf(f.IO.Out, "\nDatabases:  %s\nTables:     %s (%s written)\nPartitions: %s\n",
		counts(t.Databases), counts(t.Tables), cmdutil.Count(t.Versions, "version"), counts(t.Partitions))
	return err
}

// copyDetail says what was written and what differs.
func copyDetail(o catalog.CopyResult) string {
	var parts []string
	if o.Versions > 0 {
		parts = append(parts, cmdutil.Count(o.Versions, "version")+" written")
	}
	if len(o.Differences) > 0 {
		parts = append(parts, "fields: "+strings.Join(o.Differences, ", "))
	}
	if o.Kind == catalog.KindTable {
		if p := o.Partitions; p == nil {
			parts = append(parts, "partitions not compared")
		} else if p.Copied+p.Same+p.Differs+p.Updated > 0 {
			var n []string
			for _, c := range []struct {
				count int
				what  string
			}{{p.Copied, "copied"}, {p.Same, "same"}, {p.Differs, "differ"}, {p.Updated, "updated"}} {
				if c.count > 0 {
					n = append(n, strconv.Itoa(c.count)+" "+c.what)
				}
			}
			parts = append(parts, "partitions: "+strings.Join(n, ", "))
		}
	}
	return strings.Join(parts, "; ")
}
