package validate

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/lakectl/lakectl/internal/dataset"
)

// Suggestion is a constraint proposed from a profile, with why.
type Suggestion struct {
	Column string `json:"column"`
	Rule   string `json:"rule"`
	// Constraint is the rule as it appears in a rules file (YAML lines).
	Constraint string `json:"constraint"`
	Reason     string `json:"reason"`
}

// SuggestInput profiles the input and suggests constraints from it.
func SuggestInput(ctx context.Context, in dataset.Input, opts ProfileOptions) (*Profile, []Suggestion, error) {
	p, err := ProfileInput(ctx, in, opts)
	if err != nil {
		return nil, nil, err
	}
	sug := Suggest(p)
	// isUnique suggested from an estimate of the distinct values: keep it
	// only if an exact count over those columns finds no duplicate.
	var guessed []int
	rules := &Rules{Checks: []Check{{Level: "error"}}}
	for i, s := range sug {
		if c := p.Column(s.Column); s.Rule == "isUnique" && !c.DistinctIsExact {
			guessed = append(guessed, i)
			rules.Checks[0].Constraints = append(rules.Checks[0].Constraints, NewConstraint("isUnique", s.Column))
		}
	}
	if len(guessed) == 0 {
		return p, sug, nil
	}
	rep, err := CheckInput(ctx, in, rules, CheckOptions{Workers: opts.Workers, Progress: opts.Progress})
	if err != nil {
		return nil, nil, err
	}
	drop := map[int]bool{}
	for k, i := range guessed {
		drop[i] = rep.Checks[0].Constraints[k].Status != Success
	}
	var kept []Suggestion
	for i, s := range sug {
		if !drop[i] {
			kept = append(kept, s)
		}
	}
	return p, kept, nil
}

// Suggest applies Deequ's constraint suggestion rules to a profile.
func Suggest(p *Profile) []Suggestion {
	var out []Suggestion
	add := func(c Constraint, reason string) {
		out = append(out, Suggestion{Column: c.Columns[0], Rule: c.Rule, Constraint: c.YAML(), Reason: reason})
	}
	for _, c := range p.Columns {
		switch {
		case c.Completeness == 1:
			add(NewConstraint("isComplete", c.Column), "every value is present")
		case c.Completeness > 0.2 && c.Completeness < 1:
			// The lower bound of a 95% (Wald) confidence interval, floored
			// to 2 decimals (Deequ's RetainCompletenessRule).
			n := float64(p.Rows)
			bound := c.Completeness - 1.96*math.Sqrt(c.Completeness*(1-c.Completeness)/n)
			con := Constraint{Rule: "hasCompleteness", Columns: []string{c.Column}, Assertion: Assertion{">=", math.Floor(bound*100) / 100}}
			add(con, fmt.Sprintf("completeness is %.4g; keep it above the lower bound of its 95%% confidence interval", c.Completeness))
		}
		if c.IsDataTypeInferred && (c.DataType == Integral || c.DataType == Fractional || c.DataType == Boolean) {
			// A Fractional column holds whole numbers too (Deequ would
			// suggest Fractional, which such a column fails): Numeric.
			con := NewConstraint("hasDataType", c.Column)
			con.Type = c.DataType
			if con.Type == Fractional {
				con.Type = Numeric
			}
			add(con, "every value is "+con.Type)
		}
		if len(c.Histogram) > 0 && (c.DataType == String || c.DataType == Integral) {
			var values []string
			once := 0
			for _, h := range c.Histogram {
				if h.Value == NullValue {
					continue
				}
				values = append(values, h.Value)
				if h.Count == 1 {
					once++
				}
			}
			if len(values) > 0 && float64(once)/float64(len(c.Histogram)) <= 0.1 {
				sort.Strings(values)
				con := NewConstraint("isContainedIn", c.Column)
				con.Values = values
				add(con, fmt.Sprintf("%d values, few of them seen only once: a categorical column", len(values)))
			}
		}
		if (c.DataType == Integral || c.DataType == Fractional) && c.Minimum != nil && *c.Minimum >= 0 {
			add(NewConstraint("isNonNegative", c.Column), "no value is negative")
		}
		// Deequ's rule fires within 8% of the rows, on its estimate. An
		// exact count says whether there is a duplicate; an estimate is
		// verified by SuggestInput.
		switch {
		case c.Completeness != 1 || p.Rows == 0:
		case c.DistinctIsExact && c.ApproxDistinct == p.Rows:
			add(NewConstraint("isUnique", c.Column), fmt.Sprintf("%d distinct values in %d rows", c.ApproxDistinct, p.Rows))
		case !c.DistinctIsExact && math.Abs(1-float64(c.ApproxDistinct)/float64(p.Rows)) <= 0.08:
			add(NewConstraint("isUnique", c.Column), fmt.Sprintf("about %d distinct values in %d rows, and no duplicate", c.ApproxDistinct, p.Rows))
		}
	}
	return out
}

// SuggestedRules writes suggestions as a rules file that check accepts.
func SuggestedRules(source string, s []Suggestion) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# Rules suggested by lakectl validate suggest for %s.\n", source)
	b.WriteString("# Review them: they describe the data as it is, not as it should be.\n")
	b.WriteString("checks:\n  - description: suggested\n    level: error\n    constraints:\n")
	for _, sg := range s {
		fmt.Fprintf(&b, "      # %s\n", sg.Reason)
		lines := strings.Split(sg.Constraint, "\n")
		fmt.Fprintf(&b, "      - %s\n", lines[0])
		for _, l := range lines[1:] {
			fmt.Fprintf(&b, "        %s\n", l)
		}
	}
	return []byte(b.String())
}

// yamlScalar quotes a value when YAML would read it as something else: a
// plain scalar here begins with a letter, digit or _ and holds no YAML
// indicator, control character or edge space.
func yamlScalar(s string) string {
	first, _ := utf8.DecodeRuneInString(s)
	if s == "" || !unicode.IsLetter(first) && !unicode.IsDigit(first) && first != '_' ||
		strings.ContainsAny(s, ":#[]{},&*!|>'\"%@`\\") || strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) && r != ' ' }) >= 0 ||
		s != strings.TrimSpace(s) || s == "true" || s == "false" || s == "null" || InferText(s) != String {
		return strconv.Quote(s)
	}
	return s
}
