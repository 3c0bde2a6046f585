package metricscmd

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/cli/cmdutil"
	"github.com/lakectl/lakectl/internal/metrics"
)

type ReportOptions struct {
	F             *cmdutil.Factory
	From          string
	Days          int
	Top           int
	SizeGoal      string
	MinSmallFiles int64
	Sections      []string
	Quality       []string
	goal          int64 // --size-goal, read
}

func NewCmdReport(f *cmdutil.Factory) *cobra.Command {
	opts := &ReportOptions{F: f}
	cmd := &cobra.Command{
		Use:   "report [--from URI] [--days N] [--size-goal SIZE]",
		Short: "Report on the snapshots' history: growth, projections, least used tables, small files",
		Long: `Read the snapshots 'metrics collect' kept under --from (the last --days
days; 0: all) and report, in sections:

  totals          the lake's databases, tables, bytes, files and records, a snapshot at a time
  databases       each database's tables, bytes and files, a snapshot at a time
  largest         the largest tables of the last snapshot
  growth          each table's growth: a least-squares line through its sizes (bytes a day,
                  its R², and with --size-goal the date it reaches that size at this pace)
  fastest-rows    the fastest growing tables by records
  least-updated, most-updated, least-accessed, most-accessed
                  tables by when their data was last written (the newest data file)
                  and by last access (never first)
  small-files     tables with at least --min-small-files small files, and the command that
                  fixes them (convert compact for Parquet; convert to Parquet for text)
  undescribed     tables without a description
  deprecated      tables a crawl found gone that are still registered
  listing-errors  tables whose storage could not be listed in the last snapshot
  storage         each location's objects and bytes a day, from 'lakectl storage metrics
                  --to' into the same root
  quality         with --quality DB.TABLE: each data-quality metric kept by 'validate
                  profile/check --save' over its runs (last, previous, min, max)

--section picks sections (repeatable, or a comma list); CSV output takes
one. JSON output is one object with a member per section (docs/metrics.md).`,
		Example: `  lakectl metrics report
  lakectl metrics report --from s3://lake/metrics --days 90 --size-goal 1TiB --section growth
  lakectl metrics report --section small-files -o csv > offenders.csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return reportRun(cmd.Context(), opts)
		},
	}
	opts.flags(cmd)
	cmdutil.ListVar(cmd.Flags(), &opts.Sections, "section", "show only these sections (repeatable, or a comma list)")
	return cmd
}

// flags are those report and dashboard share.
func (opts *ReportOptions) flags(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&opts.From, "from", "", "where the snapshots live: the --to of metrics collect (default: $LAKECTL_HOME/metrics)")
	fl.IntVar(&opts.Days, "days", 90, "read the snapshots of the last N days (0: all)")
	fl.IntVar(&opts.Top, "top", 10, "tables each ranking lists")
	fl.StringVar(&opts.SizeGoal, "size-goal", "", "project the date each growing table reaches this size (1TiB, 500GB)")
	fl.Int64Var(&opts.MinSmallFiles, "min-small-files", 10, "small files that make a table an offender")
	cmdutil.ListVar(fl, &opts.Quality, "quality", "add the data-quality metrics kept in these tables by validate profile/check --save (DB.TABLE; repeatable)")
	cmd.RegisterFlagCompletionFunc("quality", cmdutil.TableFlag(opts.F))
}

// section is a part of the report: its name, title, and table.
type section struct {
	name, title string
	table       func(r *metrics.Report) cmdutil.Table
	json        func(r *metrics.Report) any
}

var sections = []section{
	{"totals", "Totals", func(r *metrics.Report) cmdutil.Table {
		t := cmdutil.Table{Header: []string{"SNAPSHOT", "DATABASES", "TABLES", "BYTES", "SIZE", "FILES", "SMALL FILES", "RECORDS"}}
		for _, x := range r.Totals {
			t.Add(day(x.Time), i(x.Databases), i(x.Tables), i(x.Bytes), cmdutil.HumanBytes(x.Bytes), i(x.Files), i(x.SmallFiles), i(x.Records))
		}
		return t
	}, func(r *metrics.Report) any { return r.Totals }},
	{"databases", "Databases", func(r *metrics.Report) cmdutil.Table {
		t := cmdutil.Table{Header: []string{"SNAPSHOT", "DATABASE", "TABLES", "BYTES", "SIZE", "FILES", "SMALL FILES", "RECORDS"}}
		for _, x := range r.Databases {
			t.Add(day(x.Time), x.Database.Database, i(x.Tables), i(x.Bytes), cmdutil.HumanBytes(x.Bytes), i(x.Files), i(x.SmallFiles), i(x.Records))
		}
		return t
	}, func(r *metrics.Report) any { return r.Databases }},
	{"largest", "Largest tables", func(r *metrics.Report) cmdutil.Table {
		t := cmdutil.Table{Header: []string{"TABLE", "BYTES", "SIZE", "FILES", "RECORDS"}}
		for _, x := range r.Largest {
			t.Add(x.Database+"."+x.Table, i(x.Bytes), cmdutil.HumanBytes(x.Bytes), i(x.Files), known(x.Records))
		}
		return t
	}, func(r *metrics.Report) any { return r.Largest }},
	{"growth", "Growth (least squares over the snapshots)", growthTable(func(r *metrics.Report) []metrics.Growth { return r.Growth }),
		func(r *metrics.Report) any { return r.Growth }},
	{"fastest-rows", "Fastest growing by records", growthTable(func(r *metrics.Report) []metrics.Growth { return r.FastestRows }),
		func(r *metrics.Report) any { return r.FastestRows }},
	{"least-updated", "Least recently updated", timesTable(func(r *metrics.Report) []metrics.TableTime { return r.LeastUpdated }, "UPDATED"),
		func(r *metrics.Report) any { return r.LeastUpdated }},
	{"most-updated", "Most recently updated", timesTable(func(r *metrics.Report) []metrics.TableTime { return r.MostUpdated }, "UPDATED"),
		func(r *metrics.Report) any { return r.MostUpdated }},
	{"least-accessed", "Least recently accessed (least used)", timesTable(func(r *metrics.Report) []metrics.TableTime { return r.LeastAccessed }, "LAST ACCESS"),
		func(r *metrics.Report) any { return r.LeastAccessed }},
	{"most-accessed", "Most recently accessed", timesTable(func(r *metrics.Report) []metrics.TableTime { return r.MostAccessed }, "LAST ACCESS"),
		func(r *metrics.Report) any { return r.MostAccessed }},
	{"small-files", "Small files", func(r *metrics.Report) cmdutil.Table {
		t := cmdutil.Table{Header: []string{"TABLE", "SMALL FILES", "FILES", "SHARE", "SMALL BYTES", "FIX"}}
		for _, x := range r.SmallFiles {
			t.Add(x.Database+"."+x.Table, i(x.SmallFiles), i(x.Files), fmt.Sprintf("%.0f%%", 100*x.Share), cmdutil.HumanBytes(x.SmallBytes), x.Fix)
		}
		return t
	}, func(r *metrics.Report) any { return r.SmallFiles }},
	{"undescribed", "Tables without a description", namesTable(func(r *metrics.Report) []metrics.TableName { return r.Undescribed }),
		func(r *metrics.Report) any { return r.Undescribed }},
	{"deprecated", "Deprecated tables still registered", namesTable(func(r *metrics.Report) []metrics.TableName { return r.Deprecated }),
		func(r *metrics.Report) any { return r.Deprecated }},
	{"storage", "Storage (lakectl storage metrics)", func(r *metrics.Report) cmdutil.Table {
		t := cmdutil.Table{Header: []string{"SNAPSHOT", "LOCATION", "OBJECTS", "BYTES", "SIZE", "NONCURRENT BYTES", "MULTIPART BYTES"}}
		for _, x := range r.Storage {
			t.Add(day(x.Time), x.Where(), i(x.Objects), i(x.Bytes), cmdutil.HumanBytes(x.Bytes), i(x.NoncurrentBytes), i(x.MultipartBytes))
		}
		return t
	}, func(r *metrics.Report) any { return r.Storage }},
	{"quality", "Data quality (validate --save)", func(r *metrics.Report) cmdutil.Table {
		t := cmdutil.Table{Header: []string{"DATASET", "METRIC", "INSTANCE", "TAGS", "RUNS", "FIRST", "LAST RUN", "LAST", "PREVIOUS", "MIN", "MAX"}}
		for _, q := range r.Quality {
			prev := ""
			if q.HasPrevious {
				prev = cmdutil.Statistic(q.Previous)
			}
			t.Add(q.Dataset, q.Name, q.Instance, q.Tags, strconv.Itoa(len(q.Points)), day(q.Points[0].Time), day(q.Points[len(q.Points)-1].Time),
				cmdutil.Statistic(q.Last), prev, cmdutil.Statistic(q.Min), cmdutil.Statistic(q.Max))
		}
		return t
	}, func(r *metrics.Report) any { return r.Quality }},
	{"listing-errors", "Tables whose storage could not be listed", namesTable(func(r *metrics.Report) []metrics.TableName { return r.ListingErrors }),
		func(r *metrics.Report) any { return r.ListingErrors }},
}

func sectionNames() []string {
	var out []string
	for _, s := range sections {
		out = append(out, s.name)
	}
	return out
}

func growthTable(get func(*metrics.Report) []metrics.Growth) func(*metrics.Report) cmdutil.Table {
	return func(r *metrics.Report) cmdutil.Table {
		t := cmdutil.Table{Header: []string{"TABLE", "POINTS", "SIZE", "BYTES/DAY", "R²", "RECORDS", "RECORDS/DAY", "GOAL"}}
		for _, g := range get(r) {
			goal := ""
			switch {
			case g.GoalReached:
				goal = "reached"
			case !g.GoalDate.IsZero():
				goal = day(g.GoalDate)
			}
			t.Add(g.Database+"."+g.Table, strconv.Itoa(g.Points), cmdutil.HumanBytes(g.Bytes), fmt.Sprintf("%.0f", g.BytesPerDay),
				fmt.Sprintf("%.3f", g.BytesR2), known(g.Records), fmt.Sprintf("%.1f", g.RecordsPerDay), goal)
		}
		return t
	}
}

func timesTable(get func(*metrics.Report) []metrics.TableTime, what string) func(*metrics.Report) cmdutil.Table {
	return func(r *metrics.Report) cmdutil.Table {
		t := cmdutil.Table{Header: []string{"TABLE", what, "DAYS AGO"}}
		for _, x := range get(r) {
			if x.Time.IsZero() {
				t.Add(x.Database+"."+x.Table, "never", "")
				continue
			}
			t.Add(x.Database+"."+x.Table, cmdutil.FormatTime(x.Time), strconv.FormatFloat(x.Days, 'f', 1, 64))
		}
		return t
	}
}

func namesTable(get func(*metrics.Report) []metrics.TableName) func(*metrics.Report) cmdutil.Table {
	return func(r *metrics.Report) cmdutil.Table {
		t := cmdutil.Table{Header: []string{"TABLE", "NOTE"}}
		for _, x := range get(r) {
			t.Add(x.Database+"."+x.Table, x.Note)
		}
		return t
	}
}

func i(n int64) string { return strconv.FormatInt(n, 10) }

// known is a count, or blank when unknown (-1).
func known(n int64) string {
	if n < 0 {
		return ""
	}
	return i(n)
}

func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// build reads the history and makes the report.
func (opts *ReportOptions) build(ctx context.Context) (*metrics.History, *metrics.Report, error) {
	f := opts.F
	var goal int64
	if opts.SizeGoal != "" {
		var err error
		if goal, err = cmdutil.ParseSize(opts.SizeGoal); err != nil || goal <= 0 {
			return nil, nil, cmdutil.Usagef("--size-goal %q: want a size above 0 (1TiB, 500GB)", opts.SizeGoal)
		}
	}
	if opts.Days < 0 {
		return nil, nil, cmdutil.Usagef("--days %d: want 0 (all) or more", opts.Days)
	}
	if opts.Top < 1 {
		return nil, nil, cmdutil.Usagef("--top %d: want 1 or more", opts.Top)
	}
	now := f.Now()
	var since time.Time
	if opts.Days > 0 {
		since = now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -opts.Days+1)
	}
	from := root(f, opts.From)
	h, err := metrics.ReadHistory(ctx, f.Store, from, since)
	if err != nil {
		return nil, nil, fmt.Errorf("snapshots under %s: %w", from, err)
	}
	var quality []metrics.QualitySeries
	for _, name := range opts.Quality {
		in, err := f.Resolve(ctx, nil, name, "", nil)
		if err != nil {
			return nil, nil, fmt.Errorf("--quality %s: %w", name, err)
		}
		q, err := metrics.ReadQuality(ctx, in, since)
		if err != nil {
			return nil, nil, fmt.Errorf("--quality %s: %w", name, err)
		}
		quality = append(quality, q...)
	}
	if h.Empty() && len(quality) == 0 {
		return nil, nil, cmdutil.Usagef("no snapshots under %s%s: run 'lakectl metrics collect --to %s' first", from, daysNote(opts.Days), from)
	}
	opts.goal = goal
	r := metrics.BuildReport(h, metrics.ReportOptions{Top: opts.Top, SizeGoal: goal, MinSmallFiles: opts.MinSmallFiles, Now: now})
	r.Quality = append(r.Quality, quality...)
	return h, r, nil
}

func daysNote(days int) string {
	if days == 0 {
		return ""
	}
	return fmt.Sprintf(" in the last %d days", days)
}

func reportRun(ctx context.Context, opts *ReportOptions) error {
	f := opts.F
	var picked []section
	for _, name := range opts.Sections {
		found := false
		for _, s := range sections {
			if s.name == name {
				picked, found = append(picked, s), true
			}
		}
		if !found {
			return cmdutil.Usagef("--section %q: want %s", name, strings.Join(sectionNames(), ", "))
		}
	}
	if len(picked) == 0 {
		picked = sections
	}
	if f.Settings.Output == "csv" && len(picked) != 1 {
		return cmdutil.Usagef("-o csv prints one section: add --section NAME (%s)", strings.Join(sectionNames(), ", "))
	}
	_, r, err := opts.build(ctx)
	if err != nil {
		return err
	}
	switch f.Settings.Output {
	case "json":
		out := map[string]any{"snapshots": r.Snapshots}
		if r.Snapshots > 0 {
			out["from"], out["to"] = r.From, r.To
		}
		for _, s := range picked {
			out[s.name] = s.json(r)
		}
		return f.Print(cmdutil.Table{}, out)
	case "csv":
		return f.Print(picked[0].table(r), nil)
	}
	if r.Snapshots > 0 {
		cmdutil.Fprintf(f.IO.Out, "%s from %s to %s\n", cmdutil.Count(r.Snapshots, "snapshot"), day(r.From), day(r.To))
	}
	for _, s := range picked {
		t := s.table(r)
		if len(t.Rows) == 0 && len(opts.Sections) == 0 {
			continue // an empty section is left out of the whole report
		}
		cmdutil.Fprintf(f.IO.Out, "\n%s\n", s.title)
		if len(t.Rows) == 0 {
			cmdutil.Fprintf(f.IO.Out, "(none)\n")
			continue
		}
		if err := f.PrintTable(t); err != nil {
			return err
		}
	}
	return nil
}
