package ingest

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/lakectl/lakectl/internal/commit"
	"github.com/lakectl/lakectl/internal/storage"
)

// Run is one ingest run as its record tells it.
type Run struct {
	Dataset string `json:"dataset"`
	*commit.Record
}

// History reads the records of a dataset's runs (ingest's, and any other
// writer's there), in the order they started.
func History(ctx context.Context, ds storage.Store, name string) ([]Run, error) {
	var runs []Run
	for r, err := range commit.Records(ctx, ds) {
		if err != nil {
			return nil, err
		}
		runs = append(runs, Run{Dataset: name, Record: r})
	}
	sortRuns(runs)
	return runs, nil
}

// Datasets names the datasets under a raw zone's root: the folders that
// hold run records (NAME/_lakectl_runs/), in one listing of the root.
func Datasets(ctx context.Context, root storage.Store) ([]string, error) {
	seen := map[string]bool{}
	var names []string
	for o, err := range root.List(ctx, "") {
		if err != nil {
			return nil, err
		}
		dir, rest, ok := strings.Cut(o.Key, "/")
		if !ok || seen[dir] || !strings.HasPrefix(rest, commit.RunsDir+"/") || path.Dir(rest) != commit.RunsDir {
			continue
		}
		seen[dir] = true
		names = append(names, dir)
	}
	slices.Sort(names)
	return names, nil
}

func sortRuns(runs []Run) {
	slices.SortStableFunc(runs, func(a, b Run) int {
		if c := a.Started.Compare(b.Started); c != 0 && !a.Started.IsZero() && !b.Started.IsZero() {
			return c
		}
		return cmp.Or(a.Finished.Compare(b.Finished), strings.Compare(a.Run, b.Run))
	})
}

// CommittedSince counts the files landed by the dataset's runs committed
// after t (finished by themselves, or by the run that found them stopped),
// and when the first of those runs started. Only the records of runs whose
// ids (which start with their start time) are not older than t are read.
func CommittedSince(ctx context.Context, ds storage.Store, t time.Time) (files int, first time.Time, err error) {
	oldest := ""
	if !t.IsZero() {
		// A run's id is its start, to the second, which is before its end.
		oldest = t.Add(-24 * time.Hour).UTC().Format("20060102T150405Z")
	}
	for o, err := range ds.List(ctx, commit.RunsDir+"/") {
		if err != nil {
			return 0, time.Time{}, err
		}
		name := path.Base(o.Key)
		if !strings.HasSuffix(name, ".json") || name < oldest {
			continue
		}
		var r commit.Record
		if err := readRecord(ctx, ds, o.Key, &r); err != nil {
			return 0, time.Time{}, err
		}
		if r.Outcome != Committed || !r.Finished.After(t) || len(r.Files) == 0 {
			continue
		}
		files += len(r.Files)
		if start := cmp.Or(r.Started, r.Finished); first.IsZero() || start.Before(first) {
			first = start
		}
	}
	return files, first, nil
}

func readRecord(ctx context.Context, ds storage.Store, key string, r *commit.Record) error {
	rc, err := ds.Get(ctx, key)
	if err != nil {
		return err
	}
	defer rc.Close()
	if err := json.NewDecoder(rc).Decode(r); err != nil {
		return fmt.Errorf("%s: %w", ds.URI(key), err)
	}
	return nil
}
