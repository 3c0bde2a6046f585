// Package headless opens a local HTML file in headless Chromium for a
// test, through the DevTools protocol (chromedp), and lets the test look
// at what the browser saw: the console, uncaught exceptions, every request
// the page made, values read with JavaScript, a screenshot and a PDF.
//
// Only tests import it, so lakectl's binary does not link chromedp.
package headless

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/lakectl/lakectl/internal/testenv"
)

// The window of a laptop.
const (
	Width  = 1280
	Height = 800
)

// Page is a file open in a tab of its own Chromium.
type Page struct {
	URL string
	// Load is the time from asking for the page to its first frame
	// painted after the load event.
	Load time.Duration

	t   testing.TB
	ctx context.Context

	mu       sync.Mutex
	messages []Message
	requests []string
}

// Message is what the page wrote on the console, an uncaught exception,
// or an entry of the browser's log (a failed load, a blocked request).
type Message struct {
	Type string // log, info, warning, error, ...; "exception" for an uncaught one
	Text string
	URL  string
}

func (m Message) String() string {
	if m.URL != "" {
		return m.Type + ": " + m.Text + " (" + m.URL + ")"
	}
	return m.Type + ": " + m.Text
}

// Open starts Chromium (testenv.Chromium: skipped or failed when it is
// missing), opens file in a 1280×800 window and waits until the page has
// loaded and painted. The browser stops when the test ends.
func Open(t testing.TB, file string) *Page {
	t.Helper()
	bin := testenv.Chromium(t)
	abs, err := filepath.Abs(file)
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.WindowSize(Width, Height),
		chromedp.UserDataDir(t.TempDir()),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium's sandbox will not run as root
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	p := &Page{URL: (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String(), t: t, ctx: ctx}
	// Listen sees each event before the reply to a later command, so once
	// a command has returned, everything the page did before it is here.
	if err := chromedp.Listen(ctx, p.record); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	start := time.Now()
	if err := chromedp.Do(ctx, chromedp.Navigate(p.URL)); err != nil {
		t.Fatalf("opening %s in Chromium: %v", p.URL, err)
	}
	Eval[bool](p, `new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done(true))))`)
	p.Load = time.Since(start)
	return p
}

func (p *Page) record(ev any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		var args []string
		for _, a := range ev.Args {
			args = append(args, remoteText(a))
		}
		p.messages = append(p.messages, Message{Type: string(ev.Type), Text: strings.Join(args, " ")})
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		text := d.Text
		if d.Exception != nil {
			text += " " + remoteText(d.Exception)
		}
		p.messages = append(p.messages, Message{Type: "exception", Text: text, URL: d.URL})
	case *log.EventEntryAdded:
		e := ev.Entry
		p.messages = append(p.messages, Message{Type: string(e.Level), Text: e.Text, URL: e.URL})
	case *network.EventRequestWillBeSent:
		p.requests = append(p.requests, ev.Request.URL)
	}
}

func remoteText(o *runtime.RemoteObject) string {
	if o.Description != "" {
		return o.Description
	}
	if len(o.Value) > 0 {
		return strings.Trim(string(o.Value), `"`)
	}
	return string(o.Type)
}

// Messages is everything on the console so far.
func (p *Page) Messages() []Message {
	p.sync()
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Message(nil), p.messages...)
}

// Problems are the messages of type error, warning or exception.
func (p *Page) Problems() []Message {
	var out []Message
	for _, m := range p.Messages() {
		switch m.Type {
		case "error", "warning", "exception", "assert":
			out = append(out, m)
		}
	}
	return out
}

// Requests are the URLs the page asked for so far, its own first.
func (p *Page) Requests() []string {
	p.sync()
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.requests...)
}

// sync waits for the events the browser sent before now.
func (p *Page) sync() {
	p.t.Helper()
	Eval[bool](p, "true")
}

// Eval evaluates a JavaScript expression in the page (awaiting it when it
// is a promise) and decodes its value, as JSON, into a T.
func Eval[T any](p *Page, js string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("evaluating %s: %v", js, err)
	}
	return v
}

// Screenshot is a PNG of the whole page, beyond the window.
func (p *Page) Screenshot() []byte {
	p.t.Helper()
	png, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Fatalf("screenshot of %s: %v", p.URL, err)
	}
	return png
}

// Media emulates a CSS media type: "print" or "screen" ("" ends the
// emulation).
func (p *Page) Media(media string) {
	p.t.Helper()
	err := chromedp.Do(p.ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: media})
		return err
	}))
	if err != nil {
		p.t.Fatalf("emulating %s media: %v", media, err)
	}
}

// PDF prints the page on A4, as the browser's print dialog would, and
// returns the PDF.
func (p *Page) PDF() []byte {
	p.t.Helper()
	pdf, err := chromedp.Run(p.ctx, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4)))
	if err != nil {
		p.t.Fatalf("printing %s: %v", p.URL, err)
	}
	if !strings.HasPrefix(string(pdf), "%PDF-") {
		p.t.Fatalf("printing %s: %.20q is not a PDF", p.URL, pdf)
	}
	return pdf
}
