package validate

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/internal/dataset"
)

const checkCSV = "id,amount,region,email\n1,9.50,eu,ann@example.com\n2,12,us,bob@example\n3,,eu,\n4,-1,eu,dee@example.com\n4,0,xx,eve@example.com\n"

const checkRules = `checks:
  - description: orders
    level: error
    constraints:
      - hasSize: "== 5"
      - isComplete: id
      - hasCompleteness: amount
        assertion: ">= 0.8"
      - isPrimaryKey: [id, region]
      - hasDistinctness: id
        assertion: "== 0.8"
      - hasUniqueValueRatio: id
        assertion: "== 0.75"
      - hasNumberOfDistinctValues: amount
        assertion: "== 5"
      - isContainedIn: amount
        lower: -1
        upper: 20
      - hasMin: amount
        assertion: ">= -1"
      - hasMean: amount
        assertion: "== 5.125"
      - hasDataType: id
        type: Integral
      - hasMaxLength: region
        assertion: "<= 2"
  - description: soft expectations
    level: warning
    constraints:
      - isUnique: id
      - isNonNegative: amount
      - isContainedIn: region
        values: [eu, us]
      - containsEmail: email
        assertion: ">= 0.6"
`

func runCheck(t *testing.T, rules string) *CheckReport {
	t.Helper()
	dir := writeFiles(t, map[string]string{"a.csv": checkCSV})
	r, err := ParseRules("rules.yaml", []byte(rules))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := CheckInput(t.Context(), dataset.Input{Table: table(dir, "csv", "id:bigint", "amount:double", "region:string", "email:string"), Store: openLocal}, r, CheckOptions{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestCheckSemantics(t *testing.T) {
	rep := runCheck(t, checkRules)
	if rep.Rows != 5 {
		t.Fatalf("rows %d", rep.Rows)
	}
	want := map[string]struct {
		status string
		metric float64
	}{
		"hasSize(== 5)":                           {Success, 5},
		"isComplete(id, == 1)":                    {Success, 1},
		"hasCompleteness(amount, >= 0.8)":         {Success, 0.8},
		"isPrimaryKey([id, region], == 1)":        {Success, 1},
		"hasDistinctness(id, == 0.8)":             {Success, 0.8},
		"hasUniqueValueRatio(id, == 0.75)":        {Success, 0.75},
		"hasNumberOfDistinctValues(amount, == 5)": {Success, 5}, // null counts as a value
		"isContainedIn(amount, -1..20, == 1)":     {Success, 1}, // null passes
		"hasMin(amount, >= -1)":                   {Success, -1},
		"hasMean(amount, == 5.125)":               {Success, 5.125},
		"hasDataType(id, Integral, == 1)":         {Success, 1},
		"hasMaxLength(region, <= 2)":              {Success, 2},
		"isUnique(id, == 1)":                      {Failure, 0.6},
		"isNonNegative(amount, == 1)":             {Failure, 0.8}, // -1 fails, null passes
		"isContainedIn(region, [eu, us], == 1)":   {Failure, 0.8},
		"containsEmail(email, >= 0.6)":            {Success, 0.6}, // bob@example has no dot; null does not match
	}
	seen := 0
	for _, chk := range rep.Checks {
		for _, c := range chk.Constraints {
			w, ok := want[c.Constraint]
			if !ok {
				t.Errorf("unexpected constraint %s", c.Constraint)
				continue
			}
			seen++
			if c.Status != w.status || c.Metric == nil || float64(*c.Metric) != w.metric {
				t.Errorf("%s: %s %v (%s), want %s %v", c.Constraint, c.Status, deref(c.Metric), c.Message, w.status, w.metric)
			}
		}
	}
	if seen != len(want) {
		t.Errorf("%d constraints reported, want %d", seen, len(want))
	}
	if rep.Checks[0].Status != Success || rep.Checks[1].Status != Warning || rep.Status != Warning || rep.Failed() {
		t.Errorf("statuses %s %s %s", rep.Checks[0].Status, rep.Checks[1].Status, rep.Status)
	}
	if msg := rep.Checks[1].Constraints[0].Message; !strings.Contains(msg, "2 rows share their value with another row") {
		t.Errorf("isUnique message %q", msg)
	}
}

func deref(f *Double) any {
	if f == nil {
		return nil
	}
	return *f
}

func TestCheckErrorLevelAndStringColumns(t *testing.T) {
	rep := runCheck(t, "checks:\n  - constraints:\n      - isComplete: amount\n      - hasMin: region\n        assertion: \">= 0\"\n")
	if !rep.Failed() || rep.Status != Error {
		t.Errorf("status %s", rep.Status)
	}
	c := rep.Checks[0].Constraints[1]
	if c.Status != Failure || c.Message != "column region is String: hasMin needs numbers" {
		t.Errorf("hasMin on a string column: %+v", c)
	}
	x, err := rep.JUnit()
	if err != nil {
		t.Fatal(err)
	}
	var parsed struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
	}
	if err := xml.Unmarshal(x, &parsed); err != nil || parsed.Tests != 2 || parsed.Failures != 2 {
		t.Errorf("JUnit %v %+v:\n%s", err, parsed, x)
	}
}

func TestRulesFileErrors(t *testing.T) {
	cases := map[string]string{
		"checks:\n  - constraints:\n      - hasCompletenes: id\n":                         `rules.yaml:3:9: unknown rule or option "hasCompletenes" (did you mean hasCompleteness?)`,
		"checks:\n  - constraints:\n      - hasCompleteness: id\n":                        `rules.yaml:3:26: hasCompleteness needs an assertion`,
		"checks:\n  - level: fatal\n    constraints:\n      - isComplete: id\n":           `rules.yaml:2:12: level "fatal": want error or warning`,
		"checks:\n  - constraints:\n      - isComplete: id\n        assertion: about 1\n": `assertion "about 1": want OP NUMBER`,
		"checks: [\n": `rules.yaml: yaml: line 1`,
		"checks:\n  - constraints:\n      - isContainedIn: region\n":                          `rules.yaml:3:24: isContainedIn needs values, lower or upper`,
		"checks:\n  - constraints:\n      - hasPattern: email\n":                              `rules.yaml:3:21: hasPattern needs pattern`,
		"checks:\n  - constraints:\n      - isComplete: id\n        values: [1]\n":            `rules.yaml:4:9: isComplete takes no values (its options: none)`,
		"checks:\n  - constraints:\n      - hasSize: \">= 1\"\n        assertion: \"== 1\"\n": `rules.yaml:4:9: hasSize takes no assertion`,
		"checks:\n  - constraints:\n      - isComplete: id\n        asertion: \"== 1\"\n":     `unknown rule or option "asertion" (did you mean assertion?)`,
	}
	for rules, want := range cases {
		_, err := ParseRules("rules.yaml", []byte(rules))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", rules, err, want)
		}
	}
	dir := writeFiles(t, map[string]string{"a.csv": checkCSV})
	r, _ := ParseRules("rules.yaml", []byte("checks:\n  - constraints:\n      - isComplete: nope\n"))
	_, err := CheckInput(t.Context(), dataset.Input{Table: table(dir, "csv", "id:bigint"), Store: openLocal}, r, CheckOptions{Workers: 1})
	if err == nil || !strings.Contains(err.Error(), `rules.yaml:3:9: isComplete: no column "nope"`) {
		t.Errorf("unknown column: %v", err)
	}
}
