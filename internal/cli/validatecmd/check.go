package validatecmd

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/cli/cmdutil"
	"github.com/lakectl/lakectl/internal/validate"
)

type CheckOptions struct {
	F       *cmdutil.Factory
	Source  string
	Query   string
	Rules   string
	Workers int
	Save    SaveOptions
	History string
}

func NewCmdCheck(f *cmdutil.Factory) *cobra.Command {
	opts := &CheckOptions{F: f}
	cmd := &cobra.Command{
		Use:   "check SOURCE --rules FILE",
		Short: "Check data against declarative rules named after Deequ's checks; exit 1 when an error-level check fails",
		Long: `Check SOURCE (a catalog table; a path or URI of CSV, JSON or Parquet files;
or a PostgreSQL or MySQL table or query, see 'lakectl validate --help')
against the rules in a YAML file, all in one pass over the data:

  checks:
    - description: orders are sound
      level: error              # or warning
      constraints:
        - hasSize: ">= 1000"
        - isComplete: id
        - isPrimaryKey: [id, region]
        - hasCompleteness: amount
          assertion: ">= 0.95"
        - isNonNegative: amount
        - isContainedIn: region
          values: [eu, us]
        - hasPattern: email
          pattern: "^[^@]+@[^@]+$"
          assertion: ">= 0.99"

An assertion is OP NUMBER (==, !=, >=, >, <=, <); rules that are yes-or-no
default to "== 1", the others need one. The rules, named and measured as
Deequ's:

` + validate.RulesHelp() + `
isNewestPointNonAnomalous watches a metric (Size, or NAME(column)) and judges
today's value against its history with one of Deequ's strategies:

  - isNewestPointNonAnomalous: Size
    strategy: RelativeRateOfChange   # maxRateDecrease, maxRateIncrease, order
    maxRateIncrease: 2
  - isNewestPointNonAnomalous: Mean(amount)
    strategy: OnlineNormal           # lowerDeviationFactor, upperDeviationFactor,
                                     # ignoreStartPercentage, ignoreAnomalies

The other strategies are AbsoluteChange (maxRateDecrease, maxRateIncrease,
order) and SimpleThreshold (lowerBound, upperBound). The history is the metrics table --history names,
by default --save's: the rows of the same data and metric, with all of this
run's --tag values, from earlier runs. No history fails the rule, as in
Deequ. See docs/validate.md.

--save DB.TABLE appends the rules' metrics (run_time, dataset, entity,
instance, name, value, tags, command; Deequ's metric names) to a Parquet
table partitioned by run_date and registered in the catalog; --tag
KEY=VALUE tags them.

Exit status 1 when a constraint of an error-level check fails (the report is
printed all the same); warnings never fail the run. --output json gives the
report; --output junit gives JUnit XML for CI test reports.`,
		Example: `  lakectl validate check curated.orders --rules rules.yaml
  lakectl validate check curated.orders --rules rules.yaml -o junit > check.xml
  lakectl validate check curated.orders --rules rules.yaml --save quality.metrics --tag env=prod
  lakectl validate check 'mysql://etl@tcp(db.example.com:3306)/shop' --rules rules.yaml \
      --query 'SELECT id, amount FROM orders WHERE ordered_at >= CURRENT_DATE'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Source = args[0]
			return checkRun(cmd.Context(), opts)
		},
		ValidArgsFunction: cmdutil.SourceArg(f),
	}
	cmd.Flags().StringVar(&opts.Rules, "rules", "", "the rules file (YAML; required)")
	cmd.Flags().IntVar(&opts.Workers, "workers", 0, "parallel workers (default: one per core)")
	cmd.Flags().StringVar(&opts.Query, "query", "", "SQL whose rows are the source (with a postgres:// or mysql:// SOURCE)")
	addSaveFlags(f, cmd, &opts.Save, "the rules' metrics")
	addTagFlag(cmd, &opts.Save)
	cmd.Flags().StringVar(&opts.History, "history", "", "the metrics history anomaly rules read (DB.TABLE; default: the --save table)")
	cmd.RegisterFlagCompletionFunc("history", cmdutil.TableFlag(f))
	return cmd
}

func checkRun(ctx context.Context, opts *CheckOptions) error {
	if opts.Rules == "" {
		return cmdutil.Usagef("--rules is required: a YAML file of checks")
	}
	data, err := os.ReadFile(opts.Rules)
	if err != nil {
		return cmdutil.Usagef("--rules: %v", err)
	}
	rules, err := validate.ParseRules(opts.Rules, data)
	if err != nil {
		return &cmdutil.UsageError{Err: err}
	}
	tags, err := opts.Save.tags()
	if err != nil {
		return err
	}
	history := cmp.Or(opts.History, opts.Save.Table)
	if history == "" && rules.WatchesHistory() {
		return cmdutil.Usagef("--rules %s: isNewestPointNonAnomalous compares with a metrics history: give --save DB.TABLE (or --history DB.TABLE)", opts.Rules)
	}
	prog := opts.F.StartProgress("validate check")
	defer prog.Stop()
	in, err := opts.F.Resolve(ctx, nil, opts.Source, opts.Query, prog.Reporter())
	if err != nil {
		return err
	}
	copts := validate.CheckOptions{Workers: opts.Workers, Progress: prog.Reporter(), Tags: tags, Now: opts.F.Now()}
	if rules.WatchesHistory() {
		if copts.History, err = readHistory(ctx, opts.F, history, opts.Save.Table != "", datasetName(opts.F, in), copts.Now); err != nil {
			return err
		}
	}
	rep, err := validate.CheckInput(ctx, in, rules, copts)
	prog.Stop()
	if err != nil {
		return err
	}
	opts.F.RecordAccess(ctx, in)
	if err := printCheck(opts.F, rep); err != nil {
		return err
	}
	if opts.Save.Table != "" {
		if err := opts.Save.saveMetrics(ctx, opts.F, "check", datasetName(opts.F, in), rep.Metrics); err != nil {
			return err
		}
	}
	if rep.Failed() {
		return cmdutil.ErrDataFailed
	}
	return nil
}

// readHistory reads the metrics history of the dataset before now. A
// table not made yet is an empty history when the run will make it
// (writing: --save), so that the first run of a check reports that there
// is no history rather than failing.
func readHistory(ctx context.Context, f *cmdutil.Factory, table string, writing bool, dataset string, now time.Time) (*validate.History, error) {
	if writing {
		if _, err := f.Catalog(ctx); err != nil { // made on first use, as --save would
			return nil, err
		}
	}
	in, err := f.Resolve(ctx, nil, table, "", nil)
	switch {
	case errors.Is(err, catalog.ErrNotFound):
		return &validate.History{Table: table}, nil
	case err != nil:
		return nil, fmt.Errorf("--history %s: %w", table, err)
	}
	return validate.ReadHistory(ctx, in, table, dataset, now)
}

func printCheck(f *cmdutil.Factory, rep *validate.CheckReport) error {
	switch f.Settings.Output {
	case "junit":
		x, err := rep.JUnit()
		if err != nil {
			return err
		}
		_, err = f.IO.Out.Write(x)
		return err
	case "json", "csv":
		t := cmdutil.Table{Header: []string{"check", "level", "constraint", "status", "metric", "message"}}
		for _, c := range rep.Checks {
			for _, r := range c.Constraints {
				t.Add(c.Description, c.Level, r.Constraint, r.Status, num(r.Metric), r.Message)
			}
		}
		return f.Print(t, rep)
	}
	w := f.IO.Out
	cmdutil.Fprintf(w, "Check of %s: %d rows: %s\n", rep.Source, rep.Rows, rep.Status)
	if rep.MalformedRecords > 0 {
		cmdutil.Fprintf(w, "(%d malformed records were not checked)\n", rep.MalformedRecords)
	}
	for _, m := range slices.Sorted(maps.Keys(rep.MembersOutsideSchema)) {
		cmdutil.Fprintf(w, "(member %s outside the table's columns was not checked: %d records)\n", m, rep.MembersOutsideSchema[m])
	}
	for _, sk := range rep.FilesSkipped {
		cmdutil.Fprintf(w, "(skipped %s: %s)\n", sk.File, sk.Reason)
	}
	for _, c := range rep.Checks {
		cmdutil.Fprintf(w, "\n%s [%s]: %s\n", cmdutil.OrDash(c.Description), c.Level, c.Status)
		t := cmdutil.Table{Header: []string{"STATUS", "CONSTRAINT", "METRIC", "MESSAGE"}}
		for _, r := range c.Constraints {
			t.Add(r.Status, r.Constraint, num(r.Metric), cmdutil.OrDash(r.Message))
		}
		if err := f.PrintTable(t); err != nil {
			return err
		}
	}
	return nil
}
