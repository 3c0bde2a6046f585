package validate

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

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
	where     string         // file:line:column, for messages
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

// ruleSpec says what a rule takes and asserts by default.
type ruleSpec struct {
	columns   string // "one", "many" or "none"
	assertion string // default assertion; "" = required
	numeric   bool   // needs a numeric column
}

// ruleSpecs are the rules lakectl knows, named as Deequ's checks.
var ruleSpecs = map[string]ruleSpec{
	"hasSize":                      {columns: "none"},
	"isComplete":                   {columns: "one", assertion: "== 1"},
	"hasCompleteness":              {columns: "one"},
	"areComplete":                  {columns: "many", assertion: "== 1"},
	"haveCompleteness":             {columns: "many"},
	"isUnique":                     {columns: "one", assertion: "== 1"},
	"hasUniqueness":                {columns: "many"},
	"isPrimaryKey":                 {columns: "many", assertion: "== 1"},
	"hasDistinctness":              {columns: "many"},
	"hasUniqueValueRatio":          {columns: "many"},
	"hasNumberOfDistinctValues":    {columns: "one"},
	"hasMin":                       {columns: "one", numeric: true},
	"hasMax":                       {columns: "one", numeric: true},
	"hasMean":                      {columns: "one", numeric: true},
	"hasSum":                       {columns: "one", numeric: true},
	"hasStandardDeviation":         {columns: "one", numeric: true},
	"hasMinLength":                 {columns: "one"},
	"hasMaxLength":                 {columns: "one"},
	"isNonNegative":                {columns: "one", assertion: "== 1"},
	"isPositive":                   {columns: "one", assertion: "== 1"},
	"isContainedIn":                {columns: "one", assertion: "== 1"},
	"hasPattern":                   {columns: "one", assertion: "== 1"},
	"containsEmail":                {columns: "one", assertion: "== 1"},
	"containsURL":                  {columns: "one", assertion: "== 1"},
	"containsCreditCardNumber":     {columns: "one", assertion: "== 1"},
	"containsSocialSecurityNumber": {columns: "one", assertion: "== 1"},
	"hasDataType":                  {columns: "one", assertion: "== 1"},
}

// Deequ's patterns for the contains* rules.
var containsPatterns = map[string]*regexp.Regexp{
	"containsEmail":                regexp.MustCompile(`(?i)(?:[a-z0-9!#$%&'*+/=?^_{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_{|}~-]+)*|"(?:[\x01-\x08\x0b\x0c\x0e-\x1f\x21\x23-\x5b\x5d-\x7f]|\\[\x01-\x09\x0b\x0c\x0e-\x7f])*")@(?:(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)`),
	"containsURL":                  regexp.MustCompile(`(https?|ftp)://[^\s/$.?#].[^\s]*`),
	"containsCreditCardNumber":     regexp.MustCompile(`\b(?:3[47]\d{2}([\ \-]?)\d{6}([\ \-]?)\d|(?:(?:4\d|5[1-5]|65)\d{2}|6011)([\ \-]?)\d{4}([\ \-]?)\d{4}([\ \-]?)\d{4})\b`),
	"containsSocialSecurityNumber": regexp.MustCompile(`\b(?:\d{3}-\d{2}-\d{4})\b`),
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
	var ruleNode *yaml.Node
	var assertion string
	for i := 0; i < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if _, ok := ruleSpecs[k.Value]; ok {
			if ruleNode != nil {
				return c, fail(k, "two rules (%s and %s) in one constraint", c.Rule, k.Value)
			}
			c.Rule, ruleNode, c.where = k.Value, v, at(k)
			continue
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
	spec := ruleSpecs[c.Rule]
	switch spec.columns {
	case "none":
		c.Size = true
		assertion = ruleNode.Value
	case "one":
		if ruleNode.Kind != yaml.ScalarNode || ruleNode.Value == "" {
			return c, fail(ruleNode, "%s takes one column", c.Rule)
		}
		c.Columns = []string{strings.ToLower(ruleNode.Value)}
	case "many":
		switch ruleNode.Kind {
		case yaml.ScalarNode:
			c.Columns = []string{strings.ToLower(ruleNode.Value)}
		case yaml.SequenceNode:
			for _, e := range ruleNode.Content {
				c.Columns = append(c.Columns, strings.ToLower(e.Value))
			}
		}
		if len(c.Columns) == 0 {
			return c, fail(ruleNode, "%s takes a column or a list of columns", c.Rule)
		}
	}
	if assertion == "" {
		assertion = spec.assertion
	}
	if assertion == "" {
		return c, fail(ruleNode, "%s needs an assertion, e.g. assertion: \">= 0.95\"", c.Rule)
	}
	a, err := parseAssertion(assertion)
	if err != nil {
		return c, fail(ruleNode, "%v", err)
	}
	c.Assertion = a
	switch {
	case c.Rule == "isContainedIn" && c.Values == nil && c.Lower == nil && c.Upper == nil:
		return c, fail(ruleNode, "isContainedIn needs values: [...] or lower/upper")
	case c.Rule == "hasPattern" && c.Pattern == nil:
		return c, fail(ruleNode, "hasPattern needs pattern:")
	case c.Rule == "hasDataType" && c.Type == "":
		return c, fail(ruleNode, "hasDataType needs type:")
	}
	if p, ok := containsPatterns[c.Rule]; ok {
		c.Pattern = p
	}
	return c, nil
}

// suggestRule names the closest known rule to a misspelt one.
func suggestRule(s string) string {
	best, dist := "", 4
	names := make([]string, 0, len(ruleSpecs))
	for n := range ruleSpecs {
		names = append(names, n)
	}
	sort.Strings(names)
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

// String names a constraint as Deequ prints it.
func (c Constraint) String() string {
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
