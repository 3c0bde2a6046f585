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
	shown    bool      // a bar is on the line
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
// (command names it: "convert", "validate profile"). While it shows, the command's
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
	if final {
		p.meter.End()
	}
	ended, cur := p.meter.Take()
	switch p.mode {
	case ProgressJSON:
		for _, s := range ended {
			p.line("end", s, s.Ended)
		}
		switch {
		case final:
		case now.Sub(p.lastLine) >= jsonEvery:
			p.line("progress", cur, now)
			p.lastLine = now
		}
	case ProgressBar:
		if final {
			p.clearBar()
			return
		}
		p.drawBar(cur, now)
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

// measure is what a stage's percent, rate and time left are reckoned in:
// bytes where their total is known, else rows, else files; with no total
// known (0), rows, else files, else bytes.
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
	case s.Done.Files > 0 || s.Done.Bytes == 0:
		return "files", s.Done.Files, 0
	}
	return "bytes", s.Done.Bytes, 0
}

func round(x float64, places int) float64 {
	f := math.Pow10(places)
	return math.Round(x*f) / f
}

// drawBar draws the current stage as a bar (a spinner while its total is
// unknown) followed by its status; the library draws the bar and fits it
// to the terminal.
func (p *Progress) drawBar(s progress.Snapshot, now time.Time) {
	unit, done, total := measure(s)
	// A bar at its total is over for the library: one whose total grew
	// after is drawn anew.
	grown := p.bar != nil && p.bar.IsFinished() && total > p.barMax
	if p.bar == nil || grown || s.Stage != p.barStage || unit != p.barUnit || (total > 0) != (p.barMax > 0) {
		p.clearBar()
		p.bar, p.barStage, p.barUnit, p.barMax = newBar(p.out, total, p.status(s, now)), s.Stage, unit, total
	} else {
		p.bar.Describe(p.status(s, now)) // before the count: a bar at its total is drawn no more
	}
	if total > 0 && total != p.barMax {
		p.bar.ChangeMax64(total)
		p.barMax = total
	}
	if total > 0 {
		done = min(done, total) // past its total (a file that grew), the library draws nothing
	}
	p.bar.Set64(done)
	p.shown = true
}

func newBar(w io.Writer, total int64, status string) *progressbar.ProgressBar {
	if total <= 0 {
		total = -1 // a spinner
	}
	return progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(status),
		progressbar.OptionSetRenderBlankState(true),
		progressbar.OptionSetWidth(30),
		progressbar.OptionShowDescriptionAtLineEnd(),
		// The rate and the time left are the status's, reckoned from the
		// start of the stage.
		progressbar.OptionSetPredictTime(false),
		progressbar.OptionSetElapsedTime(false),
		progressbar.OptionUseANSICodes(true),
		progressbar.OptionSpinnerType(14),
		// Drawn on Progress's ticks only: no goroutine of the library's
		// writes to stderr behind a message.
		progressbar.OptionSetSpinnerChangeInterval(0),
	)
}

// status names the stage (unless the command already does) and says what
// is done of what, at what rate, and how long is left where the total is
// known.
func (p *Progress) status(s progress.Snapshot, now time.Time) string {
	label := p.command
	if s.Stage != "" && !strings.HasSuffix(" "+p.command, " "+s.Stage) {
		label += ": " + s.Stage
	}
	unit, done, total := measure(s)
	parts := []string{amount(unit, done, total)}
	if unit != "files" && (s.Done.Files > 0 || s.Total.Files > 0) {
		parts = append(parts, amount("files", s.Done.Files, s.Total.Files))
	}
	if unit != "rows" && (s.Done.Rows > 0 || s.Total.Rows > 0) {
		parts = append(parts, amount("rows", s.Done.Rows, s.Total.Rows))
	}
	if elapsed := now.Sub(s.Started).Seconds(); elapsed > 0 && done > 0 {
		rate := float64(done) / elapsed
		if unit == "bytes" {
			parts = append(parts, HumanBytes(int64(rate))+"/s")
		} else {
			parts = append(parts, fmt.Sprintf("%.0f %s/s", rate, unit))
		}
		if total > done {
			left := time.Duration(float64(total-done) / rate * float64(time.Second))
			parts = append(parts, left.Round(time.Second).String()+" left")
		}
	}
	return label + ": " + strings.Join(parts, ", ")
}

// amount says how much of a unit is done, of how much when known.
func amount(unit string, done, total int64) string {
	if unit == "bytes" {
		if total > 0 {
			return HumanBytes(done) + "/" + HumanBytes(total)
		}
		return HumanBytes(done)
	}
	if total > 0 {
		return fmt.Sprintf("%d/%d %s", done, total, unit)
	}
	return fmt.Sprintf("%d %s", done, unit)
}

// clearBar clears the bar's line, where a bar is shown (the library's own
// Clear leaves a bar it drew at its total).
func (p *Progress) clearBar() {
	if p.shown {
		io.WriteString(p.out, "\x1b[2K\r")
		p.shown = false
	}
}
