package catalogcmd

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/cli/cmdutil"
	"github.com/lakectl/lakectl/internal/search"
)

type ClassifyOptions struct {
	F        *cmdutil.Factory
	Source   string
	Classify search.ClassifyOptions
	Apply    bool
}

func NewCmdClassify(f *cmdutil.Factory) *cobra.Command {
	opts := &ClassifyOptions{F: f}
	cmd := &cobra.Command{
		Use:   "classify DB.TABLE|PATH [--columns COL,...] [--sample N] [--min-confidence F] [--apply]",
		Short: "Detect what columns hold from their values (email, phone, card numbers, IBAN...) and describe them",
		Long: `Sample each column's values and detect the entity types in them:

  email, phone (libphonenumber: +E.164, or a national format of a common
  region written with separators), ipv4, ipv6, mac_address, credit_card
  (Luhn and the schemes' IIN ranges and lengths), iban (country length and
  ISO 13616 mod-97), us_ssn (AAA-GG-SSSS under the SSA's rules), uuid, url
  (a scheme and a host), postal_code (US ZIP+4, UK, Canada, the Netherlands,
  Japan, Poland, Brazil; bare five digits in a column named zip, postal,
  postcode, plz...), country_code (ISO 3166-1 alpha-2 and alpha-3),
  currency_code (ISO 4217), date and timestamp (ISO 8601), geo_point ("lat,
  lon"), latitude and longitude (numbers in range in a column named lat,
  latitude, lon, lng, longitude), person_name (values shaped like names in a
  column named like a person's name: name, first_name, customer_name...).

Each column's sample is --sample distinct values (those with the smallest
hashes, with how often each was read, so that the same data gives the same
sample). An entity's confidence is the share of the non-null values the
sample stands for that matched it; the validators are the checks that
confirmed them. A column is classified as its best entity when that reaches
--min-confidence; PII says whether the entity is personal data (what
'lakectl convert --pii auto' masks).

--apply writes, on a catalog table, each classified column's
lakectl.classification and lakectl.classificationConfidence parameters and,
where the column has no comment or the one lakectl wrote, a comment
("Email address (detected from its values by lakectl classify)"), kept in
the lakectl.generatedComment parameter: a comment that differs from it was
written by a person and is never overwritten. A column classified before and
no longer classified loses them. The update reads the table again and
re-applies when another writer changes it at the same moment; a rerun that
finds the same changes nothing.`,
		Example: `  lakectl catalog classify crm.customers
  lakectl catalog classify crm.customers --columns email,phone --sample 5000 -o json
  lakectl catalog classify crm.customers --apply
  lakectl catalog classify ./exports/customers.csv`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Source = args[0]
			if opts.Classify.Sample <= 0 {
				return cmdutil.Want("--sample", strconv.Itoa(opts.Classify.Sample), "a number of values above 0")
			}
			if c := opts.Classify.MinConfidence; c <= 0 || c > 1 {
				return cmdutil.Want("--min-confidence", strconv.FormatFloat(c, 'f', -1, 64), "a share above 0 and at most 1")
			}
			return classifyRun(cmd.Context(), opts)
		},
		ValidArgsFunction: cmdutil.SourceArg(f),
	}
	fl := cmd.Flags()
	cmdutil.ListVar(fl, &opts.Classify.Columns, "columns", "classify only these columns (COL,... or repeated)")
	fl.IntVar(&opts.Classify.Sample, "sample", search.DefaultSample, "distinct values sampled per column")
	fl.Float64Var(&opts.Classify.MinConfidence, "min-confidence", search.DefaultMinConfidence, "share of sampled values an entity must match for the column to be classified")
	fl.BoolVar(&opts.Apply, "apply", false, "write the classifications (parameters, and comments where no person wrote one) into the catalog table")
	return cmd
}

// classifyResult is the JSON of classify.
type classifyResult struct {
	Table   string                `json:"table"`
	Columns []search.ColumnClass  `json:"columns"`
	Applied []search.ColumnChange `json:"applied"`
	// VersionID is the table's version after --apply (0 without).
	VersionID int64 `json:"versionId,omitempty"`
}

func classifyRun(ctx context.Context, opts *ClassifyOptions) error {
	prog := opts.F.StartProgress("classify")
	defer prog.Stop()
	in, err := opts.F.Resolve(ctx, nil, opts.Source, "", prog.Reporter())
	if err != nil {
		return err
	}
	if opts.Apply && !in.FromCatalog {
		return cmdutil.Usagef("--apply writes into a catalog table: %s is not one (name it DB.TABLE)", opts.Source)
	}
	for i, c := range opts.Classify.Columns {
		opts.Classify.Columns[i] = strings.ToLower(c)
	}
	opts.Classify.Scan.Progress = prog.Reporter()
	classes, err := search.Classify(ctx, in, opts.Classify)
	prog.Stop()
	if err != nil {
		return err
	}
	opts.F.RecordAccess(ctx, in)
	res := classifyResult{Table: opts.Source, Columns: classes, Applied: []search.ColumnChange{}}
	if in.FromCatalog {
		res.Table = qualified(in.Table.DatabaseName, in.Table.Name)
	}
	var changed *catalog.Table
	if opts.Apply {
		c, db, name, err := openTable(ctx, opts.F, res.Table, true)
		if err != nil {
			return err
		}
		var changes []search.ColumnChange
		t, err := catalog.UpdateTableFunc(ctx, c, db, name, func(t *catalog.Table) error {
			if changes = search.Apply(t, classes); len(changes) == 0 {
				return errNothingToApply
			}
			return nil
		})
		switch {
		case errors.Is(err, errNothingToApply):
		case err != nil:
			return fmt.Errorf("classify --apply %s: %w", res.Table, err)
		default:
			res.Applied, res.VersionID, changed = changes, t.VersionID, t
		}
	}
	if opts.F.Settings.Output != "table" {
		return opts.F.Print(classifyTable(classes), res)
	}
	if err := opts.F.PrintTable(classifyTable(classes)); err != nil {
		return err
	}
	if !opts.Apply || opts.F.Settings.Quiet {
		return nil
	}
	w := opts.F.IO.Out
	for _, ch := range res.Applied {
		switch {
		case ch.Classification == "":
			cmdutil.Fprintf(w, "%s: no longer classified; lakectl's parameters removed\n", ch.Column)
		case ch.KeptComment:
			cmdutil.Fprintf(w, "%s: classified %s; its comment, written by a person, is kept\n", ch.Column, ch.Classification)
		default:
			cmdutil.Fprintf(w, "%s: classified %s, described %q\n", ch.Column, ch.Classification, ch.Comment)
		}
	}
	if changed == nil {
		cmdutil.Fprintf(w, "table %s already says so: nothing changed\n", res.Table)
		return nil
	}
	cmdutil.Fprintf(w, "updated table %s (version %d)\n", res.Table, changed.VersionID)
	return nil
}

// errNothingToApply stops an update that would change nothing.
var errNothingToApply = errors.New("nothing to apply")

func classifyTable(classes []search.ColumnClass) cmdutil.Table {
	t := cmdutil.Table{Header: []string{"COLUMN", "TYPE", "CLASSIFICATION", "CONFIDENCE", "PII", "VALIDATORS", "ALSO"}}
	for _, c := range classes {
		conf, validators, pii := "-", "-", "-"
		var also []string
		for i, e := range c.Entities {
			if i == 0 && c.Classification != "" {
				conf, validators = strconv.FormatFloat(e.Confidence, 'f', -1, 64), strings.Join(e.Validators, ",")
				continue
			}
			also = append(also, e.Entity+" "+strconv.FormatFloat(e.Confidence, 'f', -1, 64))
		}
		if c.Classification != "" {
			pii = strconv.FormatBool(c.PII)
		}
		t.Add(c.Column, c.Type, cmdutil.OrDash(c.Classification), conf, pii, validators, cmdutil.OrDash(strings.Join(also, ", ")))
	}
	return t
}
