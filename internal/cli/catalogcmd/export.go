package catalogcmd

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/cli/cmdutil"
	lakectlversion "github.com/lakectl/lakectl/internal/cli/version"
	"github.com/lakectl/lakectl/internal/convert"
	"github.com/lakectl/lakectl/internal/search"
)

type ExportOptions struct {
	F        *cmdutil.Factory
	To       string
	Register string
	Database string
}

func NewCmdExport(f *cmdutil.Factory) *cobra.Command {
	opts := &ExportOptions{F: f}
	cmd := &cobra.Command{
		Use:   "export --to URI [--register DB]",
		Short: "Write the catalog's databases, tables and columns as Parquet tables for BI tools",
		Long: `Write the catalog as three Parquet tables under --to, shaped like
information_schema, for BI tools and Athena:

  databases  schema_name, description, location_uri, create_time, parameters, table_count
  tables     table_schema, table_name, table_type, description, owner,
             classification, location, column_count, partition_keys,
             create_time, update_time, last_access_time, version_id, parameters
  columns    table_schema, table_name, column_name, ordinal_position,
             data_type, comment, is_partition_key, classification

ordinal_position counts from 1 over the data columns, then the partition
keys (is_partition_key true), as Athena's information_schema.columns does;
parameters are JSON objects. Each run replaces the three tables whole,
through the commit protocol; --register DB registers them as DB.databases,
DB.tables and DB.columns. --database exports one database.`,
		Example: `  lakectl catalog export --to s3://lake/catalog/ --register catalog_info
  lakectl catalog export --to ./export --database sales`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return exportRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.To, "to", "", "where to write the tables (path or URI): TO/databases, TO/tables, TO/columns")
	fl.StringVar(&opts.Register, "register", "", "register the tables in this database (made when missing)")
	fl.StringVar(&opts.Database, "database", "", "export this database only")
	return cmd
}

func exportRun(ctx context.Context, opts *ExportOptions) error {
	if opts.To == "" {
		return cmdutil.Usagef("--to is required: where to write the tables")
	}
	for _, name := range []*string{&opts.Register, &opts.Database} {
		if *name != "" {
			n, err := catalog.NormalizeName("database", *name)
			if err != nil {
				return err
			}
			*name = n
		}
	}
	var c catalog.Catalog
	var err error
	if opts.Register != "" {
		c, err = opts.F.Catalog(ctx)
	} else {
		c, err = opts.F.ReadCatalog(ctx)
	}
	if err != nil {
		return err
	}
	tables, err := search.ExportCatalog(ctx, c, opts.Database)
	if err != nil {
		return err
	}
	fp, err := opts.F.Failpoint()
	if err != nil {
		return err
	}
	out := cmdutil.Table{Header: []string{"TABLE", "ROWS", "LOCATION", "REGISTERED AS"}}
	type exported struct {
		Table      string `json:"Table"`
		Rows       int    `json:"Rows"`
		Location   string `json:"Location"`
		Registered string `json:"Registered,omitempty"`
	}
	var done []exported
	for _, t := range tables {
		dest, err := opts.F.Store(ctx, strings.TrimSuffix(opts.To, "/")+"/"+t.Name)
		if err != nil {
			return err
		}
		copts := convert.Options{Mode: convert.Overwrite, Workers: 1, Version: lakectlversion.Version, Build: lakectlversion.Commit, Failpoint: fp}
		registered := ""
		if opts.Register != "" {
			registered = opts.Register + "." + t.Name
			copts.Register = registered
		}
		if _, err := convert.AppendRows(ctx, c, t.Columns, t.Rows, "catalog "+t.Name, dest, copts); err != nil {
			return fmt.Errorf("catalog export %s: %w", t.Name, err)
		}
		out.Add(t.Name, fmt.Sprint(len(t.Rows)), dest.URI(""), cmdutil.OrDash(registered))
		done = append(done, exported{t.Name, len(t.Rows), dest.URI(""), registered})
	}
	return opts.F.Print(out, map[string]any{"Exported": done})
}
