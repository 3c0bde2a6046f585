package catalogcmd

import (
	"context"
	"errors"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/cli/cmdutil"
)

type DropDatabaseOptions struct {
	F        *cmdutil.Factory
	Name     string
	Cascade  bool
	IfExists bool
}

func NewCmdDropDatabase(f *cmdutil.Factory) *cobra.Command {
	opts := &DropDatabaseOptions{F: f}
	cmd := &cobra.Command{
		Use:   "drop-database NAME",
		Short: "Remove a database from the catalog (data files are not touched)",
		Long: `Remove a database from the catalog. A database that still has tables is
refused unless --cascade is given, which removes its tables, their versions
and partitions too. Data files are never touched.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			return dropDatabaseRun(cmd.Context(), opts)
		},
		ValidArgsFunction: cmdutil.DatabaseArg(f),
	}
	cmd.Flags().BoolVar(&opts.Cascade, "cascade", false, "also remove the database's tables")
	cmd.Flags().BoolVar(&opts.IfExists, "if-exists", false, "succeed without change when the database does not exist")
	return cmd
}

func dropDatabaseRun(ctx context.Context, opts *DropDatabaseOptions) error {
	name, err := catalog.NormalizeName("database", opts.Name)
	if err != nil {
		return err
	}
	c, err := opts.F.Catalog(ctx)
	if err != nil {
		return err
	}
	if !opts.Cascade {
		n := 0
		for _, err := range c.ListTables(ctx, name) {
			if errors.Is(err, catalog.ErrNotFound) && opts.IfExists {
				return nil
			}
			if err != nil {
				return err
			}
			n++
		}
		if n > 0 {
			return cmdutil.Usagef("database %s has %d table(s): drop them first, or add --cascade to drop them with it", name, n)
		}
	}
	err = c.DeleteDatabase(ctx, name)
	if errors.Is(err, catalog.ErrNotFound) && opts.IfExists {
		return nil
	}
	if err != nil {
		return err
	}
	return opts.F.Done(map[string]any{"Name": name, "Dropped": true}, "dropped database %s", name)
}
