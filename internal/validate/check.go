package validate

import (
	"context"
	"encoding/xml"
	"fmt"
	"hash/maphash"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/dataset"
)

// Statuses of constraints, checks and a run.
const (
	Success = "Success"
	Failure = "Failure"
	Warning = "Warning"
	Error   = "Error"
)

// CheckReport is the result of checking data against rules.
type CheckReport struct {
	Source           string        `json:"source"`
	Rows             int64         `json:"numRecords"`
	MalformedRecords int64         `json:"malformedRecords"`
	Status           string        `json:"status"` // Success, Warning or Error
	Checks           []CheckResult `json:"checks"`
}

// CheckResult is one check's outcome.
type CheckResult struct {
	Description string             `json:"description"`
	Level       string             `json:"level"`
	Status      string             `json:"status"`
	Constraints []ConstraintResult `json:"constraints"`
}

// ConstraintResult is one constraint's outcome: the metric and why.
type ConstraintResult struct {
	Constraint string  `json:"constraint"`
	Status     string  `json:"status"`
	Metric     *Double `json:"metric,omitempty"`
	Message    string  `json:"message,omitempty"`
}

// Failed reports whether an error-level check failed.
func (r *CheckReport) Failed() bool { return r.Status == Error }

// Check runs the rules over the input in one pass.
func CheckInput(ctx context.Context, in dataset.Input, rules *Rules, workers int) (*CheckReport, error) {
	t := in.Table
	all := append(slices.Clone(t.StorageDescriptor.Columns), t.PartitionKeys...)
	colIndex := map[string]int{}
	var pick []int
	var names []string
	for _, chk := range rules.Checks {
		for _, c := range chk.Constraints {
			for _, col := range c.Columns {
				if _, ok := colIndex[col]; ok {
					continue
				}
				i := slices.IndexFunc(all, func(x catalog.Column) bool { return x.Name == col })
				if i < 0 {
					var known []string
					for _, x := range all {
						known = append(known, x.Name)
					}
					return nil, catalog.Invalidf("%s: %s: no column %q in %s (columns: %s)", c.where, c.Rule, col, in.Name(), strings.Join(known, ", "))
				}
				colIndex[col] = len(pick)
				pick = append(pick, i)
				names = append(names, col)
			}
		}
	}
	typed := columnTypes(t, pick)
	// Numeric rules on typed string columns are a mistake in the rules.
	for _, chk := range rules.Checks {
		for _, c := range chk.Constraints {
			if ruleSpecs[c.Rule].numeric && typed[colIndex[c.Columns[0]]] == String {
				return nil, catalog.Invalidf("%s: %s needs numbers, but column %s is a string column", c.where, c.Rule, c.Columns[0])
			}
		}
	}
	seed := maphash.MakeSeed()
	var cons []*Constraint
	for ci := range rules.Checks {
		for k := range rules.Checks[ci].Constraints {
			cons = append(cons, &rules.Checks[ci].Constraints[k])
		}
	}
	newSink := func() Sink { return newCheckSink(names, typed, cons, colIndex, seed) }
	merged, st, err := scanInput(ctx, in, pick, workers, newSink)
	if err != nil {
		return nil, err
	}
	if merged == nil {
		merged = newSink()
	}
	sink := merged.(*checkSink)
	profile := sink.profile.Result(in.Name())
	rep := &CheckReport{Source: in.Name(), Rows: sink.rows, MalformedRecords: st.malformed.Load(), Status: Success}
	k := 0
	for _, chk := range rules.Checks {
		cr := CheckResult{Description: chk.Description, Level: chk.Level, Status: Success}
		for range chk.Constraints {
			res := sink.evaluate(k, profile, colIndex)
			k++
			if res.Status == Failure {
				cr.Status = Error
				if chk.Level == "warning" {
					cr.Status = Warning
				}
			}
			cr.Constraints = append(cr.Constraints, res)
		}
		switch {
		case cr.Status == Error:
			rep.Status = Error
		case cr.Status == Warning && rep.Status == Success:
			rep.Status = Warning
		}
		rep.Checks = append(rep.Checks, cr)
	}
	return rep, nil
}

// constraintAcc counts what one constraint needs beyond the profile.
type constraintAcc struct {
	c         *Constraint
	cols      []int
	satisfied int64            // rows satisfying a predicate
	counts    map[uint64]int64 // value (combination) hash → rows
	keyed     int64            // rows counted in counts
}

type checkSink struct {
	rows    int64
	profile *Profiler
	accs    []*constraintAcc
	seed    maphash.Seed
}

func newCheckSink(names, typed []string, cons []*Constraint, colIndex map[string]int, seed maphash.Seed) *checkSink {
	s := &checkSink{profile: NewProfiler(names, typed, false), seed: seed}
	for _, c := range cons {
		a := &constraintAcc{c: c}
		for _, col := range c.Columns {
			a.cols = append(a.cols, colIndex[col])
		}
		switch c.Rule {
		case "isUnique", "hasUniqueness", "isPrimaryKey", "hasDistinctness", "hasUniqueValueRatio", "hasNumberOfDistinctValues":
			a.counts = map[uint64]int64{}
		}
		s.accs = append(s.accs, a)
	}
	return s
}

// valueText is a value as text ("" and false for a null).
func valueText(v Value) (string, bool) {
	switch v.Kind {
	case KindNull:
		return "", false
	case KindText, KindString, KindTime, KindDate:
		return v.Text(), true
	case KindIntegral:
		return strconv.FormatInt(v.I, 10), true
	case KindFractional:
		return formatFloat(v.F), true
	}
	return strconv.FormatBool(v.B), true
}

// number is a value as a number, if it is one.
func number(v Value) (float64, bool) {
	switch v.Kind {
	case KindIntegral:
		return float64(v.I), true
	case KindFractional:
		return v.F, true
	case KindText:
		if t := InferText(v.S); t == Integral || t == Fractional {
			f, err := strconv.ParseFloat(stripSpace(v.S), 64)
			return f, err == nil
		}
	}
	return 0, false
}

func (s *checkSink) Add(row []Value) {
	s.rows++
	s.profile.Add(row)
	for _, a := range s.accs {
		if len(a.cols) == 0 {
			continue // hasSize: the row count is all it needs
		}
		c := a.c
		v := row[a.cols[0]]
		switch c.Rule {
		case "areComplete", "haveCompleteness":
			all := true
			for _, i := range a.cols {
				all = all && row[i].Kind != KindNull
			}
			if all {
				a.satisfied++
			}
		case "isNonNegative", "isPositive":
			if v.Kind == KindNull {
				a.satisfied++ // Deequ coalesces nulls: they pass
			} else if f, ok := number(v); ok && (f >= 0 && c.Rule == "isNonNegative" || f > 0 || math.IsNaN(f)) {
				a.satisfied++ // Spark orders NaN above every value: NaN > 0
			}
		case "isContainedIn":
			switch text, ok := valueText(v); {
			case !ok:
				a.satisfied++ // null passes
			case c.Values != nil:
				if slices.Contains(c.Values, text) {
					a.satisfied++
				}
			default:
				if f, isNum := number(v); isNum && (c.Lower == nil || f >= *c.Lower) && (c.Upper == nil || f <= *c.Upper) {
					a.satisfied++
				}
			}
		case "hasPattern", "containsEmail", "containsURL", "containsCreditCardNumber", "containsSocialSecurityNumber":
			if text, ok := valueText(v); ok && c.Pattern.MatchString(text) {
				a.satisfied++ // a null does not match
			}
		}
		if a.counts != nil {
			var h maphash.Hash
			h.SetSeed(s.seed)
			nonNull := false
			for _, i := range a.cols {
				text, ok := valueText(row[i])
				if ok {
					nonNull = true
					h.WriteByte(1)
					h.WriteString(text)
				} else {
					h.WriteByte(0)
				}
				h.WriteByte(0x1f)
			}
			// Uniqueness and distinctness look at rows with a non-null
			// value; hasNumberOfDistinctValues counts null as a value.
			if nonNull || c.Rule == "hasNumberOfDistinctValues" {
				a.counts[h.Sum64()]++
				a.keyed++
			}
		}
	}
}

func (s *checkSink) Merge(other Sink) {
	o := other.(*checkSink)
	s.rows += o.rows
	s.profile.Merge(o.profile)
	for i, a := range s.accs {
		b := o.accs[i]
		a.satisfied += b.satisfied
		a.keyed += b.keyed
		for k, n := range b.counts {
			a.counts[k] += n
		}
	}
}

// evaluate computes constraint k's metric and compares it.
func (s *checkSink) evaluate(k int, p *Profile, colIndex map[string]int) ConstraintResult {
	a := s.accs[k]
	c := a.c
	res := ConstraintResult{Constraint: c.String()}
	ratio := func(n int64) float64 {
		if s.rows == 0 {
			return 1 // nothing to violate
		}
		return float64(n) / float64(s.rows)
	}
	var metric float64
	var col *ColumnProfile
	if len(c.Columns) > 0 {
		col = &p.Columns[colIndex[c.Columns[0]]]
	}
	numeric := func(f *Double) bool {
		if f == nil {
			res.Status = Failure
			res.Message = fmt.Sprintf("column %s is %s: %s needs numbers", c.Columns[0], col.DataType, c.Rule)
			return false
		}
		metric = float64(*f)
		return true
	}
	switch c.Rule {
	case "hasSize":
		metric = float64(s.rows)
	case "isComplete", "hasCompleteness":
		metric = col.Completeness
		if s.rows == 0 {
			metric = 1
		}
	case "areComplete", "haveCompleteness", "isNonNegative", "isPositive", "isContainedIn",
		"hasPattern", "containsEmail", "containsURL", "containsCreditCardNumber", "containsSocialSecurityNumber":
		metric = ratio(a.satisfied)
	case "isUnique", "hasUniqueness", "isPrimaryKey", "hasUniqueValueRatio", "hasDistinctness":
		once := int64(0)
		for _, n := range a.counts {
			if n == 1 {
				once++
			}
		}
		switch c.Rule {
		case "hasDistinctness":
			metric = div(int64(len(a.counts)), a.keyed)
		case "hasUniqueValueRatio":
			metric = div(once, int64(len(a.counts)))
		default:
			metric = div(once, a.keyed)
			if c.Rule == "isPrimaryKey" || c.Rule == "isUnique" {
				if dup := a.keyed - once; dup > 0 {
					res.Message = fmt.Sprintf("%d rows share their value with another row", dup)
				}
			}
		}
	case "hasNumberOfDistinctValues":
		metric = float64(len(a.counts))
	case "hasMin":
		if !numeric(col.Minimum) {
			return res
		}
	case "hasMax":
		if !numeric(col.Maximum) {
			return res
		}
	case "hasMean":
		if !numeric(col.Mean) {
			return res
		}
	case "hasSum":
		if !numeric(col.Sum) {
			return res
		}
	case "hasStandardDeviation":
		if !numeric(col.StdDev) {
			return res
		}
	case "hasMinLength", "hasMaxLength":
		l := col.MinLength
		if c.Rule == "hasMaxLength" {
			l = col.MaxLength
		}
		if l == nil {
			res.Status, res.Message = Failure, fmt.Sprintf("column %s is %s: %s needs strings", c.Columns[0], col.DataType, c.Rule)
			return res
		}
		metric = float64(*l)
	case "hasDataType":
		if !col.IsDataTypeInferred {
			metric = 0
			if col.DataType == c.Type || c.Type == Numeric && (col.DataType == Integral || col.DataType == Fractional) {
				metric = 1
			}
		} else {
			known := s.rows - col.TypeCounts[Unknown]
			n := col.TypeCounts[c.Type]
			if c.Type == Numeric {
				n = col.TypeCounts[Integral] + col.TypeCounts[Fractional]
			}
			metric = div(n, known)
			if c.Type == Unknown {
				metric = div(col.TypeCounts[Unknown], s.rows)
			}
		}
	}
	// A NaN metric (a column holding NaN) meets no assertion but !=, as
	// in Deequ, whose assertions are Scala comparisons.
	m := Double(metric)
	res.Metric = &m
	res.Status = Success
	if !c.Assertion.holds(metric) {
		res.Status = Failure
		msg := fmt.Sprintf("value %s does not meet %s", m.Text(6), c.Assertion)
		if res.Message != "" {
			msg += ": " + res.Message
		}
		res.Message = msg
	} else {
		res.Message = ""
	}
	return res
}

func div(a, b int64) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// JUnit renders the report as JUnit XML: a test suite per check, a test
// case per constraint; failed constraints of error-level checks are
// failures, of warning-level checks skipped test cases with the message.
func (r *CheckReport) JUnit() ([]byte, error) {
	type failure struct {
		Message string `xml:"message,attr"`
		Text    string `xml:",chardata"`
	}
	type skipped struct {
		Message string `xml:"message,attr"`
	}
	type testcase struct {
		Name      string   `xml:"name,attr"`
		Classname string   `xml:"classname,attr"`
		Failure   *failure `xml:"failure,omitempty"`
		Skipped   *skipped `xml:"skipped,omitempty"`
	}
	type testsuite struct {
		Name     string     `xml:"name,attr"`
		Tests    int        `xml:"tests,attr"`
		Failures int        `xml:"failures,attr"`
		Skipped  int        `xml:"skipped,attr"`
		Cases    []testcase `xml:"testcase"`
	}
	type testsuites struct {
		XMLName  xml.Name    `xml:"testsuites"`
		Name     string      `xml:"name,attr"`
		Tests    int         `xml:"tests,attr"`
		Failures int         `xml:"failures,attr"`
		Suites   []testsuite `xml:"testsuite"`
	}
	out := testsuites{Name: "lakectl validate check " + r.Source}
	for i, chk := range r.Checks {
		name := chk.Description
		if name == "" {
			name = fmt.Sprintf("check %d", i+1)
		}
		s := testsuite{Name: name}
		for _, c := range chk.Constraints {
			tc := testcase{Name: c.Constraint, Classname: r.Source}
			if c.Status == Failure {
				if chk.Level == "warning" {
					tc.Skipped = &skipped{Message: "warning: " + c.Message}
					s.Skipped++
				} else {
					tc.Failure = &failure{Message: c.Message, Text: c.Constraint + ": " + c.Message}
					s.Failures++
				}
			}
			s.Cases = append(s.Cases, tc)
			s.Tests++
		}
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Suites = append(out.Suites, s)
	}
	b, err := xml.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(b, '\n')...), nil
}
