package validate

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// The series and expected anomaly indexes of Deequ's own tests
// (src/test/scala/com/amazon/deequ/anomalydetection/*StrategyTest.scala).

func f64(f float64) *float64 { return &f }

// indexes are the anomalies' indexes.
func indexes(as []Anomaly) []int {
	out := []int{}
	for _, a := range as {
		out = append(out, a.Index)
	}
	return out
}

// span is from, from+step, ... up to to.
func span(from, to, step int) []int {
	out := []int{}
	for i := from; i <= to; i += step {
		out = append(out, i)
	}
	return out
}

func wantIndexes(t *testing.T, name string, got []Anomaly, want []int) {
	t.Helper()
	if g := indexes(got); !slices.Equal(g, want) {
		t.Errorf("%s: anomalies at %v, want %v", name, g, want)
	}
	for _, a := range got {
		if a.Detail == "" {
			t.Errorf("%s: anomaly at %d has no detail", name, a.Index)
		}
	}
}

func mustChange(t *testing.T, relative bool, dec, inc *float64, order int) *ChangeStrategy {
	t.Helper()
	s, err := NewChangeStrategy(relative, dec, inc, order)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const all = math.MaxInt

func TestAbsoluteChangeStrategy(t *testing.T) {
	var data []float64
	for i := 0; i <= 50; i++ {
		switch {
		case i < 20 || i > 30:
			data = append(data, 1)
		case i%2 == 0:
			data = append(data, float64(i))
		default:
			data = append(data, float64(-i))
		}
	}
	s := mustChange(t, false, f64(-2), f64(2), 1)
	wantIndexes(t, "no interval", s.Detect(data, 0, all), span(20, 31, 1))
	wantIndexes(t, "interval", s.Detect(data, 25, 50), span(25, 31, 1))
	wantIndexes(t, "no decrease bound", mustChange(t, false, nil, f64(1), 1).Detect(data, 0, all), span(20, 30, 2))
	wantIndexes(t, "no increase bound", mustChange(t, false, f64(-1), nil, 1).Detect(data, 0, all), span(21, 31, 2))
	wantIndexes(t, "widest bounds", mustChange(t, false, f64(-math.MaxFloat64), f64(math.MaxFloat64), 1).Detect(data, 0, all), []int{})

	for order, want := range map[int][]float64{1: {1, 2, -3, 1, 6}, 2: {1, -5, 4, 5}} {
		if got := mustChange(t, false, f64(-2), f64(2), order).Diff([]float64{1, 2, 4, 1, 2, 8}); !slices.Equal(got, want) {
			t.Errorf("diff of order %d: %v, want %v", order, got, want)
		}
	}
	got := mustChange(t, false, f64(-2), f64(2), 3).Diff([]float64{1, 5, -10, 3, 100, 0.01, 0.0065})
	wantClose(t, "diff of order 3", got, []float64{47, 56, -280.99, 296.9765})

	higher := []float64{0, 1, 3, 6, 18, 72}
	wantIndexes(t, "order 2", mustChange(t, false, nil, f64(8), 2).Detect(higher, 0, all), []int{4, 5})
	wantIndexes(t, "order 2 in an interval", mustChange(t, false, nil, f64(8), 2).Detect(higher, 5, 6), []int{5})
	wantIndexes(t, "order 1", s.Detect([]float64{1, -1, 4, -7}, 0, all), []int{2, 3})
	wantIndexes(t, "empty", s.Detect(nil, 0, all), []int{})

	if _, err := NewChangeStrategy(false, f64(-2), f64(-3), 1); err == nil {
		t.Error("rates out of order: no error")
	}
	if _, err := NewChangeStrategy(false, nil, nil, 1); err == nil {
		t.Error("no rate: no error")
	}
	if _, err := NewChangeStrategy(false, nil, f64(1), -1); err == nil {
		t.Error("negative order: no error")
	}
}

func TestRelativeRateOfChangeStrategy(t *testing.T) {
	var data []float64
	for i := 0; i <= 50; i++ {
		if i >= 20 && i <= 30 && i%2 == 0 {
			data = append(data, float64(i))
		} else {
			data = append(data, 1)
		}
	}
	s := mustChange(t, true, f64(0.5), f64(2), 1)
	wantIndexes(t, "no interval", s.Detect(data, 0, all), span(20, 31, 1))
	wantIndexes(t, "interval", s.Detect(data, 25, 50), span(25, 31, 1))
	wantIndexes(t, "no decrease bound", mustChange(t, true, nil, f64(1), 1).Detect(data, 0, all), span(20, 30, 2))
	wantIndexes(t, "no increase bound", mustChange(t, true, f64(0.5), nil, 1).Detect(data, 0, all), span(21, 31, 2))
	wantIndexes(t, "widest bounds", mustChange(t, true, f64(-math.MaxFloat64), f64(math.MaxFloat64), 1).Detect(data, 0, all), []int{})

	for order, want := range map[int][]float64{1: {2, 2, 0.25, 2, 4}, 2: {4, 0.5, 0.5, 8}} {
		if got := mustChange(t, true, f64(0.5), f64(2), order).Diff([]float64{1, 2, 4, 1, 2, 8}); !slices.Equal(got, want) {
			t.Errorf("diff of order %d: %v, want %v", order, got, want)
		}
	}
	got := mustChange(t, true, f64(0.5), f64(2), 3).Diff([]float64{1, 5, -10, 3, 100, 0.01, 0.006})
	wantClose(t, "diff of order 3", got, []float64{3, 20, -0.001, 0.002})

	higher := []float64{0, 1, 3, 6, 18, 72}
	wantIndexes(t, "order 2", mustChange(t, true, nil, f64(8), 2).Detect(higher, 0, all), []int{2, 5})
	wantIndexes(t, "order 2 in an interval", mustChange(t, true, nil, f64(8), 2).Detect(higher, 5, 6), []int{5})
	wantIndexes(t, "empty", s.Detect(nil, 0, all), []int{})

	if _, err := NewChangeStrategy(true, f64(-2), f64(-3), 1); err == nil {
		t.Error("rates out of order: no error")
	}
	if _, err := NewChangeStrategy(true, nil, nil, 1); err == nil {
		t.Error("no rate: no error")
	}
	if _, err := NewChangeStrategy(true, nil, f64(2), 0); err == nil {
		t.Error("order 0: no error")
	}
}

func TestSimpleThresholdStrategy(t *testing.T) {
	data := []float64{-1, 2, 3, 0.5}
	s, err := NewSimpleThresholdStrategy(nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	wantIndexes(t, "interval", s.Detect(data, 0, 4), []int{1, 2})
	wantIndexes(t, "no interval", s.Detect(data, 0, all), []int{1, 2})
	wantIndexes(t, "empty", s.Detect(nil, 0, all), []int{})
	both, err := NewSimpleThresholdStrategy(f64(-0.5), 1)
	if err != nil {
		t.Fatal(err)
	}
	wantIndexes(t, "both bounds", both.Detect(data, 0, all), []int{0, 1, 2})
	if _, err := NewSimpleThresholdStrategy(f64(2), 1); err == nil {
		t.Error("bounds out of order: no error")
	}
}

// javaRandom is java.util.Random, whose Gaussians (scala.util.Random(1))
// make the series of Deequ's OnlineNormalStrategyTest.
type javaRandom struct {
	seed     int64
	next     float64
	haveNext bool
}

func newJavaRandom(seed int64) *javaRandom {
	return &javaRandom{seed: (seed ^ 0x5DEECE66D) & (1<<48 - 1)}
}

func (r *javaRandom) bits(n uint) int64 {
	r.seed = (r.seed*0x5DEECE66D + 0xB) & (1<<48 - 1)
	return int64(int32(uint64(r.seed) >> (48 - n)))
}

func (r *javaRandom) Float64() float64 {
	return float64(r.bits(26)<<27+r.bits(27)) * (1.0 / (1 << 53))
}

func (r *javaRandom) NormFloat64() float64 {
	if r.haveNext {
		r.haveNext = false
		return r.next
	}
	for {
		v1, v2 := 2*r.Float64()-1, 2*r.Float64()-1
		s := v1*v1 + v2*v2
		if s < 1 && s != 0 {
			m := math.Sqrt(-2 * math.Log(s) / s)
			r.next, r.haveNext = v2*m, true
			return v1 * m
		}
	}
}

func TestJavaRandom(t *testing.T) {
	// new java.util.Random(1): nextDouble() 0.7308781907032909, then
	// nextGaussian() of a fresh Random(1): 1.561581040188955.
	if got := newJavaRandom(1).Float64(); got != 0.7308781907032909 {
		t.Errorf("nextDouble %v", got)
	}
	if got := newJavaRandom(1).NormFloat64(); math.Abs(got-1.561581040188955) > 1e-15 {
		t.Errorf("nextGaussian %v", got)
	}
}

func mustOnline(t *testing.T, lower, upper *float64, ignoreStart float64, ignoreAnomalies bool) *OnlineNormalStrategy {
	t.Helper()
	s, err := NewOnlineNormalStrategy(lower, upper, ignoreStart, ignoreAnomalies)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestOnlineNormalStrategy(t *testing.T) {
	r := newJavaRandom(1)
	data := make([]float64, 51)
	for i := range data {
		data[i] = r.NormFloat64()
	}
	for i := 20; i <= 30; i++ {
		data[i] += float64(i + i%2*-2*i)
	}
	s := mustOnline(t, f64(1.5), f64(1.5), 0.2, true)
	wantIndexes(t, "no interval", mustOnline(t, f64(3.5), f64(3.5), 0.2, true).Detect(data, 0, all), span(20, 30, 1))
	wantIndexes(t, "interval", s.Detect(data, 25, 31), span(25, 30, 1))
	wantIndexes(t, "no lower factor", mustOnline(t, nil, f64(1.5), 0.1, true).Detect(data, 0, all), span(20, 30, 2))
	wantIndexes(t, "no upper factor", mustOnline(t, f64(1.5), nil, 0.1, true).Detect(data, 0, all), span(21, 29, 2))
	wantIndexes(t, "empty", s.Detect(nil, 0, all), []int{})
	wantIndexes(t, "widest factors", mustOnline(t, f64(math.MaxFloat64), f64(math.MaxFloat64), 0.1, true).Detect(data, 0, all), []int{})

	// The running statistics against two-pass ones (Breeze's
	// meanAndVariance is the sample variance, hence Deequ's tolerance).
	var wide []float64
	for i := 1; i <= 1000; i++ {
		wide = append(wide, r.NormFloat64()*(5000.0/float64(i)))
	}
	last := s.Stats(wide, 0, all)
	mean, sd := sampleMeanStdDev(wide)
	if l := last[len(last)-1]; math.Abs(l.Mean-mean) > 1e-9*math.Abs(mean) || math.Abs(l.StdDev-sd) >= sd*0.001 {
		t.Errorf("running mean %v and deviation %v, want %v and %v", l.Mean, l.StdDev, mean, sd)
	}

	ones := []float64{1, 1, 1, 2, 1, 1, 1}
	if l := s.Stats(ones, 0, all)[6]; l.Mean != 1 || l.StdDev != 0 {
		t.Errorf("anomalies ignored: mean %v, deviation %v, want 1 and 0", l.Mean, l.StdDev)
	}
	kept := mustOnline(t, f64(1.5), f64(1.5), 0.2, false).Stats(ones, 0, all)[6]
	mean, sd = sampleMeanStdDev(ones)
	if math.Abs(kept.Mean-mean) > 1e-15 || math.Abs(kept.StdDev-sd) >= sd*0.1 {
		t.Errorf("anomalies kept: mean %v, deviation %v, want %v and %v", kept.Mean, kept.StdDev, mean, sd)
	}

	for _, bad := range []struct {
		lower, upper *float64
		start        float64
	}{{nil, nil, 0.1}, {nil, f64(-3), 0.1}, {f64(-3), nil, 0.1}, {f64(3), f64(3), 1.5}, {f64(3), f64(3), -1}} {
		if _, err := NewOnlineNormalStrategy(bad.lower, bad.upper, bad.start, true); err == nil {
			t.Errorf("%v %v %v: no error", bad.lower, bad.upper, bad.start)
		}
	}
}

func sampleMeanStdDev(xs []float64) (float64, float64) {
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	mean := sum / float64(len(xs))
	ss := 0.0
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss / float64(len(xs)-1))
}

func wantClose(t *testing.T, name string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %v, want %v", name, got, want)
	}
	for i := range got {
		if math.Abs(got[i]-want[i]) > 1e-9*max(1, math.Abs(want[i])) {
			t.Errorf("%s: %v, want %v", name, got, want)
			return
		}
	}
}

// recording is a strategy that remembers what it was asked.
type recording struct {
	series     []float64
	start, end int
}

func (r *recording) Detect(series []float64, start, end int) []Anomaly {
	r.series, r.start, r.end = series, start, end
	return nil
}
func (r *recording) String() string { return "recording" }

func TestIsNewPointAnomalous(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 3, d, 9, 0, 0, 0, time.UTC) }
	// The history is sorted by time; only the new point is judged.
	rec := &recording{}
	history := []DataPoint{{day(10), -1}, {day(25), 2}, {day(11), 3}, {day(1), 0.5}}
	if a, err := IsNewPointAnomalous(rec, history, DataPoint{day(26), 7}); a != nil || err != nil {
		t.Fatal(a, err)
	}
	if !slices.Equal(rec.series, []float64{0.5, -1, 3, 2, 7}) || rec.start != 4 || rec.end != 5 {
		t.Errorf("asked about %v [%d, %d)", rec.series, rec.start, rec.end)
	}
	if _, err := IsNewPointAnomalous(rec, nil, DataPoint{day(26), 7}); !errors.Is(err, ErrNoHistory) {
		t.Errorf("no history: %v", err)
	}
	if _, err := IsNewPointAnomalous(rec, history, DataPoint{day(25), 7}); err == nil {
		t.Error("a new point inside the history: no error")
	}
	// A threshold strategy judges the new point alone: the history's own
	// anomalies do not count.
	th, _ := NewSimpleThresholdStrategy(f64(-0.5), 1)
	if a, err := IsNewPointAnomalous(th, history, DataPoint{day(26), 0}); a != nil || err != nil {
		t.Errorf("a normal point after anomalies: %v %v", a, err)
	}
}

// TestAnomalyDetectionExample is Deequ's AnomalyDetectionExample: the
// data had 2 rows yesterday and has 5 today; its size should not more
// than double.
func TestAnomalyDetectionExample(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	s := mustChange(t, true, nil, f64(2), 1)
	a, err := IsNewPointAnomalous(s, []DataPoint{{now.Add(-24 * time.Hour), 2}}, DataPoint{now, 5})
	if err != nil {
		t.Fatal(err)
	}
	if a == nil || a.Value != 5 || a.Index != 1 {
		t.Fatalf("anomaly %+v, want the new point, 5", a)
	}
	if want := "rate of change 2.5 is above maxRateIncrease 2"; a.Detail != want {
		t.Errorf("detail %q, want %q", a.Detail, want)
	}
	// Four rows today is exactly double: normal.
	if a, err := IsNewPointAnomalous(s, []DataPoint{{now.Add(-24 * time.Hour), 2}}, DataPoint{now, 4}); a != nil || err != nil {
		t.Errorf("size 4 after 2: %+v %v", a, err)
	}
}

func TestParseAnomalyRules(t *testing.T) {
	rules, err := ParseRules("rules.yaml", []byte(`checks:
  - level: warning
    constraints:
      - isNewestPointNonAnomalous: Size
        strategy: RelativeRateOfChange
        maxRateIncrease: 2
      - isNewestPointNonAnomalous: Mean(amount)
        strategy: OnlineNormal
        upperDeviationFactor: none
      - isNewestPointNonAnomalous: Completeness( email )
        strategy: SimpleThresholdStrategy
        lowerBound: 0.9
        upperBound: 1
      - isNewestPointNonAnomalous: Maximum(amount)
        strategy: AbsoluteChange
        maxRateDecrease: -10
        order: 2
`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range rules.Checks[0].Constraints {
		got = append(got, c.String())
	}
	want := []string{
		"isNewestPointNonAnomalous(Size, RelativeRateOfChangeStrategy(maxRateDecrease=none, maxRateIncrease=2, order=1))",
		"isNewestPointNonAnomalous(Mean(amount), OnlineNormalStrategy(lowerDeviationFactor=3, upperDeviationFactor=none, ignoreStartPercentage=0.1, ignoreAnomalies=true))",
		"isNewestPointNonAnomalous(Completeness(email), SimpleThresholdStrategy(lowerBound=0.9, upperBound=1))",
		"isNewestPointNonAnomalous(Maximum(amount), AbsoluteChangeStrategy(maxRateDecrease=-10, maxRateIncrease=none, order=2))",
	}
	if !slices.Equal(got, want) {
		t.Errorf("parsed\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Each constraint's YAML reads back as the same constraint.
	for _, c := range rules.Checks[0].Constraints {
		y := "checks:\n  - constraints:\n      - " + strings.ReplaceAll(c.YAML(), "\n", "\n        ") + "\n"
		back, err := ParseRules("back.yaml", []byte(y))
		if err != nil || back.Checks[0].Constraints[0].String() != c.String() {
			t.Errorf("%s: YAML\n%s\nreads back as %v, %v", c, y, back, err)
		}
	}

	for _, bad := range []struct{ rules, err string }{
		{"- isNewestPointNonAnomalous: Size\n", `rules.yaml:3:34: isNewestPointNonAnomalous needs strategy`},
		{"- isNewestPointNonAnomalous: Size\n  strategy: Seasonal\n", `rules.yaml:4:17: strategy "Seasonal": want AbsoluteChange, RelativeRateOfChange, SimpleThreshold or OnlineNormal`},
		{"- isNewestPointNonAnomalous: Size\n  strategy: AbsoluteChange\n", `rules.yaml:4:17: AbsoluteChange: give maxRateDecrease, maxRateIncrease or both`},
		{"- isNewestPointNonAnomalous: Size\n  strategy: AbsoluteChange\n  maxRateIncrease: 1\n  lowerBound: 0\n", `rules.yaml:6:19: AbsoluteChange takes no lowerBound (its parameters: maxRateDecrease, maxRateIncrease, order)`},
		{"- isNewestPointNonAnomalous: Size\n  strategy: RelativeRateOfChange\n  maxRateIncrease: lots\n", `rules.yaml:5:24: maxRateIncrease "lots": want a number`},
		{"- isNewestPointNonAnomalous: Size\n  strategy: RelativeRateOfChange\n  maxRateIncrease: 2\n  maxRateDecrease: 3\n", `rules.yaml:4:17: RelativeRateOfChange: maxRateDecrease 3 is above maxRateIncrease 2`},
		{"- isNewestPointNonAnomalous: Size\n  strategy: RelativeRateOfChange\n  maxRateIncrease: 2\n  order: 0\n", `order 0: want a whole number of at least 1`},
		{"- isNewestPointNonAnomalous: Size\n  strategy: SimpleThreshold\n  lowerBound: 1\n", `rules.yaml:4:17: SimpleThreshold needs upperBound`},
		{"- isNewestPointNonAnomalous: Size\n  strategy: OnlineNormal\n  ignoreStartPercentage: 2\n", `ignoreStartPercentage 2: want a fraction from 0 to 1`},
		{"- isNewestPointNonAnomalous: Size\n  strategy: OnlineNormal\n  ignoreAnomalies: maybe\n", `rules.yaml:5:24: ignoreAnomalies "maybe": want true or false`},
		{"- isNewestPointNonAnomalous: Size\n  strategy: OnlineNormal\n  lowerDeviationFactor: none\n  upperDeviationFactor: none\n", `give lowerDeviationFactor, upperDeviationFactor or both`},
		{"- isNewestPointNonAnomalous: Median(amount)\n  strategy: OnlineNormal\n", `rules.yaml:3:34: isNewestPointNonAnomalous "Median(amount)": want Size, or NAME(column) with NAME one of Completeness, ApproxCountDistinct, Minimum, Maximum, Mean, Sum, StandardDeviation, MinLength, MaxLength, Uniqueness, Distinctness, UniqueValueRatio or CountDistinct`},
		{"- isNewestPointNonAnomalous: Mean\n  strategy: OnlineNormal\n", `want Size, or NAME(column)`},
		{"- isNewestPointNonAnomalous: Size\n  strategy: OnlineNormal\n  assertion: '> 1'\n", `rules.yaml:5:7: isNewestPointNonAnomalous takes no assertion`},
		{"- hasSize: '> 1'\n  strategy: OnlineNormal\n", `rules.yaml:4:7: hasSize takes no strategy`},
	} {
		_, err := ParseRules("rules.yaml", []byte("checks:\n  - constraints:\n    "+strings.ReplaceAll(bad.rules, "\n", "\n    ")))
		if err == nil || !strings.Contains(err.Error(), bad.err) {
			t.Errorf("%q: error %v, want %q", bad.rules, err, bad.err)
		}
	}
}

// A run's metrics as rows of MetricColumns, and a history's points: the
// same metric, all the run's tags, in time order.
func TestMetricRowsAndHistoryPoints(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	rows := MetricRows(MetricRun{Time: at, Dataset: "sales.orders", Tags: map[string]string{"z": "1", "env": "prod"}, Command: "check",
		Metrics: []Metric{{Entity: EntityDataset, Instance: "*", Name: "Size", Value: f64(5)}, {Entity: EntityColumn, Instance: "amount", Name: "Mean"}}})
	if len(rows) != 2 || len(rows[0]) != len(MetricColumns) {
		t.Fatalf("rows %v", rows)
	}
	if want := []any{at, "sales.orders", "Dataset", "*", "Size", 5.0, `{"env":"prod","z":"1"}`, "check", "2026-03-02"}; !slices.Equal(rows[0], want) {
		t.Errorf("row %v, want %v", rows[0], want)
	}
	if rows[1][5] != nil {
		t.Errorf("a metric without a value saved as %v", rows[1][5])
	}
	day := func(d int) time.Time { return time.Date(2026, 3, d, 9, 0, 0, 0, time.UTC) }
	prod, test := map[string]string{"env": "prod"}, map[string]string{"env": "test"}
	h := &History{Table: "q.m", rows: []historyRow{
		{time: day(3), entity: "Dataset", instance: "*", name: "Size", value: 3, tags: prod},
		{time: day(1), entity: "Dataset", instance: "*", name: "Size", value: 1, tags: map[string]string{"env": "prod", "team": "a"}},
		{time: day(2), entity: "Dataset", instance: "*", name: "Size", value: 2, tags: test},
		{time: day(2), entity: "Column", instance: "amount", name: "Size", value: 9, tags: prod},
	}}
	var got []float64
	for _, p := range h.Points("Dataset", "*", "Size", prod) {
		got = append(got, p.Value)
	}
	if !slices.Equal(got, []float64{1, 3}) {
		t.Errorf("points %v, want [1 3]", got)
	}
	if n := len(h.Points("Dataset", "*", "Size", nil)); n != 3 {
		t.Errorf("untagged: %d points, want 3", n)
	}
}

// TestOnlineNormalMessageNamesItsBounds: the message of an anomaly left
// out of the running statistics quotes the bounds and mean the point was
// judged by (with it), not the statistics reset to before it.
func TestOnlineNormalMessageNamesItsBounds(t *testing.T) {
	three := 3.0
	s, err := NewOnlineNormalStrategy(&three, &three, 0, true)
	if err != nil {
		t.Fatal(err)
	}
	series := []float64{1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 50}
	stats := s.Stats(series, 0, len(series))
	last := stats[len(stats)-1]
	if !last.IsAnomaly || !(last.Upper < 50) || last.Judged == last.Mean {
		t.Fatalf("stats %+v", last)
	}
	found := s.Detect(series, 10, 11)
	if len(found) != 1 || !strings.Contains(found[0].Detail, "= "+fmtFloat(last.Upper)) || !strings.Contains(found[0].Detail, "mean "+fmtFloat(last.Judged)) {
		t.Errorf("detail %+v, want upper %v and mean %v", found, last.Upper, last.Judged)
	}
}
