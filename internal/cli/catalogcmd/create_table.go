package catalogcmd

import (
	"context"
	"errors"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/backends"
	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/cli/cmdutil"
)

type CreateTableOptions struct {
	F             *cmdutil.Factory
	Target        string // DB.TABLE, or DB with --table-input
	Columns       []string
	PartitionKeys []string
	Location      string
	Format        string
	Description   string
	Parameters    []string
	TableInput    string
	IfNotExists   bool
}

func NewCmdCreateTable(f *cmdutil.Factory) *cobra.Command {
	opts := &CreateTableOptions{F: f}
	cmd := &cobra.Command{
		Use:   "create-table DB.TABLE --column NAME:TYPE... | create-table DB[.TABLE] --table-input file://T.json",
		Short: "Create a table from columns given as flags or from a Glue TableInput JSON",
		Long: `Create a table, either from flags or from the TableInput JSON that
'aws glue create-table --table-input' takes: inline ('{"Name": ...}'),
file://PATH, a path, or - for stdin. With --table-input the table name comes
from the JSON's Name unless DB.TABLE gives one.

--table-input reads what the aws CLI reads there, times included: seconds
since 1970 (1700000000.5) or ISO 8601 ("2023-11-14T22:13:20Z", UTC when no
offset is given). It also reads a table as 'aws glue get-table' or 'lakectl
catalog show -o json' prints it ({"Table": ...} or what is inside), so one
can be copied: the members the catalog sets (CreateTime, UpdateTime, VersionId) are
set anew. A member lakectl does not know is an error naming it.

Types are Hive types: string, bigint, int, double, boolean, date, timestamp,
decimal(p,s), array<T>, map<K,V>, struct<name:T,...>. Partition keys must
have primitive types. --format sets the input/output formats, SerDe and
classification that Glue and Athena expect for csv, json or parquet.`,
		Example: `  lakectl catalog create-table sales.orders --column id:bigint --column 'amount:decimal(10,2)' \
      --partition-key year:string --location s3://lake/sales/orders/ --format parquet
  lakectl catalog create-table sales --table-input file://orders.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Target = args[0]
			return createTableRun(cmd.Context(), opts)
		},
		ValidArgsFunction: cmdutil.NewTableArg(f),
	}
	fl := cmd.Flags()
	cmdutil.ListVar(fl, &opts.Columns, "column", "columns, in order (NAME:TYPE,... or repeated; a comma inside a type, decimal(10,2), does not split)")
	cmdutil.ListVar(fl, &opts.PartitionKeys, "partition-key", "partition keys, in order (NAME:TYPE,... or repeated)")
	fl.StringVar(&opts.Location, "location", "", "where the table's data lives (path or URI)")
	cmdutil.EnumVar(cmd, &opts.Format, "format", "", catalog.Formats, "data format")
	fl.StringVar(&opts.Description, "description", "", "what the table holds")
	fl.StringArrayVar(&opts.Parameters, "parameter", nil, "a table parameter KEY=VALUE (repeatable; the value is taken whole, commas and all)")
	fl.StringVar(&opts.TableInput, "table-input", "", "a Glue TableInput JSON: inline, file://PATH, PATH or - (stdin)")
	fl.BoolVar(&opts.IfNotExists, "if-not-exists", false, "succeed without change when the table exists")
	return cmd
}

func createTableRun(ctx context.Context, opts *CreateTableOptions) error {
	t, err := tableFromOptions(opts)
	if err != nil {
		return err
	}
	if err := catalog.PrepareTable(&t); err != nil {
		return err
	}
	c, err := opts.F.Catalog(ctx)
	if err != nil {
		return err
	}
	done := "created table %s"
	err = c.CreateTable(ctx, t)
	if errors.Is(err, catalog.ErrAlreadyExists) && opts.IfNotExists {
		done = "table %s exists already"
	} else if err != nil {
		return err
	}
	got, err := c.GetTable(ctx, t.DatabaseName, t.Name)
	if err != nil {
		return err
	}
	return opts.F.Done(map[string]any{"Table": got}, done, qualified(got.DatabaseName, got.Name))
}

func tableFromOptions(opts *CreateTableOptions) (catalog.Table, error) {
	var t catalog.Table
	db, name, hasName := strings.Cut(opts.Target, ".")
	if opts.TableInput != "" {
		if len(opts.Columns)+len(opts.PartitionKeys) > 0 || opts.Format != "" || opts.Location != "" {
			return t, cmdutil.Usagef("--table-input gives the whole table: leave out --column, --partition-key, --format and --location")
		}
		in, err := readTableInput(opts.F.IO.In, opts.TableInput)
		if err != nil {
			return t, err
		}
		t = *in
		t.DatabaseName = db
		// What the catalog holding a table sets, not the table's: a table
		// copied from Glue's output leaves its account behind.
		t.CatalogID, t.IsRegisteredWithLakeFormation, t.Status = "", false, nil
		if hasName {
			t.Name = name
		}
		if t.Name == "" {
			return t, cmdutil.Usagef("%s: the table input has no Name: give DB.TABLE", opts.TableInput)
		}
	} else {
		if !hasName {
			return t, cmdutil.Want("table", opts.Target, "DATABASE.TABLE")
		}
		if len(opts.Columns) == 0 {
			return t, cmdutil.Usagef("a table needs columns: give --column NAME:TYPE (or --table-input)")
		}
		t.DatabaseName, t.Name = db, name
		cols, err := parseColumns("column", opts.Columns)
		if err != nil {
			return t, err
		}
		if t.PartitionKeys, err = parseColumns("partition-key", opts.PartitionKeys); err != nil {
			return t, err
		}
		location := ""
		if opts.Location != "" {
			location = backends.LocationURI(opts.Location)
		}
		t.StorageDescriptor = catalog.StorageDescriptor{Columns: cols, Location: location}
		if opts.Format != "" {
			sd, params, err := catalog.StorageFormat(opts.Format, location, cols)
			if err != nil {
				return t, err
			}
			t.StorageDescriptor, t.Parameters = sd, params
		}
	}
	if opts.Description != "" {
		t.Description = opts.Description
	}
	params, err := parseKeyValues("parameter", opts.Parameters)
	if err != nil {
		return t, err
	}
	for k, v := range params {
		if t.Parameters == nil {
			t.Parameters = map[string]string{}
		}
		t.Parameters[k] = v
	}
	return t, nil
}

func parseColumns(flag string, specs []string) ([]catalog.Column, error) {
	var cols []catalog.Column
	for _, s := range specs {
		name, typ, ok := strings.Cut(s, ":")
		if !ok || name == "" || typ == "" {
			return nil, cmdutil.Want("--"+flag, s, "NAME:TYPE, e.g. amount:decimal(10,2)")
		}
		cols = append(cols, catalog.Column{Name: name, Type: typ})
	}
	return cols, nil
}
