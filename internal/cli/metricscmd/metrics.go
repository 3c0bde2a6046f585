package metricscmd

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/cli/cmdutil"
	"github.com/lakectl/lakectl/internal/metrics"
)

func NewCmdMetrics(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "metrics",
		Short: "Snapshot the lake's metrics daily, report on their history, draw a dashboard",
		Long: `The lake's operational metrics over time. 'metrics collect', run daily
from cron, snapshots every table of the catalog (sizes and files from
listing its storage, small files, times, counts) and every database into
Parquet tables partitioned by day. 'metrics report' reads the snapshots'
history: totals over time, the largest and fastest growing tables with a
projection of their size, the least used tables, small-file offenders.
'metrics dashboard' draws it all into one HTML file.

The snapshots live under --to / --from, $LAKECTL_HOME/metrics by default.`,
	}
	cmd.AddCommand(NewCmdCollect(f), NewCmdReport(f), NewCmdDashboard(f))
	return cmd
}

// root is where the snapshots live: the flag's value, or the default
// under lakectl's home.
func root(f *cmdutil.Factory, flag string) string {
	if flag != "" {
		return flag
	}
	return filepath.Join(f.Settings.Home, "metrics")
}

type CollectOptions struct {
	F                *cmdutil.Factory
	Databases        []string
	To               string
	RegisterDatabase string
	SmallFile        string
	Workers          int
}

func NewCmdCollect(f *cmdutil.Factory) *cobra.Command {
	opts := &CollectOptions{F: f}
	cmd := &cobra.Command{
		Use:   "collect [--database DB ...] [--to URI] [--register-database DB]",
		Short: "Snapshot every table and database of the catalog, with its storage",
		Long: `Snapshot the catalog: for each table its owner, times (created, updated,
last accessed), type, location, format, column, partition and version
counts and recordCount; from listing its locations (the table's and its
partitions', each once, in parallel) its data files' bytes and count, the
newest and oldest object, and its small files (under --small-file, 32 MiB
by default); its last crawl and whether a crawl deprecated it. For each
database: its tables, bytes and files.

The snapshot is written as Parquet under URI/tables/ and URI/databases/,
in year=YYYY/month=MM/day=DD folders, through lakectl's commit protocol:
a rerun on the same day replaces that day, and a run that dies leaves the
day as it was. With --database, only those databases' rows of the day are
replaced; the others' stay. --register-database registers the two tables
(DB.tables, DB.databases) in the catalog, partitioned, with types Athena
reads.

Hidden objects (names starting with _ or ., such as _SUCCESS and lakectl's
journals) are not data: they are counted apart (other_files, other_bytes).
A table whose storage cannot be listed is kept with the reason
(listing_error) and a warning; the others are still measured. On Glue and
S3, the requests sent are counted and printed.

JSON output: {"time", "databases", "tables", "bytes", "files", "smallFiles",
"listingErrors", "requests", "location"}.`,
		Example: `  # daily from cron, into the lake itself, registered for Athena
  lakectl metrics collect --to s3://lake/metrics --register-database metrics

  # one database, the default location ($LAKECTL_HOME/metrics)
  lakectl metrics collect --database sales`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return collectRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	cmdutil.ListVar(fl, &opts.Databases, "database", "snapshot only these databases (repeatable, or a comma list; default: all)")
	cmd.RegisterFlagCompletionFunc("database", cmdutil.DatabaseFlag(f))
	fl.StringVar(&opts.To, "to", "", "where the snapshots live: a path or s3:// URI (default: $LAKECTL_HOME/metrics)")
	fl.StringVar(&opts.RegisterDatabase, "register-database", "", "register the snapshots as DB.tables and DB.databases")
	fl.StringVar(&opts.SmallFile, "small-file", "32MiB", "a data file under this size is small")
	fl.IntVar(&opts.Workers, "workers", 16, "tables whose storage is listed at once")
	return cmd
}

type collectSummary struct {
	Time          time.Time      `json:"time"`
	Databases     int            `json:"databases"`
	Tables        int            `json:"tables"`
	Bytes         int64          `json:"bytes"`
	Files         int64          `json:"files"`
	SmallFiles    int64          `json:"smallFiles"`
	ListingErrors int            `json:"listingErrors"`
	Requests      map[string]int `json:"requests"`
	Location      string         `json:"location"`
}

func collectRun(ctx context.Context, opts *CollectOptions) error {
	f := opts.F
	small, err := cmdutil.ParseSize(opts.SmallFile)
	if err != nil || small <= 0 {
		return cmdutil.Usagef("--small-file %q: want a size above 0 (32MiB, 1GiB)", opts.SmallFile)
	}
	if opts.Workers < 1 {
		return cmdutil.Usagef("--workers %d: want 1 or more", opts.Workers)
	}
	if opts.RegisterDatabase != "" {
		if opts.RegisterDatabase, err = catalog.NormalizeName("database", opts.RegisterDatabase); err != nil {
			return cmdutil.Usagef("--register-database: %v", err)
		}
	}
	c, err := f.ReadCatalog(ctx)
	if err != nil {
		return err
	}
	prog := f.StartProgress("metrics collect")
	snap, err := metrics.Collect(ctx, c, metrics.Options{Databases: opts.Databases, SmallFile: small, Workers: opts.Workers,
		Now: f.Now(), Store: f.Store, Progress: prog.Reporter(), Redact: f.Redact})
	prog.Stop()
	if err != nil {
		return err
	}
	to := root(f, opts.To)
	// Every collect holds the lease of the whole root from here to its
	// last write, so that two runs, of some databases each, keep each
	// other's rows of the day, one after the other.
	release, err := f.HoldRoot(ctx, to)
	if err != nil {
		return err
	}
	defer release()
	if len(opts.Databases) > 0 {
		// Only these databases' rows of the day are replaced: the day's
		// rows of the others are kept, read once any commit a killed run
		// left is finished (or half of it would be kept).
		if err := FinishCommits(ctx, f, to, metrics.TablesFolder, metrics.DatabasesFolder); err != nil {
			return err
		}
		day, err := metrics.ReadDay(ctx, f.Store, to, snap.Time)
		if err != nil {
			return fmt.Errorf("the day's snapshot under %s: %w", to, err)
		}
		snap.Keep(day)
	}
	fp, err := f.Failpoint()
	if err != nil {
		return err
	}
	var where string
	for _, s := range []Snapshot{
		{Root: to, Kind: metrics.TablesFolder, Columns: metrics.TableColumns(), Rows: snap.TableRows(), Database: opts.RegisterDatabase, Failpoint: fp},
		{Root: to, Kind: metrics.DatabasesFolder, Columns: metrics.DatabaseColumns(), Rows: snap.DatabaseRows(), Database: opts.RegisterDatabase, Failpoint: fp},
	} {
		if where, err = Save(ctx, f, s); err != nil {
			return err
		}
	}
	where = strings.TrimSuffix(strings.TrimSuffix(where, "/"), metrics.DatabasesFolder)
	sum := collectSummary{Time: snap.Time, Databases: len(snap.Databases), Tables: len(snap.Tables), Requests: snap.Requests, Location: where}
	for _, t := range snap.Tables {
		sum.Bytes += t.Bytes
		sum.Files += t.Files
		sum.SmallFiles += t.SmallFiles
		if t.Error != "" {
			sum.ListingErrors++
			if !f.Settings.Quiet {
				cmdutil.Fprintf(f.IO.ErrOut, "lakectl: warning: %s.%s: storage not listed: %s\n", t.Database, t.Table, f.Redact(t.Error))
			}
		}
	}
	if !f.Settings.Quiet && len(snap.Requests) > 0 && f.Settings.Output == "table" {
		cmdutil.Fprintf(f.IO.ErrOut, "lakectl: %s\n", cmdutil.RequestLine("request", snap.Requests))
	}
	return f.Done(sum, "Snapshot of %s: %s, %s, %s in %s (%s small) saved in %s",
		snap.Time.Format(time.DateOnly), cmdutil.Count(sum.Databases, "database"), cmdutil.Count(sum.Tables, "table"),
		cmdutil.HumanBytes(sum.Bytes), cmdutil.Count(int(sum.Files), "file"), strconv.FormatInt(sum.SmallFiles, 10), where)
}
