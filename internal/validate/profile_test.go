package validate

import (
	"fmt"
	"math"
	"testing"

	"github.com/lakectl/lakectl/internal/dataset"
)

func text(vals ...string) []dataset.Value {
	out := make([]dataset.Value, len(vals))
	for i, v := range vals {
		if v == "<null>" {
			out[i] = dataset.Value{Kind: dataset.KindNull}
		} else {
			out[i] = dataset.Value{Kind: dataset.KindText, S: v}
		}
	}
	return out
}

func profileOf(t *testing.T, typed string, values []dataset.Value, percentiles bool) ColumnProfile {
	t.Helper()
	// Split across two profilers and merge, as workers do.
	a := NewProfiler([]string{"c"}, []string{typed}, percentiles)
	b := NewProfiler([]string{"c"}, []string{typed}, percentiles)
	for i, v := range values {
		if i%2 == 0 {
			a.Add([]dataset.Value{v})
		} else {
			b.Add([]dataset.Value{v})
		}
	}
	a.Merge(b)
	return a.Result("test").Columns[0]
}

func TestInferText(t *testing.T) {
	cases := map[string]string{
		"1": Integral, "-7": Integral, "+ 3": Integral, "007": Integral,
		"1.5": Fractional, "1e5": Fractional, "-2.5E-3": Fractional, "1.0e2": Fractional,
		".5": String, "5.": String, "NaN": String, "True": String, "1,5": String, "": String,
		"true": Boolean, "false": Boolean,
	}
	for in, want := range cases {
		if got := InferText(in); got != want {
			t.Errorf("InferText(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestDecideType(t *testing.T) {
	cases := []struct {
		vals []string
		want string
	}{
		{[]string{"<null>", "<null>"}, Unknown},
		{[]string{"1", "2", "<null>"}, Integral},
		{[]string{"1", "2.5"}, Fractional},
		{[]string{"true", "false", "<null>"}, Boolean},
		{[]string{"true", "1"}, String},
		{[]string{"1", "x"}, String},
		{[]string{"1", ""}, String}, // an empty string is a String, not a null
	}
	for _, c := range cases {
		if got := profileOf(t, "", text(c.vals...), false).DataType; got != c.want {
			t.Errorf("%v: %s, want %s", c.vals, got, c.want)
		}
	}
}

func TestProfileOfInferredNumbers(t *testing.T) {
	p := profileOf(t, "", text("1", "2", "3", "4", "<null>", "0", "10"), false)
	if p.DataType != Integral || !p.IsDataTypeInferred {
		t.Fatalf("type %s inferred %v", p.DataType, p.IsDataTypeInferred)
	}
	if math.Abs(p.Completeness-6.0/7) > 1e-12 || p.ApproxDistinct != 6 || !p.DistinctIsExact {
		t.Errorf("completeness %v distinct %d", p.Completeness, p.ApproxDistinct)
	}
	// Population statistics over 1 2 3 4 0 10: mean 20/6.
	mean := 20.0 / 6
	var ss float64
	for _, x := range []float64{1, 2, 3, 4, 0, 10} {
		ss += (x - mean) * (x - mean)
	}
	if *p.Mean != mean || *p.Sum != 20 || *p.Minimum != 0 || *p.Maximum != 10 || *p.ZerosCount != 1 ||
		math.Abs(*p.Variance-ss/6) > 1e-12 || math.Abs(*p.StdDev-math.Sqrt(ss/6)) > 1e-12 {
		t.Errorf("numeric %v %v %v %v %v %v", *p.Mean, *p.Sum, *p.Minimum, *p.Maximum, *p.Variance, *p.ZerosCount)
	}
	if p.TypeCounts[Integral] != 6 || p.TypeCounts[Unknown] != 1 {
		t.Errorf("type counts %v", p.TypeCounts)
	}
	if p.MinLength != nil {
		t.Error("a numeric column has lengths")
	}
}

func TestProfileOfStringsAndHistogram(t *testing.T) {
	p := profileOf(t, "", text("eu", "us", "eu", "", "<null>", "asia"), false)
	if p.DataType != String || p.Completeness != 5.0/6 || p.ApproxDistinct != 4 {
		t.Errorf("%s %v %d", p.DataType, p.Completeness, p.ApproxDistinct)
	}
	// A null counts as length 0; the empty string too.
	if *p.MinLength != 0 || *p.MaxLength != 4 {
		t.Errorf("lengths %d %d", *p.MinLength, *p.MaxLength)
	}
	want := []HistogramEntry{{"eu", 2, 2.0 / 6}, {"", 1, 1.0 / 6}, {NullValue, 1, 1.0 / 6}, {"asia", 1, 1.0 / 6}, {"us", 1, 1.0 / 6}}
	if fmt.Sprint(p.Histogram) != fmt.Sprint(want) {
		t.Errorf("histogram\n got %v\nwant %v", p.Histogram, want)
	}
	if p.Mean != nil {
		t.Error("a string column has numeric statistics")
	}
}

func TestHistogramThreshold(t *testing.T) {
	var vals []dataset.Value
	for i := range HistogramMaxDistinct {
		vals = append(vals, dataset.Value{Kind: dataset.KindIntegral, I: int64(i)})
	}
	if p := profileOf(t, Integral, vals, false); len(p.Histogram) != HistogramMaxDistinct {
		t.Errorf("120 distinct values: %d bins", len(p.Histogram))
	}
	vals = append(vals, dataset.Value{Kind: dataset.KindIntegral, I: 999})
	if p := profileOf(t, Integral, vals, false); p.Histogram != nil {
		t.Errorf("121 distinct values still have a histogram")
	}
}

func TestTypedColumnsAndPercentiles(t *testing.T) {
	var vals []dataset.Value
	for i := 1; i <= 1000; i++ {
		vals = append(vals, dataset.Value{Kind: dataset.KindFractional, F: float64(i)})
	}
	p := profileOf(t, Fractional, vals, true)
	if p.IsDataTypeInferred || p.TypeCounts != nil || p.DataType != Fractional {
		t.Errorf("typed column: %+v", p)
	}
	// KLL is approximate: within its rank error (about 2% here).
	if len(p.ApproxPercentiles) != 100 || math.Abs(p.ApproxPercentiles[49]-500) > 20 || math.Abs(p.ApproxPercentiles[99]-1000) > 20 {
		t.Errorf("percentiles: %d, median %v, max %v", len(p.ApproxPercentiles), p.ApproxPercentiles[49], p.ApproxPercentiles[99])
	}
	if p.Histogram != nil {
		t.Errorf("1000 distinct values have a histogram")
	}
	b := profileOf(t, Boolean, []dataset.Value{{Kind: dataset.KindBoolean, B: true}, {Kind: dataset.KindBoolean, B: true}, {Kind: dataset.KindNull}}, false)
	if b.DataType != Boolean || fmt.Sprint(b.Histogram) != fmt.Sprint([]HistogramEntry{{"true", 2, 2.0 / 3}, {NullValue, 1, 1.0 / 3}}) {
		t.Errorf("boolean %+v", b)
	}
}

func TestDistinctCountBeyondExact(t *testing.T) {
	a := NewProfiler([]string{"c"}, []string{Integral}, false)
	b := NewProfiler([]string{"c"}, []string{Integral}, false)
	const n = 300_000
	for i := range n {
		v := []dataset.Value{{Kind: dataset.KindIntegral, I: int64(i)}}
		if i < n/2 {
			a.Add(v)
		} else {
			b.Add(v)
		}
		if i%3 == 0 {
			b.Add(v) // repeats do not count
		}
	}
	a.Merge(b)
	p := a.Result("t").Columns[0]
	if p.DistinctIsExact {
		t.Fatal("300,000 distinct values counted exactly")
	}
	if err := math.Abs(float64(p.ApproxDistinct)-n) / n; err > 0.02 {
		t.Errorf("estimate %d of %d: error %.3f, worse than 2%% (Deequ's sketch: 5%%)", p.ApproxDistinct, n, err)
	}
}
