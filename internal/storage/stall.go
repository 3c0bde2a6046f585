package storage

import (
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"
)

// StallGuard fails a download whose server stops sending: a Read that gets
// nothing for timeout closes the body, and returns an error rather than
// waiting for ever. Time spent between Reads (the reader's own work) does
// not count.
func StallGuard(body io.ReadCloser, timeout time.Duration) io.ReadCloser {
	g := &stallGuard{body: body, timeout: timeout}
	g.timer = time.AfterFunc(time.Hour, func() {
		g.timedOut.Store(true)
		body.Close()
	})
	g.timer.Stop()
	return g
}

// ErrStalled: a download got no data for its timeout.
var ErrStalled = errors.New("the download stalled")

type stallGuard struct {
	body     io.ReadCloser
	timeout  time.Duration
	timer    *time.Timer
	timedOut atomic.Bool
}

func (g *stallGuard) Read(p []byte) (int, error) {
	g.timer.Reset(g.timeout)
	n, err := g.body.Read(p)
	g.timer.Stop()
	if g.timedOut.Load() {
		return n, fmt.Errorf("%w: no data for %v", ErrStalled, g.timeout)
	}
	return n, err
}

func (g *stallGuard) Close() error {
	g.timer.Stop()
	return g.body.Close()
}
