package catalogcmd

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/cli/cmdutil"
)

type DatabasesOptions struct {
	F *cmdutil.Factory
}

func NewCmdDatabases(f *cmdutil.Factory) *cobra.Command {
	opts := &DatabasesOptions{F: f}
	return &cobra.Command{
		Use:   "databases",
		Short: "List databases",
		Long:  "List the catalog's databases. JSON output has the shape of 'aws glue get-databases': {\"DatabaseList\": [...]}.",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return databasesRun(cmd.Context(), opts)
		},
	}
}

func databasesRun(ctx context.Context, opts *DatabasesOptions) error {
	c, err := opts.F.ReadCatalog(ctx)
	if err != nil {
		return err
	}
	list := []*catalog.Database{}
	t := cmdutil.Table{Header: []string{"NAME", "DESCRIPTION", "LOCATION", "CREATED"}}
	for db, err := range c.ListDatabases(ctx) {
		if err != nil {
			return err
		}
		list = append(list, db)
		t.Add(db.Name, cmdutil.OrDash(db.Description), cmdutil.OrDash(db.LocationURI), cmdutil.FormatTime(db.CreateTime))
	}
	return opts.F.Print(t, map[string]any{"DatabaseList": list})
}
