package cmdutil

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/commit"
	"github.com/lakectl/lakectl/internal/dataset"
	"github.com/lakectl/lakectl/internal/progress"
	"github.com/lakectl/lakectl/internal/storage"
)

// FailpointEnv names the failpoints a test arms, comma-separated:
// NAME[#N]:ACTION, where NAME is a step (convert.moved), N the time the
// step is reached that triggers it (1 when left out) and ACTION is kill
// (the process kills itself with SIGKILL, as a crash would), error (the
// step fails with an error) or sleep=DURATION (the step waits, so that a
// test can act while the process stands there). Meant for tests; docs/reliability.md lists
// the steps.
const FailpointEnv = "LAKECTL_FAILPOINT"

// Failpoint returns the failpoints armed in the environment (nil when
// none are).
func (f *Factory) Failpoint() (commit.Failpoint, error) {
	spec := f.Getenv(FailpointEnv)
	if spec == "" {
		return nil, nil
	}
	type point struct {
		at     int
		action string
		sleep  time.Duration
	}
	points := map[string]point{}
	for item := range strings.SplitSeq(spec, ",") {
		name, action, ok := strings.Cut(strings.TrimSpace(item), ":")
		at := 1
		if n, count, found := strings.Cut(name, "#"); found {
			var err error
			if at, err = strconv.Atoi(count); err != nil || at < 1 {
				ok = false
			}
			name = n
		}
		var sleep time.Duration
		if d, found := strings.CutPrefix(action, "sleep="); found {
			var err error
			if sleep, err = time.ParseDuration(d); err != nil {
				ok = false
			}
			action = "sleep"
		}
		if !ok || name == "" || (action != "kill" && action != "error" && action != "sleep") {
			return nil, Usagef("%s: %q: want NAME[#N]:kill, NAME[#N]:error or NAME[#N]:sleep=DURATION", FailpointEnv, item)
		}
		points[name] = point{at, action, sleep}
	}
	var mu sync.Mutex
	reached := map[string]int{}
	return func(name string) error {
		mu.Lock()
		defer mu.Unlock()
		p, ok := points[name]
		if !ok {
			return nil
		}
		reached[name]++
		if reached[name] != p.at {
			return nil
		}
		switch p.action {
		case "sleep":
			time.Sleep(p.sleep)
			return nil
		case "kill":
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {} // the signal is on its way
		}
		return fmt.Errorf("failpoint %s", name)
	}, nil
}

// WaitingMessage tells, on stderr, which writer a run waits for before it
// may write to dest.
func WaitingMessage(f *Factory, dest string) func(holder string) {
	return func(holder string) {
		if !f.Settings.Quiet {
			Fprintf(f.IO.ErrOut, "Waiting for %s, which is writing to %s (Ctrl-C to give up)\n", holder, dest)
		}
	}
}

// HoldRoot takes the lease on a whole root of tables (a metrics root, an
// object index), waiting its turn, for a command that reads what is there
// and then writes its tables from it: runs at once take turns over the
// read and the writes. release gives it back (a store without leases has
// none: release does nothing).
func (f *Factory) HoldRoot(ctx context.Context, root string) (release func(), err error) {
	s, err := f.Store(ctx, root)
	if err != nil {
		return nil, err
	}
	lease, err := commit.Take(ctx, s, commit.NewRunID(f.Now()), WaitingMessage(f, s.URI("")))
	if err != nil {
		return nil, err
	}
	return func() {
		if lease != nil {
			lease.Release(context.WithoutCancel(ctx))
		}
	}, nil
}

// Resolve resolves a source as Sources does, counting the description of
// a path on p (nil when nobody watches). When the folder it reads
// holds a commit a killed writer left unfinished, it finishes it first, as
// the next writer would, and says so on stderr; where it cannot (another
// writer holds the folder, the catalog is read-only or missing) it warns
// that what is read may be part of that commit.
func (f *Factory) Resolve(ctx context.Context, openStore func(context.Context, string) (storage.Store, error), name, query string, p progress.Reporter) (dataset.Input, error) {
	sources := f.Sources(ctx, openStore)
	sources.Progress = p
	in, err := sources.Resolve(ctx, name, query)
	if err != nil || in.SQL != nil || in.Table == nil || in.Store == nil {
		return in, err
	}
	root := commit.TableRoot(in.Table)
	s, serr := in.Store(ctx, root)
	if serr != nil {
		return in, nil
	}
	j, _ := commit.ReadJournal(ctx, s)
	if j == nil {
		return in, nil
	}
	if err := f.finishCommit(ctx, s, j); err != nil {
		Fprintf(f.IO.ErrOut, "lakectl: warning: %s holds the unfinished commit of %s run %s, not finished now (%s): what is read may be part of it; the next write into it, or `lakectl table check --repair` of its table, finishes it\n", root, j.Command, j.Run, f.Redact(err.Error()))
		return in, nil
	}
	Fprintf(f.IO.ErrOut, "lakectl: finished the commit of %s run %s in %s, which had stopped before its end\n", j.Command, j.Run, root)
	return f.Sources(ctx, openStore).Resolve(ctx, name, query) // the catalog may have changed
}

// finishCommit finishes an unfinished commit under the destination's
// lease, if the lease is free now and the catalog it changes can be
// written.
func (f *Factory) finishCommit(ctx context.Context, s storage.Store, j *commit.Journal) error {
	var cat catalog.Catalog
	if j.Catalog != nil {
		if _, err := f.ReadCatalog(ctx); err != nil {
			return err
		}
		var err error
		if cat, err = f.Catalog(ctx); err != nil {
			return err
		}
	}
	_, err := commit.FinishIfFree(ctx, s, cat, commit.NewRunID(f.Now()))
	return err
}
