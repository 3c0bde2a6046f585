// Package ingestcmd is `lakectl ingest` and `lakectl ingest history`.
package ingestcmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/cli/cmdutil"
	"github.com/lakectl/lakectl/internal/cli/version"
	"github.com/lakectl/lakectl/internal/commit"
	"github.com/lakectl/lakectl/internal/convert"
	"github.com/lakectl/lakectl/internal/crawl"
	"github.com/lakectl/lakectl/internal/format"
	"github.com/lakectl/lakectl/internal/ingest"
	"github.com/lakectl/lakectl/internal/storage"
)

type Options struct {
	F              *cmdutil.Factory
	Source, Dest   string
	Dataset        string
	Ingest         ingest.Options
	Since          string
	TargetFileSize string
	Query          string
	Crawl          string
	Register       string
	Trigger        Trigger
	SharePoint     SharePoint
}

func NewCmdIngest(f *cmdutil.Factory) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "ingest SOURCE --to DEST --dataset NAME",
		Short: "Land files and tables in the raw zone: only what is new, checked, exactly once",
		Long: `Land data from where it lives in the lake's raw zone, under
DEST/NAME/ingest_date=YYYY-MM-DD/ (--layout year/month/day for
year=/month=/day= folders), in files named by the run's id.

SOURCE is:
  a local file, folder or glob    every file, landed byte for byte
  s3://bucket/prefix (or glob)    objects, copied server side when DEST is on S3
  http(s)://host/path             one file, fetched with If-None-Match/If-Modified-Since
  postgres://…, mysql://…         a table (?table=NAME) or --query, landed as rows
  sharepoint://HOST/sites/SITE?list=TITLE
                                  a SharePoint list's items, landed as rows
  sharepoint://HOST/sites/SITE?library=NAME[&folder=PATH]
                                  a document library's files

A database password is a URI parameter password=env:VAR, file:PATH or
ssm:/PARAMETER (SSM Parameter Store); SharePoint signs in with
--tenant-id, --client-id and --client-secret env:VAR|file:PATH|ssm:/PARAMETER.
No secret is ever given on the command line, printed, or kept.

Files are copied as they are and checked: size, and the source's MD5 where
it gives one; their SHA-256 is kept with the run. A file landed before and
unchanged since (the same size and ETag, else modification time, else
content) is not landed again; --again lands it anyway, --since only files
modified since a time (2026-11-01, RFC 3339) or for a duration (24h, 7d).
Landed names keep the source's path below its root, with anything but
letters, digits, '.', '_' and '-' replaced (the mapping is in the report):
nothing can be written outside DEST/NAME.

Rows land as --format jsonl (default), csv or parquet. With
--incremental-column COL, a run lands only the rows whose COL is at or
beyond the watermark (the greatest COL the last committed run landed):
rows that share the watermark's value are read again and landed once, and
--lookback re-reads a margin below it (15m, 2h, 7d for times; a number for
numbers) to catch rows committed late with an older value, landing those
not landed before (identified by --key columns, else by the whole row).

Every run goes through the commit protocol convert uses: one run at a time
per dataset (a second waits its turn, saying for whom; --no-wait exits 3 at
once instead), files staged where readers do not look, a journal, then the
files, the run's record and the new watermark together. A run killed or
failed at any point leaves nothing visible and the watermark where it was;
the next run finishes or removes what it left. 'lakectl ingest history'
shows every run.

--crawl DB crawls the dataset into DB after a committed run (the table is
named after the dataset); --register DB.TABLE does the same under that name.
--then 'COMMAND' runs a lakectl command after the run (repeatable, in
order): with --when-new-files N only once N files were landed since it last
ran, or --or-after DURATION since the first of them (Glue's event batching
for cron); without either, after any run that landed something.

Exit status 1: a --then command failed with exit status 1 (its data failed).
3: another run holds the dataset (--no-wait), a source or network error.`,
		Example: `  lakectl ingest ./exports --to ./raw --dataset orders
  lakectl ingest 's3://partner-drop/orders/*.csv' --to s3://lake/raw --dataset orders --crawl raw
  lakectl ingest 'postgres://etl@db:5432/shop?table=orders&password=env:PGPASS' --to s3://lake/raw --dataset orders --incremental-column updated_at --lookback 15m --key id --format parquet
  lakectl ingest https://example.com/data/rates.csv --to ./raw --dataset rates --then 'crawl ./raw/rates --database raw' --when-new-files 10 --or-after 1h
  lakectl ingest 'sharepoint://contoso.sharepoint.com/sites/Finance?list=Invoices' --to s3://lake/raw --dataset invoices --incremental-column Modified --key ID --tenant-id "$TENANT" --client-id "$CLIENT" --client-secret ssm:/DataLake/GlueIngest/SharePoint/client_secret/finance`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Source = args[0]
			return ingestRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	in := &opts.Ingest
	fl.StringVar(&opts.Dest, "to", "", "the raw zone's root: a path or s3:// URI (required)")
	fl.StringVar(&opts.Dataset, "dataset", "", "the dataset's name, its folder under DEST (required)")
	cmdutil.EnumVar(cmd, &in.Format, "format", ingest.FormatJSONL, ingest.Formats, "the format rows land in (files land as they are)")
	cmdutil.EnumVar(cmd, &in.Layout, "layout", ingest.LayoutDate, ingest.Layouts, "the partition folders of a run's files")
	fl.StringVar(&opts.Since, "since", "", "only files modified since this time (RFC 3339 or YYYY-MM-DD) or for this long (24h, 7d)")
	fl.BoolVar(&in.Again, "again", false, "land files that an earlier run landed, unchanged")
	fl.StringVar(&opts.Query, "query", "", "a SQL query to read instead of ?table=")
	fl.StringVar(&in.Column, "incremental-column", "", "land only rows whose COL is at or beyond the last run's watermark")
	fl.StringVar(&in.Lookback, "lookback", "", "re-read this margin below the watermark (15m, 2h, 7d; a number for numeric columns)")
	cmdutil.ListVar(fl, &in.Key, "key", "columns that identify a row, for de-duplication at the watermark (COL,... or repeated; default all)")
	fl.StringVar(&opts.TargetFileSize, "target-file-size", "128MiB", "start a new file of rows past this size")
	fl.BoolVar(&in.NoWait, "no-wait", false, "exit 3 at once when another run holds the dataset, instead of waiting")
	fl.StringVar(&opts.Crawl, "crawl", "", "crawl the dataset into this database after a committed run")
	fl.StringVar(&opts.Register, "register", "", "crawl the dataset into this table (DB.TABLE) after a committed run")
	cmd.RegisterFlagCompletionFunc("register", cmdutil.TableFlag(f))
	opts.Trigger.flags(cmd)
	opts.SharePoint.flags(cmd)
	cmd.AddCommand(NewCmdHistory(f))
	return cmd
}

// ingestFlags are the flags of ingest's options.
var ingestFlags = map[string]string{
	"Layout":   "--layout",
	"Format":   "--format",
	"Column":   "--incremental-column",
	"Lookback": "--lookback",
	"Key":      "--key",
	"Dataset":  "--dataset",
}

// DatasetURI is the folder of dataset name under the raw zone's root.
func DatasetURI(dest, name string) string {
	if strings.Contains(dest, "://") {
		return strings.TrimSuffix(dest, "/") + "/" + name
	}
	return filepath.Join(dest, name)
}

func ingestRun(ctx context.Context, opts *Options) error {
	if opts.Dest == "" {
		return cmdutil.Usagef("--to is required: the raw zone's root")
	}
	if opts.Dataset == "" {
		return cmdutil.Usagef("--dataset is required: the dataset's name, its folder under --to")
	}
	if err := ingest.CheckName(opts.Dataset); err != nil {
		return cmdutil.FlagErrors(err, ingestFlags)
	}
	in := &opts.Ingest
	var err error
	if opts.Since != "" {
		if in.Since, err = cmdutil.ParseSince(opts.Since, time.Now()); err != nil {
			return cmdutil.Usagef("--since %q: %v", opts.Since, err)
		}
	}
	if in.TargetFileSize, err = cmdutil.ParseSize(opts.TargetFileSize); err != nil {
		return cmdutil.Usagef("--target-file-size: %v", err)
	}
	if opts.Register != "" {
		if _, _, err := catalog.ParseTableName(opts.Register); err != nil {
			return cmdutil.Usagef("--register: %v", err)
		}
	}
	if err := opts.Trigger.check(); err != nil {
		return err
	}
	in.Version, in.Build = version.Version, version.Commit
	in.Parquet = func(w io.Writer, cols []catalog.Column) (ingest.RowEncoder, error) {
		return convert.NewRowWriter(w, cols, convert.FileOptions{Version: version.Version, Build: version.Commit})
	}
	in.Redact = opts.F.Redact
	dsURI := DatasetURI(opts.Dest, opts.Dataset)
	in.Waiting = cmdutil.WaitingMessage(opts.F, dsURI)
	if in.Failpoint, err = opts.F.Failpoint(); err != nil {
		return err
	}
	if ingest.Inside(dsURI, opts.Source) {
		return cmdutil.Usagef("the dataset %s is inside the source %s: each run would land what the runs before it landed", dsURI, opts.Source)
	}
	src, err := openSource(ctx, opts)
	if err != nil {
		return err
	}
	ds, err := opts.F.Store(ctx, dsURI)
	if err != nil {
		return err
	}
	var cat catalog.Catalog
	if opts.Crawl != "" || opts.Register != "" {
		if cat, err = opts.F.Catalog(ctx); err != nil {
			return err
		}
	}
	prog := opts.F.StartProgress("ingest")
	in.Progress = prog.Reporter()
	var sum *ingest.Summary
	switch s := src.(type) {
	case ingest.FileSource:
		sum, err = ingest.Files(ctx, cat, ds, opts.Dataset, s, *in)
	case ingest.RowSource:
		sum, err = ingest.Rows(ctx, cat, ds, opts.Dataset, s, *in)
	}
	prog.Stop()
	if err != nil {
		var held *commit.HeldError
		if errors.As(err, &held) {
			return &cmdutil.ExitError{Code: 3, Msg: fmt.Sprintf("dataset %s is held by %s: not run (--no-wait); the next run lands what this one would have", dsURI, held.Holder)}
		}
		return cmdutil.FlagErrors(err, ingestFlags)
	}
	if err := printSummary(opts.F, sum); err != nil {
		return err
	}
	if sum.Outcome == ingest.Committed && (opts.Crawl != "" || opts.Register != "") {
		if err := crawlDataset(ctx, opts, cat, ds); err != nil {
			return err
		}
	}
	return opts.Trigger.after(ctx, opts.F, ds, sum)
}

// crawlDataset crawls the dataset's folder into the catalog, as one table
// named after the dataset (--crawl DB) or as --register names it.
func crawlDataset(ctx context.Context, opts *Options, cat catalog.Catalog, ds storage.Store) error {
	db, table := opts.Crawl, opts.Dataset
	if opts.Register != "" {
		db, table, _ = catalog.ParseTableName(opts.Register)
	}
	co := crawl.Options{Database: db, TableLevel: 1, Format: format.DefaultOptions(), Name: "lakectl ingest"}
	rep, err := crawl.Run(ctx, cat, []crawl.Target{{URI: ds.URI(""), Store: ds, Table: table}}, co)
	if err != nil {
		return fmt.Errorf("crawl %s into %s: %w", ds.URI(""), db, err)
	}
	if opts.F.Settings.Output == "table" && !opts.F.Settings.Quiet {
		for _, t := range rep.Tables {
			cmdutil.Fprintf(opts.F.IO.ErrOut, "Crawl: %s %s.%s (%s, %s, %s added)\n", t.Action, db, t.Name, cmdutil.OrDash(t.Format), cmdutil.Count(t.Files, "file"), cmdutil.Count(t.PartitionsAdded, "partition"))
		}
	}
	return nil
}

func printSummary(f *cmdutil.Factory, s *ingest.Summary) error {
	t := cmdutil.Table{Header: []string{"SOURCE", "LANDED", "BYTES", "ROWS", "SHA256"}}
	for _, l := range s.Landed {
		rows := "-"
		if l.Source == "" {
			rows = strconv.FormatInt(l.Rows, 10)
		}
		t.Add(cmdutil.OrDash(l.Source), l.Key, strconv.FormatInt(l.Size, 10), rows, cmdutil.OrDash(l.SHA256))
	}
	if f.Settings.Output != "table" {
		return f.Print(t, s)
	}
	w := f.IO.Out
	cmdutil.Fprintf(w, "Ingest %s: %s → %s (%s)\n", s.Run, s.Source, s.Destination, s.Outcome)
	if s.Recovered != "" {
		cmdutil.Fprintf(w, "Finished the commit of run %s, which had stopped before its end\n", s.Recovered)
	}
	if s.Listed > 0 || s.RowsRead == 0 && s.Rows == 0 && s.WatermarkBefore == "" {
		cmdutil.Fprintf(w, "Files: %d listed, %d landed (%d bytes), %d unchanged since landed", s.Listed, len(s.Landed), s.Bytes, s.Unchanged)
		if s.Older > 0 {
			cmdutil.Fprintf(w, ", %d older than --since", s.Older)
		}
		fmt.Fprintln(w)
	} else {
		cmdutil.Fprintf(w, "Rows: %d read, %d landed in %s (%d bytes), %d landed before\n", s.RowsRead, s.Rows, cmdutil.Count(len(s.Landed), "file"), s.Bytes, s.Duplicates)
	}
	if s.WatermarkBefore != "" || s.WatermarkAfter != "" {
		cmdutil.Fprintf(w, "Watermark: %s → %s\n", cmdutil.OrDash(s.WatermarkBefore), cmdutil.OrDash(firstNonEmpty(s.WatermarkAfter, s.WatermarkBefore)))
	}
	renamed := 0
	for _, l := range s.Landed {
		if l.Renamed {
			renamed++
		}
	}
	if renamed > 0 {
		cmdutil.Fprintf(w, "Renamed: %s whose names were not safe as they were (see SOURCE and LANDED)\n", cmdutil.Count(renamed, "file"))
	}
	if len(s.Landed) == 0 {
		fmt.Fprintln(w, "Nothing new.")
		return nil
	}
	fmt.Fprintln(w)
	return f.Print(t, nil)
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
