package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDemo runs scripts/demo.sh — what `make demo` runs — end to end with
// the real binary in a folder of its own, and checks the story it tells:
// the exit status shown after each check and compare, the line on the two
// type vocabularies, and the summary of what was built.
func TestDemo(t *testing.T) {
	lakectl, err := exec.LookPath("lakectl") // this test binary, as TestMain installs it
	if err != nil {
		t.Fatal(err)
	}
	script, err := filepath.Abs("../../scripts/demo.sh")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cmd := exec.Command("bash", script, lakectl)
	cmd.Dir = dir
	// The demo makes its own LAKECTL_HOME; no setting of the machine's
	// reaches it.
	cmd.Env = []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH"), "TMPDIR=" + dir}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("demo.sh: %v\n%s\n%s", err, stdout.Bytes(), stderr.Bytes())
	}
	out := stdout.String()

	// Each check and compare is followed by its exit status, as a shell
	// shows it: 0 where the data passed, 1 where it failed.
	for _, c := range []struct {
		command string
		status  string
	}{
		{"validate check curated.orders --rules rules.yaml", "0"},
		{"validate check curated.orders --rules rules-strict.yaml", "1"},
		{"validate compare --source raw.orders --target curated.orders --key order_id", "0"},
		{"validate compare --source raw.customers --target curated.customers --key customer_id", "1"},
	} {
		re := regexp.MustCompile(`(?s)\n\$ lakectl ` + regexp.QuoteMeta(c.command) + "\n(.*?)\n\\$ echo \\$\\?\n(\\d+)\n")
		m := re.FindStringSubmatch(out)
		switch {
		case m == nil:
			t.Errorf("no `lakectl %s` followed by its exit status in the demo", c.command)
		case m[2] != c.status:
			t.Errorf("lakectl %s: the demo shows exit status %s, want %s", c.command, m[2], c.status)
		case strings.Contains(m[1], "\n$ "):
			t.Errorf("lakectl %s: another command before its exit status:\n%s", c.command, m[1])
		}
	}
	for _, want := range []string{
		// The report's Failure row under a Warning-level check, and why
		// the run still passes.
		"# Exit status 0: every error-level check passed, so a CI job goes on.",
		"# Exit status 1: an error-level check failed;",
		// The two type vocabularies, in one line.
		"# Types here are Deequ's, as PyDeequ prints them (Integral, Fractional, Boolean, String; no date or time type); the catalog keeps Glue's (bigint, double, boolean, timestamp, string).\n",
		// The lake's metrics: a snapshot, a report, a dashboard.
		"\n$ lakectl metrics collect --to metrics\nSnapshot of ",
		"lakectl convert compact curated.orders\n",
		// What was built.
		"\n# What was built\n",
		"\n4 tables in 2 databases (curated, raw), 8 data files, 16 rows;\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the demo does not say %q", want)
		}
	}
	if got := regexp.MustCompile(`(?m)^(curated|raw)\.\w+ +(csv|json|parquet) +\d+ +\d+ +\d+  lake/`).FindAllString(out, -1); len(got) != 4 {
		t.Errorf("the summary lists %d tables, want 4: %q", len(got), got)
	}
	if _, err := os.Stat(filepath.Join(dir, ".tmp", "demo", "lake-metrics.html")); err != nil {
		t.Errorf("the demo's dashboard: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, ".tmp", "demo", "home", "catalog.db")); err != nil {
		t.Errorf("the demo's catalog: %v", err)
	}
}
