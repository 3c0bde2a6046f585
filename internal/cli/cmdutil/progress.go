package cmdutil

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/lakectl/lakectl/internal/progress"
)

// How often progress is drawn: a bar ten times a second, a JSON line at
// most once a second (and once at the end of each stage).
const (
	barEvery  = 100 * time.Millisecond
	jsonEvery = time.Second
)

// Progress shows the progress of a command's long work on stderr, as
// --progress says: a bar, JSON lines, or nothing. Domain code reports to
// Reporter(); Stop ends the display (call it before printing results, so
// that a bar is gone before them).
type Progress struct {
	meter   *progress.Meter
	mode    string // ProgressBar, ProgressJSON or ProgressNone
	command string
	out     io.Writer // stderr itself
	now     func() time.Time
	restore func() // gives the command its stderr back

	mu       sync.Mutex
	bar      *progressbar.ProgressBar
	barStage string
	barUnit  string
	barMax   int64
	barDesc  string
	lastLine time.Time // of the last JSON progress line

	ticker  *time.Ticker
	quit    chan struct{}
	stopped chan struct{}
	once    sync.Once
}

// ProgressMode is how long work shows its progress: --progress, where
// it says bar, json or none; with auto, a bar when a person watches
// stderr (a terminal), the results are a table, and --quiet is not set.
func (f *Factory) ProgressMode() string {
	switch m := f.Settings.Progress; m {
	case ProgressBar, ProgressJSON, ProgressNone:
		return m
	}
	if f.IO.StderrTTY && !f.Settings.Quiet && f.Settings.Output == "table" {
		return ProgressBar
	}
	return ProgressNone
}

// StartProgress starts showing the progress of a command's long work
// (command names it: "convert", "profile"). While it shows, the command's
// other messages on stderr clear the bar before they print.
func (f *Factory) StartProgress(command string) *Progress {
	p := newProgress(f.IO.ErrOut, f.ProgressMode(), command, f.Now)
	if p.mode == ProgressNone {
		return p
	}
	errOut := f.IO.ErrOut
	f.IO.ErrOut = p
	p.restore = func() { f.IO.ErrOut = errOut }
	every := barEvery
	if p.mode == ProgressJSON {
		every = jsonEvery
	}
	p.ticker, p.quit, p.stopped = time.NewTicker(every), make(chan struct{}), make(chan struct{})
	go p.run()
	return p
}

func newProgress(out io.Writer, mode, command string, now func() time.Time) *Progress {
	p := &Progress{mode: mode, command: command, out: out, now: now}
	if mode != ProgressNone {
		p.meter = progress.NewMeter(now)
		p.lastLine = now()
	}
	return p
}

// Reporter is what the domain code reports to: progress.Nop when nothing
// is shown.
func (p *Progress) Reporter() progress.Reporter {
	if p.meter == nil {
		return progress.Nop
	}
	return p.meter
}

func (p *Progress) run() {
	defer close(p.stopped)
	for {
		select {
		case <-p.quit:
			return
		case <-p.ticker.C:
			p.mu.Lock()
			p.draw(p.now(), false)
			p.mu.Unlock()
		}
	}
}

// Stop ends the display: a bar is cleared; in JSON, the end line of the
// last stage is printed. Stopping twice is stopping once.
func (p *Progress) Stop() {
	p.once.Do(func() {
		if p.meter == nil {
			return
		}
		p.ticker.Stop()
		close(p.quit)
		<-p.stopped
		p.mu.Lock()
		defer p.mu.Unlock()
		p.draw(p.now(), true)
		p.restore()
	})
}

// Write prints a message on stderr, clearing the bar first (the next tick
// draws it again below the message).
func (p *Progress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearBar()
	return p.out.Write(b)
}

// draw shows the counts at now: what is drawn depends only on the
// meter's counts and now, so that tests draw with a clock of their own.
// final draws the end of the work.
func (p *Progress) draw(now time.Time, final bool) {
	ended, cur := p.meter.Take()
	switch p.mode {
	case ProgressJSON:
		for _, s := range ended {
			p.line("end", s, s.Ended)
		}
		switch {
		case final:
			if cur.Stage != "" || cur.Done != (progress.Counts{}) || cur.Total != (progress.Counts{}) {
				p.line("end", cur, now)
			}
		case now.Sub(p.lastLine) >= jsonEvery:
			p.line("progress", cur, now)
			p.lastLine = now
		}
	case ProgressBar:
		if final {
			p.clearBar()
			return
		}
		p.drawBar(cur)
	}
}

// ProgressLine is one JSON line of --progress=json; docs/conventions.md
// documents it. Totals, percent and secondsLeft are left out where
// unknown.
type ProgressLine struct {
	// Type is "progress" (the work goes on; at most one a second) or
	// "end" (the stage ended: its counts are final).
	Type           string   `json:"type"`
	Command        string   `json:"command"`
	Stage          string   `json:"stage,omitempty"`
	ElapsedSeconds float64  `json:"elapsedSeconds"`
	Files          int64    `json:"files"`
	Rows           int64    `json:"rows"`
	Bytes          int64    `json:"bytes"`
	TotalFiles     int64    `json:"totalFiles,omitempty"`
	TotalRows      int64    `json:"totalRows,omitempty"`
	TotalBytes     int64    `json:"totalBytes,omitempty"`
	RowsPerSecond  float64  `json:"rowsPerSecond"`
	BytesPerSecond float64  `json:"bytesPerSecond"`
	Percent        *float64 `json:"percent,omitempty"`
	SecondsLeft    *float64 `json:"secondsLeft,omitempty"`
}

func (p *Progress) line(typ string, s progress.Snapshot, at time.Time) {
	elapsed := at.Sub(s.Started).Seconds()
	l := ProgressLine{Type: typ, Command: p.command, Stage: s.Stage, ElapsedSeconds: round(elapsed, 3),
		Files: s.Done.Files, Rows: s.Done.Rows, Bytes: s.Done.Bytes,
		TotalFiles: s.Total.Files, TotalRows: s.Total.Rows, TotalBytes: s.Total.Bytes}
	if elapsed > 0 {
		l.RowsPerSecond = round(float64(s.Done.Rows)/elapsed, 1)
		l.BytesPerSecond = round(float64(s.Done.Bytes)/elapsed, 1)
	}
	if _, done, total := measure(s); total > 0 {
		pct := round(min(float64(done)/float64(total), 1)*100, 1)
		l.Percent = &pct
		if typ == "progress" && done > 0 && elapsed > 0 {
			left := round(float64(max(total-done, 0))/(float64(done)/elapsed), 1)
			l.SecondsLeft = &left
		}
	}
	b, _ := json.Marshal(l)
	p.out.Write(append(b, '\n'))
}

// measure is what a stage's percent and time left are reckoned in: bytes
// where their total is known, else rows, else files; total 0 when none is.
func measure(s progress.Snapshot) (unit string, done, total int64) {
	switch {
	case s.Total.Bytes > 0:
		return "bytes", s.Done.Bytes, s.Total.Bytes
	case s.Total.Rows > 0:
		return "rows", s.Done.Rows, s.Total.Rows
	case s.Total.Files > 0:
		return "files", s.Done.Files, s.Total.Files
	case s.Done.Rows > 0:
		return "rows", s.Done.Rows, 0
	case s.Done.Bytes > 0:
		return "bytes", s.Done.Bytes, 0
	}
	return "files", s.Done.Files, 0
}

func round(x float64, places int) float64 {
	f := math.Pow10(places)
	return math.Round(x*f) / f
}

// drawBar draws the current stage as a bar (a spinner while its total is
// unknown): the library draws the bar, the rate and the time left, the
// description the other counts.
func (p *Progress) drawBar(s progress.Snapshot) {
	unit, done, total := measure(s)
	if p.bar == nil || s.Stage != p.barStage || unit != p.barUnit || (total > 0) != (p.barMax > 0) {
		p.clearBar()
		p.bar, p.barStage, p.barUnit, p.barMax, p.barDesc = newBar(p.out, unit, total), s.Stage, unit, total, ""
	}
	if total > 0 && total != p.barMax {
		p.bar.ChangeMax64(total)
		p.barMax = total
	}
	if d := p.describe(s, unit); d != p.barDesc {
		p.bar.Describe(d)
		p.barDesc = d
	}
	if total > 0 {
		// At its maximum the library ends the bar for good; a total may
		// still grow, and the end is Stop's to draw.
		done = min(done, total-1)
	}
	p.bar.Set64(done)
}

func newBar(w io.Writer, unit string, total int64) *progressbar.ProgressBar {
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetWidth(30),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionUseANSICodes(true),
		progressbar.OptionSpinnerType(14),
		// Drawn on Progress's ticks only: no goroutine of the library's
		// writes to stderr behind a message.
		progressbar.OptionSetSpinnerChangeInterval(0),
	}
	if unit == "bytes" {
		opts = append(opts, progressbar.OptionShowBytes(true), progressbar.OptionUseIECUnits(true))
	} else {
		opts = append(opts, progressbar.OptionShowIts(), progressbar.OptionSetItsString(unit))
	}
	if total <= 0 {
		total = -1 // a spinner
	}
	return progressbar.NewOptions64(total, opts...)
}

// describe names the stage and the counts the bar does not show.
func (p *Progress) describe(s progress.Snapshot, unit string) string {
	label := p.command
	if s.Stage != "" && !strings.HasSuffix(" "+p.command, " "+s.Stage) {
		label += ": " + s.Stage
	}
	var parts []string
	if unit != "files" && (s.Done.Files > 0 || s.Total.Files > 0) {
		if s.Total.Files > 0 {
			parts = append(parts, fmt.Sprintf("%d/%d files", s.Done.Files, s.Total.Files))
		} else {
			parts = append(parts, fmt.Sprintf("%d files", s.Done.Files))
		}
	}
	if unit != "rows" && s.Done.Rows > 0 {
		parts = append(parts, fmt.Sprintf("%d rows", s.Done.Rows))
	}
	if len(parts) == 0 {
		return label + " "
	}
	return label + " (" + strings.Join(parts, ", ") + ") "
}

func (p *Progress) clearBar() {
	if p.bar != nil {
		p.bar.Clear()
	}
}
