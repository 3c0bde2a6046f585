package searchcmd

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/cli/cmdutil"
)

func init() { subcommands = append(subcommands, NewCmdTables) }

type TablesOptions struct {
	F            *cmdutil.Factory
	Query        catalog.SearchQuery
	Parameters   []string
	UpdatedSince string
	Now          func() time.Time
}

func NewCmdTables(f *cmdutil.Factory) *cobra.Command {
	opts := &TablesOptions{F: f, Now: time.Now}
	cmd := &cobra.Command{
		Use:   "tables [QUERY]",
		Short: "Find tables by what their names, descriptions, columns, comments and parameters say",
		Long: `Find tables in the catalog. QUERY's words are looked for in database and
table names and descriptions, column names and comments, table parameters
and classification (the table's data format, and the entity types
'lakectl catalog classify' found in its columns). Every word must match
somewhere; words match their other forms (rating finds ratings);
"double quotes" make a phrase, a trailing * a prefix (cust*). Names are
split at punctuation: customer_id is the phrase "customer id".

The filters are those of Glue's SearchTables: --database, --parameter
k=v (repeatable, exact), --updated-since (RFC 3339, YYYY-MM-DD, or a
duration back from now: 24h, 7d). Without QUERY every table the filters
keep is listed.

Hits come best first, each with its score and a snippet: the field that
matched and the text around the match, the match in [brackets]. Names
count most, then column names, descriptions, comments and classification,
the database, parameters least. The embedded catalog keeps a full-text
index (SQLite FTS5), PostgreSQL uses its text search, Glue is asked with
SearchTables and lakectl ranks what it returns. Scores compare hits of
one search, not of two backends.

JSON output: {"Hits": [{"Database", "Table", "Score", "Snippets":
[{"Field", "Text"}]}]}.`,
		Example: `  lakectl search tables 'credit rating'
  lakectl search tables customer --database crm -o json
  lakectl search tables --parameter owner=risk --updated-since 7d`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Query.Text = args[0]
			}
			return tablesRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Query.Database, "database", "", "search this database only")
	fl.StringArrayVar(&opts.Parameters, "parameter", nil, "keep tables whose parameter KEY is VALUE (KEY=VALUE, repeatable)")
	fl.StringVar(&opts.UpdatedSince, "updated-since", "", "keep tables updated since this time (RFC 3339 or YYYY-MM-DD) or for this long (24h, 7d)")
	fl.IntVar(&opts.Query.Limit, "limit", catalog.DefaultSearchLimit, "show at most this many tables")
	return cmd
}

func tablesRun(ctx context.Context, opts *TablesOptions) error {
	q := opts.Query
	if q.Limit <= 0 {
		return cmdutil.Usagef("--limit %d: want a number above 0", q.Limit)
	}
	if q.Database != "" {
		name, err := catalog.NormalizeName("database", q.Database)
		if err != nil {
			return err
		}
		q.Database = name
	}
	for _, p := range opts.Parameters {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return cmdutil.Usagef("--parameter %q: want KEY=VALUE", p)
		}
		if q.Parameters == nil {
			q.Parameters = map[string]string{}
		}
		q.Parameters[k] = v
	}
	if opts.UpdatedSince != "" {
		t, err := cmdutil.ParseSince(opts.UpdatedSince, opts.Now())
		if err != nil {
			return cmdutil.Usagef("--updated-since %q: %v", opts.UpdatedSince, err)
		}
		q.UpdatedSince = t
	}
	c, err := opts.F.ReadCatalog(ctx)
	if err != nil {
		return err
	}
	hits, err := catalog.SearchTables(ctx, c, q)
	if err != nil {
		return err
	}
	if hits == nil {
		hits = []catalog.SearchHit{}
	}
	t := cmdutil.Table{Header: []string{"SCORE", "TABLE", "FIELD", "MATCH"}}
	for _, h := range hits {
		field, text := "-", "-"
		if len(h.Snippets) > 0 {
			field, text = h.Snippets[0].Field, h.Snippets[0].Text
			if more := len(h.Snippets) - 1; more > 0 {
				field += fmt.Sprintf(" (+%d)", more)
			}
		}
		t.Add(cmdutil.Number(h.Score), h.Database+"."+h.Table, field, text)
	}
	return opts.F.Print(t, map[string]any{"Hits": hits})
}
