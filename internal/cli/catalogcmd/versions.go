package catalogcmd

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/cli/cmdutil"
)

type VersionsOptions struct {
	F     *cmdutil.Factory
	Table string
}

func NewCmdVersions(f *cmdutil.Factory) *cobra.Command {
	opts := &VersionsOptions{F: f}
	return &cobra.Command{
		Use:   "versions DB.TABLE",
		Short: "List a table's versions, newest first",
		Long: `List every version of a table, newest (current) first. Each update of a
table archives the version it replaced.

JSON output has the shape of 'aws glue get-table-versions':
{"TableVersions": [{"Table": {...}, "VersionId": "2"}, ...]}.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Table = args[0]
			return versionsRun(cmd.Context(), opts)
		},
		ValidArgsFunction: cmdutil.TableArg(f),
	}
}

type tableVersion struct {
	Table     *catalog.Table `json:"Table"`
	VersionID string         `json:"VersionId"`
}

func versionsRun(ctx context.Context, opts *VersionsOptions) error {
	c, db, name, err := openTable(ctx, opts.F, opts.Table, false)
	if err != nil {
		return err
	}
	out := cmdutil.Table{Header: []string{"VERSION", "UPDATED", "COLUMNS", "DESCRIPTION"}}
	list := []tableVersion{}
	for t, err := range c.ListTableVersions(ctx, db, name) {
		if err != nil {
			return err
		}
		list = append(list, tableVersion{Table: t, VersionID: version(t.VersionID)})
		out.Add(version(t.VersionID), cmdutil.FormatTime(t.UpdateTime), version(int64(len(t.StorageDescriptor.Columns))), cmdutil.OrDash(t.Description))
	}
	return opts.F.Print(out, map[string]any{"TableVersions": list})
}
