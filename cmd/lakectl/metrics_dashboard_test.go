package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/testenv"
	"github.com/lakectl/lakectl/internal/testenv/headless"
)

// TestMetricsDashboardInChromium makes a lake's metrics history the way a
// team would — a crawl, then on three days a growing table, metrics
// collect, storage metrics and validate profile --save — draws it with
// lakectl metrics dashboard, and opens the file in a real headless
// Chromium: it renders, writes nothing on the console, fetches nothing
// but itself, and its charts carry exactly the numbers metrics report
// gives for the same history. A screenshot is kept as a test artifact.
func TestMetricsDashboardInChromium(t *testing.T) {
	testenv.Chromium(t)
	dir := t.TempDir()
	write := func(name, body string) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rows := func(from, n int) string {
		var b strings.Builder
		b.WriteString("id,amount\n")
		for i := from; i < from+n; i++ {
			b.WriteString(strconv.Itoa(i) + "," + strconv.Itoa(i%97) + ".5\n")
		}
		return b.String()
	}
	write("lake/orders/part-0.csv", rows(0, 100))
	write("lake/customers/part-0.csv", "id,name\n1,Ada\n2,Grace\n")
	lakectl(t, dir, "crawl", "lake", "--database", "sales")
	for d, n := range []int{0, 400, 1600} {
		if n > 0 {
			write("lake/orders/part-"+strconv.Itoa(d)+".csv", rows(1000*d, n))
		}
		at := time.Date(2026, 3, 1+d, 9, 0, 0, 0, time.UTC).Format(time.RFC3339)
		run := func(args ...string) {
			t.Helper()
			cmd := lakectlCmd(dir, args...)
			cmd.Env = append(cmd.Env, "LAKECTL_NOW="+at)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("lakectl %s: %v\n%s", strings.Join(args, " "), err, out)
			}
		}
		run("crawl", "lake", "--database", "sales")
		run("metrics", "collect", "--to", "metrics", "--database", "sales")
		run("storage", "metrics", "lake", "--depth", "1", "--to", "metrics")
		run("validate", "profile", "sales.orders", "--save", "dq.metrics")
	}
	var report struct {
		Totals []struct {
			Time  time.Time
			Bytes int64
			Files int64
		}
		Storage []struct {
			Bytes int64
		}
		Quality []struct {
			Name, Instance string
			Points         []struct{ Value float64 }
		}
	}
	out := lakectl(t, dir, "metrics", "report", "--days", "0", "--from", "metrics", "--quality", "dq.metrics", "-o", "json", "--section", "totals,storage,quality")
	if err := json.Unmarshal(out, &report); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(report.Totals) != 3 || len(report.Storage) != 6 || len(report.Quality) == 0 {
		t.Fatalf("report: %s", out)
	}
	lakectl(t, dir, "metrics", "dashboard", "--days", "0", "--from", "metrics", "--quality", "dq.metrics", "--size-goal", "1MiB", "--out", "lake.html")
	file := filepath.Join(dir, "lake.html")
	html, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}

	p := headless.Open(t, file)
	t.Logf("dashboard of %d bytes loaded and painted in %v", len(html), p.Load.Round(time.Millisecond))
	testenv.Artifact(t, "metrics-dashboard.png", p.Screenshot())
	if problems := p.Problems(); len(problems) > 0 {
		t.Errorf("console: %v", problems)
	}
	if req := p.Requests(); len(req) != 1 || !strings.HasSuffix(req[0], "lake.html") {
		t.Errorf("requests: %v, want the file only", req)
	}
	headings := headless.Eval[[]string](p, `[...document.querySelectorAll("h2")].map(h => h.textContent)`)
	for _, want := range []string{"The lake over time", "Growth", "Largest tables", "Least used tables", "Small files", "Storage", "Data quality"} {
		found := false
		for _, h := range headings {
			found = found || h == want
		}
		if !found {
			t.Errorf("no section %q in %q", want, headings)
		}
	}

	// The numbers drawn are the report's.
	type drawn struct{ Chart, Series, T, V string }
	points := headless.Eval[[]drawn](p, `[...document.querySelectorAll("[data-v][data-series]")].map(e => ({
		Chart: e.closest("figure").dataset.chart, Series: e.dataset.series, T: e.dataset.t || "", V: e.dataset.v}))`)
	values := func(chart, series string) []string {
		var out []string
		for _, d := range points {
			if d.Chart == chart && d.Series == series {
				out = append(out, d.V)
			}
		}
		return out
	}
	var bytes, files []string
	for _, x := range report.Totals {
		bytes = append(bytes, strconv.FormatInt(x.Bytes, 10))
		files = append(files, strconv.FormatInt(x.Files, 10))
	}
	if got := values("bytes", "bytes"); strings.Join(got, " ") != strings.Join(bytes, " ") {
		t.Errorf("storage size drawn %v, report %v", got, bytes)
	}
	if got := values("files", "files"); strings.Join(got, " ") != strings.Join(files, " ") {
		t.Errorf("files drawn %v, report %v", got, files)
	}
	// sales.orders grows: its line and its dashed projection.
	if got := values("growth", "sales.orders"); len(got) != 3 {
		t.Errorf("growth of sales.orders: %v", got)
	}
	if got := values("growth", "sales.orders (projected)"); len(got) != 2 {
		t.Errorf("projection of sales.orders: %v", got)
	}
	// The quality charts draw the profile's Size a run at a time.
	var sizes []string
	for _, q := range report.Quality {
		if q.Name == "Size" {
			for _, pt := range q.Points {
				sizes = append(sizes, strconv.FormatFloat(pt.Value, 'g', -1, 64))
			}
		}
	}
	found := false
	for _, d := range points {
		if strings.HasPrefix(d.Chart, "quality-") && d.Series == "*" {
			found = found || strings.Join(values(d.Chart, "*"), " ") == strings.Join(sizes, " ")
		}
	}
	if !found || len(sizes) != 3 {
		t.Errorf("no quality chart draws the sizes %v", sizes)
	}
	var storageDrawn int
	for _, d := range points {
		if d.Chart == "storage-bytes" {
			storageDrawn++
		}
	}
	if storageDrawn != len(report.Storage) {
		t.Errorf("storage points drawn: %d, report %d", storageDrawn, len(report.Storage))
	}
}
