package validate

import (
	"strings"
	"testing"
)

// FuzzParseRules: any bytes parse to rules or to an error naming the file;
// parsed rules name known rules, and an anomaly rule has its strategy and
// metric.
func FuzzParseRules(f *testing.F) {
	f.Add([]byte("checks:\n  - constraints:\n      - isComplete: id\n"))
	f.Add([]byte("checks:\n  - constraints:\n      - isNewestPointNonAnomalous: Size\n        strategy: RelativeRateOfChange\n        maxRateIncrease: 2\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rules, err := ParseRules("r.yaml", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "r.yaml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for _, chk := range rules.Checks {
			for _, c := range chk.Constraints {
				r := ruleNamed(c.Rule)
				if r == nil {
					t.Fatalf("unknown rule %q parsed", c.Rule)
				}
				if (r.Columns == MetricOf) != (c.Strategy != nil) {
					t.Fatalf("%s: strategy %v", c.Rule, c.Strategy)
				}
				if c.Strategy != nil && c.Metric != "Size" && (len(c.Columns) != 1 || !watchable(c.Metric)) {
					t.Fatalf("%s: watches %q of %v", c.Rule, c.Metric, c.Columns)
				}
				_ = c.String()
			}
		}
	})
}
