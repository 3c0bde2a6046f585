package ingestcmd

import (
	"context"
	"strings"

	"github.com/lakectl/lakectl/internal/cli/cmdutil"
	"github.com/lakectl/lakectl/internal/ingest"
)

// openSource makes the source SOURCE names: an ingest.FileSource or an
// ingest.RowSource.
func openSource(ctx context.Context, opts *Options) (any, error) {
	arg := opts.Source
	scheme, _, ok := strings.Cut(arg, "://")
	if !ok || scheme == "file" {
		if opts.Query != "" {
			return nil, cmdutil.Usagef("--query reads a database: SOURCE is a postgres:// or mysql:// URI")
		}
		l, err := ingest.NewLocal(arg)
		if err != nil {
			return nil, cmdutil.Usagef("%v", err)
		}
		return l, nil
	}
	return nil, cmdutil.Usagef("source %q: want a local path, s3://, http(s)://, postgres:// or mysql:// URI", arg)
}
