package validate

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"hash/maphash"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/dataset"
	"github.com/lakectl/lakectl/internal/progress"
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
	Source           string `json:"source"`
	Rows             int64  `json:"numRecords"`
	MalformedRecords int64  `json:"malformedRecords"`
	// MembersOutsideSchema and FilesSkipped, as in a profile: data the
	// checks did not see.
	MembersOutsideSchema map[string]int64      `json:"membersOutsideSchema,omitempty"`
	FilesSkipped         []dataset.SkippedFile `json:"filesSkipped,omitempty"`
	Status               string                `json:"status"` // Success, Warning or Error
	Checks               []CheckResult         `json:"checks"`
	// Metrics are the rules' metrics, as --save keeps them (each once).
	Metrics []Metric `json:"-"`
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

// CheckOptions configure a check.
type CheckOptions struct {
	Workers int
	// Progress is told of the files, rows and bytes read; nil when nobody
	// watches.
	Progress progress.Reporter
	// History is what anomaly rules compare with (nil: they fail, as
	// Deequ's do without previous results); Tags the run's tags, which a
	// point of the history must all have; Now the run's time.
	History *History
	Tags    map[string]string
	Now     time.Time
}

// CheckInput runs the rules over the input in one pass.
func CheckInput(ctx context.Context, in dataset.Input, rules *Rules, opts CheckOptions) (*CheckReport, error) {
	t := in.Table
	cols := columnNamesOf(in)
	colIndex := map[string]int{} // a column as the rules name it → its place in pick
	placeOf := map[int]int{}     // a column of the input → its place in pick
	var pick []int
	var names []string
	for _, chk := range rules.Checks {
		for _, c := range chk.Constraints {
			for _, col := range c.Columns {
				if _, ok := colIndex[col]; ok {
					continue
				}
				i, err := resolveIn(in.Name(), col, cols)
				if err != nil {
					return nil, fmt.Errorf("%s: %s: %w", c.where, c.Rule, err)
				}
				if _, ok := placeOf[i]; !ok {
					placeOf[i] = len(pick)
					pick = append(pick, i)
					names = append(names, cols[i].Source)
				}
				colIndex[col] = placeOf[i]
			}
		}
	}
	typed := columnTypes(t, pick)
	// Numeric rules on typed string columns are a mistake in the rules.
	for _, chk := range rules.Checks {
		for _, c := range chk.Constraints {
			if ruleNamed(c.Rule).Numeric && typed[colIndex[c.Columns[0]]] == String {
				return nil, catalog.Invalidf("%s: %s needs numbers, but column %s is a string column", c.where, c.Rule, names[colIndex[c.Columns[0]]])
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
	newSink := func() dataset.Sink { return newCheckSink(names, typed, cons, colIndex, seed) }
	p := progress.Or(opts.Progress)
	p.Stage("check")
	merged, st, err := dataset.Scan(ctx, in, pick, dataset.ScanOptions{Workers: opts.Workers, Progress: p}, newSink)
	if err != nil {
		return nil, err
	}
	if merged == nil {
		merged = newSink()
	}
	sink := merged.(*checkSink)
	profile := sink.profile.Result(in.Name())
	rep := &CheckReport{Source: in.Name(), Rows: sink.rows, MalformedRecords: st.Malformed(), MembersOutsideSchema: st.MembersOutsideSchema(), FilesSkipped: st.Skipped, Status: Success}
	k := 0
	saved := map[string]bool{}
	for _, chk := range rules.Checks {
		cr := CheckResult{Description: chk.Description, Level: chk.Level, Status: Success}
		for range chk.Constraints {
			res, m := sink.evaluate(k, profile, colIndex, opts)
			k++
			if m != nil && !saved[m.key()] {
				saved[m.key()] = true
				rep.Metrics = append(rep.Metrics, *m)
			}
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
	rule      *Rule
	cols      []int
	satisfied int64            // rows satisfying a predicate
	counts    map[uint64]int64 // value (combination) hash → rows
	keyed     int64            // rows counted in counts
	countNull bool             // a null is a value counted
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
		a.rule = ruleNamed(c.Rule)
		counting := a.rule
		if c.Strategy != nil {
			counting = countedRule(c.Metric) // an anomaly rule watching Uniqueness...
		}
		if counting != nil && counting.counts {
			a.counts, a.countNull = map[uint64]int64{}, counting.countNull
		}
		s.accs = append(s.accs, a)
	}
	return s
}

// valueText is a value as text ("" and false for a null).
func valueText(v dataset.Value) (string, bool) {
	switch v.Kind {
	case dataset.KindNull:
		return "", false
	case dataset.KindText, dataset.KindString, dataset.KindTime, dataset.KindDate:
		return v.Text(), true
	case dataset.KindIntegral:
		return strconv.FormatInt(v.I, 10), true
	case dataset.KindFractional:
		return formatFloat(v.F), true
	}
	return strconv.FormatBool(v.B), true
}

// number is a value as a number, if it is one.
func number(v dataset.Value) (float64, bool) {
	switch v.Kind {
	case dataset.KindIntegral:
		return float64(v.I), true
	case dataset.KindFractional:
		return v.F, true
	case dataset.KindText:
		if t := InferText(v.S); t == Integral || t == Fractional {
			f, err := strconv.ParseFloat(stripSpace(v.S), 64)
			return f, err == nil
		}
	}
	return 0, false
}

func (s *checkSink) Add(row []dataset.Value) {
	s.rows++
	s.profile.Add(row)
	for _, a := range s.accs {
		if a.rule.holds != nil && a.rule.holds(a.c, row, a.cols) {
			a.satisfied++
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
			if nonNull || a.countNull {
				a.counts[h.Sum64()]++
				a.keyed++
			}
		}
	}
}

// Row predicates of the rules (RuleTable's holds).

func allPresent(_ *Constraint, row []dataset.Value, cols []int) bool {
	for _, i := range cols {
		if row[i].Kind == dataset.KindNull {
			return false
		}
	}
	return true
}

// signHolds: a null passes (Deequ coalesces it to 0), and so does NaN,
// which Spark orders above every value.
func signHolds(positive bool) func(*Constraint, []dataset.Value, []int) bool {
	return func(_ *Constraint, row []dataset.Value, cols []int) bool {
		v := row[cols[0]]
		if v.Kind == dataset.KindNull {
			return true
		}
		f, ok := number(v)
		return ok && (f > 0 || f == 0 && !positive || math.IsNaN(f))
	}
}

// containedIn: a null passes.
func containedIn(c *Constraint, row []dataset.Value, cols []int) bool {
	v := row[cols[0]]
	text, ok := valueText(v)
	switch {
	case !ok:
		return true
	case c.Values != nil:
		return slices.Contains(c.Values, text)
	}
	f, isNum := number(v)
	return isNum && (c.Lower == nil || f >= *c.Lower) && (c.Upper == nil || f <= *c.Upper)
}

// matches: a null does not match.
func matches(c *Constraint, row []dataset.Value, cols []int) bool {
	text, ok := valueText(row[cols[0]])
	return ok && c.Pattern.MatchString(text)
}

func (s *checkSink) Merge(other dataset.Sink) {
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

// metricInput is what a rule's metric is computed from.
type metricInput struct {
	c    *Constraint
	rows int64
	col  *ColumnProfile // of the first column; nil for hasSize
	acc  *constraintAcc
}

// evaluate computes constraint k's metric and compares it with the
// assertion, or judges it against its history; m is the metric as a
// history keeps it (nil for a rule whose metric is not kept).
func (s *checkSink) evaluate(k int, p *Profile, colIndex map[string]int, opts CheckOptions) (res ConstraintResult, m *Metric) {
	a := s.accs[k]
	c := a.c
	res = ConstraintResult{Constraint: c.String()}
	in := metricInput{c: c, rows: s.rows, acc: a}
	var instance []string
	for _, col := range c.Columns {
		instance = append(instance, p.Columns[colIndex[col]].Column)
	}
	if len(c.Columns) > 0 {
		in.col = &p.Columns[colIndex[c.Columns[0]]]
	}
	m = savedMetric(c, a.rule, instance)
	var metric float64
	var note string
	if a.rule.holds != nil {
		metric = rowRatio(in)
	} else {
		var err error
		if metric, note, err = a.rule.metric(in); err != nil {
			res.Status, res.Message = Failure, err.Error()
			return res, m
		}
	}
	// A NaN metric (a column holding NaN) meets no assertion but !=, as
	// in Deequ, whose assertions are Scala comparisons.
	d := Double(metric)
	res.Metric = &d
	res.Status = Success
	if m != nil {
		m.Value = &metric
	}
	if c.Strategy != nil {
		if msg := judge(c, m, metric, opts); msg != "" {
			res.Status, res.Message = Failure, msg
		}
		return res, m
	}
	if !c.Assertion.holds(metric) {
		res.Status = Failure
		res.Message = fmt.Sprintf("value %s does not meet %s", d.Text(6), c.Assertion)
		if note != "" {
			res.Message += ": " + note
		}
	}
	return res, m
}

// savedMetric is the metric of a constraint as a history keeps it, named
// as Deequ names it, on the columns as the data names them; nil when its
// rule's metric is not kept.
func savedMetric(c *Constraint, r *Rule, columns []string) *Metric {
	name := r.Saved
	if c.Strategy != nil {
		name = c.Metric
	}
	switch {
	case name == "":
		return nil
	case len(columns) == 0:
		return &Metric{Entity: EntityDataset, Instance: "*", Name: name}
	}
	m := &Metric{Entity: EntityColumn, Instance: columns[0], Name: name}
	if len(columns) > 1 {
		m.Entity, m.Instance = EntityMulticolumn, strings.Join(columns, ",")
	}
	if r.byConstraint {
		m.Instance = c.String()
	}
	return m
}

// judge compares today's value of an anomaly rule's metric with its
// history: "" when it is normal, else why not, naming the history.
func judge(c *Constraint, m *Metric, value float64, opts CheckOptions) string {
	h := opts.History
	if h == nil {
		return fmt.Sprintf("no metrics history to compare %s with: %v", c.Metric, ErrNoHistory)
	}
	points := h.Points(m.Entity, m.Instance, m.Name, opts.Tags)
	where := fmt.Sprintf("%s of %s", m.Name, m.Instance)
	if m.Entity == EntityDataset {
		where = m.Name
	}
	if len(opts.Tags) > 0 {
		where += " tagged " + tagsText(opts.Tags)
	}
	a, err := IsNewPointAnomalous(c.Strategy, points, DataPoint{Time: opts.Now, Value: value})
	switch {
	case errors.Is(err, ErrNoHistory):
		return fmt.Sprintf("no history of %s in %s: %v", where, h.Table, err)
	case err != nil:
		return fmt.Sprintf("history of %s in %s: %v", where, h.Table, err)
	case a == nil:
		return ""
	}
	var last []string
	for _, p := range points[max(0, len(points)-3):] {
		last = append(last, fmt.Sprintf("%s on %s", fmtFloat(p.Value), p.Time.UTC().Format(time.RFC3339)))
	}
	plural := "s"
	if len(points) == 1 {
		plural = ""
	}
	return fmt.Sprintf("anomaly: %s is %s against %d earlier value%s in %s (the last: %s): %s",
		where, fmtFloat(value), len(points), plural, h.Table, strings.Join(last, ", "), a.Detail)
}

// tagsText is tags as k=v, sorted.
func tagsText(tags map[string]string) string {
	var kv []string
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		kv = append(kv, k+"="+tags[k])
	}
	return strings.Join(kv, ",")
}

// Metrics of the rules (RuleTable's metric): the value, a note that
// explains a failure, or why there is no value.

// rowRatio is the fraction of rows where the rule's predicate holds.
func rowRatio(m metricInput) float64 {
	if m.rows == 0 {
		return 1 // nothing to violate
	}
	return float64(m.acc.satisfied) / float64(m.rows)
}

func sizeMetric(m metricInput) (float64, string, error) { return float64(m.rows), "", nil }

// watchedMetric is what an anomaly rule watches: Size, or a column's
// metric as a profile measures it, or as the rule that saves it counts it.
func watchedMetric(m metricInput) (float64, string, error) {
	if m.c.Metric == "Size" {
		return float64(m.rows), "", nil
	}
	if r := countedRule(m.c.Metric); r != nil {
		return r.metric(m)
	}
	v, ok := columnMetricNamed(m.c.Metric).value(m.col)
	if !ok {
		return 0, "", fmt.Errorf("column %s is %s: it has no %s", m.col.Column, m.col.DataType, m.c.Metric)
	}
	return v, "", nil
}

func completenessMetric(m metricInput) (float64, string, error) {
	if m.rows == 0 {
		return 1, "", nil
	}
	return m.col.Completeness, "", nil
}

// once is the number of values (combinations) seen exactly once.
func (a *constraintAcc) once() int64 {
	n := int64(0)
	for _, c := range a.counts {
		if c == 1 {
			n++
		}
	}
	return n
}

func uniquenessMetric(m metricInput) (float64, string, error) {
	once := m.acc.once()
	note := ""
	if dup := m.acc.keyed - once; dup > 0 {
		note = fmt.Sprintf("%d rows share their value with another row", dup)
	}
	return div(once, m.acc.keyed), note, nil
}

func distinctnessMetric(m metricInput) (float64, string, error) {
	return div(int64(len(m.acc.counts)), m.acc.keyed), "", nil
}

func uniqueValueRatioMetric(m metricInput) (float64, string, error) {
	return div(m.acc.once(), int64(len(m.acc.counts))), "", nil
}

func distinctValuesMetric(m metricInput) (float64, string, error) {
	return float64(len(m.acc.counts)), "", nil
}

// statMetric reads a numeric statistic of the column's profile.
func statMetric(stat func(*ColumnProfile) *Double) func(metricInput) (float64, string, error) {
	return func(m metricInput) (float64, string, error) {
		f := stat(m.col)
		if f == nil {
			return 0, "", fmt.Errorf("column %s is %s: %s needs numbers", m.col.Column, m.col.DataType, m.c.Rule)
		}
		return float64(*f), "", nil
	}
}

// lengthMetric reads a string length of the column's profile.
func lengthMetric(length func(*ColumnProfile) *int) func(metricInput) (float64, string, error) {
	return func(m metricInput) (float64, string, error) {
		l := length(m.col)
		if l == nil {
			return 0, "", fmt.Errorf("column %s is %s: %s needs strings", m.col.Column, m.col.DataType, m.c.Rule)
		}
		return float64(*l), "", nil
	}
}

func dataTypeMetric(m metricInput) (float64, string, error) {
	col, typ := m.col, m.c.Type
	if !col.IsDataTypeInferred {
		if col.DataType == typ || typ == Numeric && (col.DataType == Integral || col.DataType == Fractional) {
			return 1, "", nil
		}
		return 0, "", nil
	}
	if typ == Unknown {
		return div(col.TypeCounts[Unknown], m.rows), "", nil
	}
	n := col.TypeCounts[typ]
	if typ == Numeric {
		n = col.TypeCounts[Integral] + col.TypeCounts[Fractional]
	}
	return div(n, m.rows-col.TypeCounts[Unknown]), "", nil
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
