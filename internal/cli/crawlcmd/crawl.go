// Package crawlcmd is `lakectl crawl`.
package crawlcmd

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/cli/cmdutil"
	"github.com/lakectl/lakectl/internal/crawl"
	"github.com/lakectl/lakectl/internal/format"
)

type Options struct {
	F         *cmdutil.Factory
	URIs      []string
	Crawl     crawl.Options
	Delimiter string
}

func NewCmdCrawl(f *cmdutil.Factory) *cobra.Command {
	opts := &Options{F: f, Crawl: crawl.Options{Format: format.DefaultOptions()}}
	cmd := &cobra.Command{
		Use:   "crawl URI... --database DB",
		Short: "Classify data files, infer schemas and keep catalog tables in step, like a Glue crawler",
		Long: `Crawl one or more locations (local paths, file:// or s3:// URIs) the way an AWS
Glue crawler does, and record the tables it finds in the catalog.

Each file is classified by its content: Parquet (schema and row count from the
footer alone), JSON (one document or JSON lines) or delimited text (comma, pipe,
tab, semicolon, Ctrl-A), plain or gzip, bzip2, zstd or snappy compressed.
Text files are sampled: the first 1,000 records or 1 MiB. Anything else is
skipped with a reason.

Folders named key=value become partition columns; other folder levels below a
table become partition_0, partition_1, ... Sibling folders become partitions of
one table when more than 70% of their files have a schema compatible with the
majority's and there are at most 5 distinct schemas; otherwise each becomes its
own table. Every grouping decision is reported with the similarity that decided it.

--recrawl new-folders reads only the folders that are new or whose files
changed since the last crawl; the others keep what the catalog says of them.

The database is created if missing. A table whose schema changed is handled by
--update-behavior (a changed table archives a version); tables and partitions
whose files are gone by --delete-behavior. --dry-run reports what would change
and changes nothing. Data files are only ever read.

Exit status 1: the crawl would create more tables than --table-threshold; the
report is printed and nothing is written.

JSON output (--output json) is the run report; see docs/crawl.md.`,
		Example: `  lakectl crawl s3://lake/raw/ --database raw
  lakectl crawl ./lake/raw --database raw --table-threshold 20 --dry-run
  lakectl crawl s3://lake/raw/ --database raw --recrawl new-folders --exclude '**/_tmp/**'`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.URIs = args
			return crawlRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	c := &opts.Crawl
	fl.StringVarP(&c.Database, "database", "d", "", "database to keep the tables in (created if missing)")
	cmd.RegisterFlagCompletionFunc("database", cmdutil.DatabaseFlag(f))
	fl.StringVar(&c.TablePrefix, "table-prefix", "", "prefix for the names of new tables")
	cmdutil.ListVar(fl, &c.Include, "include", "crawl only files matching these globs, relative to each URI (GLOB,... or repeated)")
	cmdutil.ListVar(fl, &c.Exclude, "exclude", "leave out files matching these globs, relative to each URI (GLOB,... or repeated): * one level, ** any levels, ?, [a-z], [!a-c], {a,b}")
	fl.IntVar(&c.TableLevel, "table-level", 0, "form tables at this folder depth (1 = the URI itself); default: by schema similarity")
	fl.BoolVar(&c.CombineSchemas, "combine-schemas", false, "one table for sibling folders of the same format, whatever their schemas")
	fl.IntVar(&c.TableThreshold, "table-threshold", 0, "fail (exit 1, writing nothing) if the crawl would create more tables than this")
	fl.IntVar(&c.SampleFiles, "sample-files", 0, "read only the first N files of each folder (0: all)")
	cmdutil.EnumVar(cmd, &c.Recrawl, "recrawl", crawl.RecrawlEverything, crawl.RecrawlPolicies, "which files to read")
	cmdutil.EnumVar(cmd, &c.UpdateBehavior, "update-behavior", crawl.UpdateInDatabase, crawl.UpdateBehaviors, "on a schema change")
	cmdutil.EnumVar(cmd, &c.DeleteBehavior, "delete-behavior", crawl.DeleteDeprecate, crawl.DeleteBehaviors, "when files are gone")
	cmdutil.EnumVar(cmd, &c.Format.Header, "csv-header", format.HeaderAuto, format.Headers, "CSV header")
	fl.StringVar(&opts.Delimiter, "delimiter", "", "CSV delimiter: a character, or comma, pipe, tab, semicolon, ctrl-a (default: detected)")
	fl.StringVar(&c.Name, "name", "lakectl", "crawler name, kept in the tables' UPDATED_BY_CRAWLER parameter")
	fl.BoolVar(&c.DryRun, "dry-run", false, "report what would change, change nothing")
	fl.IntVar(&c.Concurrency, "workers", 16, "parallel workers: files read at once")
	cmdutil.Alias(fl, "workers", "concurrency")
	return cmd
}

// crawlFlags are the flags of crawl's options.
var crawlFlags = map[string]string{
	"Recrawl":        "--recrawl",
	"UpdateBehavior": "--update-behavior",
	"DeleteBehavior": "--delete-behavior",
	"Format.Header":  "--csv-header",
	"TableLevel":     "--table-level",
	"TableThreshold": "--table-threshold",
	"SampleFiles":    "--sample-files",
	"Include":        "--include",
	"Exclude":        "--exclude",
}

// delimiters by name, for --delimiter.
var delimiters = map[string]byte{"comma": ',', "pipe": '|', "tab": '\t', `\t`: '\t', "semicolon": ';', "ctrl-a": '\x01', `\x01`: '\x01', `\u0001`: '\x01'}

func crawlRun(ctx context.Context, opts *Options) error {
	if opts.Crawl.Database == "" {
		return cmdutil.Usagef("--database is required: the database to keep the tables in")
	}
	if d := opts.Delimiter; d != "" {
		if b, ok := delimiters[strings.ToLower(d)]; ok {
			opts.Crawl.Format.Delimiter = b
		} else if len(d) == 1 {
			opts.Crawl.Format.Delimiter = d[0]
		} else {
			return cmdutil.Want("--delimiter", d, "one character, or comma, pipe, tab, semicolon or ctrl-a")
		}
	}
	if err := opts.Crawl.Check(); err != nil {
		return cmdutil.FlagErrors(err, crawlFlags)
	}
	var targets []crawl.Target
	for _, uri := range opts.URIs {
		s, err := opts.F.ExistingStore(ctx, uri)
		if err != nil {
			return err
		}
		targets = append(targets, crawl.Target{URI: s.URI(""), Store: s})
	}
	c, err := opts.F.Catalog(ctx)
	if err != nil {
		return err
	}
	if opts.Crawl.Failpoint, err = opts.F.Failpoint(); err != nil {
		return err
	}
	prog := opts.F.StartProgress("crawl")
	opts.Crawl.Progress = prog.Reporter()
	rep, err := crawl.Run(ctx, c, targets, opts.Crawl)
	prog.Stop()
	if rep != nil && (err == nil || errors.Is(err, crawl.ErrThresholdExceeded)) {
		if perr := printReport(opts.F, rep); perr != nil {
			return perr
		}
	}
	if errors.Is(err, crawl.ErrThresholdExceeded) {
		return &cmdutil.ExitError{Code: 1, Msg: err.Error()}
	}
	return err
}

func printReport(f *cmdutil.Factory, rep *crawl.Report) error {
	tables := cmdutil.Table{Header: []string{"TABLE", "ACTION", "FORMAT", "COLUMNS", "PARTITION KEYS", "PARTITIONS +/~/-", "FILES", "RECORDS", "LOCATION"}}
	for _, t := range rep.Tables {
		records := strconv.FormatInt(t.Records, 10)
		if t.RecordsEstimated {
			records = "~" + records
		}
		tables.Add(t.Name, t.Action, cmdutil.OrDash(t.Format), strconv.Itoa(t.Columns), cmdutil.OrDash(strings.Join(t.PartitionKeys, ",")),
			fmt.Sprintf("%d/%d/%d", t.PartitionsAdded, t.PartitionsUpdated, t.PartitionsRemoved+t.PartitionsDeprecated),
			strconv.Itoa(t.Files), records, t.Location)
	}
	if f.Settings.Output != "table" {
		return f.Print(tables, rep)
	}
	w := f.IO.Out
	mode := ""
	if rep.DryRun {
		mode = " (dry run: nothing written)"
	}
	cmdutil.Fprintf(w, "Crawl %s by %s into database %s%s\n", rep.RunID, rep.Crawler, rep.Database, mode)
	fs := rep.Files
	cmdutil.Fprintf(w, "Files: %d listed, %d read, %d unchanged, %d not sampled, %d skipped; %s read of %s\n\n",
		fs.Listed, fs.Read, fs.Unchanged, fs.NotSampled, fs.Skipped, size(fs.BytesRead), size(fs.BytesTotal))
	if len(rep.Tables) == 0 {
		fmt.Fprintln(w, "No tables found.")
	} else if err := f.Print(tables, nil); err != nil {
		return err
	}
	section := func(title string, rows [][2]string) {
		if len(rows) == 0 {
			return
		}
		cmdutil.Fprintf(w, "\n%s\n", title)
		for _, r := range rows {
			cmdutil.Fprintf(w, "  %s: %s\n", r[0], r[1])
		}
	}
	var changes, warnings, decisions, skipped [][2]string
	for _, t := range rep.Tables {
		for _, c := range t.Changes {
			changes = append(changes, [2]string{t.Name, c})
		}
		for _, c := range t.Warnings {
			warnings = append(warnings, [2]string{t.Name, c})
		}
	}
	for _, d := range rep.Decisions {
		decisions = append(decisions, [2]string{d.Folder, fmt.Sprintf("%s → %s (similarity %.2f, %d schemas): %s",
			strings.Join(d.Children, ", "), d.Outcome, d.Similarity, d.Schemas, d.Reason)})
	}
	for _, s := range rep.Skipped {
		skipped = append(skipped, [2]string{s.File, s.Reason})
	}
	section("Changes:", changes)
	section("Warnings:", warnings)
	section("Grouping decisions:", decisions)
	section("Skipped files:", skipped)
	if rep.ThresholdExceeded {
		cmdutil.Fprintf(w, "\nNothing was written: the crawl would create more tables than --table-threshold.\n")
	}
	return nil
}

func size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
