// Package progress is how long work says how far it has come. Domain code
// counts the files, rows and bytes it has done on a Reporter it is given
// (Nop when nobody watches); it never prints. The command line reads a
// Meter and shows it: a bar on a terminal, JSON lines for machines.
package progress

import (
	"cmp"
	"slices"
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
	// counted before belongs to the stages before, whose counts are final.
	Stage(name string)
	// Switch goes to a stage, new or begun before, and leaves the current
	// one unfinished: for work that goes back and forth between stages
	// (compaction rewrites a location, commits it, rewrites the next). A
	// stage switched back to goes on with its counts and totals. Stages
	// left by Switch end with the work, or at the next Stage.
	Switch(name string)
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
func (nop) Switch(string) {}
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

// Named reports to r with a word added to the name of each stage, for one
// of two like passes: Named(r, "source") reports stage "list" as "list
// source".
func Named(r Reporter, word string) Reporter {
	if r = Or(r); r == Nop {
		return Nop
	}
	return named{r, word}
}

type named struct {
	Reporter
	word string
}

func (n named) Stage(name string)  { n.Reporter.Stage(name + " " + n.word) }
func (n named) Switch(name string) { n.Reporter.Switch(name + " " + n.word) }

// Snapshot is a stage's counts at one moment.
type Snapshot struct {
	Stage string
	// Started is when the stage began, moved on by the time it spent left
	// (Switch): Ended (or now) less Started is the time it ran.
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
	left    []Snapshot // stages left by Switch (Ended: when), to be gone back to
	begun   []string   // the stages since the last Stage, in the order they began
	ended   []Snapshot // stages over and not yet taken
}

// NewMeter returns a Meter whose stages are timed by now.
func NewMeter(now func() time.Time) *Meter {
	return &Meter{now: now, started: now()}
}

func (m *Meter) Stage(name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.endAll()
	m.begin(Snapshot{Stage: name, Started: m.now()})
	m.begun = []string{name}
}

func (m *Meter) Switch(name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if name == m.stage {
		return
	}
	now := m.now()
	if s := m.snapshot(); !s.Empty() {
		s.Ended = now
		m.left = append(m.left, s)
	}
	next := Snapshot{Stage: name, Started: now}
	if !slices.Contains(m.begun, name) {
		m.begun = append(m.begun, name)
	}
	for i, s := range m.left {
		if s.Stage == name {
			next = s
			next.Started = now.Add(-s.Ended.Sub(s.Started)) // the time it ran, not the time it was left
			next.Ended = time.Time{}
			m.left = append(m.left[:i], m.left[i+1:]...)
			break
		}
	}
	m.begin(next)
}

// End ends the work: the current stage, and those left by Switch.
func (m *Meter) End() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.endAll()
	m.begin(Snapshot{Started: m.now()})
	m.begun = nil
}

// endAll ends the stages left by Switch and the current one, in the order
// they began (the unnamed work before the first stage too, if there was
// any).
func (m *Meter) endAll() {
	now := m.now()
	over := m.left
	if s := m.snapshot(); !s.Empty() {
		s.Ended = now
		over = append(over, s)
	}
	slices.SortStableFunc(over, func(a, b Snapshot) int {
		return cmp.Compare(slices.Index(m.begun, a.Stage), slices.Index(m.begun, b.Stage))
	})
	m.ended = append(m.ended, over...)
	m.left = nil
}

// begin makes s the current stage.
func (m *Meter) begin(s Snapshot) {
	m.files.Store(s.Done.Files)
	m.rows.Store(s.Done.Rows)
	m.bytes.Store(s.Done.Bytes)
	m.stage, m.started, m.total = s.Stage, s.Started, s.Total
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
