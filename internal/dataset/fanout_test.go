package dataset

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
)

func TestFanOutHandsEveryTaskOnce(t *testing.T) {
	var seen atomic.Int64
	err := FanOut(t.Context(), 3, func(ctx context.Context, send func(Task) error) error {
		for i := range 1000 {
			if err := send(Task{Rows: [][]any{{i}}}); err != nil {
				return err
			}
		}
		return nil
	}, func(ctx context.Context, _ int, tasks <-chan Task) error {
		for t := range tasks {
			seen.Add(int64(t.Rows[0][0].(int)) + 1)
		}
		return nil
	})
	if err != nil || seen.Load() != 1000*1001/2 {
		t.Errorf("err %v, sum %d", err, seen.Load())
	}
}

func TestFanOutWorkerErrorStopsTheProducer(t *testing.T) {
	boom := errors.New("disk full")
	sent := 0
	err := FanOut(t.Context(), 2, func(ctx context.Context, send func(Task) error) error {
		for {
			if err := send(Task{}); err != nil {
				return err
			}
			sent++
		}
	}, func(ctx context.Context, w int, tasks <-chan Task) error {
		if w == 0 {
			<-tasks
			return boom
		}
		for range tasks {
		}
		return nil
	})
	if !errors.Is(err, boom) {
		t.Errorf("err %v (after %d tasks), want the worker's", err, sent)
	}
}
