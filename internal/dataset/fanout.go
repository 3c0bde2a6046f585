package dataset

import (
	"context"
	"sync"
)

// FanOut is the one way lakectl spreads reading over cores: produce sends
// tasks, and workers, each on its own goroutine with its own state, take
// them. A worker's error cancels the rest and produce. FanOut returns the
// first error: a worker's, produce's, or the context's.
func FanOut(ctx context.Context, workers int, produce func(ctx context.Context, send func(Task) error) error, work func(ctx context.Context, worker int, tasks <-chan Task) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	tasks := make(chan Task, workers)
	var wg sync.WaitGroup
	for w := range max(workers, 1) {
		wg.Go(func() {
			if err := work(ctx, w, tasks); err != nil {
				cancel(err)
			}
		})
	}
	err := produce(ctx, func(t Task) error {
		select {
		case tasks <- t:
			return nil
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	})
	close(tasks)
	wg.Wait()
	if cause := context.Cause(ctx); cause != nil && (err == nil || err == ctx.Err()) {
		err = cause // a worker's failure, or the caller's cancellation
	}
	return err
}

// scanTasks fans tasks out to workers that each feed their own sink with
// rows; the sinks merge once their worker is done.
func scanTasks(ctx context.Context, workers int, newSink func() Sink, produce func(ctx context.Context, send func(Task) error) error, rows func(ctx context.Context, st *ScanStats, w Sink) func(Task) error) (Sink, *ScanStats, error) {
	st := &ScanStats{}
	err := FanOut(ctx, workers, produce, func(ctx context.Context, _ int, tasks <-chan Task) error {
		w := newSink()
		defer st.done(w)
		each := rows(ctx, st, w)
		for t := range tasks {
			if err := each(t); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return st.merged, st, nil
}
