package catalogcmd

import (
	"context"
	"errors"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/backends"
	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/cli/cmdutil"
)

type CreateDatabaseOptions struct {
	F           *cmdutil.Factory
	Name        string
	Description string
	Location    string
	Parameters  []string
	IfNotExists bool
}

func NewCmdCreateDatabase(f *cmdutil.Factory) *cobra.Command {
	opts := &CreateDatabaseOptions{F: f}
	cmd := &cobra.Command{
		Use:     "create-database NAME",
		Short:   "Create a database",
		Example: `  lakectl catalog create-database sales --description "orders and invoices" --location s3://lake/sales/`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			return createDatabaseRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Description, "description", "", "what the database holds")
	cmd.Flags().StringVar(&opts.Location, "location", "", "where its data lives (path or URI)")
	cmd.Flags().StringArrayVar(&opts.Parameters, "parameter", nil, "a parameter KEY=VALUE (repeatable; the value is taken whole, commas and all)")
	cmd.Flags().BoolVar(&opts.IfNotExists, "if-not-exists", false, "succeed without change when the database exists")
	return cmd
}

func createDatabaseRun(ctx context.Context, opts *CreateDatabaseOptions) error {
	params, err := parseKeyValues("parameter", opts.Parameters)
	if err != nil {
		return err
	}
	db := catalog.Database{Name: opts.Name, Description: opts.Description, Parameters: params}
	if opts.Location != "" {
		db.LocationURI = backends.LocationURI(opts.Location)
	}
	if err := catalog.PrepareDatabase(&db); err != nil {
		return err
	}
	c, err := opts.F.Catalog(ctx)
	if err != nil {
		return err
	}
	done := "created database %s"
	err = c.CreateDatabase(ctx, db)
	if errors.Is(err, catalog.ErrAlreadyExists) && opts.IfNotExists {
		done = "database %s exists already"
	} else if err != nil {
		return err
	}
	got, err := c.GetDatabase(ctx, db.Name)
	if err != nil {
		return err
	}
	return opts.F.Done(map[string]any{"Database": got}, done, got.Name)
}
