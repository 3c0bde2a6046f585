package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Lines of prose that embed data — a check's header, the members a
// profile could not place, a sample of a compare, an error — show its
// control characters escaped as table cells do (\t, \x1b), so that a name
// or value can neither break a line nor send the terminal an escape
// sequence.
func TestProseEscapesControlCharacters(t *testing.T) {
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	write := func(name, text string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	data := write("raw/t/a.json", `{"id": "1", "v": 1}`+"\n")
	if _, stderr, code := lakectl(t, home, false, "crawl", filepath.Join(dir, "raw"), "--database", "raw"); code != 0 {
		t.Fatalf("crawl: %s", stderr)
	}
	// A record written after the crawl, with a member the table does not
	// have, named with a tab and an escape sequence.
	f, _ := os.OpenFile(data, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"id": "2\u001b[1m", "v": 2, "a\tb\u001b[31m": 1}` + "\n")
	f.Close()
	rules := write("rules.yaml", "checks:\n  - description: \"orders \\x1b[2J\\tnew\"\n    constraints:\n      - isComplete: id\n")
	other := write("other.json", `{"id": "1", "v": 1}`+"\n"+`{"id": "2\u001b[1m", "v": 3}`+"\n")

	for _, c := range []struct {
		args []string
		code int
		want []string // on stdout, or stderr when the command fails
	}{
		{[]string{"validate", "check", "raw.t", "--rules", rules}, 0, []string{
			`(member a\tb\x1b[31m outside the table's columns was not checked: 1 records)`,
			`orders \x1b[2J\tnew [error]: Success`}},
		{[]string{"validate", "profile", "raw.t"}, 0, []string{`(members outside the table's columns: a\tb\x1b[31m (1 records))`}},
		{[]string{"validate", "compare", "--source", data, "--target", other, "--key", "id"}, 1, []string{`  2\x1b[1m: changed; v 2 → 3`}},
		{[]string{"convert", "raw.t", "--to", filepath.Join(dir, "out"), "--partition-by", "v\x1b[2J"}, 2, []string{`lakectl: --partition-by v\x1b[2j: no such column in the output`}},
	} {
		stdout, stderr, code := lakectl(t, home, false, c.args...)
		out := stdout
		if code > 1 {
			out = stderr
		}
		if code != c.code {
			t.Errorf("%q: exit %d, want %d: %s", c.args, code, c.code, stderr)
		}
		if strings.ContainsAny(stdout+stderr, "\t\x1b") {
			t.Errorf("%q: a control character printed as it is:\n%s%s", c.args, stdout, stderr)
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("%q: no line %q in\n%s", c.args, w, out)
			}
		}
	}
}
