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
}

func NewCmdProfile(f *cmdutil.Factory) *cobra.Command {
	opts := &ProfileOptions{F: f}
	cmd := &cobra.Command{
		Use:   "profile SOURCE [--columns COL,...] [--percentiles]",
		Short: "Profile every column in one pass: completeness, distinct values, type, statistics, histogram",
		Long: `Profile every column of SOURCE in one pass over the data, on all cores, with
Deequ's definitions. SOURCE is a catalog table (DB.TABLE) or a path or URI of
CSV, JSON or Parquet files (described as the crawler would).

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

On a terminal, values are cut at 60 characters (histogram values at 40,
with the 10 most frequent shown), and --percentiles shows the 1st, 5th,
25th, 50th, 75th, 95th and 99th; --output csv adds P1 to P100 columns and
keeps values whole.`,
		Example: `  lakectl validate profile curated.orders
  lakectl validate profile ./exports/customers.csv --columns email,country -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Source = args[0]
			return profileRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringSliceVar(&opts.Profile.Columns, "columns", nil, "profile only these columns")
	cmd.Flags().BoolVar(&opts.Profile.Percentiles, "percentiles", false, "add approximate percentiles (1st to 100th) of numeric columns")
	cmd.Flags().IntVar(&opts.Profile.HistogramThreshold, "histogram-threshold", validate.HistogramMaxDistinct, "histograms for columns with at most this many distinct values")
	cmd.Flags().IntVar(&opts.Profile.Workers, "workers", 0, "parallel workers (default: one per core)")
	cmd.Flags().StringVar(&opts.Query, "query", "", "SQL whose rows are the source (with a postgres:// or mysql:// SOURCE)")
	return cmd
}

func profileRun(ctx context.Context, opts *ProfileOptions) error {
	in, err := opts.F.Resolve(ctx, nil, opts.Source, opts.Query)
	if err != nil {
		return err
	}
	prog := opts.F.StartProgress("validate profile")
	opts.Profile.Progress = prog.Reporter()
	p, err := validate.ProfileInput(ctx, in, opts.Profile)
	prog.Stop()
	if colErr := (*validate.ColumnError)(nil); errors.As(err, &colErr) {
		return fmt.Errorf("--columns: %w", err)
	} else if err != nil {
		return err
	}
	if opts.F.Settings.Output != "table" {
		return opts.F.Print(profileTable(p, opts.Profile.Percentiles, func(s string) string { return s }), p)
	}
	w := opts.F.IO.Out
	fmt.Fprintf(w, "Profile of %s: %d rows", p.Source, p.Rows)
	if p.MalformedRecords > 0 {
		fmt.Fprintf(w, " (%d malformed records not profiled; the first: %s)", p.MalformedRecords, p.FirstMalformed)
	}
	if len(p.MembersOutsideSchema) > 0 {
		var members []string
		for _, m := range slices.Sorted(maps.Keys(p.MembersOutsideSchema)) {
			members = append(members, fmt.Sprintf("%s (%d records)", m, p.MembersOutsideSchema[m]))
		}
		fmt.Fprintf(w, " (members outside the table's columns: %s)", strings.Join(members, ", "))
	}
	fmt.Fprint(w, "\n")
	for _, sk := range p.FilesSkipped {
		fmt.Fprintf(w, "Skipped %s: %s\n", sk.File, sk.Reason)
	}
	fmt.Fprint(w, "\n")
	if err := opts.F.Print(profileTable(p, false, clipCell), nil); err != nil {
		return err
	}
	for _, c := range p.Columns {
		if len(c.ApproxPercentiles) == 100 {
			var qs []string
			for _, q := range tablePercentiles {
				qs = append(qs, fmt.Sprintf("%d%%: %s", q, c.ApproxPercentiles[q-1].Text(6)))
			}
			fmt.Fprintf(w, "\nPercentiles of %s: %s", clipCell(c.Column), strings.Join(qs, ", "))
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
		fmt.Fprintf(w, "\nHistogram of %s: %s", clipCell(c.Column), strings.Join(bins, ", "))
	}
	fmt.Fprintln(w)
	return nil
}

// What a profile shows on a terminal, where a value may be a whole nested
// document: the first bins of a histogram, each value clipped, and a few
// percentiles. CSV and JSON carry everything.
const (
	maxHistogramBins = 10
	maxBinValue      = 40
)

// tablePercentiles are the percentiles a table shows.
var tablePercentiles = []int{1, 5, 25, 50, 75, 95, 99}

// profileTable is the profile a row per column; with percentiles (CSV),
// P1 to P100 follow. cell bounds each text cell.
func profileTable(p *validate.Profile, percentiles bool, cell func(string) string) cmdutil.Table {
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
		row := []string{cell(c.Column), typ, num(ptr(validate.Double(c.Completeness))), distinct, num(c.Minimum), num(c.Maximum), num(c.Mean), num(c.StdDev), length}
		if percentiles {
			for i := range 100 {
				q := "-"
				if i < len(c.ApproxPercentiles) {
					q = c.ApproxPercentiles[i].Text(-1)
				}
				row = append(row, q)
			}
		}
		t.Add(row...)
	}
	return t
}
