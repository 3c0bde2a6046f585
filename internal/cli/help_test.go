package cli

import (
	"strings"
	"testing"
)

// TestRootHelpNamesOnlyWhatExists: the root help does not promise the
// commands the design plans (ingest, metrics, search) before they exist,
// and it names every command that does.
func TestRootHelpNamesOnlyWhatExists(t *testing.T) {
	root := newTree()
	long := strings.ToLower(root.Long)
	for _, planned := range []string{"ingest", "metrics", "search"} {
		if c, _, err := root.Find([]string{planned}); strings.Contains(long, planned) && (err != nil || c == root) {
			t.Errorf("the root help speaks of %q, and there is no 'lakectl %s'", planned, planned)
		}
	}
	for word, command := range map[string]string{"crawl": "crawl", "convert": "convert", "profile": "validate", "check": "validate", "compare": "validate", "repair": "table"} {
		if !strings.Contains(long, word) {
			t.Errorf("the root help does not say what 'lakectl %s' does (%q)", command, word)
		}
	}
}
