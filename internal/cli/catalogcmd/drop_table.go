package catalogcmd

import (
	"context"
	"errors"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/cli/cmdutil"
)

type DropTableOptions struct {
	F        *cmdutil.Factory
	Table    string
	IfExists bool
}

func NewCmdDropTable(f *cmdutil.Factory) *cobra.Command {
	opts := &DropTableOptions{F: f}
	cmd := &cobra.Command{
		Use:   "drop-table DB.TABLE",
		Short: "Remove a table, its versions and partitions from the catalog (data files are not touched)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Table = args[0]
			return dropTableRun(cmd.Context(), opts)
		},
		ValidArgsFunction: cmdutil.TableArg(f),
	}
	cmd.Flags().BoolVar(&opts.IfExists, "if-exists", false, "succeed without change when the table does not exist")
	return cmd
}

func dropTableRun(ctx context.Context, opts *DropTableOptions) error {
	c, db, name, err := openTable(ctx, opts.F, opts.Table, true)
	if err != nil {
		return err
	}
	err = c.DeleteTable(ctx, db, name)
	if errors.Is(err, catalog.ErrNotFound) && opts.IfExists {
		return nil
	}
	if err != nil {
		return err
	}
	return opts.F.Done(map[string]any{"DatabaseName": db, "Name": name, "Dropped": true}, "dropped table %s", qualified(db, name))
}
