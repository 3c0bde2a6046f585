package ingest

import (
	"cmp"
	"context"
	"path"
	"slices"
	"strings"

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
