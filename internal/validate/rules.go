package validate

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/lakectl/lakectl/internal/dataset"

	"gopkg.in/yaml.v3"
)

// Rules is a rules file: checks, each a list of constraints with a level.
//
//	checks:
//	  - description: orders are sound
//	    level: error            # or warning
//	    constraints:
//	      - isComplete: id
//	      - hasCompleteness: amount
//	        assertion: ">= 0.95"
//	      - isContainedIn: region
//	        values: [eu, us]
type Rules struct {
	Checks []Check
}

// WatchesHistory reports whether a rule compares with a metrics history
// (isNewestPointNonAnomalous).
func (r *Rules) WatchesHistory() bool {
	for _, chk := range r.Checks {
		for _, c := range chk.Constraints {
			if c.Strategy != nil {
				return true
			}
		}
	}
	return false
}

// Check is a group of constraints with a level.
type Check struct {
	Description string
	Level       string // error or warning
	Constraints []Constraint
}

// Constraint is one rule applied to columns.
type Constraint struct {
	Rule      string
	Columns   []string
	Assertion Assertion
	Values    []string // isContainedIn
	Lower     *float64 // isContainedIn as a range
	Upper     *float64
	Pattern   *regexp.Regexp // hasPattern
	Type      string         // hasDataType
	Size      bool           // hasSize: no column
	// Metric is what isNewestPointNonAnomalous watches (Size, Mean...),
	// Strategy how it judges the newest point against the history.
	Metric   string
	Strategy Strategy
	where    string // file:line:column, for messages
}

// Assertion compares a metric with a bound: >= 0.95, == 1, < 10.
type Assertion struct {
	Op    string
	Bound float64
}

func (a Assertion) holds(v float64) bool {
	switch a.Op {
	case "==":
		return v == a.Bound
	case "!=":
		return v != a.Bound
	case ">=":
		return v >= a.Bound
	case ">":
		return v > a.Bound
	case "<=":
		return v <= a.Bound
	case "<":
		return v < a.Bound
	}
	return false
}

func (a Assertion) String() string { return a.Op + " " + strconv.FormatFloat(a.Bound, 'g', -1, 64) }

var assertionRE = regexp.MustCompile(`^\s*(==|!=|>=|<=|>|<)\s*([-+]?[0-9.]+(?:[eE][-+]?\d+)?)\s*$`)

func parseAssertion(s string) (Assertion, error) {
	m := assertionRE.FindStringSubmatch(s)
	if m == nil {
		return Assertion{}, fmt.Errorf("assertion %q: want OP NUMBER with OP one of == != >= > <= <", s)
	}
	f, err := strconv.ParseFloat(m[2], 64)
	if err != nil {
		return Assertion{}, fmt.Errorf("assertion %q: %v", s, err)
	}
	return Assertion{Op: m[1], Bound: f}, nil
}

// Arity is how many columns a rule names.
type Arity int

const (
	NoColumn   Arity = iota // hasSize: "== 10"
	OneColumn               // isComplete: id
	ColumnList              // isPrimaryKey: [id, region], or one column
	MetricOf                // isNewestPointNonAnomalous: Size, or Mean(amount)
)

// Options a rule may take beside its columns, and what each one holds.
var optionTypes = map[string]string{
	"assertion": `OP NUMBER, OP one of == != >= > <= <`,
	"values":    "a list of values",
	"lower":     "a number",
	"upper":     "a number",
	"pattern":   "a regular expression (RE2 syntax)",
	"type":      "Integral, Fractional, Numeric, Boolean, String or Unknown",
	"strategy":  "AbsoluteChange, RelativeRateOfChange, SimpleThreshold or OnlineNormal",
	// The strategies' parameters, named as in Deequ.
	"maxRateDecrease":       "a number",
	"maxRateIncrease":       "a number",
	"order":                 "a whole number",
	"lowerBound":            "a number",
	"upperBound":            "a number",
	"lowerDeviationFactor":  "a number",
	"upperDeviationFactor":  "a number",
	"ignoreStartPercentage": "a number from 0 to 1",
	"ignoreAnomalies":       "true or false",
}

// Rule defines a check rule, named as Deequ's: what it takes, how its
// metric is computed, and its help. The rules parser, the evaluator,
// suggest and the help text all read RuleTable.
type Rule struct {
	Name    string
	Columns Arity
	// Options it takes beside assertion; Requires: at least one of these.
	Options  []string
	Requires []string
	// Assertion is the default; "" when the rules file must give one.
	Assertion string
	// Numeric rules need a numeric column; Strings a text one.
	Numeric bool
	// Metric says what is measured, in a line.
	Metric string
	// Saved is the name of the metric in a saved history, as Deequ names
	// it; "" when the rule's metric is not saved. byConstraint: the metric
	// is the constraint's own (Compliance of a predicate), its instance
	// the constraint.
	Saved        string
	byConstraint bool
	// pattern is matched by the contains* rules (Deequ's patterns).
	pattern *regexp.Regexp

	// One way to compute the metric: holds is a predicate on a row (the
	// metric: rows where it holds / rows); counts counts the values, or
	// combinations, exactly (countNull: null is a value); else metric
	// reads the column's profile.
	holds     func(c *Constraint, row []dataset.Value, cols []int) bool
	counts    bool
	countNull bool
	metric    func(m metricInput) (float64, string, error)
}

const yesOrNo = "== 1"

// RuleTable is the rules lakectl knows, in the order the help lists them.
var RuleTable = []*Rule{
	{Name: "hasSize", Saved: "Size", Columns: NoColumn, Metric: "rows (the rule's value is the assertion)", metric: sizeMetric},
	{Name: "isComplete", Saved: "Completeness", Columns: OneColumn, Assertion: yesOrNo, Metric: "completeness: non-null values / rows", metric: completenessMetric},
	{Name: "hasCompleteness", Saved: "Completeness", Columns: OneColumn, Metric: "completeness: non-null values / rows", metric: completenessMetric},
	{Name: "areComplete", Saved: "Compliance", byConstraint: true, Columns: ColumnList, Assertion: yesOrNo, Metric: "rows where all the columns are non-null / rows", holds: allPresent},
	{Name: "haveCompleteness", Saved: "Compliance", byConstraint: true, Columns: ColumnList, Metric: "rows where all the columns are non-null / rows", holds: allPresent},
	{Name: "isUnique", Saved: "Uniqueness", Columns: OneColumn, Assertion: yesOrNo, Metric: "values occurring exactly once / rows with a non-null value", counts: true, metric: uniquenessMetric},
	{Name: "hasUniqueness", Saved: "Uniqueness", Columns: ColumnList, Metric: "combinations occurring exactly once / rows where a column is non-null", counts: true, metric: uniquenessMetric},
	{Name: "isPrimaryKey", Saved: "Uniqueness", Columns: ColumnList, Assertion: yesOrNo, Metric: "combinations occurring exactly once / rows where a column is non-null", counts: true, metric: uniquenessMetric},
	{Name: "hasDistinctness", Saved: "Distinctness", Columns: ColumnList, Metric: "distinct values (combinations) / rows where a column is non-null", counts: true, metric: distinctnessMetric},
	{Name: "hasUniqueValueRatio", Saved: "UniqueValueRatio", Columns: ColumnList, Metric: "values occurring exactly once / distinct values", counts: true, metric: uniqueValueRatioMetric},
	{Name: "hasNumberOfDistinctValues", Saved: "CountDistinct", Columns: OneColumn, Metric: "distinct values, null counted as a value", counts: true, countNull: true, metric: distinctValuesMetric},
	{Name: "hasMin", Saved: "Minimum", Columns: OneColumn, Numeric: true, Metric: "the minimum (NaN only when every value is NaN)", metric: statMetric(func(c *ColumnProfile) *Double { return c.Minimum })},
	{Name: "hasMax", Saved: "Maximum", Columns: OneColumn, Numeric: true, Metric: "the maximum (NaN when a value is NaN)", metric: statMetric(func(c *ColumnProfile) *Double { return c.Maximum })},
	{Name: "hasMean", Saved: "Mean", Columns: OneColumn, Numeric: true, Metric: "the mean", metric: statMetric(func(c *ColumnProfile) *Double { return c.Mean })},
	{Name: "hasSum", Saved: "Sum", Columns: OneColumn, Numeric: true, Metric: "the sum", metric: statMetric(func(c *ColumnProfile) *Double { return c.Sum })},
	{Name: "hasStandardDeviation", Saved: "StandardDeviation", Columns: OneColumn, Numeric: true, Metric: "the population standard deviation", metric: statMetric(func(c *ColumnProfile) *Double { return c.StdDev })},
	{Name: "hasMinLength", Saved: "MinLength", Columns: OneColumn, Metric: "the shortest string's length (null as 0)", metric: lengthMetric(func(c *ColumnProfile) *int { return c.MinLength })},
	{Name: "hasMaxLength", Saved: "MaxLength", Columns: OneColumn, Metric: "the longest string's length", metric: lengthMetric(func(c *ColumnProfile) *int { return c.MaxLength })},
	{Name: "isNonNegative", Saved: "Compliance", byConstraint: true, Columns: OneColumn, Assertion: yesOrNo, Metric: "rows whose value is >= 0, null or NaN / rows", holds: signHolds(false)},
	{Name: "isPositive", Saved: "Compliance", byConstraint: true, Columns: OneColumn, Assertion: yesOrNo, Metric: "rows whose value is > 0, null or NaN / rows", holds: signHolds(true)},
	{Name: "isContainedIn", Saved: "Compliance", byConstraint: true, Columns: OneColumn, Options: []string{"values", "lower", "upper"}, Requires: []string{"values", "lower", "upper"}, Assertion: yesOrNo,
		Metric: "rows whose value is in values (or within lower..upper) or null / rows", holds: containedIn},
	{Name: "hasPattern", Saved: "PatternMatch", byConstraint: true, Columns: OneColumn, Options: []string{"pattern"}, Requires: []string{"pattern"}, Assertion: yesOrNo, Metric: "rows whose value contains a match of pattern / rows (null does not match)", holds: matches},
	{Name: "containsEmail", Saved: "PatternMatch", byConstraint: true, Columns: OneColumn, Assertion: yesOrNo, Metric: "rows whose value contains an e-mail address / rows", holds: matches,
		pattern: regexp.MustCompile(`(?i)(?:[a-z0-9!#$%&'*+/=?^_{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_{|}~-]+)*|"(?:[\x01-\x08\x0b\x0c\x0e-\x1f\x21\x23-\x5b\x5d-\x7f]|\\[\x01-\x09\x0b\x0c\x0e-\x7f])*")@(?:(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)`)},
	{Name: "containsURL", Saved: "PatternMatch", byConstraint: true, Columns: OneColumn, Assertion: yesOrNo, Metric: "rows whose value contains a URL / rows", holds: matches,
		pattern: regexp.MustCompile(`(https?|ftp)://[^\s/$.?#].[^\s]*`)},
	{Name: "containsCreditCardNumber", Saved: "PatternMatch", byConstraint: true, Columns: OneColumn, Assertion: yesOrNo, Metric: "rows whose value contains a credit card number / rows", holds: matches,
		pattern: regexp.MustCompile(`\b(?:3[47]\d{2}([\ \-]?)\d{6}([\ \-]?)\d|(?:(?:4\d|5[1-5]|65)\d{2}|6011)([\ \-]?)\d{4}([\ \-]?)\d{4}([\ \-]?)\d{4})\b`)},
	{Name: "containsSocialSecurityNumber", Saved: "PatternMatch", byConstraint: true, Columns: OneColumn, Assertion: yesOrNo, Metric: "rows whose value contains a US social security number / rows", holds: matches,
		pattern: regexp.MustCompile(`\b(?:\d{3}-\d{2}-\d{4})\b`)},
	{Name: "hasDataType", Saved: "DataType", byConstraint: true, Columns: OneColumn, Options: []string{"type"}, Requires: []string{"type"}, Assertion: yesOrNo,
		Metric: "values of the type / non-null values (a typed column: 1 or 0); Numeric is Integral or Fractional", metric: dataTypeMetric},
	{Name: "isNewestPointNonAnomalous", Columns: MetricOf, Options: anomalyOptions, Requires: []string{"strategy"},
		metric: watchedMetric}, // Metric: set once the table is made (it names the metrics)
}

// anomalyOptions are the options of isNewestPointNonAnomalous.
var anomalyOptions = []string{"strategy", "maxRateDecrease", "maxRateIncrease", "order", "lowerBound", "upperBound",
	"lowerDeviationFactor", "upperDeviationFactor", "ignoreStartPercentage", "ignoreAnomalies"}

// ruleNamed finds a rule by name, or nil.
func ruleNamed(name string) *Rule {
	i := slices.IndexFunc(RuleTable, func(r *Rule) bool { return r.Name == name })
	if i < 0 {
		return nil
	}
	return RuleTable[i]
}

// optionsText says which options the rule takes beside assertion.
func (r *Rule) optionsText() string {
	switch {
	case len(r.Options) == 0:
		return "none"
	case len(r.Requires) == 1:
		others := slices.DeleteFunc(slices.Clone(r.Options), func(o string) bool { return o == r.Requires[0] })
		return strings.Join(append([]string{r.Requires[0] + " (required)"}, others...), ", ")
	case len(r.Requires) > 1:
		return strings.Join(r.Options, ", ") + " (at least one)"
	}
	return strings.Join(r.Options, ", ")
}

// RulesHelp lists the rules for the command's help: a line each.
func RulesHelp() string {
	var b strings.Builder
	w := 0
	for _, r := range RuleTable {
		w = max(w, len(r.Name))
	}
	for _, r := range RuleTable {
		fmt.Fprintf(&b, "  %-*s  %s\n", w, r.Name, r.Metric)
		if len(r.Options) > 0 {
			fmt.Fprintf(&b, "  %-*s  options: %s\n", w, "", r.optionsText())
		}
	}
	return b.String()
}

// RulesMarkdown is the rules as the table in docs/validate.md.
func RulesMarkdown() string {
	var b strings.Builder
	b.WriteString("| rule | columns | options | assertion | metric |\n|---|---|---|---|---|\n")
	for _, r := range RuleTable {
		cols := map[Arity]string{NoColumn: "none", OneColumn: "one", ColumnList: "one or a list", MetricOf: "a metric's"}[r.Columns]
		a := "required"
		switch {
		case r.Columns == NoColumn:
			a = "the rule's value"
		case r.Columns == MetricOf:
			a = "none: the strategy judges"
		case r.Assertion != "":
			a = "`" + r.Assertion + "` by default"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", r.Name, cols, r.optionsText(), a, strings.ReplaceAll(r.Metric, "|", "\\|"))
	}
	b.WriteString("\nOptions: ")
	var opts []string
	for _, o := range slices.Sorted(maps.Keys(optionTypes)) {
		opts = append(opts, fmt.Sprintf("`%s` (%s)", o, optionTypes[o]))
	}
	b.WriteString(strings.Join(opts, "; ") + ".\n")
	return b.String()
}

// ParseRules reads a rules file. Errors name the file, line and column.
func ParseRules(name string, data []byte) (*Rules, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	at := func(n *yaml.Node) string { return fmt.Sprintf("%s:%d:%d", name, n.Line, n.Column) }
	fail := func(n *yaml.Node, format string, args ...any) error {
		return fmt.Errorf("%s: %s", at(n), fmt.Sprintf(format, args...))
	}
	if len(root.Content) == 0 {
		return nil, fmt.Errorf("%s: empty rules file: want a checks: list", name)
	}
	doc := root.Content[0]
	checksNode := mapValue(doc, "checks")
	if doc.Kind != yaml.MappingNode || checksNode == nil || checksNode.Kind != yaml.SequenceNode {
		return nil, fail(doc, "want a mapping with a checks: list")
	}
	rules := &Rules{}
	for _, cn := range checksNode.Content {
		if cn.Kind != yaml.MappingNode {
			return nil, fail(cn, "a check is a mapping (description, level, constraints)")
		}
		c := Check{Level: "error"}
		for i := 0; i < len(cn.Content); i += 2 {
			k, v := cn.Content[i], cn.Content[i+1]
			switch k.Value {
			case "description":
				c.Description = v.Value
			case "level":
				if v.Value != "error" && v.Value != "warning" {
					return nil, fail(v, "level %q: want error or warning", v.Value)
				}
				c.Level = v.Value
			case "constraints":
				if v.Kind != yaml.SequenceNode {
					return nil, fail(v, "constraints: want a list")
				}
				for _, item := range v.Content {
					con, err := parseConstraint(item, at, fail)
					if err != nil {
						return nil, err
					}
					c.Constraints = append(c.Constraints, con)
				}
			default:
				return nil, fail(k, "unknown key %q in a check (description, level, constraints)", k.Value)
			}
		}
		if len(c.Constraints) == 0 {
			return nil, fail(cn, "check %q has no constraints", c.Description)
		}
		rules.Checks = append(rules.Checks, c)
	}
	return rules, nil
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func parseConstraint(n *yaml.Node, at func(*yaml.Node) string, fail func(*yaml.Node, string, ...any) error) (Constraint, error) {
	if n.Kind != yaml.MappingNode {
		return Constraint{}, fail(n, "a constraint is a mapping such as {isComplete: id}")
	}
	var c Constraint
	var rule *Rule
	var ruleNode *yaml.Node
	var assertion string
	given := map[string]*yaml.Node{}
	strategy := map[string]*yaml.Node{} // isNewestPointNonAnomalous's options
	for i := 0; i < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if r := ruleNamed(k.Value); r != nil {
			if ruleNode != nil {
				return c, fail(k, "two rules (%s and %s) in one constraint", c.Rule, k.Value)
			}
			rule, c.Rule, ruleNode, c.where = r, k.Value, v, at(k)
			continue
		}
		if _, ok := optionTypes[k.Value]; ok {
			given[k.Value] = k
		}
		switch k.Value {
		case "assertion":
			assertion = v.Value
		case "values":
			if v.Kind != yaml.SequenceNode {
				return c, fail(v, "values: want a list")
			}
			for _, e := range v.Content {
				c.Values = append(c.Values, e.Value)
			}
		case "lower", "upper":
			f, err := strconv.ParseFloat(v.Value, 64)
			if err != nil {
				return c, fail(v, "%s %q: want a number", k.Value, v.Value)
			}
			if k.Value == "lower" {
				c.Lower = &f
			} else {
				c.Upper = &f
			}
		case "pattern":
			re, err := regexp.Compile(v.Value)
			if err != nil {
				return c, fail(v, "pattern: %v", err)
			}
			c.Pattern = re
		case "strategy", "maxRateDecrease", "maxRateIncrease", "order", "lowerBound", "upperBound",
			"lowerDeviationFactor", "upperDeviationFactor", "ignoreStartPercentage", "ignoreAnomalies":
			strategy[k.Value] = v
		case "type":
			if !slices.Contains([]string{Integral, Fractional, Numeric, Boolean, String, Unknown}, v.Value) {
				return c, fail(v, "type %q: want Integral, Fractional, Numeric, Boolean, String or Unknown", v.Value)
			}
			c.Type = v.Value
		default:
			return c, fail(k, "unknown rule or option %q%s", k.Value, suggestRule(k.Value))
		}
	}
	if ruleNode == nil {
		return c, fail(n, "no rule in this constraint")
	}
	for o, k := range given {
		if o != "assertion" && !slices.Contains(rule.Options, o) || o == "assertion" && (rule.Columns == NoColumn || rule.Columns == MetricOf) {
			return c, fail(k, "%s takes no %s (its options: %s)", c.Rule, o, rule.optionsText())
		}
	}
	if len(rule.Requires) > 0 && !slices.ContainsFunc(rule.Requires, func(o string) bool { return given[o] != nil }) {
		return c, fail(ruleNode, "%s needs %s", c.Rule, orList(rule.Requires))
	}
	switch rule.Columns {
	case NoColumn:
		c.Size = true
		assertion = ruleNode.Value
	case OneColumn:
		if ruleNode.Kind != yaml.ScalarNode || ruleNode.Value == "" {
			return c, fail(ruleNode, "%s takes one column", c.Rule)
		}
		c.Columns = []string{ruleNode.Value}
	case ColumnList:
		switch ruleNode.Kind {
		case yaml.ScalarNode:
			c.Columns = []string{ruleNode.Value}
		case yaml.SequenceNode:
			for _, e := range ruleNode.Content {
				c.Columns = append(c.Columns, e.Value)
			}
		}
		if len(c.Columns) == 0 {
			return c, fail(ruleNode, "%s takes a column or a list of columns", c.Rule)
		}
	case MetricOf:
		if err := parseWatched(&c, ruleNode); err != nil {
			return c, fail(ruleNode, "%s %v", c.Rule, err)
		}
		s, err := parseStrategy(strategy, fail)
		if err != nil {
			return c, err
		}
		c.Strategy = s
		return c, nil
	}
	if assertion == "" {
		assertion = rule.Assertion
	}
	if assertion == "" {
		return c, fail(ruleNode, "%s needs an assertion, e.g. assertion: \">= 0.95\"", c.Rule)
	}
	a, err := parseAssertion(assertion)
	if err != nil {
		return c, fail(ruleNode, "%v", err)
	}
	c.Assertion = a
	if rule.pattern != nil {
		c.Pattern = rule.pattern
	}
	return c, nil
}

// orList is "a", "a or b", "a, b or c".
func orList(xs []string) string {
	if len(xs) == 1 {
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}

// suggestRule names the closest known rule to a misspelt one.
func suggestRule(s string) string {
	best, dist := "", 4
	names := slices.Sorted(maps.Keys(optionTypes))
	for _, r := range RuleTable {
		names = append(names, r.Name)
	}
	for _, n := range names {
		if d := editDistance(strings.ToLower(s), strings.ToLower(n)); d < dist {
			best, dist = n, d
		}
	}
	if best == "" {
		return ""
	}
	return " (did you mean " + best + "?)"
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// NewConstraint is a constraint of a rule of RuleTable on columns, with the
// rule's default assertion (a programming error when there is none).
func NewConstraint(rule string, columns ...string) Constraint {
	r := ruleNamed(rule)
	a, err := parseAssertion(r.Assertion)
	if r == nil || err != nil {
		panic("validate: no rule " + rule + " with a default assertion")
	}
	return Constraint{Rule: rule, Columns: columns, Assertion: a}
}

// YAML writes the constraint as an item of a rules file's constraints
// (its lines, unindented), as ParseRules reads it back.
func (c Constraint) YAML() string {
	r := ruleNamed(c.Rule)
	var b strings.Builder
	b.WriteString(c.Rule + ": ")
	if c.Strategy != nil {
		watched := c.Metric
		if len(c.Columns) > 0 {
			watched += "(" + c.Columns[0] + ")"
		}
		b.WriteString(yamlScalar(watched) + strategyYAML(c.Strategy))
		return b.String()
	}
	switch {
	case r.Columns == NoColumn:
		b.WriteString(strconv.Quote(c.Assertion.String()))
	case len(c.Columns) == 1:
		b.WriteString(yamlScalar(c.Columns[0]))
	default:
		b.WriteString("[" + yamlList(c.Columns) + "]")
	}
	for _, o := range r.Options {
		switch {
		case o == "values" && c.Values != nil:
			b.WriteString("\nvalues: [" + yamlList(c.Values) + "]")
		case o == "lower" && c.Lower != nil:
			b.WriteString("\nlower: " + fmtBound(c.Lower))
		case o == "upper" && c.Upper != nil:
			b.WriteString("\nupper: " + fmtBound(c.Upper))
		case o == "pattern" && c.Pattern != nil:
			b.WriteString("\npattern: " + strconv.Quote(c.Pattern.String()))
		case o == "type" && c.Type != "":
			b.WriteString("\ntype: " + c.Type)
		}
	}
	if a := c.Assertion.String(); r.Columns != NoColumn && a != r.Assertion {
		b.WriteString("\nassertion: " + strconv.Quote(a))
	}
	return b.String()
}

func yamlList(xs []string) string {
	quoted := make([]string, len(xs))
	for i, x := range xs {
		quoted[i] = yamlScalar(x)
	}
	return strings.Join(quoted, ", ")
}

// String names a constraint as Deequ prints it.
func (c Constraint) String() string {
	if c.Strategy != nil {
		watched := c.Metric
		if len(c.Columns) > 0 {
			watched += "(" + c.Columns[0] + ")"
		}
		return fmt.Sprintf("%s(%s, %s)", c.Rule, watched, c.Strategy)
	}
	args := strings.Join(c.Columns, ", ")
	if len(c.Columns) > 1 {
		args = "[" + args + "]"
	}
	switch {
	case c.Values != nil:
		args += ", [" + strings.Join(c.Values, ", ") + "]"
	case c.Lower != nil || c.Upper != nil:
		args += fmt.Sprintf(", %v..%v", fmtBound(c.Lower), fmtBound(c.Upper))
	case c.Rule == "hasPattern":
		args += ", " + c.Pattern.String()
	case c.Type != "":
		args += ", " + c.Type
	}
	if args != "" {
		args += ", "
	}
	return fmt.Sprintf("%s(%s%s)", c.Rule, args, c.Assertion)
}

func fmtBound(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'g', -1, 64)
}
