package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"testing"

	"github.com/lakectl/lakectl/internal/backends"
	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/catalog/migrate"
	"github.com/lakectl/lakectl/internal/catalog/postgres"
	"github.com/lakectl/lakectl/internal/catalog/sqlite"
	"github.com/lakectl/lakectl/internal/cli/cmdutil"
	"github.com/lakectl/lakectl/internal/storage/s3"
)

func TestExitCode(t *testing.T) {
	live := context.Background()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	wrap := func(err error) error { return fmt.Errorf("crawl s3://b/p: %w", err) }
	cases := []struct {
		ctx  context.Context
		err  error
		want int
	}{
		{live, nil, 0},
		{live, cmdutil.ErrDataFailed, 1},
		{live, &cmdutil.ExitError{Code: 1, Msg: "3 checks failed"}, 1},
		{live, cmdutil.Usagef("bad flag"), 2},
		{live, wrap(catalog.Invalidf("bad name")), 2},
		{live, wrap(fs.ErrInvalid), 2},
		{live, wrap(backends.ErrBadURI), 2},
		{live, wrap(sqlite.ErrNotCatalog), 2},
		{live, wrap(sqlite.ErrNoFolder), 2},
		{live, wrap(migrate.ErrTooNew), 2},
		{live, wrap(postgres.ErrNotCatalog), 2},
		{live, wrap(postgres.ErrRefused), 2},
		{live, wrap(s3.ErrNoCredentials), 2},
		{live, wrap(s3.ErrBucketNotFound), 2},
		{live, wrap(s3.ErrAccessDenied), 2},
		{live, wrap(catalog.ErrNotFound), 3},
		{live, wrap(catalog.ErrAlreadyExists), 3},
		{live, wrap(catalog.ErrConflict), 3},
		{live, wrap(fs.ErrNotExist), 3},
		{live, errors.New("connection reset"), 3},
		{live, wrap(context.Canceled), 130},
		{cancelled, errors.New("read: interrupted"), 130},
	}
	for _, c := range cases {
		if got := ExitCode(c.ctx, c.err); got != c.want {
			t.Errorf("ExitCode(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}
