package validatecmd

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/cli/cmdutil"
	"github.com/lakectl/lakectl/internal/validate"
)

type ProfileOptions struct {
	F       *cmdutil.Factory
	Source  string
	Query   string
	Profile validate.ProfileOptions
	Save    SaveOptions
}

func NewCmdProfile(f *cmdutil.Factory) *cobra.Command {
	opts := &ProfileOptions{F: f}
	cmd := &cobra.Command{
		Use:   "profile SOURCE [--columns COL,...] [--percentiles]",
		Short: "Profile every column in one pass: completeness, distinct values, type, statistics, histogram",
		Long: `Profile every column of SOURCE in one pass over the data, on all cores, with
Deequ's definitions. SOURCE is a catalog table (DB.TABLE), a path or URI of
CSV, JSON or Parquet files (described as the crawler would), or a PostgreSQL
or MySQL table or query (see 'lakectl validate --help').

For each column: completeness (an empty string is a value, not a null; an
empty CSV cell is a null, as Spark reads CSV), approximate number of distinct
values (exact up to 100,000, then HyperLogLog++ at about 0.8% error, where
Deequ's sketch has 5%), data type — inferred for CSV and JSON text with
Deequ's rules, with the count of each type — lengths of strings, numeric
statistics (minimum, maximum, sum, mean, population standard deviation and
variance, zeros), approximate percentiles (KLL) with --percentiles, and a
histogram when there are at most 120 distinct values.

--output json uses the names of Deequ's profile JSON (columns, column,
dataType, isDataTypeInferred, completeness, approximateNumDistinctValues,
histogram, mean, maximum, minimum, sum, stdDev, approxPercentiles) plus
typeCounts, minLength, maxLength, variance, zerosCount, numRecords and
malformedRecords. NaN and infinities are the strings "NaN", "Infinity" and
"-Infinity" there (JSON has no such numbers).

In table output, statistics (completeness, mean, standard deviation,
percentiles) show 6 significant digits, a histogram its 10 most frequent
values, each cut at 40 characters, and --percentiles the 1st, 5th, 25th,
50th, 75th, 95th and 99th; --output csv adds P1 to P100 columns and keeps
every value and digit.

--save DB.TABLE appends the profile's metrics (Size, and per column
Completeness, ApproxCountDistinct, Minimum, Maximum, Mean, Sum,
StandardDeviation, MinLength, MaxLength, with Deequ's names) to a Parquet
table partitioned by run_date, the history that 'validate check' anomaly
rules read; --tag KEY=VALUE tags them. See docs/validate.md.`,
		Example: `  lakectl validate profile curated.orders
  lakectl validate profile ./exports/customers.csv --columns email,country -o json
  lakectl validate profile curated.orders --save quality.metrics --tag env=prod
  lakectl validate profile 'postgres://etl@db.example.com/shop?table=public.orders'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Source = args[0]
			return profileRun(cmd.Context(), opts)
		},
		ValidArgsFunction: cmdutil.SourceArg(f),
	}
	cmdutil.ListVar(cmd.Flags(), &opts.Profile.Columns, "columns", "profile only these columns (COL,... or repeated)")
	cmd.Flags().BoolVar(&opts.Profile.Percentiles, "percentiles", false, "add approximate percentiles (1st to 100th) of numeric columns")
	cmd.Flags().IntVar(&opts.Profile.HistogramThreshold, "histogram-threshold", validate.HistogramMaxDistinct, "histograms for columns with at most this many distinct values")
	cmd.Flags().IntVar(&opts.Profile.Workers, "workers", 0, "parallel workers (default: one per core)")
	cmd.Flags().StringVar(&opts.Query, "query", "", "SQL whose rows are the source (with a postgres:// or mysql:// SOURCE)")
	addSaveFlags(f, cmd, &opts.Save, "the metrics (Size, and each column's Completeness, ApproxCountDistinct, Mean...)")
	addTagFlag(cmd, &opts.Save)
	return cmd
}

func profileRun(ctx context.Context, opts *ProfileOptions) error {
	if _, err := opts.Save.tags(); err != nil {
		return err
	}
	prog := opts.F.StartProgress("validate profile")
	defer prog.Stop()
	in, err := opts.F.Resolve(ctx, nil, opts.Source, opts.Query, prog.Reporter())
	if err != nil {
		return err
	}
	opts.Profile.Progress = prog.Reporter()
	p, err := validate.ProfileInput(ctx, in, opts.Profile)
	prog.Stop()
	if colErr := (*validate.ColumnError)(nil); errors.As(err, &colErr) {
		return fmt.Errorf("--columns: %w", err)
	} else if err != nil {
		return err
	}
	opts.F.RecordAccess(ctx, in)
	if err := printProfile(opts, p); err != nil {
		return err
	}
	if opts.Save.Table != "" {
		return opts.Save.saveMetrics(ctx, opts.F, "profile", datasetName(opts.F, in), validate.ProfileMetrics(p))
	}
	return nil
}

func printProfile(opts *ProfileOptions, p *validate.Profile) error {
	if opts.F.Settings.Output != "table" {
		return opts.F.Print(profileTable(p, opts.Profile.Percentiles, true), p)
	}
	w := opts.F.IO.Out
	cmdutil.Fprintf(w, "Profile of %s: %d rows", p.Source, p.Rows)
	if p.MalformedRecords > 0 {
		cmdutil.Fprintf(w, " (%d malformed records not profiled; the first: %s)", p.MalformedRecords, p.FirstMalformed)
	}
	if len(p.MembersOutsideSchema) > 0 {
		var members []string
		for _, m := range slices.Sorted(maps.Keys(p.MembersOutsideSchema)) {
			members = append(members, fmt.Sprintf("%s (%d records)", m, p.MembersOutsideSchema[m]))
		}
		cmdutil.Fprintf(w, " (members outside the table's columns: %s)", strings.Join(members, ", "))
	}
	fmt.Fprint(w, "\n")
	for _, sk := range p.FilesSkipped {
		cmdutil.Fprintf(w, "Skipped %s: %s\n", sk.File, sk.Reason)
	}
	fmt.Fprint(w, "\n")
	if err := opts.F.Print(profileTable(p, false, false), nil); err != nil {
		return err
	}
	for _, c := range p.Columns {
		if len(c.ApproxPercentiles) == 100 {
			var qs []string
			for _, q := range tablePercentiles {
				qs = append(qs, fmt.Sprintf("%d%%: %s", q, cmdutil.Statistic(float64(c.ApproxPercentiles[q-1]))))
			}
			cmdutil.Fprintf(w, "\nPercentiles of %s: %s", c.Column, strings.Join(qs, ", "))
		}
	}
	for _, c := range p.Columns {
		if len(c.Histogram) == 0 {
			continue
		}
		var bins []string
		for i, h := range c.Histogram {
			if i == maxHistogramBins {
				bins = append(bins, fmt.Sprintf("… %d more", len(c.Histogram)-maxHistogramBins))
				break
			}
			bins = append(bins, fmt.Sprintf("%s: %d (%.1f%%)", clip(h.Value, maxBinValue), h.Count, 100*h.Ratio))
		}
		cmdutil.Fprintf(w, "\nHistogram of %s: %s", c.Column, strings.Join(bins, ", "))
	}
	fmt.Fprintln(w)
	return nil
}

// What a profile shows in table output, where a value may be a whole nested
// document: the first bins of a histogram, each value clipped, and a few
// percentiles. CSV and JSON carry everything.
const (
	maxHistogramBins = 10
	maxBinValue      = 40
)

// tablePercentiles are the percentiles a table shows.
var tablePercentiles = []int{1, 5, 25, 50, 75, 95, 99}

// profileTable is the profile a row per column; with percentiles, P1 to
// P100 follow. In a table for people (exact false), statistics show 6
// significant digits; values (minimum, maximum) are always exact.
func profileTable(p *validate.Profile, percentiles, exact bool) cmdutil.Table {
	stat := cmdutil.Statistic
	if exact {
		stat = cmdutil.Number
	}
	t := cmdutil.Table{Header: []string{"COLUMN", "TYPE", "COMPLETENESS", "DISTINCT", "MIN", "MAX", "MEAN", "STDDEV", "LENGTH"}}
	if percentiles {
		for i := 1; i <= 100; i++ {
			t.Header = append(t.Header, "P"+strconv.Itoa(i))
		}
	}
	for _, c := range p.Columns {
		typ := c.DataType
		if c.IsDataTypeInferred {
			typ += " (inferred)"
		}
		distinct := strconv.FormatInt(c.ApproxDistinct, 10)
		if !c.DistinctIsExact {
			distinct = "~" + distinct
		}
		length := "-"
		if c.MinLength != nil {
			length = fmt.Sprintf("%d..%d", *c.MinLength, *c.MaxLength)
		}
		row := []string{c.Column, typ, stat(c.Completeness), distinct, num(c.Minimum), num(c.Maximum), orDash(c.Mean, stat), orDash(c.StdDev, stat), length}
		if percentiles {
			for i := range 100 {
				q := "-"
				if i < len(c.ApproxPercentiles) {
					q = stat(float64(c.ApproxPercentiles[i]))
				}
				row = append(row, q)
			}
		}
		t.Add(row...)
	}
	return t
}
