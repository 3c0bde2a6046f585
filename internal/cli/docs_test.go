package cli

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/spf13/cobra/doc"

	"github.com/lakectl/lakectl/internal/cli/cmdutil"
)

var update = flag.Bool("update", false, "rewrite docs/cli from the command tree")

// TestDocsAreCurrent fails when docs/cli differs from what the command tree
// generates; `make docs` (go test ./internal/cli -run TestDocsAreCurrent
// -update) rewrites them.
func TestDocsAreCurrent(t *testing.T) {
	const committed = "../../docs/cli"
	if *update {
		os.RemoveAll(committed)
		if err := os.MkdirAll(committed, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := WriteDocs(committed); err != nil {
			t.Fatal(err)
		}
		return
	}
	fresh := t.TempDir()
	if err := WriteDocs(fresh); err != nil {
		t.Fatal(err)
	}
	want, _ := filepath.Glob(filepath.Join(fresh, "*.md"))
	have, _ := filepath.Glob(filepath.Join(committed, "*.md"))
	if len(want) != len(have) {
		t.Errorf("docs/cli has %d pages, the command tree %d: run `make docs`", len(have), len(want))
	}
	for _, w := range want {
		name := filepath.Base(w)
		gen, _ := os.ReadFile(w)
		cur, err := os.ReadFile(filepath.Join(committed, name))
		if err != nil || string(cur) != string(gen) {
			t.Errorf("docs/cli/%s is stale: run `make docs`", name)
		}
	}
}

// WriteDocs (kept in a test file, out of the binary) writes one Markdown page per command into dir (docs/cli).
func WriteDocs(dir string) error {
	root := NewCmdRoot(&cmdutil.Factory{IO: &cmdutil.IOStreams{Out: os.Stdout, ErrOut: os.Stderr}})
	root.DisableAutoGenTag = true
	root.InitDefaultCompletionCmd()
	if err := doc.GenMarkdownTree(root, dir); err != nil {
		return err
	}
	// Help topics (lakectl help exit-codes) have no page of their own in
	// cobra's generator.
	for _, c := range root.Commands() {
		if c.IsAdditionalHelpTopicCommand() {
			page := "## lakectl help " + c.Name() + "\n\n" + c.Short + "\n\n```\n" + c.Long + "\n```\n"
			if err := os.WriteFile(filepath.Join(dir, "lakectl_help_"+c.Name()+".md"), []byte(page), 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}
