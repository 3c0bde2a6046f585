// Package storagecmd is `lakectl storage`: a look at the object stores
// lakectl reads and writes, as lakectl sees them.
package storagecmd

import (
	"context"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/cli/cmdutil"
	"github.com/lakectl/lakectl/internal/storage"
)

func NewCmdStorage(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "storage",
		Short: "Look at object stores (local folders, S3) as lakectl sees them",
	}
	cmd.AddCommand(NewCmdLs(f), NewCmdMetrics(f))
	return cmd
}

type LsOptions struct {
	F   *cmdutil.Factory
	URI string
}

func NewCmdLs(f *cmdutil.Factory) *cobra.Command {
	opts := &LsOptions{F: f}
	return &cobra.Command{
		Use:   "ls URI",
		Short: "List every object under a path, file:// or s3:// URI",
		Long: `List every object under a location, recursively and in key order: a local
path, file:///PATH, or s3://BUCKET/PREFIX. Keys are printed relative to the
location. S3 is reached with the standard AWS credential chain and the
--s3-endpoint and --s3-region settings.

JSON output: {"Objects": [{"Key", "Size", "LastModified", "ETag"}]}.`,
		Example: `  lakectl storage ls s3://lake/raw/orders/
  lakectl storage ls ./raw --output json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.URI = args[0]
			return lsRun(cmd.Context(), opts)
		},
	}
}

type object struct {
	Key          string `json:"Key"`
	Size         int64  `json:"Size"`
	LastModified string `json:"LastModified"`
	ETag         string `json:"ETag,omitempty"`
}

func lsRun(ctx context.Context, opts *LsOptions) error {
	s, err := opts.F.ExistingStore(ctx, opts.URI)
	if err != nil {
		return err
	}
	t := cmdutil.Table{Header: []string{"KEY", "SIZE", "LAST MODIFIED"}}
	list := []object{}
	for o, err := range s.List(ctx, "") {
		if err != nil {
			return err
		}
		list = append(list, toObject(o))
		t.Add(o.Key, strconv.FormatInt(o.Size, 10), cmdutil.FormatTime(o.ModTime))
	}
	return opts.F.Print(t, map[string]any{"Objects": list})
}

func toObject(o *storage.Object) object {
	return object{Key: o.Key, Size: o.Size, LastModified: cmdutil.FormatTime(o.ModTime), ETag: o.ETag}
}
