package catalogcmd

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/cli/cmdutil"
)

type TablesOptions struct {
	F        *cmdutil.Factory
	Database string // "" lists the tables of every database
}

func NewCmdTables(f *cmdutil.Factory) *cobra.Command {
	opts := &TablesOptions{F: f}
	return &cobra.Command{
		Use:   "tables [DATABASE]",
		Short: "List tables, of one database or of all",
		Long:  "List tables. JSON output has the shape of 'aws glue get-tables': {\"TableList\": [...]}.",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Database = args[0]
			}
			return tablesRun(cmd.Context(), opts)
		},
		ValidArgsFunction: cmdutil.DatabaseArg(f),
	}
}

func tablesRun(ctx context.Context, opts *TablesOptions) error {
	c, err := opts.F.ReadCatalog(ctx)
	if err != nil {
		return err
	}
	var dbs []string
	if opts.Database != "" {
		name, err := catalog.NormalizeName("database", opts.Database)
		if err != nil {
			return err
		}
		dbs = []string{name}
	} else {
		for db, err := range c.ListDatabases(ctx) {
			if err != nil {
				return err
			}
			dbs = append(dbs, db.Name)
		}
	}
	list := []*catalog.Table{}
	t := cmdutil.Table{Header: []string{"DATABASE", "TABLE", "FORMAT", "COLUMNS", "PARTITION KEYS", "LOCATION", "VERSION", "UPDATED"}}
	for _, db := range dbs {
		for tb, err := range c.ListTables(ctx, db) {
			if err != nil {
				return err
			}
			list = append(list, tb)
			t.Add(tb.DatabaseName, tb.Name, cmdutil.OrDash(tb.Parameters[catalog.ParamClassification]),
				version(int64(len(tb.StorageDescriptor.Columns))), cmdutil.OrDash(columnNames(tb.PartitionKeys)),
				cmdutil.OrDash(tb.StorageDescriptor.Location), version(tb.VersionID), cmdutil.FormatTime(tb.UpdateTime))
		}
	}
	return opts.F.Print(t, map[string]any{"TableList": list})
}
