package catalogcmd

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/cli/cmdutil"
)

type ShowOptions struct {
	F     *cmdutil.Factory
	Table string
}

func NewCmdShow(f *cmdutil.Factory) *cobra.Command {
	opts := &ShowOptions{F: f}
	return &cobra.Command{
		Use:   "show DB.TABLE",
		Short: "Show a table: its properties, columns and parameters",
		Long: `Show a table. JSON output has the shape of 'aws glue get-table':
{"Table": {...}}. CSV output lists the columns (name, type, comment,
partition_key).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Table = args[0]
			return showRun(cmd.Context(), opts)
		},
		ValidArgsFunction: cmdutil.TableArg(f),
	}
}

func showRun(ctx context.Context, opts *ShowOptions) error {
	c, db, name, err := openTable(ctx, opts.F, opts.Table, false)
	if err != nil {
		return err
	}
	t, err := c.GetTable(ctx, db, name)
	if err != nil {
		return err
	}
	cols := cmdutil.Table{Header: []string{"COLUMN", "TYPE", "COMMENT", "PARTITION KEY"}}
	for _, col := range t.StorageDescriptor.Columns {
		cols.Add(col.Name, col.Type, col.Comment, "")
	}
	for _, col := range t.PartitionKeys {
		cols.Add(col.Name, col.Type, col.Comment, "yes")
	}
	if opts.F.Settings.Output != "table" {
		if opts.F.Settings.Output == "csv" {
			cols.Header = []string{"name", "type", "comment", "partition_key"}
		}
		return opts.F.Print(cols, map[string]any{"Table": t})
	}

	sd := t.StorageDescriptor
	props := cmdutil.Table{}
	for _, kv := range [][2]string{
		{"Table", qualified(t.DatabaseName, t.Name)},
		{"Description", t.Description},
		{"Location", sd.Location},
		{"Format", t.Parameters[catalog.ParamClassification]},
		{"Type", t.TableType},
		{"Owner", t.Owner},
		{"Version", version(t.VersionID)},
		{"Created", cmdutil.FormatTime(t.CreateTime)},
		{"Updated", cmdutil.FormatTime(t.UpdateTime)},
		{"Accessed", cmdutil.FormatTime(t.LastAccessTime)},
	} {
		props.Add(kv[0]+":", cmdutil.OrDash(kv[1]))
	}
	if sd.SerdeInfo != nil && sd.SerdeInfo.SerializationLibrary != "" {
		props.Add("SerDe:", sd.SerdeInfo.SerializationLibrary)
	}
	if err := opts.F.PrintTable(props); err != nil {
		return err
	}
	fmt.Fprintln(opts.F.IO.Out)
	human := cmdutil.Table{Header: []string{"COLUMN", "TYPE", "COMMENT"}}
	for _, col := range t.StorageDescriptor.Columns {
		human.Add(col.Name, col.Type, cmdutil.OrDash(col.Comment))
	}
	for _, col := range t.PartitionKeys {
		human.Add(col.Name, col.Type, strings.TrimSpace(col.Comment+" (partition key)"))
	}
	if err := opts.F.PrintTable(human); err != nil {
		return err
	}
	if len(t.Parameters) > 0 {
		fmt.Fprintln(opts.F.IO.Out)
		params := cmdutil.Table{Header: []string{"PARAMETER", "VALUE"}}
		for _, k := range slices.Sorted(maps.Keys(t.Parameters)) {
			params.Add(k, t.Parameters[k])
		}
		return opts.F.PrintTable(params)
	}
	return nil
}
