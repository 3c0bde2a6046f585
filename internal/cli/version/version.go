// Package version is `lakectl version`.
package version

import (
	"runtime"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/cli/cmdutil"
)

// Set at build time with -ldflags "-X .../version.Version=... -X .../version.Commit=...".
var (
	Version = "dev"
	Commit  = ""
)

// Info is the JSON shape of `lakectl version --output json`.
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit,omitempty"`
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

func Current() Info {
	return Info{Version: Version, Commit: Commit, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
}

func NewCmdVersion(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print lakectl's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			i := Current()
			t := cmdutil.Table{Header: []string{"VERSION", "COMMIT", "GO", "PLATFORM"}}
			t.Add(i.Version, cmdutil.OrDash(i.Commit), i.GoVersion, i.Platform)
			if f.Settings.Output == "table" {
				commit := ""
				if i.Commit != "" {
					commit = " (" + i.Commit + ")"
				}
				_, err := cmd.OutOrStdout().Write([]byte("lakectl " + i.Version + commit + " " + i.GoVersion + " " + i.Platform + "\n"))
				return err
			}
			return f.Print(t, i)
		},
	}
}
