package dashboard

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/testenv"
	"github.com/lakectl/lakectl/internal/testenv/headless"
)

// drawn is a point or bar as the browser has it in the page.
type drawn struct {
	Chart, Series, T, Label, V string
}

// readDrawn is JavaScript that lists every point and bar in the page.
const readDrawn = `[...document.querySelectorAll("[data-v][data-series]")].map(e => ({
	Chart: e.closest("figure").dataset.chart, Series: e.dataset.series,
	T: e.dataset.t || "", Label: e.dataset.label || "", V: e.dataset.v}))`

// TestDashboardInChromium opens the sample page in headless Chromium: it
// renders, writes nothing on the console, fetches nothing, draws every
// input value where a reader can find it, and prints.
func TestDashboardInChromium(t *testing.T) {
	page := samplePage()
	var buf bytes.Buffer
	if err := Render(&buf, page); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "dashboard.html")
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	p := headless.Open(t, file)
	t.Logf("dashboard of %d bytes: loaded and painted in Chromium in %v", buf.Len(), p.Load.Round(time.Millisecond))

	if got := headless.Eval[string](p, "document.title"); got != page.Title {
		t.Errorf("title %q, want %q", got, page.Title)
	}
	headings := headless.Eval[[]string](p, `[...document.querySelectorAll("h2")].map(h => h.textContent)`)
	if len(headings) != len(page.Sections) {
		t.Fatalf("section headings %q, want %d", headings, len(page.Sections))
	}
	for i, s := range page.Sections {
		if headings[i] != s.Title {
			t.Errorf("heading %d is %q, want %q", i, headings[i], s.Title)
		}
	}

	// Each chart drawn at a size a reader can see.
	sizes := headless.Eval[map[string][2]float64](p, `Object.fromEntries([...document.querySelectorAll("figure.chart svg.plot")].map(s => {
		const r = s.getBoundingClientRect(); return [s.closest("figure").id, [r.width, r.height]] }))`)
	for _, s := range page.Sections {
		for _, c := range s.Charts {
			if wh, ok := sizes[c.ID]; !ok || wh[0] < 600 || wh[1] < 100 {
				t.Errorf("chart %s drawn %v×%v on a %d-wide window", c.ID, wh[0], wh[1], headless.Width)
			}
		}
	}

	// Every input value, drawn once, with its exact value.
	want, total := map[drawn]int{}, 0
	for _, s := range page.Sections {
		for _, c := range s.Charts {
			for _, se := range c.Series {
				for _, pt := range se.Points {
					d := drawn{Chart: c.ID, Series: se.Name, Label: pt.Label, V: strconv.FormatFloat(pt.V, 'g', -1, 64)}
					if c.Kind != Bar {
						d.T, d.Label = pt.T.UTC().Format(time.RFC3339), ""
					}
					want[d]++
					total++
				}
			}
		}
	}
	got := headless.Eval[[]drawn](p, readDrawn)
	if len(got) != total {
		t.Errorf("%d points and bars drawn, want %d", len(got), total)
	}
	for i, d := range got {
		v, err := strconv.ParseFloat(d.V, 64)
		if err != nil {
			t.Errorf("data-v %q is not a number", d.V)
		}
		d.V = strconv.FormatFloat(v, 'g', -1, 64) // as the input's key
		got[i] = d
		if want[d] == 0 {
			t.Errorf("drawn but not in the page's input: %+v", d)
			continue
		}
		want[d]--
	}
	for d, n := range want {
		if n != 0 {
			t.Errorf("not drawn: %+v", d)
		}
	}
	goal := headless.Eval[[]string](p, `[...document.querySelectorAll("#storage .mark")].map(m => m.dataset.mark + "=" + m.dataset.v)`)
	if len(goal) != 1 || goal[0] != "goal 10 GiB="+strconv.Itoa(10<<30) {
		t.Errorf("the storage chart's marks are %q, want its goal of 10 GiB", goal)
	}
	dashed := headless.Eval[[]string](p, `[...document.querySelectorAll("#storage g.series")].map(g => getComputedStyle(g.querySelector("path")).strokeDasharray)`)
	if len(dashed) != 2 || dashed[0] != "none" || dashed[1] == "none" {
		t.Errorf("stroke-dasharray of the storage chart's lines %q: want the measured line solid, the projection dashed", dashed)
	}
	colours := headless.Eval[[]string](p, `[...document.querySelectorAll("#storage g.series")].map(g => getComputedStyle(g.querySelector("path")).stroke)`)
	if len(colours) != 2 || colours[0] != colours[1] {
		t.Errorf("stroke of the storage chart's lines %q: want the projection in its line's colour", colours)
	}
	cells := headless.Eval[[]string](p, `[...document.querySelectorAll("table tbody tr:first-child td")].map(td => td.textContent)`)
	if want := page.Sections[1].Tables[0].Rows[0]; !slices.Equal(cells, want) {
		t.Errorf("first row of the table %q, want %q", cells, want)
	}

	if problems := p.Problems(); len(problems) > 0 {
		t.Errorf("the console has errors: %v", problems)
	}
	if reqs := p.Requests(); len(reqs) != 1 || reqs[0] != p.URL {
		t.Errorf("the page requested %q; want only itself, %s", reqs, p.URL)
	}
	testenv.Artifact(t, "screen.png", p.Screenshot())

	// Printed: black on white, no chart broken across pages.
	p.Media("print")
	print := headless.Eval[[]string](p, `[matchMedia("print").matches, getComputedStyle(document.body).color, getComputedStyle(document.body).backgroundColor,
		...[...document.querySelectorAll("figure.chart")].map(f => getComputedStyle(f).breakInside)].map(String)`)
	if print[0] != "true" || print[1] != "rgb(0, 0, 0)" || print[2] != "rgb(255, 255, 255)" {
		t.Errorf("printed: print media %s, text %s on %s; want black on white", print[0], print[1], print[2])
	}
	for i, b := range print[3:] {
		if b != "avoid" {
			t.Errorf("printed: chart %d has break-inside %s, want avoid", i, b)
		}
	}
	testenv.Artifact(t, "print.png", p.Screenshot())
	testenv.Artifact(t, "print.pdf", p.PDF())
	if problems := p.Problems(); len(problems) > 0 {
		t.Errorf("the console has errors after printing: %v", problems)
	}
}

// TestLargeDashboardInChromium loads the benchmark's page (1,000 tables
// over 90 days, 91,090 points and bars) and logs how long Chromium takes
// to show it.
func TestLargeDashboardInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("a 19 MiB page: not with -short")
	}
	var buf bytes.Buffer
	start := time.Now()
	if err := Render(&buf, largePage()); err != nil {
		t.Fatal(err)
	}
	rendered := time.Since(start)
	file := filepath.Join(t.TempDir(), "large.html")
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	p := headless.Open(t, file)
	t.Logf("dashboard of %.1f MiB: rendered in %v, loaded and painted in Chromium in %v",
		float64(buf.Len())/(1<<20), rendered.Round(time.Millisecond), p.Load.Round(time.Millisecond))
	if n := headless.Eval[int](p, `document.querySelectorAll("[data-v][data-series]").length`); n != 1000*90+90+1000 {
		t.Errorf("%d points and bars drawn, want %d", n, 1000*90+90+1000)
	}
	if problems := p.Problems(); len(problems) > 0 {
		t.Errorf("the console has errors: %v", problems)
	}
}
