package catalogcmd

import (
	"context"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/cli/cmdutil"
)

type UpdateTableOptions struct {
	F          *cmdutil.Factory
	Table      string
	TableInput string
	// VersionID, when not nil, is the version the update must replace
	// (Glue numbers a table's first version 0).
	VersionID *int64
}

func NewCmdUpdateTable(f *cmdutil.Factory) *cobra.Command {
	opts := &UpdateTableOptions{F: f}
	var versionID string
	cmd := &cobra.Command{
		Use:   "update-table DB.TABLE --table-input JSON|file://PATH|PATH|- [--version-id N]",
		Short: "Replace a table's definition with a Glue TableInput JSON",
		Long: `Replace a table's definition with the TableInput JSON that 'aws glue
update-table --table-input' takes (read as create-table reads it: inline,
file://PATH, a path or - for stdin; epoch or ISO 8601 times). As in Glue,
the input is the whole new definition: a member it leaves out is cleared.
The table keeps its name, database and creation time; the version it
replaces is archived (see 'lakectl catalog versions').

The update is optimistic. With --version-id N, or a VersionId in the input
(as 'lakectl catalog show -o json' prints it, so that a table shown, edited
and fed back is checked), it replaces version N only: if the table has
moved on since, it fails with a version conflict (exit 3) and changes
nothing, so that an edit based on an old read never undoes a newer change.
Without a version, it replaces whatever version is current, reading it
again if another writer updates the table at the same moment (the last
update wins, as with 'aws glue update-table' without --version-id).`,
		Example: `  lakectl catalog show sales.orders -o json > orders.json
  # edit orders.json
  lakectl catalog update-table sales.orders --table-input file://orders.json
  lakectl catalog update-table sales.orders --version-id 3 --table-input \
      '{"Name": "orders", "Owner": "data-eng", "StorageDescriptor": {"Columns": [{"Name": "id", "Type": "bigint"}]}}'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Table = args[0]
			if opts.TableInput == "" {
				return cmdutil.Usagef("give the table's new definition: --table-input JSON|file://PATH|PATH|-")
			}
			if cmd.Flags().Changed("version-id") {
				v, err := strconv.ParseInt(versionID, 10, 64)
				if err != nil || v < 0 {
					return cmdutil.Want("--version-id", versionID, "a version number (see 'lakectl catalog versions')")
				}
				opts.VersionID = &v
			}
			return updateTableRun(cmd.Context(), opts)
		},
		ValidArgsFunction: cmdutil.TableArg(f),
	}
	cmd.Flags().StringVar(&opts.TableInput, "table-input", "", "the new definition, a Glue TableInput JSON: inline, file://PATH, PATH or - (stdin)")
	cmd.Flags().StringVar(&versionID, "version-id", "", "replace only this version of the table (default: the VersionId in the input, else the current one)")
	return cmd
}

func updateTableRun(ctx context.Context, opts *UpdateTableOptions) error {
	db, name, err := catalog.ParseTableName(opts.Table)
	if err != nil {
		return err
	}
	in, inVersion, err := readTableInputVersion(opts.F.IO.In, opts.TableInput)
	if err != nil {
		return err
	}
	if in.Name != "" {
		inName, err := catalog.NormalizeName("table", in.Name)
		if err != nil {
			return err
		}
		if inName != name {
			return cmdutil.Usagef("--table-input names table %s, not %s: update-table does not rename", inName, name)
		}
	}
	version := opts.VersionID
	if inVersion {
		if version != nil && *version != in.VersionID {
			return cmdutil.Usagef("--version-id %d, but the table input has VersionId %d: give one", *version, in.VersionID)
		}
		version = &in.VersionID
	}
	c, err := opts.F.Catalog(ctx)
	if err != nil {
		return err
	}
	// replace turns the table as it is into the input, keeping what the
	// catalog owns.
	replace := func(current *catalog.Table) *catalog.Table {
		t := *in
		t.DatabaseName, t.Name = current.DatabaseName, current.Name
		t.CreateTime, t.UpdateTime = current.CreateTime, current.UpdateTime
		t.CreatedBy, t.CatalogID = current.CreatedBy, current.CatalogID
		t.IsRegisteredWithLakeFormation, t.Status = current.IsRegisteredWithLakeFormation, current.Status
		t.VersionID = current.VersionID
		return &t
	}
	if version != nil {
		var current *catalog.Table
		if current, err = c.GetTable(ctx, db, name); err != nil {
			return err
		}
		t := replace(current)
		t.VersionID = *version
		err = c.UpdateTable(ctx, t)
	} else {
		_, err = catalog.UpdateTableFunc(ctx, c, db, name, func(current *catalog.Table) error {
			*current = *replace(current)
			return nil
		})
	}
	if err != nil {
		return err
	}
	t, err := c.GetTable(ctx, db, name)
	if err != nil {
		return err
	}
	return opts.F.Done(map[string]any{"Table": t}, "updated table %s (version %d)", qualified(db, name), t.VersionID)
}
