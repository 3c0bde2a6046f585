package catalogcmd

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/cli/cmdutil"
	"github.com/lakectl/lakectl/internal/format"
)

type PartitionsOptions struct {
	F      *cmdutil.Factory
	Table  string
	Filter string
}

func NewCmdPartitions(f *cmdutil.Factory) *cobra.Command {
	opts := &PartitionsOptions{F: f}
	cmd := &cobra.Command{
		Use:   "partitions DB.TABLE [--filter EXPR]",
		Short: "List a table's partitions",
		Long: `List a table's partitions, each named as Hive names its folder
(year=2024/region=eu, values escaped as in folder names), with its location.

--filter keeps the partitions whose values satisfy an expression in the
language of the Expression of Glue's GetPartitions (a SQL WHERE clause on
partition keys):

  KEY = VALUE      also <> (or !=), <, <=, >, >=
  KEY [NOT] IN (VALUE, ...)
  KEY [NOT] BETWEEN VALUE AND VALUE
  KEY [NOT] LIKE 'PATTERN'     % any characters, _ one; strings only
  KEY IS [NOT] NULL            __HIVE_DEFAULT_PARTITION__ is null
  EXPR AND EXPR, EXPR OR EXPR, NOT EXPR, (EXPR)

AND binds tighter than OR; a comma is an AND. Values are written 'in single
quotes' (a quote doubled inside), as numbers, or bare (region=eu). They
compare by the type of their key, as in Glue: int keys as integers (9 < 10),
string keys as strings ('10' < '9'), decimal keys as numbers, date keys
(YYYY-MM-DD) and timestamp keys (YYYY-MM-DD hh:mm:ss) in time. A filter that
names an unknown key, a value not of its key's type, or a key Glue cannot
filter (boolean, float, double, binary) is refused. See docs/catalog.md.

JSON output has the shape of 'aws glue get-partitions': {"Partitions": [...]}.`,
		Example: `  lakectl catalog partitions sales.orders --filter "year=2024 AND month>=6"
  lakectl catalog partitions sales.orders --filter "region IN ('eu', 'us') AND year BETWEEN 2020 AND 2024"
  lakectl catalog partitions logs.events --filter "dt > '2024-01-31' AND (host LIKE 'web-%' OR NOT level = 'debug')"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Table = args[0]
			return partitionsRun(cmd.Context(), opts)
		},
		ValidArgsFunction: cmdutil.TableArg(f),
	}
	cmd.Flags().StringVar(&opts.Filter, "filter", "", "a Glue partition expression on the partition keys, e.g. \"year=2024 AND region IN ('eu','us')\"")
	return cmd
}

func partitionsRun(ctx context.Context, opts *PartitionsOptions) error {
	filter, err := catalog.ParseFilter(opts.Filter)
	if err != nil {
		return err
	}
	c, db, name, err := openTable(ctx, opts.F, opts.Table, false)
	if err != nil {
		return err
	}
	t, err := c.GetTable(ctx, db, name)
	if err != nil {
		return err
	}
	// A partition is named as Hive names its folder (year=2024/region=eu):
	// a header spelled from key names could be spelled like another
	// (a key named location).
	keys := make([]string, len(t.PartitionKeys))
	for i, k := range t.PartitionKeys {
		keys[i] = k.Name
	}
	out := cmdutil.Table{Header: []string{"PARTITION", "LOCATION", "CREATED"}}
	list := []*catalog.Partition{}
	for p, err := range c.ListPartitions(ctx, db, name, filter) {
		if err != nil {
			return err
		}
		list = append(list, p)
		out.Add(format.PartitionPath(keys, p.Values), cmdutil.OrDash(p.StorageDescriptor.Location), cmdutil.FormatTime(p.CreationTime))
	}
	return opts.F.Print(out, map[string]any{"Partitions": list})
}
