package cmdutil

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/catalog"
)

// Shell completion of catalog names (cobra's __complete, which the
// scripts of `lakectl completion bash|zsh|fish|powershell` call): the
// settings are resolved as for running the command (--catalog,
// LAKECTL_CATALOG, the config file), the catalog is only read, never made,
// and any error or a slow catalog gives no names, silently.
//
// The ...Arg functions complete a command's first argument (and nothing
// after it); the ...Flag ones a flag's value.

// completionTimeout bounds the time a completion may take: a shell
// waiting on a TAB is worse than no completion.
const completionTimeout = 2 * time.Second

// What a word names.
type nameKind int

const (
	aTable    nameKind = iota // DB.TABLE: a database with its '.', then its tables
	aNewTable                 // DB.TABLE not made yet: a database with its '.'
	aDatabase                 // DB
	aSource                   // DB.TABLE, or a path: file names
)

// TableArg completes a first argument DB.TABLE: database names with their
// '.' (and no space after it), then the tables of the database named.
func TableArg(f *Factory) cobra.CompletionFunc { return f.complete(aTable, true, "") }

// NewTableArg completes the database of a first argument DB.TABLE whose
// table is not made yet.
func NewTableArg(f *Factory) cobra.CompletionFunc { return f.complete(aNewTable, true, "") }

// DatabaseArg completes a first argument that names a database.
func DatabaseArg(f *Factory) cobra.CompletionFunc { return f.complete(aDatabase, true, "") }

// SourceArg completes a first argument that is a table or a path: as
// TableArg does, or file names when the word looks like a path (it holds
// '/' or ':', or starts with '.' or '~') or starts no database's name.
func SourceArg(f *Factory) cobra.CompletionFunc { return f.complete(aSource, true, "") }

// TableFlag, DatabaseFlag and SourceFlag complete flags' values alike.
func TableFlag(f *Factory) cobra.CompletionFunc    { return f.complete(aTable, false, "") }
func DatabaseFlag(f *Factory) cobra.CompletionFunc { return f.complete(aDatabase, false, "") }
func SourceFlag(f *Factory) cobra.CompletionFunc   { return f.complete(aSource, false, "") }

// DatabaseFlagOf completes a flag's value with the databases of the
// catalog another flag names (catalog copy --from), when it is given.
func DatabaseFlagOf(f *Factory, catalogFlag string) cobra.CompletionFunc {
	return f.complete(aDatabase, false, catalogFlag)
}

func (f *Factory) complete(kind nameKind, firstArg bool, catalogFlag string) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if firstArg && len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		if kind == aSource && (strings.ContainsAny(toComplete, "/:") || strings.HasPrefix(toComplete, ".") || strings.HasPrefix(toComplete, "~")) {
			return nil, cobra.ShellCompDirectiveDefault
		}
		names := f.names(cmd, kind, toComplete, catalogFlag)
		switch {
		case kind == aSource && len(names) == 0:
			return nil, cobra.ShellCompDirectiveDefault
		case kind != aDatabase && !strings.Contains(toComplete, "."):
			// "raw." is not a whole word: the table follows it.
			return names, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	}
}

// names lists the catalog's names of a kind that start with toComplete.
func (f *Factory) names(cmd *cobra.Command, kind nameKind, toComplete, catalogFlag string) []cobra.Completion {
	ctx, cancel := context.WithTimeout(cmd.Context(), completionTimeout)
	defer cancel()
	c, err := f.completionCatalog(ctx, cmd, catalogFlag)
	if err != nil {
		return nil
	}
	var out []cobra.Completion
	db, table, dotted := strings.Cut(toComplete, ".")
	if dotted {
		if kind != aTable && kind != aSource {
			return nil
		}
		for t, err := range c.ListTables(ctx, db) {
			if err != nil {
				return out
			}
			if strings.HasPrefix(t.Name, table) {
				out = append(out, db+"."+t.Name)
			}
		}
		return out
	}
	for d, err := range c.ListDatabases(ctx) {
		if err != nil {
			return out
		}
		switch {
		case !strings.HasPrefix(d.Name, db):
		case kind == aDatabase:
			out = append(out, d.Name)
		default:
			out = append(out, d.Name+".")
		}
	}
	return out
}

// completionCatalog opens the configured catalog, or the one catalogFlag
// names, to read. The settings are resolved here, from the flags of the
// command completed: cobra runs no PreRun of it.
func (f *Factory) completionCatalog(ctx context.Context, cmd *cobra.Command, catalogFlag string) (catalog.Catalog, error) {
	s, err := Resolve(cmd.Flags(), f.Getenv)
	if err != nil {
		return nil, err
	}
	f.Settings = s
	if catalogFlag != "" {
		if uri, _ := cmd.Flags().GetString(catalogFlag); uri != "" {
			return f.CatalogAt(ctx, uri, false)
		}
	}
	return f.ReadCatalog(ctx)
}
