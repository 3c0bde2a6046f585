package metrics

import (
	"os"
	"strings"
	"testing"
)

// TestDocsNameEveryColumn: docs/metrics.md documents every column of the
// snapshot tables, so that a column added here is documented there.
func TestDocsNameEveryColumn(t *testing.T) {
	doc, err := os.ReadFile("../../docs/metrics.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, cols := range [][]string{TableColumnNames(), DatabaseColumnNames()} {
		for _, c := range cols {
			if !strings.Contains(string(doc), "| `"+c+"` |") {
				t.Errorf("docs/metrics.md has no row for the column %s", c)
			}
		}
	}
}
