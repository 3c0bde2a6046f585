package catalogcmd

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/cli/cmdutil"
)

type DescribeOptions struct {
	F           *cmdutil.Factory
	Table       string
	Description *string // nil: leave as it is
	Columns     []string
}

func NewCmdDescribe(f *cmdutil.Factory) *cobra.Command {
	opts := &DescribeOptions{F: f}
	var description string
	cmd := &cobra.Command{
		Use:   "describe DB.TABLE [--description TEXT] [--column NAME=COMMENT]...",
		Short: "Set a table's description and its columns' comments",
		Long: `Set a table's description and the comments of its columns (data columns or
partition keys). Other properties are kept.

The change is applied to the latest version of the table: when another
process updates the table at the same moment, lakectl reads it again and
re-applies the change, so concurrent edits of different columns all land.
Each change archives the previous version (see 'lakectl catalog versions').`,
		Example: `  lakectl catalog describe sales.orders --description "one row per order" \
      --column id="order id" --column amount="total in EUR, VAT included"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Table = args[0]
			if cmd.Flags().Changed("description") {
				opts.Description = &description
			}
			return describeRun(cmd.Context(), opts)
		},
		ValidArgsFunction: cmdutil.TableArg(f),
	}
	cmd.Flags().StringVar(&description, "description", "", "the table's description (empty clears it)")
	cmd.Flags().StringArrayVar(&opts.Columns, "column", nil, "a column comment NAME=COMMENT (repeatable; the comment is taken whole, commas and all; empty clears it)")
	return cmd
}

func describeRun(ctx context.Context, opts *DescribeOptions) error {
	if opts.Description == nil && len(opts.Columns) == 0 {
		return cmdutil.Usagef("nothing to change: give --description and/or --column NAME=COMMENT")
	}
	comments := map[string]string{}
	var order []string
	for _, kv := range opts.Columns {
		col, comment, ok := strings.Cut(kv, "=")
		if !ok {
			return cmdutil.Want("--column", kv, "NAME=COMMENT")
		}
		col = strings.ToLower(col)
		comments[col] = comment
		order = append(order, col)
	}
	c, db, name, err := openTable(ctx, opts.F, opts.Table, true)
	if err != nil {
		return err
	}
	t, err := catalog.UpdateTableFunc(ctx, c, db, name, func(t *catalog.Table) error {
		if opts.Description != nil {
			t.Description = *opts.Description
		}
		for _, col := range order {
			target := t.Column(col)
			if target == nil {
				return catalog.Invalidf("table %s has no column %q (columns: %s)", qualified(db, name), col,
					columnNames(append(append([]catalog.Column{}, t.StorageDescriptor.Columns...), t.PartitionKeys...)))
			}
			target.Comment = comments[col]
		}
		return nil
	})
	if err != nil {
		return err
	}
	return opts.F.Done(map[string]any{"Table": t}, "described %s (version %d)", qualified(db, name), t.VersionID)
}
