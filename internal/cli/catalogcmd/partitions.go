package catalogcmd

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/cli/cmdutil"
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
		Long: `List a table's partitions, one column per partition key. --filter keeps
those whose values match every condition: KEY=VALUE, KEY!=VALUE, KEY<VALUE,
KEY<=VALUE, KEY>VALUE, KEY>=VALUE, joined by AND or commas. Values that are
both numbers compare as numbers.

JSON output has the shape of 'aws glue get-partitions': {"Partitions": [...]}.`,
		Example: `  lakectl catalog partitions sales.orders --filter "year=2024 AND month>=6"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Table = args[0]
			return partitionsRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Filter, "filter", "", "conditions on partition values, e.g. \"year=2024 AND month>=6\"")
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
	out := cmdutil.Table{}
	for _, k := range t.PartitionKeys {
		out.Header = append(out.Header, strings.ToUpper(k.Name))
	}
	out.Header = append(out.Header, "LOCATION", "CREATED")
	list := []*catalog.Partition{}
	for p, err := range c.ListPartitions(ctx, db, name, filter) {
		if err != nil {
			return err
		}
		list = append(list, p)
		out.Add(append(append([]string{}, p.Values...), cmdutil.OrDash(p.StorageDescriptor.Location), cmdutil.FormatTime(p.CreationTime))...)
	}
	return opts.F.Print(out, map[string]any{"Partitions": list})
}
