package progress

import (
	"slices"
	"sync"
	"testing"
	"time"
)

// clock is a clock the test moves.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestMeterStages(t *testing.T) {
	c := &clock{t: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}
	m := NewMeter(c.now)
	m.Stage("list")
	m.Add(Counts{Files: 2, Bytes: 10})
	c.advance(time.Second)
	m.Stage("read")
	m.Expect(Counts{Files: 2})
	m.Expect(Counts{Bytes: 30}) // totals add up
	m.Add(Counts{Files: 1, Rows: 7, Bytes: 12})
	c.advance(2 * time.Second)

	ended, cur := m.Take()
	t0 := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	want := Snapshot{Stage: "list", Started: t0, Ended: t0.Add(time.Second), Done: Counts{Files: 2, Bytes: 10}}
	if len(ended) != 1 || ended[0] != want {
		t.Errorf("ended %+v, want [%+v]", ended, want)
	}
	wantCur := Snapshot{Stage: "read", Started: t0.Add(time.Second), Done: Counts{Files: 1, Rows: 7, Bytes: 12}, Total: Counts{Files: 2, Bytes: 30}}
	if cur != wantCur {
		t.Errorf("current %+v, want %+v", cur, wantCur)
	}
	// Taken once: the ended stage is not given again.
	if ended, _ := m.Take(); len(ended) != 0 {
		t.Errorf("ended again: %+v", ended)
	}
	m.Stage("write")
	if ended, cur := m.Take(); len(ended) != 1 || ended[0].Stage != "read" || ended[0].Done.Rows != 7 || cur.Done != (Counts{}) || cur.Total != (Counts{}) {
		t.Errorf("after a new stage: ended %+v, current %+v", ended, cur)
	}
}

// Work that goes back and forth (compaction: rewrite a location, commit
// it, rewrite the next) switches between stages: each goes on with its
// counts and totals, timed by the time it ran, and all end together, in
// the order they began, at the next Stage or at the end.
func TestMeterSwitch(t *testing.T) {
	c := &clock{t: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}
	t0 := c.t
	m := NewMeter(c.now)
	m.Stage("compact")
	m.Expect(Counts{Files: 2})
	m.Add(Counts{Files: 2, Rows: 10})
	c.advance(3 * time.Second)
	m.Switch("commit")
	m.Expect(Counts{Files: 1})
	m.Add(Counts{Files: 1})
	c.advance(time.Second)
	m.Switch("compact")
	if ended, cur := m.Take(); len(ended) != 0 || cur.Stage != "compact" || cur.Done != (Counts{Files: 2, Rows: 10}) || cur.Total != (Counts{Files: 2}) || !cur.Started.Equal(t0.Add(time.Second)) {
		t.Errorf("back to compact: ended %+v, current %+v", ended, cur)
	}
	m.Expect(Counts{Files: 3})
	m.Add(Counts{Files: 3, Rows: 5})
	c.advance(2 * time.Second)
	m.Switch("commit")
	m.Add(Counts{Files: 2})
	m.Switch("commit") // where it is: nothing changes
	c.advance(time.Second)
	m.End()
	ended, cur := m.Take()
	want := []Snapshot{
		{Stage: "compact", Started: t0.Add(time.Second), Ended: t0.Add(6 * time.Second), Done: Counts{Files: 5, Rows: 15}, Total: Counts{Files: 5}},
		{Stage: "commit", Started: t0.Add(5 * time.Second), Ended: t0.Add(7 * time.Second), Done: Counts{Files: 3}, Total: Counts{Files: 1}},
	}
	if !slices.Equal(ended, want) || !cur.Empty() {
		t.Errorf("at the end:\n got %+v\nwant %+v\n current %+v", ended, want, cur)
	}
	// Stage ends the stages switched between, as End does.
	m.Switch("a")
	m.Switch("b")
	m.Stage("c")
	if ended, cur := m.Take(); len(ended) != 2 || ended[0].Stage != "a" || ended[1].Stage != "b" || cur.Stage != "c" {
		t.Errorf("after Stage: ended %+v, current %+v", ended, cur)
	}
}

// Named adds a word to each stage's name; of Nop, it is Nop.
func TestNamed(t *testing.T) {
	m := NewMeter(time.Now)
	r := Named(m, "source")
	r.Stage("list")
	r.Switch("read")
	r.Add(Counts{Files: 1})
	if _, cur := m.Take(); cur.Stage != "read source" || cur.Done.Files != 1 {
		t.Errorf("current %+v", cur)
	}
	if Named(nil, "x") != Nop || Named(Nop, "x") != Nop {
		t.Error("Named of no reporter is not Nop")
	}
}

// Nothing done before the first stage: no unnamed stage ends. Work done
// before it ends as an unnamed stage.
func TestMeterUnnamedStage(t *testing.T) {
	m := NewMeter(time.Now)
	m.Stage("read")
	if ended, _ := m.Take(); len(ended) != 0 {
		t.Errorf("an empty unnamed stage ended: %+v", ended)
	}
	m = NewMeter(time.Now)
	m.Add(Counts{Rows: 3})
	m.Stage("read")
	if ended, _ := m.Take(); len(ended) != 1 || ended[0].Stage != "" || ended[0].Done.Rows != 3 {
		t.Errorf("ended %+v, want the unnamed stage with 3 rows", ended)
	}
}

// Workers add at once; nothing is lost (run with -race).
func TestMeterConcurrentAdds(t *testing.T) {
	m := NewMeter(time.Now)
	m.Stage("read")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				m.Add(Counts{Files: 1, Rows: 2, Bytes: 3})
				m.Take()
			}
		})
	}
	wg.Wait()
	if _, s := m.Take(); s.Done != (Counts{Files: 8000, Rows: 16000, Bytes: 24000}) {
		t.Errorf("counted %+v", s.Done)
	}
}

func TestOr(t *testing.T) {
	if Or(nil) != Nop {
		t.Error("Or(nil) is not Nop")
	}
	m := NewMeter(time.Now)
	if Or(m) != Reporter(m) {
		t.Error("Or(m) is not m")
	}
}
