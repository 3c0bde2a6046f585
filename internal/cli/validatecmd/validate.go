// Package validatecmd is `lakectl validate`.
package validatecmd

import (
	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/cli/cmdutil"
	"github.com/lakectl/lakectl/internal/validate"
)

func NewCmdValidate(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Profile data and check it against rules, with Deequ's definitions",
		Long: `Profile data and check it against declarative rules with the definitions of
Deequ, so that a PyDeequ user reads the same numbers. See docs/validate.md.`,
	}
	cmd.AddCommand(NewCmdProfile(f), NewCmdCheck(f), NewCmdSuggest(f), NewCmdCompare(f))
	return cmd
}

// num prints a statistic or metric with 6 significant digits, NaN and the
// infinities by name, a missing one as "-".
func num(f *validate.Double) string {
	if f == nil {
		return "-"
	}
	return f.Text(6)
}

func ptr[T any](v T) *T { return &v }
