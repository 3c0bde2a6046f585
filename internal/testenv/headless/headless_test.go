package headless

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestOpenSeesWhatThePageDid: a page that logs an error, throws and asks
// the network for an image shows all three to the test.
func TestOpenSeesWhatThePageDid(t *testing.T) {
	file := filepath.Join(t.TempDir(), "bad.html")
	html := `<!DOCTYPE html><html><head><title>bad</title></head><body>
<p id="p" data-v="42">hello</p>
<img src="http://127.0.0.1:9/missing.png" alt="">
<script>console.log("fine"); console.error("broken", 7); throw new Error("thrown here")</script>
</body></html>`
	if err := os.WriteFile(file, []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	p := Open(t, file)
	if v := Eval[string](p, `document.getElementById("p").dataset.v`); v != "42" {
		t.Errorf("data-v read as %q", v)
	}
	var texts []string
	for _, m := range p.Problems() {
		texts = append(texts, m.String())
	}
	all := strings.Join(texts, "\n")
	for _, want := range []string{"error: broken 7", "exception: Uncaught Error: thrown here"} {
		if !strings.Contains(all, want) {
			t.Errorf("problems %q lack %q", texts, want)
		}
	}
	if strings.Contains(all, "fine") {
		t.Errorf("console.log counted as a problem: %q", texts)
	}
	if reqs := p.Requests(); !slices.Contains(reqs, "http://127.0.0.1:9/missing.png") || reqs[0] != p.URL {
		t.Errorf("requests %q: want the page, then its image", reqs)
	}
	if png := p.Screenshot(); !strings.HasPrefix(string(png), "\x89PNG") {
		t.Errorf("the screenshot is not a PNG: %.8q", png)
	}
}
