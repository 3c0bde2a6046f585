package validate

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var updateDocs = flag.Bool("update", false, "rewrite the rules table in docs/validate.md")

const rulesDoc = "../../docs/validate.md"

// Every rule of the table can be parsed, evaluated and explained.
func TestRuleTableIsComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range RuleTable {
		if seen[r.Name] {
			t.Errorf("%s: defined twice", r.Name)
		}
		seen[r.Name] = true
		if strings.TrimSpace(r.Metric) == "" {
			t.Errorf("%s: no help", r.Name)
		}
		if (r.holds == nil) == (r.metric == nil) {
			t.Errorf("%s: want exactly one of holds and metric", r.Name)
		}
		if r.counts && r.metric == nil {
			t.Errorf("%s: counts values but has no metric of them", r.Name)
		}
		for _, o := range append(r.Options, r.Requires...) {
			if _, ok := optionTypes[o]; !ok || o == "assertion" {
				t.Errorf("%s: option %q is not one of optionTypes", r.Name, o)
			}
		}
		if r.Assertion != "" {
			if _, err := parseAssertion(r.Assertion); err != nil {
				t.Errorf("%s: default assertion: %v", r.Name, err)
			}
		}
		if !strings.Contains(RulesHelp(), "  "+r.Name+"  ") {
			t.Errorf("%s: not in the help", r.Name)
		}
	}
}

// docs/validate.md's rules table is the table's (go test -update rewrites it).
func TestRulesAreDocumented(t *testing.T) {
	doc, err := os.ReadFile(rulesDoc)
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- rules table: generated from validate.RuleTable -->\n", "<!-- end of rules table -->\n"
	before, rest, ok1 := strings.Cut(string(doc), begin)
	_, after, ok2 := strings.Cut(rest, end)
	if !ok1 || !ok2 {
		t.Fatalf("%s lacks the markers %q and %q", rulesDoc, begin, end)
	}
	want := before + begin + RulesMarkdown() + end + after
	if *updateDocs {
		if err := os.WriteFile(rulesDoc, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if string(doc) != want {
		t.Errorf("%s's rules table differs from validate.RuleTable: run go test ./internal/validate -run TestRulesAreDocumented -update", rulesDoc)
	}
	for _, r := range RuleTable {
		if !strings.Contains(string(doc), "| "+r.Name+" |") {
			t.Errorf("%s is not documented", r.Name)
		}
	}
}

// A constraint written as YAML reads back as the same constraint.
func TestConstraintYAMLRoundTrip(t *testing.T) {
	lo, hi := -1.5, 10.0
	in := []Constraint{
		NewConstraint("isComplete", "id"),
		{Rule: "hasSize", Assertion: Assertion{">=", 3}},
		{Rule: "hasCompleteness", Columns: []string{"a b"}, Assertion: Assertion{">=", 0.66}},
		{Rule: "isPrimaryKey", Columns: []string{"id", "region"}, Assertion: Assertion{"==", 1}},
		{Rule: "isContainedIn", Columns: []string{"v"}, Values: []string{"a: b", "- d", "null", "7"}, Assertion: Assertion{"==", 1}},
		{Rule: "isContainedIn", Columns: []string{"v"}, Lower: &lo, Upper: &hi, Assertion: Assertion{">=", 0.9}},
		{Rule: "hasDataType", Columns: []string{"v"}, Type: Numeric, Assertion: Assertion{"==", 1}},
	}
	var b strings.Builder
	b.WriteString("checks:\n  - constraints:\n")
	for _, c := range in {
		lines := strings.Split(c.YAML(), "\n")
		b.WriteString("      - " + lines[0] + "\n")
		for _, l := range lines[1:] {
			b.WriteString("        " + l + "\n")
		}
	}
	rules, err := ParseRules("r.yaml", []byte(b.String()))
	if err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	for i, c := range rules.Checks[0].Constraints {
		if c.String() != in[i].String() {
			t.Errorf("%s reads back as %s", in[i], c)
		}
	}
}
