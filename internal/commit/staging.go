package commit

import (
	"context"
	"path"
	"strings"
	"time"

	"github.com/lakectl/lakectl/internal/storage"
)

// A run keeps a heartbeat object next to its staging folder,
// _lakectl_staging/RUN.alive, rewritten every HeartbeatEvery while it
// runs and removed when it ends. A process killed outright (SIGKILL, a
// lost machine) cannot remove its staged files; the next run into the same
// destination does, once the dead run's heartbeat (or, without one, its
// newest staged file) is older than StaleAfter. A run that is alive, even
// a long one, is never touched: its heartbeat stays fresh.
const (
	HeartbeatEvery    = time.Minute
	DefaultStaleAfter = 10 * time.Minute
	heartbeatSuffix   = ".alive"
	// StagingDir holds each run's staged files, in a folder named by its
	// run id, until its commit moves them into place.
	StagingDir = "_lakectl_staging"
)

// Heartbeat writes the run's heartbeat now and then every interval until
// stop is called; stop removes it.
func Heartbeat(ctx context.Context, dest storage.Store, run string, every time.Duration) (stop func()) {
	key := path.Join(StagingDir, run+heartbeatSuffix)
	beat := func() { dest.Put(ctx, key, strings.NewReader(time.Now().UTC().Format(time.RFC3339))) }
	beat()
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				beat()
			case <-done:
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	return func() {
		close(done)
		<-finished
		dest.Delete(context.Background(), key)
	}
}

// SweepStaging removes what dead runs left in the destination's staging
// folder: every run other than self whose last sign of life (its
// heartbeat, else its newest staged object) is older than staleAfter. It
// returns the runs it removed.
func SweepStaging(ctx context.Context, dest storage.Store, self string, now time.Time, staleAfter time.Duration) ([]string, error) {
	type run struct {
		last time.Time // the heartbeat's time, or the newest object's
		beat bool
	}
	runs := map[string]*run{}
	var order []string
	for obj, err := range dest.List(ctx, StagingDir+"/") {
		if err != nil {
			return nil, err
		}
		rest := strings.TrimPrefix(obj.Key, StagingDir+"/")
		name, _, nested := strings.Cut(rest, "/")
		isBeat := !nested && strings.HasSuffix(name, heartbeatSuffix)
		name = strings.TrimSuffix(name, heartbeatSuffix)
		if name == self {
			continue
		}
		r := runs[name]
		if r == nil {
			r = &run{}
			runs[name] = r
			order = append(order, name)
		}
		switch {
		case isBeat:
			r.last, r.beat = obj.ModTime, true
		case !r.beat && obj.ModTime.After(r.last):
			r.last = obj.ModTime
		}
	}
	var removed []string
	for _, name := range order {
		r := runs[name]
		if now.Sub(r.last) < staleAfter {
			continue
		}
		// The folder first (with what List does not show: temporary files,
		// open uploads), the heartbeat last: a sweep cut short leaves a run
		// that still looks dead.
		if err := storage.RemoveFolder(ctx, dest, path.Join(StagingDir, name)); err != nil {
			return removed, err
		}
		if r.beat {
			if err := dest.Delete(ctx, path.Join(StagingDir, name+heartbeatSuffix)); err != nil {
				return removed, err
			}
		}
		removed = append(removed, name)
	}
	return removed, nil
}
