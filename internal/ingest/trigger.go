package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/lakectl/lakectl/internal/storage"
)

// TriggerKey holds, in a dataset's folder, when its downstream steps
// (lakectl ingest --then) last ran.
const TriggerKey = "_lakectl_trigger.json"

// Batch says when a dataset's downstream steps are due: Glue's event
// batching, once NewFiles files were landed since they last ran, or once
// After has passed since the first of those was; with neither, after any
// landing.
type Batch struct {
	NewFiles int
	After    time.Duration
}

type triggerState struct {
	LastRun time.Time `json:"lastRun,omitzero"`
}

// Due says whether the dataset's downstream steps are due at now, and why
// (or why not). What they wait for is counted from the records of the runs
// committed since they last ran: a run killed after its commit, or
// finished by a later run, counts as much as any. Call it holding the
// dataset's lease, so that overlapping runs do not both fire.
func Due(ctx context.Context, ds storage.Store, b Batch, now time.Time) (fire bool, why string, err error) {
	var st triggerState
	rc, err := ds.Get(ctx, TriggerKey)
	switch {
	case err == nil:
		err = json.NewDecoder(rc).Decode(&st)
		rc.Close()
		if err != nil {
			return false, "", fmt.Errorf("%s: %w", ds.URI(TriggerKey), err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return false, "", err
	}
	pending, first, err := CommittedSince(ctx, ds, st.LastRun)
	if err != nil {
		return false, "", err
	}
	files := fmt.Sprintf("%d files", pending)
	if pending == 1 {
		files = "1 file"
	}
	switch {
	case pending == 0:
		return false, "nothing landed since it last ran", nil
	case b.NewFiles > 0 && pending >= b.NewFiles:
		return true, fmt.Sprintf("%s landed since it last ran, --when-new-files %d", files, b.NewFiles), nil
	case b.After > 0 && now.Sub(first) >= b.After:
		return true, fmt.Sprintf("the first of %s landed %s ago, --or-after %s", files, now.Sub(first).Round(time.Second), b.After), nil
	case b.NewFiles == 0 && b.After == 0:
		return true, files + " landed", nil
	}
	var waits []string
	if b.NewFiles > 0 {
		waits = append(waits, fmt.Sprintf("%d of %d files", pending, b.NewFiles))
	}
	if b.After > 0 {
		waits = append(waits, fmt.Sprintf("%s of %s since the first", now.Sub(first).Round(time.Second), b.After))
	}
	return false, "waiting: " + strings.Join(waits, ", "), nil
}

// Ran records that the dataset's downstream steps ran at t: the files
// landed before it are theirs.
func Ran(ctx context.Context, ds storage.Store, t time.Time) error {
	data, _ := json.Marshal(triggerState{LastRun: t.UTC()})
	return ds.Put(ctx, TriggerKey, bytes.NewReader(data))
}
