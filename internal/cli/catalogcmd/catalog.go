// Package catalogcmd is `lakectl catalog`: the commands that make the
// catalog usable by hand.
package catalogcmd

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/cli/cmdutil"
)

func NewCmdCatalog(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "catalog",
		Short: "Inspect and edit the catalog: databases, tables, partitions, versions",
		Long: `Inspect and edit the catalog by hand.

Objects are shaped like the AWS Glue Data Catalog; with --output json they are
printed as 'aws glue get-table' (aws CLI v2) prints them: every member of the
Glue API's shapes under its Glue name, times in ISO 8601 with their UTC offset
(2024-01-02T03:04:05.123000+00:00); --query selects from it with a JMESPath
expression, as the aws CLI's --query does. Names are folded to lower case and
must then be lowercase letters, digits and _, at most 128 characters.`,
	}
	cmd.AddCommand(
		NewCmdDatabases(f),
		NewCmdCreateDatabase(f),
		NewCmdDropDatabase(f),
		NewCmdTables(f),
		NewCmdCreateTable(f),
		NewCmdUpdateTable(f),
		NewCmdShow(f),
		NewCmdDescribe(f),
		NewCmdPartitions(f),
		NewCmdCreatePartition(f),
		NewCmdDropPartition(f),
		NewCmdVersions(f),
		NewCmdDropTable(f),
		NewCmdCopy(f),
		NewCmdClassify(f),
		NewCmdExport(f),
	)
	return cmd
}

// openTable parses a DB.TABLE argument and opens the catalog, to change
// it when write is set, else only to read it.
func openTable(ctx context.Context, f *cmdutil.Factory, arg string, write bool) (c catalog.Catalog, db, name string, err error) {
	if db, name, err = catalog.ParseTableName(arg); err != nil {
		return nil, "", "", err
	}
	if write {
		c, err = f.Catalog(ctx)
	} else {
		c, err = f.ReadCatalog(ctx)
	}
	return c, db, name, err
}

// parseKeyValues reads repeated KEY=VALUE flags.
func parseKeyValues(flag string, kvs []string) (map[string]string, error) {
	if len(kvs) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, cmdutil.Want("--"+flag, kv, "KEY=VALUE")
		}
		out[k] = v
	}
	return out, nil
}

func columnNames(cols []catalog.Column) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	return strings.Join(names, ",")
}

func version(v int64) string { return strconv.FormatInt(v, 10) }

func qualified(db, name string) string { return fmt.Sprintf("%s.%s", db, name) }
