package progress

import (
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
