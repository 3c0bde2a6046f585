package catalogcmd

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/backends"
	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/cli/cmdutil"
	"github.com/lakectl/lakectl/internal/format"
)

type CreatePartitionOptions struct {
	F        *cmdutil.Factory
	Table    string
	Values   []string
	Location string
}

func NewCmdCreatePartition(f *cmdutil.Factory) *cobra.Command {
	opts := &CreatePartitionOptions{F: f}
	cmd := &cobra.Command{
		Use:   "create-partition DB.TABLE VALUE... [--location URI]",
		Short: "Add a partition to a table",
		Long: `Add a partition with one value per partition key, in key order. The
partition takes the table's columns and formats; its location defaults to
the table's location followed by KEY=VALUE/ folders.`,
		Example: `  lakectl catalog create-partition sales.orders 2024 eu`,
		Args:    cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Table, opts.Values = args[0], args[1:]
			return createPartitionRun(cmd.Context(), opts)
		},
		ValidArgsFunction: cmdutil.TableArg(f),
	}
	cmd.Flags().StringVar(&opts.Location, "location", "", "where the partition's data lives (default: under the table's location)")
	return cmd
}

func createPartitionRun(ctx context.Context, opts *CreatePartitionOptions) error {
	c, db, name, err := openTable(ctx, opts.F, opts.Table, true)
	if err != nil {
		return err
	}
	t, err := c.GetTable(ctx, db, name)
	if err != nil {
		return err
	}
	p := catalog.Partition{Values: opts.Values, StorageDescriptor: t.StorageDescriptor}
	p.StorageDescriptor.Location = ""
	switch {
	case opts.Location != "":
		p.StorageDescriptor.Location = backends.LocationURI(opts.Location)
	case t.StorageDescriptor.Location != "" && len(opts.Values) == len(t.PartitionKeys):
		// The folders as Hive and Spark name them: a value's '/' (and
		// other unsafe characters) escaped, so that the folder holds one
		// partition.
		keys := make([]string, len(t.PartitionKeys))
		for i, k := range t.PartitionKeys {
			keys[i] = k.Name
		}
		p.StorageDescriptor.Location = strings.TrimSuffix(t.StorageDescriptor.Location, "/") + "/" + format.PartitionPath(keys, opts.Values) + "/"
	}
	if err := c.CreatePartitions(ctx, db, name, []catalog.Partition{p}); err != nil {
		return err
	}
	got, err := c.GetPartition(ctx, db, name, opts.Values)
	if err != nil {
		return err
	}
	return opts.F.Done(map[string]any{"Partition": got}, "created partition %v of %s", opts.Values, qualified(db, name))
}
