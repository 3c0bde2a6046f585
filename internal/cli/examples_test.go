package cli

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/cli/cmdutil"
)

// An example is a shell snippet a user may paste: a command's Example in
// its help, or a ```sh block of README.md or docs/*.md.
type example struct {
	where, script string
	help          bool // from a command's help
}

func newTree() *cobra.Command {
	root := NewCmdRoot(&cmdutil.Factory{IO: &cmdutil.IOStreams{Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}, Getenv: func(string) string { return "" }})
	root.InitDefaultCompletionCmd()
	return root
}

func helpExamples() []example {
	var out []example
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Example != "" {
			out = append(out, example{where: "'" + c.CommandPath() + " --help'", script: c.Example, help: true})
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newTree())
	return out
}

var fence = regexp.MustCompile("(?ms)^```(?:sh|bash|shell)\n(.*?)^```")

func docExamples(t *testing.T) []example {
	files, _ := filepath.Glob("../../docs/*.md")
	files = append([]string{"../../README.md"}, files...)
	var out []example
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range fence.FindAllSubmatchIndex(data, -1) {
			line := 1 + bytes.Count(data[:m[0]], []byte("\n"))
			out = append(out, example{where: fmt.Sprintf("%s:%d", strings.TrimPrefix(f, "../../"), line), script: string(data[m[2]:m[3]])})
		}
	}
	return out
}

// TestExamplesParse: every example in the help and the docs is valid bash
// as it is, so that pasting it works (an unquoted decimal(10,2) is not).
func TestExamplesParse(t *testing.T) {
	bash := lookBash(t)
	examples := append(helpExamples(), docExamples(t)...)
	if len(examples) < 20 {
		t.Fatalf("found only %d examples", len(examples))
	}
	for _, ex := range examples {
		cmd := exec.Command(bash, "-n")
		cmd.Stdin = strings.NewReader(ex.script)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s: not valid bash: %v\n%s\n%s", ex.where, err, out, ex.script)
		}
	}
}

// TestExamplesRun runs the examples made of lakectl commands alone in bash,
// in an empty folder, with a PATH that holds nothing but a lakectl that
// records its arguments (whatever else a line calls is not found): bash
// does the quoting and the expansions a user's shell does, and each
// lakectl command line must then name a command, with flags it has, valid
// values, and the arguments it takes. Every example in the help is one of
// these.
func TestExamplesRun(t *testing.T) {
	bash := lookBash(t)
	bin, calls := t.TempDir(), t.TempDir()
	stub := "#!" + bash + "\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done >\"$CALLS/$$\"\n"
	if err := os.WriteFile(filepath.Join(bin, "lakectl"), []byte(stub), 0o755); err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, ex := range append(helpExamples(), docExamples(t)...) {
		if !onlyLakectl(ex.script) {
			if ex.help {
				t.Errorf("%s: an example in the help that is not lakectl commands alone:\n%s", ex.where, ex.script)
			}
			continue
		}
		ran++
		for _, old := range mustGlob(t, filepath.Join(calls, "*")) {
			os.Remove(old)
		}
		dir := t.TempDir()
		cmd := exec.Command(bash, "--noprofile", "--norc", "-c", ex.script)
		cmd.Dir = dir
		cmd.Env = []string{"PATH=" + bin, "HOME=" + dir, "CALLS=" + calls}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s: %v\n%s", ex.where, err, out)
			continue
		}
		recorded := mustGlob(t, filepath.Join(calls, "*"))
		if want := lakectlLines(ex.script); len(recorded) != want {
			t.Errorf("%s: %d lakectl commands ran, want %d", ex.where, len(recorded), want)
		}
		for _, f := range recorded {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			args := strings.Split(strings.TrimSuffix(string(data), "\x00"), "\x00")
			if err := checkCommandLine(args, dir); err != nil {
				t.Errorf("%s: lakectl %s: %v", ex.where, strings.Join(args, " "), err)
			}
		}
	}
	if ran < 15 {
		t.Errorf("ran only %d examples", ran)
	}
}

// checkCommandLine parses args as lakectl would, up to running the
// command: the command, its flags and their values, its arguments, the
// global settings.
func checkCommandLine(args []string, home string) error {
	c, rest, err := newTree().Find(args)
	if err != nil {
		return err
	}
	if !c.Runnable() {
		return fmt.Errorf("%s does nothing", c.CommandPath())
	}
	if err := c.ParseFlags(rest); err != nil {
		return cmdutil.FlagError(c, err)
	}
	if err := c.ValidateArgs(c.Flags().Args()); err != nil {
		return err
	}
	getenv := func(k string) string {
		if k == "LAKECTL_HOME" {
			return home
		}
		return ""
	}
	_, err = cmdutil.Resolve(c.Flags(), getenv)
	return err
}

var continued = regexp.MustCompile(`\\\n`)

// logicalLines joins continued lines and leaves out blank lines and
// comments.
func logicalLines(script string) []string {
	var out []string
	for _, l := range strings.Split(continued.ReplaceAllString(script, " "), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// onlyLakectl: every line is a lakectl command or an export.
func onlyLakectl(script string) bool {
	for _, l := range logicalLines(script) {
		if !strings.HasPrefix(l, "lakectl ") && !strings.HasPrefix(l, "export ") {
			return false
		}
	}
	return true
}

func lakectlLines(script string) int {
	n := 0
	for _, l := range logicalLines(script) {
		if strings.HasPrefix(l, "lakectl ") {
			n++
		}
	}
	return n
}

func lookBash(t *testing.T) string {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash here")
	}
	return bash
}

func mustGlob(t *testing.T, pattern string) []string {
	m, err := filepath.Glob(pattern)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
