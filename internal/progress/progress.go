// Package progress is how long work says how far it has come. Domain code
// counts the files, rows and bytes it has done on a Reporter it is given
// (Nop when nobody watches); it never prints. The command line reads a
// Meter and shows it: a bar on a terminal, JSON lines for machines.
package progress

import (
	"sync"
	"sync/atomic"
	"time"
)

// Counts are amounts of work.
type Counts struct {
	Files int64
	Rows  int64
	Bytes int64
}

// Reporter is told how work goes. It is safe for concurrent use, and
// cheap (a few atomic adds a call), but not free: call it per file, chunk
// or batch of rows, not per value.
type Reporter interface {
	// Stage begins a named stage of the work ("list", "read"): what was
	// counted before belongs to the stage before, whose counts are final.
	Stage(name string)
	// Expect adds to the totals the stage is known to reach (a stage's
	// totals may grow as it finds more work); a total never told is
	// unknown.
	Expect(Counts)
	// Add counts work done.
	Add(Counts)
}

// Nop is the Reporter of work nobody watches.
var Nop Reporter = nop{}

type nop struct{}

func (nop) Stage(string)  {}
func (nop) Expect(Counts) {}
func (nop) Add(Counts)    {}

// Or returns r, or Nop when r is nil: what domain code calls its optional
// reporter through.
func Or(r Reporter) Reporter {
	if r == nil {
		return Nop
	}
	return r
}

// Snapshot is a stage's counts at one moment.
type Snapshot struct {
	Stage   string
	Started time.Time
	Ended   time.Time // zero while the stage goes on
	Done    Counts
	Total   Counts
}

// Empty says whether the snapshot is of no work: an unnamed stage that
// counted and expected nothing.
func (s Snapshot) Empty() bool {
	return s.Stage == "" && s.Done == (Counts{}) && s.Total == (Counts{})
}

// Meter is a Reporter that keeps the counts, for a renderer to read with
// Take.
type Meter struct {
	now func() time.Time

	files, rows, bytes atomic.Int64

	mu      sync.Mutex
	stage   string
	started time.Time
	total   Counts
	ended   []Snapshot // stages over and not yet taken
}

// NewMeter returns a Meter whose stages are timed by now.
func NewMeter(now func() time.Time) *Meter {
	return &Meter{now: now, started: now()}
}

func (m *Meter) Stage(name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	// The unnamed work before the first stage ends too, if there was any.
	if s := m.snapshot(); !s.Empty() {
		s.Ended = now
		m.ended = append(m.ended, s)
	}
	m.files.Store(0)
	m.rows.Store(0)
	m.bytes.Store(0)
	m.stage, m.started, m.total = name, now, Counts{}
}

func (m *Meter) Expect(c Counts) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.total.Files += c.Files
	m.total.Rows += c.Rows
	m.total.Bytes += c.Bytes
}

func (m *Meter) Add(c Counts) {
	if c.Files != 0 {
		m.files.Add(c.Files)
	}
	if c.Rows != 0 {
		m.rows.Add(c.Rows)
	}
	if c.Bytes != 0 {
		m.bytes.Add(c.Bytes)
	}
}

// Take returns the stages that ended since the last Take, in order, and
// the current one.
func (m *Meter) Take() (ended []Snapshot, current Snapshot) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ended, m.ended = m.ended, nil
	return ended, m.snapshot()
}

func (m *Meter) snapshot() Snapshot {
	return Snapshot{Stage: m.stage, Started: m.started, Total: m.total,
		Done: Counts{Files: m.files.Load(), Rows: m.rows.Load(), Bytes: m.bytes.Load()}}
}
