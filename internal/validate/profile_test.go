package validate

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/lakectl/lakectl/internal/convert"
	"github.com/lakectl/lakectl/internal/dataset"
	"github.com/lakectl/lakectl/internal/storage/local"
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
	if float64(*p.Mean) != mean || *p.Sum != 20 || *p.Minimum != 0 || *p.Maximum != 10 || *p.ZerosCount != 1 ||
		math.Abs(float64(*p.Variance)-ss/6) > 1e-12 || math.Abs(float64(*p.StdDev)-math.Sqrt(ss/6)) > 1e-12 {
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
	if len(p.ApproxPercentiles) != 100 || math.Abs(float64(p.ApproxPercentiles[49])-500) > 20 || math.Abs(float64(p.ApproxPercentiles[99])-1000) > 20 {
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

func doubles(fs ...float64) []dataset.Value {
	out := make([]dataset.Value, len(fs))
	for i, f := range fs {
		out[i] = dataset.Value{Kind: dataset.KindFractional, F: f}
	}
	return out
}

// NaN and the infinities follow Spark: NaN is above every value (so the
// maximum is NaN when there is one), sums and deviations are IEEE's, every
// NaN is one distinct value, and JSON carries them all as strings.
func TestProfileNaNAndInfinities(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	otherNaN := math.Float64frombits(0x7ff8000000000001)
	text := func(d *Double) string {
		if d == nil {
			return "nil"
		}
		return d.Text(-1)
	}
	cases := []struct {
		name                          string
		vals                          []dataset.Value
		min, max, sum, mean, std, p99 string
		distinct                      int64
	}{
		{"NaN and infinities", doubles(1, nan, inf, -inf, 2, otherNaN, 0, math.Copysign(0, -1)), "-Infinity", "NaN", "NaN", "NaN", "NaN", "NaN", 6},
		{"infinities", doubles(1, inf, 2), "1", "Infinity", "Infinity", "Infinity", "NaN", "Infinity", 3},
		{"both infinities", doubles(inf, -inf), "-Infinity", "Infinity", "NaN", "NaN", "NaN", "Infinity", 2},
		{"all NaN", doubles(nan, nan), "NaN", "NaN", "NaN", "NaN", "NaN", "NaN", 1},
		{"one NaN", doubles(1, 3, nan), "1", "NaN", "NaN", "NaN", "NaN", "NaN", 3},
		{"finite", doubles(1, 3), "1", "3", "4", "2", "1", "3", 2},
	}
	for _, c := range cases {
		p := profileOf(t, Fractional, c.vals, true)
		got := []string{text(p.Minimum), text(p.Maximum), text(p.Sum), text(p.Mean), text(p.StdDev), p.ApproxPercentiles[98].Text(-1)}
		want := []string{c.min, c.max, c.sum, c.mean, c.std, c.p99}
		if fmt.Sprint(got) != fmt.Sprint(want) || p.ApproxDistinct != c.distinct {
			t.Errorf("%s: min, max, sum, mean, stddev, p99 = %v, %d distinct; want %v, %d", c.name, got, p.ApproxDistinct, want, c.distinct)
		}
		b, err := json.Marshal(p)
		if err != nil || !json.Valid(b) {
			t.Fatalf("%s: JSON %s: %v", c.name, b, err)
		}
		var back ColumnProfile
		if err := json.Unmarshal(b, &back); err != nil || text(back.Maximum) != c.max || text(back.Minimum) != c.min {
			t.Errorf("%s: JSON %s reads back as max %s, min %s: %v", c.name, b, text(back.Maximum), text(back.Minimum), err)
		}
	}
	p := profileOf(t, Fractional, doubles(nan, inf, -inf, inf), false)
	if fmt.Sprint(p.Histogram) != fmt.Sprint([]HistogramEntry{{"Infinity", 2, 0.5}, {"-Infinity", 1, 0.25}, {"NaN", 1, 0.25}}) {
		t.Errorf("histogram %v", p.Histogram)
	}
	if b, _ := json.Marshal(p); !strings.Contains(string(b), `"maximum":"NaN","minimum":"-Infinity"`) {
		t.Errorf("JSON %s", b)
	}
}

// A Parquet double column holding NaN and infinities profiles to JSON.
func TestProfileParquetNaNToJSON(t *testing.T) {
	src := writeFiles(t, map[string]string{"a.csv": "id,x\n1,1.5\n2,NaN\n3,Infinity\n4,-Infinity\n5,\n"})
	dest, _ := local.New(t.TempDir())
	if _, err := convert.Run(t.Context(), nil, dataset.Input{Table: table(src, "csv", "id:bigint", "x:double"), Store: openLocal}, dest, convert.Options{}); err != nil {
		t.Fatal(err)
	}
	pt := table(strings.TrimPrefix(strings.TrimSuffix(dest.URI(""), "/"), "file://"), "parquet", "id:bigint", "x:double")
	p, err := ProfileInput(t.Context(), dataset.Input{Table: pt, Store: openLocal}, ProfileOptions{Percentiles: true})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(p)
	if err != nil || !json.Valid(b) {
		t.Fatalf("JSON %s: %v", b, err)
	}
	x := p.Column("x")
	if x.Maximum.Text(-1) != "NaN" || x.Minimum.Text(-1) != "-Infinity" || x.Completeness != 0.8 || x.ApproxDistinct != 4 {
		t.Errorf("x: %s", b)
	}
	// A NaN metric meets no assertion; an infinite one compares as such.
	rules, err := ParseRules("r.yaml", []byte("checks:\n  - constraints:\n      - hasMax: x\n        assertion: \">= 0\"\n      - hasMin: x\n        assertion: \"< -1e308\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := CheckInput(t.Context(), dataset.Input{Table: pt, Store: openLocal}, rules, CheckOptions{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if b, err = json.Marshal(rep); err != nil || !json.Valid(b) {
		t.Fatalf("check report JSON %s: %v", b, err)
	}
	if max, min := rep.Checks[0].Constraints[0], rep.Checks[0].Constraints[1]; max.Status != Failure || max.Message != "value NaN does not meet >= 0" || min.Status != Success {
		t.Errorf("check report %s", b)
	}
}

// Dates and timestamps are counted by their bits while a column holds only
// one of those kinds; the profile must be the one of their text in every
// case: distinct counts (exact and sketched), histogram, lengths.
func TestInstantsProfileAsTheirText(t *testing.T) {
	ts := func(s string) dataset.Value {
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return dataset.Value{Kind: dataset.KindTime, I: tm.UnixMicro()}
	}
	day := func(s string) dataset.Value {
		tm, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return dataset.Value{Kind: dataset.KindDate, I: tm.UnixMicro()}
	}
	str := func(s string) dataset.Value { return dataset.Value{Kind: dataset.KindString, S: s} }
	null := dataset.Value{Kind: dataset.KindNull}
	var many []dataset.Value // beyond the exact count: sketched
	for i := range exactDistinct + 50_000 {
		many = append(many, dataset.Value{Kind: dataset.KindTime, I: 1_700_000_000_000_000 + int64(i)*1_500_000})
	}
	cases := map[string][]dataset.Value{
		"timestamps": {ts("2024-01-02T10:00:00Z"), ts("2024-01-02T10:00:00.5Z"), null, ts("2024-01-02T10:00:00Z"), ts("1999-12-31T23:59:59.123456Z")},
		"dates":      {day("2024-01-02"), day("2024-01-02"), null, day("1970-01-01")},
		// A column typed in one file and text in another: one value each.
		"timestamps then their text": {ts("2024-01-02T10:00:00Z"), ts("2024-01-03T10:00:00Z"), str("2024-01-02T10:00:00Z"), str("2024-01-03T10:00:00Z")},
		"text then timestamps":       {str("2024-01-02T10:00:00Z"), str("x"), ts("2024-01-02T10:00:00Z"), ts("2024-01-02T10:00:00Z")},
		"dates and timestamps":       {day("2024-01-02"), day("2024-01-02"), ts("2024-01-02T00:00:00Z"), ts("2024-01-02T00:00:00Z")},
		"timestamps then integers":   {ts("2024-01-02T00:00:00Z"), {Kind: dataset.KindIntegral, I: 1704153600000000}, {Kind: dataset.KindIntegral, I: 7}},
		"sketched":                   many,
		"sketched, then text":        append(slices.Clone(many), str("2023-11-14T22:13:20Z"), str("y")),
	}
	for name, vals := range cases {
		t.Run(name, func(t *testing.T) {
			asText := make([]dataset.Value, len(vals))
			for i, v := range vals {
				asText[i] = v
				if v.Kind == dataset.KindTime || v.Kind == dataset.KindDate {
					asText[i] = str(v.Text())
				}
			}
			for _, workers := range []int{1, 2} {
				got, gotHLL := profileAndSketch(vals, workers)
				want, wantHLL := profileAndSketch(asText, workers)
				if !reflect.DeepEqual(got, want) || gotHLL != wantHLL {
					t.Errorf("%d workers:\n got %+v, sketch %v\nwant %+v, sketch %v", workers, got, gotHLL, want, wantHLL)
				}
			}
		})
	}
}

// profileAndSketch profiles one column of values over workers merged, and
// returns the profile and, once counted approximately, the sketch's
// composite estimate: it reads the registers alone, which are the same
// whatever order the values came in (the profile's HIP estimate is not).
func profileAndSketch(vals []dataset.Value, workers int) (ColumnProfile, float64) {
	ps := make([]*Profiler, workers)
	for i := range ps {
		ps[i] = NewProfiler([]string{"c"}, []string{String}, false)
	}
	for i, v := range vals {
		ps[i%workers].Add([]dataset.Value{v})
	}
	for _, o := range ps[1:] {
		ps[0].Merge(o)
	}
	p := ps[0].Result("test").Columns[0]
	c := ps[0].cols[0]
	if c.exact != nil {
		return p, 0
	}
	p.ApproxDistinct = 0
	est, _ := c.sketch.GetCompositeEstimate()
	return p, est
}

// Readers hand over strings pointing into buffers they reuse (Parquet
// pages, text chunks): the exact counts keep copies of their own, even for
// a value seen again after its copy was made.
func TestProfileKeepsItsOwnCopyOfStrings(t *testing.T) {
	buf := []byte("Match")
	reused := dataset.Value{Kind: dataset.KindString, S: unsafe.String(&buf[0], len(buf))}
	p := NewProfiler([]string{"c"}, []string{String}, false)
	p.Add([]dataset.Value{reused})
	p.Add([]dataset.Value{reused})
	copy(buf, "Other")
	p.Add([]dataset.Value{reused})
	got := p.Result("test").Columns[0].Histogram
	want := []HistogramEntry{{Value: "Match", Count: 2, Ratio: 2.0 / 3}, {Value: "Other", Count: 1, Ratio: 1.0 / 3}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("histogram %+v, want %+v", got, want)
	}
}
