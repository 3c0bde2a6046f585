package validate

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Anomaly detection on a metric's history, with the strategies of Deequ's
// com.amazon.deequ.anomalydetection, their semantics kept: a strategy
// judges the points of a series whose indexes lie in [start, end); the
// detector sorts the history by time, drops missing values, appends the
// new point and asks about it alone.

// Strategy finds anomalies in a series of values (Deequ's
// AnomalyDetectionStrategy).
type Strategy interface {
	// Detect returns the anomalies among the points of series whose index
	// lies in [start, end), in the order of their indexes.
	Detect(series []float64, start, end int) []Anomaly
	// String names the strategy and its parameters, as a message shows it.
	String() string
}

// Anomaly is a point a strategy found anomalous: its index, its value, and
// why (the bound it broke and the figure compared with it).
type Anomaly struct {
	Index  int
	Value  float64
	Detail string
}

// DataPoint is a metric's value at a time (Deequ's DataPoint; a missing
// value is left out of the history, as Deequ's detector drops it).
type DataPoint struct {
	Time  time.Time
	Value float64
}

// ErrNoHistory is what Deequ requires of an anomaly check: previous
// results to compare the new value with.
var ErrNoHistory = fmt.Errorf("there have to be previous results in the metrics history")

// IsNewPointAnomalous judges the new point against the history (Deequ's
// AnomalyDetector.isNewPointAnomalous): nil when it is normal. The history
// must hold a point, and every point must be older than the new one.
func IsNewPointAnomalous(s Strategy, history []DataPoint, point DataPoint) (*Anomaly, error) {
	if len(history) == 0 {
		return nil, ErrNoHistory
	}
	sorted := slices.Clone(history)
	slices.SortStableFunc(sorted, func(a, b DataPoint) int { return a.Time.Compare(b.Time) })
	if last := sorted[len(sorted)-1].Time; !last.Before(point.Time) {
		return nil, fmt.Errorf("the new point at %s is not after the history, which ends at %s", point.Time.UTC().Format(time.RFC3339), last.UTC().Format(time.RFC3339))
	}
	series := make([]float64, 0, len(sorted)+1)
	for _, p := range sorted {
		series = append(series, p.Value)
	}
	series = append(series, point.Value)
	// The search interval is [the new point's time, the end of time): the
	// new point alone.
	n := len(series) - 1
	found := s.Detect(series, n, n+1)
	if len(found) == 0 {
		return nil, nil
	}
	return &found[0], nil
}

// clampInterval limits [start, end) to a series of n points, as Scala's
// slice does.
func clampInterval(n, start, end int) (int, int) {
	start = min(max(start, 0), n)
	end = min(max(end, start), n)
	return start, end
}

// ChangeStrategy is Deequ's AbsoluteChangeStrategy (Relative false: the
// change of order Order is the Order-th discrete difference) and
// RelativeRateOfChangeStrategy (Relative true: the change is a value
// divided by the value Order points before it). A point is anomalous
// when its change is below MaxRateDecrease or above MaxRateIncrease; a
// nil bound is no bound. The first Order points of a series have no
// change and are never anomalous.
type ChangeStrategy struct {
	MaxRateDecrease, MaxRateIncrease *float64
	Order                            int
	Relative                         bool
}

// NewChangeStrategy checks the parameters as Deequ does.
func NewChangeStrategy(relative bool, maxRateDecrease, maxRateIncrease *float64, order int) (*ChangeStrategy, error) {
	switch {
	case maxRateDecrease == nil && maxRateIncrease == nil:
		return nil, fmt.Errorf("give maxRateDecrease, maxRateIncrease or both")
	case maxRateDecrease != nil && maxRateIncrease != nil && *maxRateDecrease > *maxRateIncrease:
		return nil, fmt.Errorf("maxRateDecrease %s is above maxRateIncrease %s", fmtFloat(*maxRateDecrease), fmtFloat(*maxRateIncrease))
	case order < 0 || relative && order == 0:
		return nil, fmt.Errorf("order %d: want a whole number of at least %d", order, map[bool]int{false: 0, true: 1}[relative])
	}
	return &ChangeStrategy{MaxRateDecrease: maxRateDecrease, MaxRateIncrease: maxRateIncrease, Order: order, Relative: relative}, nil
}

// Name is Deequ's name of the strategy.
func (s *ChangeStrategy) Name() string {
	if s.Relative {
		return "RelativeRateOfChangeStrategy"
	}
	return "AbsoluteChangeStrategy"
}

func (s *ChangeStrategy) String() string {
	return fmt.Sprintf("%s(maxRateDecrease=%s, maxRateIncrease=%s, order=%d)", s.Name(), optFloat(s.MaxRateDecrease), optFloat(s.MaxRateIncrease), s.Order)
}

// Diff is the change of every point past the first Order.
func (s *ChangeStrategy) Diff(series []float64) []float64 {
	if s.Relative {
		if len(series) <= s.Order {
			return nil
		}
		out := make([]float64, len(series)-s.Order)
		for i := range out {
			out[i] = series[i+s.Order] / series[i]
		}
		return out
	}
	out := slices.Clone(series)
	for range s.Order {
		if len(out) == 0 {
			break
		}
		for i := 0; i+1 < len(out); i++ {
			out[i] = out[i+1] - out[i]
		}
		out = out[:len(out)-1]
	}
	return out
}

func (s *ChangeStrategy) Detect(series []float64, start, end int) []Anomaly {
	start, end = clampInterval(len(series), start, end)
	from := max(start-s.Order, 0)
	lower, upper := orInf(s.MaxRateDecrease, -math.MaxFloat64), orInf(s.MaxRateIncrease, math.MaxFloat64)
	var out []Anomaly
	for i, change := range s.Diff(series[from:end]) {
		if change < lower || change > upper {
			at := i + from + s.Order
			what := "change"
			if s.Relative {
				what = "rate of change"
			}
			if s.Order != 1 {
				what += fmt.Sprintf(" of order %d", s.Order)
			}
			detail := fmt.Sprintf("%s %s is below maxRateDecrease %s", what, fmtFloat(change), fmtFloat(lower))
			if change > upper {
				detail = fmt.Sprintf("%s %s is above maxRateIncrease %s", what, fmtFloat(change), fmtFloat(upper))
			}
			out = append(out, Anomaly{Index: at, Value: series[at], Detail: detail})
		}
	}
	return out
}

// orInf is *f, or def when f is nil (Deequ's Double.MinValue and
// MaxValue, the largest finite doubles).
func orInf(f *float64, def float64) float64 {
	if f == nil {
		return def
	}
	return *f
}

// SimpleThresholdStrategy is Deequ's: a value below LowerBound or above
// UpperBound is anomalous.
type SimpleThresholdStrategy struct {
	LowerBound, UpperBound float64
}

// NewSimpleThresholdStrategy checks the bounds as Deequ does; a nil lower
// bound is the lowest double.
func NewSimpleThresholdStrategy(lower *float64, upper float64) (*SimpleThresholdStrategy, error) {
	l := orInf(lower, -math.MaxFloat64)
	if l > upper {
		return nil, fmt.Errorf("lowerBound %s is above upperBound %s", fmtFloat(l), fmtFloat(upper))
	}
	return &SimpleThresholdStrategy{LowerBound: l, UpperBound: upper}, nil
}

func (s *SimpleThresholdStrategy) String() string {
	return fmt.Sprintf("SimpleThresholdStrategy(lowerBound=%s, upperBound=%s)", fmtFloat(s.LowerBound), fmtFloat(s.UpperBound))
}

func (s *SimpleThresholdStrategy) Detect(series []float64, start, end int) []Anomaly {
	start, end = clampInterval(len(series), start, end)
	var out []Anomaly
	for i := start; i < end; i++ {
		if v := series[i]; v < s.LowerBound || v > s.UpperBound {
			detail := fmt.Sprintf("value %s is below lowerBound %s", fmtFloat(v), fmtFloat(s.LowerBound))
			if v > s.UpperBound {
				detail = fmt.Sprintf("value %s is above upperBound %s", fmtFloat(v), fmtFloat(s.UpperBound))
			}
			out = append(out, Anomaly{Index: i, Value: v, Detail: detail})
		}
	}
	return out
}

// OnlineNormalStrategy is Deequ's: the running mean and population
// standard deviation (Welford's update) of the values up to and including
// a point; the point is anomalous outside mean ± factor × deviation. The
// first IgnoreStartPercentage of the series is never anomalous; with
// IgnoreAnomalies, an anomalous point leaves the mean and variance as they
// were before it. A nil factor is no bound on that side.
type OnlineNormalStrategy struct {
	LowerDeviationFactor, UpperDeviationFactor *float64
	IgnoreStartPercentage                      float64
	IgnoreAnomalies                            bool
}

// NewOnlineNormalStrategy checks the parameters as Deequ does.
func NewOnlineNormalStrategy(lower, upper *float64, ignoreStart float64, ignoreAnomalies bool) (*OnlineNormalStrategy, error) {
	switch {
	case lower == nil && upper == nil:
		return nil, fmt.Errorf("give lowerDeviationFactor, upperDeviationFactor or both")
	case lower != nil && *lower < 0 || upper != nil && *upper < 0:
		return nil, fmt.Errorf("a deviation factor cannot be negative")
	case !(ignoreStart >= 0 && ignoreStart <= 1):
		return nil, fmt.Errorf("ignoreStartPercentage %s: want a fraction from 0 to 1", fmtFloat(ignoreStart))
	}
	return &OnlineNormalStrategy{LowerDeviationFactor: lower, UpperDeviationFactor: upper, IgnoreStartPercentage: ignoreStart, IgnoreAnomalies: ignoreAnomalies}, nil
}

func (s *OnlineNormalStrategy) String() string {
	return fmt.Sprintf("OnlineNormalStrategy(lowerDeviationFactor=%s, upperDeviationFactor=%s, ignoreStartPercentage=%s, ignoreAnomalies=%t)",
		optFloat(s.LowerDeviationFactor), optFloat(s.UpperDeviationFactor), fmtFloat(s.IgnoreStartPercentage), s.IgnoreAnomalies)
}

// OnlineStats is the running mean and standard deviation at a point, and
// whether the point is anomalous. Mean is Deequ's record of it (for an
// anomaly left out, the mean before it); Judged, Lower and Upper are the
// mean with the point and the bounds it was judged by.
type OnlineStats struct {
	Mean, StdDev         float64
	IsAnomaly            bool
	Judged, Lower, Upper float64
}

// bounds are the lower and upper bounds around mean.
func (s *OnlineNormalStrategy) bounds(mean, stdDev float64) (float64, float64) {
	return mean - orInf(s.LowerDeviationFactor, math.MaxFloat64)*stdDev, mean + orInf(s.UpperDeviationFactor, math.MaxFloat64)*stdDev
}

// Stats computes the running statistics of every point of the series,
// judging those in [start, end).
func (s *OnlineNormalStrategy) Stats(series []float64, start, end int) []OnlineStats {
	out := make([]OnlineStats, 0, len(series))
	mean, variance, sn := 0.0, 0.0, 0.0
	skip := float64(len(series)) * s.IgnoreStartPercentage
	for i, v := range series {
		lastMean, lastVariance, lastSn := mean, variance, sn
		if i == 0 {
			mean = v
		} else {
			mean = lastMean + (1.0/float64(i+1))*(v-lastMean)
		}
		sn += (v - lastMean) * (v - mean)
		variance = sn / float64(i+1)
		stdDev := math.Sqrt(variance)
		lower, upper := s.bounds(mean, stdDev)
		if float64(i) < skip || i < start || i >= end || v <= upper && v >= lower {
			out = append(out, OnlineStats{Mean: mean, StdDev: stdDev})
			continue
		}
		judged := mean
		if s.IgnoreAnomalies {
			mean, variance, sn = lastMean, lastVariance, lastSn
		}
		out = append(out, OnlineStats{Mean: mean, StdDev: stdDev, IsAnomaly: true, Judged: judged, Lower: lower, Upper: upper})
	}
	return out
}

func (s *OnlineNormalStrategy) Detect(series []float64, start, end int) []Anomaly {
	start, end = clampInterval(len(series), start, end)
	stats := s.Stats(series, start, end)
	var out []Anomaly
	for i := start; i < end; i++ {
		if st := stats[i]; st.IsAnomaly {
			lower, upper := st.Lower, st.Upper
			v := series[i]
			detail := fmt.Sprintf("value %s is below mean - %s × deviation = %s", fmtFloat(v), optFloat(s.LowerDeviationFactor), fmtFloat(lower))
			if v > upper {
				detail = fmt.Sprintf("value %s is above mean + %s × deviation = %s", fmtFloat(v), optFloat(s.UpperDeviationFactor), fmtFloat(upper))
			}
			out = append(out, Anomaly{Index: i, Value: v,
				Detail: fmt.Sprintf("%s (mean %s, deviation %s)", detail, fmtFloat(st.Judged), fmtFloat(st.StdDev))})
		}
	}
	return out
}

// fmtFloat is the shortest decimal that reads back as f.
func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// optFloat is *f, or "none".
func optFloat(f *float64) string {
	if f == nil {
		return "none"
	}
	return fmtFloat(*f)
}

// columnMetricList names the column metrics an anomaly rule may watch.
func columnMetricList() string {
	names := MetricNames()[1:]
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// parseWatched reads what isNewestPointNonAnomalous watches: Size, or
// NAME(column).
func parseWatched(c *Constraint, n *yaml.Node) error {
	want := fmt.Errorf("%q: want Size, or NAME(column) with NAME one of %s", n.Value, columnMetricList())
	if n.Kind != yaml.ScalarNode {
		return want
	}
	name, col, hasCol := strings.Cut(strings.TrimSpace(n.Value), "(")
	name = strings.TrimSpace(name)
	switch {
	case name == "Size" && !hasCol:
		c.Metric = name
		return nil
	case !watchable(name) || !hasCol || !strings.HasSuffix(col, ")"):
		return want
	}
	col = strings.TrimSpace(strings.TrimSuffix(col, ")"))
	if col == "" {
		return want
	}
	c.Metric, c.Columns = name, []string{col}
	return nil
}

// strategyParams are the parameters each strategy takes, named as Deequ's.
var strategyParams = map[string][]string{
	"AbsoluteChange":       {"maxRateDecrease", "maxRateIncrease", "order"},
	"RelativeRateOfChange": {"maxRateDecrease", "maxRateIncrease", "order"},
	"SimpleThreshold":      {"lowerBound", "upperBound"},
	"OnlineNormal":         {"lowerDeviationFactor", "upperDeviationFactor", "ignoreStartPercentage", "ignoreAnomalies"},
}

// parseStrategy builds the strategy of an anomaly rule from its options
// (their value nodes by name), with Deequ's defaults and checks.
func parseStrategy(opts map[string]*yaml.Node, fail func(*yaml.Node, string, ...any) error) (Strategy, error) {
	sn := opts["strategy"]
	name := strings.TrimSuffix(sn.Value, "Strategy")
	params, ok := strategyParams[name]
	if !ok {
		return nil, fail(sn, "strategy %q: want AbsoluteChange, RelativeRateOfChange, SimpleThreshold or OnlineNormal", sn.Value)
	}
	for _, k := range slices.Sorted(maps.Keys(opts)) {
		if k != "strategy" && !slices.Contains(params, k) {
			return nil, fail(opts[k], "%s takes no %s (its parameters: %s)", name, k, strings.Join(params, ", "))
		}
	}
	// num reads a number parameter: nil when absent, or "none" where
	// Deequ's parameter is an Option.
	num := func(k string, def *float64, noneOK bool) (*float64, error) {
		v := opts[k]
		if v == nil {
			return def, nil
		}
		if noneOK && v.Value == "none" {
			return nil, nil
		}
		f, err := strconv.ParseFloat(v.Value, 64)
		if err != nil || v.Kind != yaml.ScalarNode {
			what := "a number"
			if noneOK {
				what += " or none"
			}
			return nil, fail(v, "%s %q: want %s", k, v.Value, what)
		}
		return &f, nil
	}
	var (
		s   Strategy
		err error
	)
	switch name {
	case "AbsoluteChange", "RelativeRateOfChange":
		dec, err1 := num("maxRateDecrease", nil, false)
		inc, err2 := num("maxRateIncrease", nil, false)
		if err := cmp.Or(err1, err2); err != nil {
			return nil, err
		}
		order := 1
		if v := opts["order"]; v != nil {
			if order, err = strconv.Atoi(v.Value); err != nil {
				return nil, fail(v, "order %q: want a whole number", v.Value)
			}
		}
		s, err = NewChangeStrategy(name == "RelativeRateOfChange", dec, inc, order)
	case "SimpleThreshold":
		lower, err1 := num("lowerBound", nil, false)
		upper, err2 := num("upperBound", nil, false)
		if err := cmp.Or(err1, err2); err != nil {
			return nil, err
		}
		if upper == nil {
			return nil, fail(sn, "SimpleThreshold needs upperBound")
		}
		s, err = NewSimpleThresholdStrategy(lower, *upper)
	case "OnlineNormal":
		three := 3.0
		lower, err1 := num("lowerDeviationFactor", &three, true)
		upper, err2 := num("upperDeviationFactor", &three, true)
		start, err3 := num("ignoreStartPercentage", f64p(0.1), false)
		if err := cmp.Or(err1, err2, err3); err != nil {
			return nil, err
		}
		ignore := true
		if v := opts["ignoreAnomalies"]; v != nil {
			if ignore, err = strconv.ParseBool(v.Value); err != nil || v.Value != "true" && v.Value != "false" {
				return nil, fail(v, "ignoreAnomalies %q: want true or false", v.Value)
			}
		}
		s, err = NewOnlineNormalStrategy(lower, upper, *start, ignore)
	}
	if err != nil {
		return nil, fail(sn, "%s: %v", sn.Value, err)
	}
	return s, nil
}

func f64p(f float64) *float64 { return &f }

// strategyYAML is a strategy as the lines of a rules file that make it.
func strategyYAML(s Strategy) string {
	line := func(k, v string) string { return "\n" + k + ": " + v }
	opt := func(k string, f *float64) string {
		if f == nil {
			return ""
		}
		return line(k, fmtFloat(*f))
	}
	switch s := s.(type) {
	case *ChangeStrategy:
		name := "AbsoluteChange"
		if s.Relative {
			name = "RelativeRateOfChange"
		}
		return line("strategy", name) + opt("maxRateDecrease", s.MaxRateDecrease) + opt("maxRateIncrease", s.MaxRateIncrease) + line("order", strconv.Itoa(s.Order))
	case *SimpleThresholdStrategy:
		return line("strategy", "SimpleThreshold") + line("lowerBound", fmtFloat(s.LowerBound)) + line("upperBound", fmtFloat(s.UpperBound))
	case *OnlineNormalStrategy:
		return line("strategy", "OnlineNormal") + line("lowerDeviationFactor", optFloat(s.LowerDeviationFactor)) + line("upperDeviationFactor", optFloat(s.UpperDeviationFactor)) +
			line("ignoreStartPercentage", fmtFloat(s.IgnoreStartPercentage)) + line("ignoreAnomalies", strconv.FormatBool(s.IgnoreAnomalies))
	}
	return ""
}
