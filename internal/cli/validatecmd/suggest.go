package validatecmd

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/cli/cmdutil"
	"github.com/lakectl/lakectl/internal/validate"
)

type SuggestOptions struct {
	F       *cmdutil.Factory
	Source  string
	Query   string
	Write   string
	Workers int
}

func NewCmdSuggest(f *cmdutil.Factory) *cobra.Command {
	opts := &SuggestOptions{F: f}
	cmd := &cobra.Command{
		Use:   "suggest SOURCE [--write FILE]",
		Short: "Propose rules from a profile with Deequ's suggestion rules, as a rules file check accepts",
		Long: `Profile SOURCE (a catalog table, a path or URI of files, or a PostgreSQL or
MySQL table or query: see 'lakectl validate --help') and propose
constraints with Deequ's suggestion rules:

  isComplete       completeness is 1
  hasCompleteness  0.2 < completeness < 1: at least the lower bound of its 95%
                   (Wald) confidence interval, floored to 2 decimals
  hasDataType      the inferred type is Integral, Fractional or Boolean
  isContainedIn    a histogram, a String or Integral column, and at most 10% of
                   its values seen only once: the observed values
  isNonNegative    a numeric column whose minimum is at least 0
  isUnique         completeness is 1 and no value repeats (counted exactly;
                   beyond 100,000 distinct values, an estimate within 8% of
                   the rows is confirmed by an exact count)

--write FILE writes them as a rules file for 'lakectl validate check'. The
suggestions describe the data as it is; review them before enforcing them.
The data they came from always passes them.`,
		Example: `  lakectl validate suggest curated.orders --write rules.yaml
  lakectl validate suggest 'postgres://etl@db.example.com/shop?table=public.orders'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Source = args[0]
			return suggestRun(cmd.Context(), opts)
		},
		ValidArgsFunction: cmdutil.SourceArg(f),
	}
	cmd.Flags().StringVarP(&opts.Write, "write", "w", "", "write the suggestions as a rules file")
	cmd.Flags().IntVar(&opts.Workers, "workers", 0, "parallel workers (default: one per core)")
	cmd.Flags().StringVar(&opts.Query, "query", "", "SQL whose rows are the source (with a postgres:// or mysql:// SOURCE)")
	return cmd
}

func suggestRun(ctx context.Context, opts *SuggestOptions) error {
	prog := opts.F.StartProgress("validate suggest")
	defer prog.Stop()
	in, err := opts.F.Resolve(ctx, nil, opts.Source, opts.Query, prog.Reporter())
	if err != nil {
		return err
	}
	p, sug, err := validate.SuggestInput(ctx, in, validate.ProfileOptions{Workers: opts.Workers, Progress: prog.Reporter()})
	prog.Stop()
	if err != nil {
		return err
	}
	opts.F.RecordAccess(ctx, in)
	if opts.Write != "" {
		if err := os.WriteFile(opts.Write, validate.SuggestedRules(p.Source, sug), 0o644); err != nil {
			return fmt.Errorf("--write: %w", err)
		}
	}
	t := cmdutil.Table{Header: []string{"COLUMN", "RULE", "REASON"}}
	for _, s := range sug {
		t.Add(s.Column, s.Rule, s.Reason)
	}
	if err := opts.F.Print(t, map[string]any{"source": p.Source, "suggestions": sug}); err != nil {
		return err
	}
	if opts.F.Settings.Output == "table" && !opts.F.Settings.Quiet {
		if opts.Write != "" {
			cmdutil.Fprintf(opts.F.IO.Out, "\n%d rules written to %s\n", len(sug), opts.Write)
		} else {
			cmdutil.Fprintf(opts.F.IO.Out, "\n%d rules; write them as a rules file with --write FILE\n", len(sug))
		}
	}
	return nil
}
