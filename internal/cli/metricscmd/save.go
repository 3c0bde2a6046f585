// Package metricscmd is `lakectl metrics`: collect the catalog's metrics
// into daily snapshots, report on their history, and draw them.
package metricscmd

import (
	"context"
	"fmt"
	"strings"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/cli/cmdutil"
	"github.com/lakectl/lakectl/internal/cli/version"
	"github.com/lakectl/lakectl/internal/commit"
	"github.com/lakectl/lakectl/internal/convert"
	"github.com/lakectl/lakectl/internal/metrics"
)

// DayKeys are the partition keys of every snapshot table: the day of the
// snapshot (metrics.DayValues), as Athena's partition projection and a
// crawler spell it.
var DayKeys = metrics.DayKeys

// Snapshot is one day's rows of a snapshot table: KIND under a root.
type Snapshot struct {
	// Root is where the snapshots live (--to); the table's files are
	// under ROOT/KIND/year=YYYY/month=MM/day=DD/.
	Root string
	// Kind names the table: tables, databases, storage.
	Kind string
	// Columns are the table's columns, the last three of them DayKeys,
	// and Rows its rows for the day, each ending with metrics.DayValues.
	Columns []catalog.Column
	Rows    [][]any
	// Database registers the snapshots as the table DATABASE.KIND, when
	// set (--register-database).
	Database string
	// Keys are the partition keys: DayKeys when empty. A run replaces the
	// partitions its rows fall in, so keys after the day's (the storage
	// snapshot's location) make runs of one day over different things
	// each replace only their own rows.
	Keys []string
	// Failpoint is the run's failpoints, shared by every snapshot it
	// writes so that a step's count goes on from one to the next
	// (convert.moved#2 is the second snapshot's); nil: those armed in the
	// environment, counted for this snapshot alone.
	Failpoint commit.Failpoint
}

// Save writes a day's snapshot through the commit protocol: the day's
// partition is replaced whole (a rerun on the same day replaces that
// day), and nothing of a run that dies is ever visible. It returns where
// the files are.
func Save(ctx context.Context, f *cmdutil.Factory, s Snapshot) (string, error) {
	dest, err := f.Store(ctx, strings.TrimSuffix(s.Root, "/")+"/"+s.Kind)
	if err != nil {
		return "", err
	}
	c, err := f.Catalog(ctx)
	if err != nil {
		return "", err
	}
	fp := s.Failpoint
	if fp == nil {
		if fp, err = f.Failpoint(); err != nil {
			return "", err
		}
	}
	keys := s.Keys
	if len(keys) == 0 {
		keys = DayKeys
	}
	opts := convert.Options{PartitionBy: keys, Mode: convert.OverwritePartitions, Workers: 1,
		Version: version.Version, Build: version.Commit, Failpoint: fp}
	if s.Database != "" {
		opts.Register = s.Database + "." + s.Kind
	}
	if _, err := convert.AppendRows(ctx, c, s.Columns, s.Rows, s.Kind+" snapshot", dest, opts); err != nil {
		return "", fmt.Errorf("%s snapshot: %w", s.Kind, err)
	}
	return dest.URI(""), nil
}

// FinishCommits finishes the commits that killed runs left unfinished in
// root's snapshot tables of these kinds, each under its lease (waiting
// for a writer that holds it), so that what is read of them next is
// whole: a run that keeps the day's other rows must not keep half a
// commit's.
func FinishCommits(ctx context.Context, f *cmdutil.Factory, root string, kinds ...string) error {
	run := commit.NewRunID(f.Now())
	for _, kind := range kinds {
		dest, err := f.Store(ctx, strings.TrimSuffix(root, "/")+"/"+kind)
		if err != nil {
			return err
		}
		j, err := commit.ReadJournal(ctx, dest)
		if err != nil {
			return err
		}
		if j == nil {
			continue
		}
		c, err := f.Catalog(ctx)
		if err != nil {
			return err
		}
		lease, err := commit.Take(ctx, dest, run, cmdutil.WaitingMessage(f, dest.URI("")))
		if err != nil {
			return err
		}
		_, err = commit.Recover(ctx, dest, c, nil)
		if lease != nil {
			lease.Release(context.WithoutCancel(ctx))
		}
		if err != nil {
			return fmt.Errorf("%s snapshot: %w", kind, err)
		}
	}
	return nil
}
