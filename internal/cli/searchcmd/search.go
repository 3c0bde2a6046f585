// Package searchcmd is `lakectl search`: an index of a bucket's objects
// and search over it, and search over the catalog's tables and columns.
package searchcmd

import (
	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/cli/cmdutil"
)

// subcommands are the search commands, each added by its own file's init.
var subcommands []func(f *cmdutil.Factory) *cobra.Command

func NewCmdSearch(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "search",
		Short: "Find objects by key, metadata and date, and tables and columns by what they mean",
	}
	for _, sub := range subcommands {
		cmd.AddCommand(sub(f))
	}
	return cmd
}
