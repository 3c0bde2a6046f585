package catalogcmd

import (
	"context"
	"errors"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/cli/cmdutil"
)

type DropPartitionOptions struct {
	F        *cmdutil.Factory
	Table    string
	Values   []string
	IfExists bool
}

func NewCmdDropPartition(f *cmdutil.Factory) *cobra.Command {
	opts := &DropPartitionOptions{F: f}
	cmd := &cobra.Command{
		Use:   "drop-partition DB.TABLE VALUE...",
		Short: "Remove a partition from a table (data files are not touched)",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Table, opts.Values = args[0], args[1:]
			return dropPartitionRun(cmd.Context(), opts)
		},
		ValidArgsFunction: cmdutil.TableArg(f),
	}
	cmd.Flags().BoolVar(&opts.IfExists, "if-exists", false, "succeed without change when the partition does not exist")
	return cmd
}

func dropPartitionRun(ctx context.Context, opts *DropPartitionOptions) error {
	c, db, name, err := openTable(ctx, opts.F, opts.Table, true)
	if err != nil {
		return err
	}
	if _, err := c.GetPartition(ctx, db, name, opts.Values); err != nil {
		if errors.Is(err, catalog.ErrNotFound) && opts.IfExists {
			return nil
		}
		return err
	}
	if err := c.DeletePartitions(ctx, db, name, [][]string{opts.Values}); err != nil {
		return err
	}
	return opts.F.Done(map[string]any{"DatabaseName": db, "TableName": name, "Values": opts.Values, "Dropped": true},
		"dropped partition %v of %s", opts.Values, qualified(db, name))
}
