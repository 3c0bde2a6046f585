// Package validatecmd is `lakectl validate`.
package validatecmd

import (
	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/cli/cmdutil"
)

func NewCmdValidate(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Profile data with Deequ's definitions (checks, suggestions and compares to come)",
		Long: `Profile data with the definitions of Deequ, so that a PyDeequ user reads the same
numbers. See docs/validate.md.`,
	}
	cmd.AddCommand(NewCmdProfile(f))
	return cmd
}
