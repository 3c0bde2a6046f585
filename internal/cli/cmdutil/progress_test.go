package cmdutil

import (
	"bytes"
	"encoding/json"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/progress"
)

// clock is a clock the test moves: what is drawn is decided by it, with
// no sleep.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

// lines parses JSON lines, each into a map (to see the members left out).
func lines(t *testing.T, out *bytes.Buffer) []map[string]any {
	t.Helper()
	var got []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not a JSON line: %q: %v", l, err)
		}
		got = append(got, m)
	}
	out.Reset()
	return got
}

func TestProgressJSONLines(t *testing.T) {
	c := &clock{t: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}
	var out bytes.Buffer
	p := newProgress(&out, ProgressJSON, "convert", c.now)
	r := p.Reporter()
	r.Stage("read")
	r.Expect(progress.Counts{Files: 4, Bytes: 400})
	r.Add(progress.Counts{Files: 1, Rows: 50, Bytes: 100})

	c.advance(500 * time.Millisecond)
	p.draw(c.now(), false)
	if out.Len() != 0 {
		t.Errorf("a line before a second went by: %s", out.String())
	}
	c.advance(500 * time.Millisecond)
	p.draw(c.now(), false)
	want := map[string]any{"type": "progress", "command": "convert", "stage": "read", "elapsedSeconds": 1.0,
		"files": 1.0, "rows": 50.0, "bytes": 100.0, "totalFiles": 4.0, "totalBytes": 400.0,
		"rowsPerSecond": 50.0, "bytesPerSecond": 100.0, "percent": 25.0, "secondsLeft": 3.0}
	if got := lines(t, &out); len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Errorf("after 1s:\n got %v\nwant %v", got, want)
	}
	c.advance(300 * time.Millisecond)
	p.draw(c.now(), false)
	if out.Len() != 0 {
		t.Errorf("two lines within a second: %s", out.String())
	}

	// A stage that ends prints its final counts at once,
	r.Add(progress.Counts{Files: 3, Rows: 150, Bytes: 300})
	c.advance(700 * time.Millisecond)
	r.Stage("commit")
	c.advance(100 * time.Millisecond)
	p.draw(c.now(), false)
	got := lines(t, &out)
	wantEnd := map[string]any{"type": "end", "command": "convert", "stage": "read", "elapsedSeconds": 2.0,
		"files": 4.0, "rows": 200.0, "bytes": 400.0, "totalFiles": 4.0, "totalBytes": 400.0,
		"rowsPerSecond": 100.0, "bytesPerSecond": 200.0, "percent": 100.0}
	// and the next stage's progress, a second after the last line.
	wantNext := map[string]any{"type": "progress", "command": "convert", "stage": "commit", "elapsedSeconds": 0.1,
		"files": 0.0, "rows": 0.0, "bytes": 0.0, "rowsPerSecond": 0.0, "bytesPerSecond": 0.0}
	if len(got) != 2 || !reflect.DeepEqual(got[0], wantEnd) || !reflect.DeepEqual(got[1], wantNext) {
		t.Errorf("at the end of a stage:\n got %v\nwant %v\n and %v", got, wantEnd, wantNext)
	}

	// Stop ends the last stage; its total unknown, no percent.
	r.Add(progress.Counts{Files: 2})
	c.advance(400 * time.Millisecond)
	p.draw(c.now(), true)
	wantEnd = map[string]any{"type": "end", "command": "convert", "stage": "commit", "elapsedSeconds": 0.5,
		"files": 2.0, "rows": 0.0, "bytes": 0.0, "rowsPerSecond": 0.0, "bytesPerSecond": 0.0}
	if got := lines(t, &out); len(got) != 1 || !reflect.DeepEqual(got[0], wantEnd) {
		t.Errorf("at the end:\n got %v\nwant %v", got, wantEnd)
	}
}

// The percent and time left are reckoned in bytes where their total is
// known, else in rows, else in files.
func TestProgressMeasure(t *testing.T) {
	for _, c := range []struct {
		done, total progress.Counts
		unit        string
		d, tot      int64
	}{
		{progress.Counts{Files: 1, Rows: 2, Bytes: 3}, progress.Counts{Files: 4, Rows: 5, Bytes: 6}, "bytes", 3, 6},
		{progress.Counts{Files: 1, Rows: 2, Bytes: 3}, progress.Counts{Files: 4, Rows: 5}, "rows", 2, 5},
		{progress.Counts{Files: 1, Rows: 2, Bytes: 3}, progress.Counts{Files: 4}, "files", 1, 4},
		{progress.Counts{Files: 1, Rows: 2, Bytes: 3}, progress.Counts{}, "rows", 2, 0},
		{progress.Counts{Files: 1, Bytes: 3}, progress.Counts{}, "files", 1, 0},
		{progress.Counts{Bytes: 3}, progress.Counts{}, "bytes", 3, 0},
		{progress.Counts{}, progress.Counts{}, "files", 0, 0},
	} {
		unit, d, tot := measure(progress.Snapshot{Done: c.done, Total: c.total})
		if unit != c.unit || d != c.d || tot != c.tot {
			t.Errorf("measure(%+v of %+v) = %s %d/%d, want %s %d/%d", c.done, c.total, unit, d, tot, c.unit, c.d, c.tot)
		}
	}
}

func TestProgressBar(t *testing.T) {
	c := &clock{t: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}
	var out bytes.Buffer
	p := newProgress(&out, ProgressBar, "crawl", c.now)
	r := p.Reporter()
	r.Stage("read")
	r.Expect(progress.Counts{Files: 10})
	r.Add(progress.Counts{Files: 5, Bytes: 1 << 20})
	c.advance(2 * time.Second)
	p.draw(c.now(), false)
	if s := out.String(); !strings.HasSuffix(s, "\r  50% |███████████████               |  crawl: read: 5/10 files, 2 files/s, 2s left \x1b[0K") {
		t.Errorf("the bar: %q", s)
	}
	// At its total, 100%; a total that grows after gets a new bar.
	out.Reset()
	r.Add(progress.Counts{Files: 5})
	c.advance(barEvery)
	p.draw(c.now(), false)
	if s := out.String(); !strings.Contains(s, " 100% |██████████████████████████████|  crawl: read: 10/10 files, 5 files/s") || strings.Contains(s, " left") {
		t.Errorf("at the total: %q", s)
	}
	out.Reset()
	r.Expect(progress.Counts{Files: 10})
	c.advance(barEvery)
	p.draw(c.now(), false)
	if s := out.String(); !strings.Contains(s, "  50% |") || !strings.Contains(s, "|  crawl: read: 10/20 files, 5 files/s, 2s left") {
		t.Errorf("after the total grew: %q", s)
	}
	// Past its total (a file grew while read): the total.
	out.Reset()
	r.Add(progress.Counts{Files: 15})
	c.advance(barEvery)
	p.draw(c.now(), false)
	if s := out.String(); !strings.Contains(s, " 100% |") {
		t.Errorf("past the total: %q", s)
	}

	// A message clears the bar first.
	out.Reset()
	io.WriteString(p, "lakectl: warning: something\n")
	if s := out.String(); !strings.HasPrefix(s, "\x1b[2K\r") || !strings.HasSuffix(s, "lakectl: warning: something\n") {
		t.Errorf("a message with a bar shown: %q", s)
	}

	// A new stage of unknown size: a spinner, the counts and the rate.
	out.Reset()
	r.Stage("apply")
	r.Add(progress.Counts{Rows: 42, Bytes: 3 << 20})
	c.advance(time.Second)
	p.draw(c.now(), false)
	if s := out.String(); !strings.HasSuffix(s, "  crawl: apply: 42 rows, 42 rows/s \x1b[0K") || strings.Contains(s, "[0s]") || strings.Contains(s, "%") {
		t.Errorf("a stage of unknown size: %q", s)
	}

	// Stop clears the bar: nothing is left on the line.
	out.Reset()
	p.draw(c.now(), true)
	if s := out.String(); s != "\x1b[2K\r" {
		t.Errorf("the end: %q", s)
	}
}

// The status names the stage unless the command already does, says what
// is done of what, the rate, and the time left where a total is known.
func TestProgressStatus(t *testing.T) {
	t0 := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, c := range []struct {
		command string
		s       progress.Snapshot
		want    string
	}{
		{"convert", progress.Snapshot{Stage: "convert", Done: progress.Counts{Files: 1, Rows: 1200, Bytes: 3 << 20}, Total: progress.Counts{Files: 3, Bytes: 12 << 20}},
			"convert: 3.0 MiB/12.0 MiB, 1/3 files, 1200 rows, 768.0 KiB/s, 12s left"},
		{"validate profile", progress.Snapshot{Stage: "profile", Done: progress.Counts{Rows: 5000}},
			"validate profile: 5000 rows, 1250 rows/s"},
		{"validate compare", progress.Snapshot{Stage: "index target", Done: progress.Counts{Files: 2, Bytes: 900}, Total: progress.Counts{Files: 2, Bytes: 1000}},
			"validate compare: index target: 900 B/1000 B, 2/2 files, 225 B/s, 0s left"},
		{"crawl", progress.Snapshot{Stage: "list", Done: progress.Counts{Files: 2, Bytes: 9}},
			"crawl: list: 2 files, 0 files/s"},
		{"convert compact", progress.Snapshot{Stage: "compact"},
			"convert compact: 0 files"},
	} {
		p := &Progress{command: c.command}
		c.s.Started = t0
		if got := p.status(c.s, t0.Add(4*time.Second)); got != c.want {
			t.Errorf("%s %+v:\n got %q\nwant %q", c.command, c.s, got, c.want)
		}
	}
}

func TestProgressMode(t *testing.T) {
	for _, c := range []struct {
		setting, output string
		tty, quiet      bool
		want            string
	}{
		{ProgressAuto, "table", true, false, ProgressBar},
		{ProgressAuto, "table", false, false, ProgressNone}, // a pipe, cron
		{ProgressAuto, "table", true, true, ProgressNone},   // -q
		{ProgressAuto, "json", true, false, ProgressNone},   // -o json
		{ProgressAuto, "csv", true, false, ProgressNone},
		{ProgressJSON, "json", false, true, ProgressJSON}, // asked for
		{ProgressBar, "table", false, false, ProgressBar},
		{ProgressNone, "table", true, false, ProgressNone},
	} {
		f := &Factory{IO: &IOStreams{StderrTTY: c.tty}, Settings: &Settings{Progress: c.setting, Output: c.output, Quiet: c.quiet}}
		if got := f.ProgressMode(); got != c.want {
			t.Errorf("--progress %s, -o %s, terminal %v, quiet %v: %s, want %s", c.setting, c.output, c.tty, c.quiet, got, c.want)
		}
	}
}

// While progress shows, the command's stderr goes through it; Stop gives
// stderr back, once.
func TestStartProgress(t *testing.T) {
	var errOut bytes.Buffer
	f := &Factory{IO: &IOStreams{ErrOut: &errOut}, Settings: &Settings{Progress: ProgressJSON, Output: "table"}, Now: time.Now}
	p := f.StartProgress("crawl")
	if f.IO.ErrOut != io.Writer(p) {
		t.Error("stderr does not go through the progress")
	}
	r := p.Reporter()
	r.Stage("read")
	r.Add(progress.Counts{Files: 3})
	p.Stop()
	p.Stop()
	if f.IO.ErrOut != io.Writer(&errOut) {
		t.Error("stderr not given back")
	}
	got := lines(t, &errOut)
	if n := len(got); n == 0 || got[n-1]["type"] != "end" || got[n-1]["stage"] != "read" || got[n-1]["files"] != 3.0 {
		t.Errorf("lines %v, want the end of read with 3 files last", got)
	}
	for _, l := range got[:len(got)-1] {
		if l["type"] != "progress" {
			t.Errorf("a line other than progress before the end: %v", l)
		}
	}

	// Nothing shown: the domain reports to Nop, stderr is left alone.
	f.Settings.Progress = ProgressNone
	p = f.StartProgress("crawl")
	if p.Reporter() != progress.Nop || f.IO.ErrOut != io.Writer(&errOut) {
		t.Error("progress none: a reporter or stderr taken")
	}
	p.Stop()
	if errOut.Len() != 0 {
		t.Errorf("progress none printed %q", errOut.String())
	}
}
