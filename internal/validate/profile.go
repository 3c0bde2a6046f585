// Package validate profiles data, checks it against rules and compares a
// source with its migrated target, with the definitions of Deequ (see
// docs/validate.md): a Deequ user gets the same numbers, except where
// lakectl is deliberately more accurate.
package validate

import (
	"encoding/json"
	"fmt"
	"iter"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/lakectl/lakectl/internal/dataset"

	"github.com/apache/datasketches-go/common"
	"github.com/apache/datasketches-go/hll"
	"github.com/apache/datasketches-go/kll"
)

// Deequ's type names.
const (
	Unknown    = "Unknown"
	Integral   = "Integral"
	Fractional = "Fractional"
	Boolean    = "Boolean"
	String     = "String"
	// Numeric, for hasDataType only: Integral or Fractional (as Deequ's
	// ConstrainableDataTypes.Numeric).
	Numeric = "Numeric"
)

// Deequ's patterns for inferring the type of a text value, tried in this
// order (Deequ's DataTypeInstances).
var (
	fractionalRE = regexp.MustCompile(`^(-|\+)? ?\d+((\.\d+)|((?:\.\d+)?[Ee][-+]?\d+))$`)
	integralRE   = regexp.MustCompile(`^(-|\+)? ?\d+$`)
)

// InferText is the Deequ type of one non-null text value.
func InferText(s string) string {
	switch {
	case fractionalRE.MatchString(s):
		return Fractional
	case integralRE.MatchString(s):
		return Integral
	case s == "true" || s == "false":
		return Boolean
	}
	return String
}

// Limits of the profile.
const (
	// HistogramMaxDistinct: a histogram is kept for columns with at most
	// this many distinct values (Deequ's default threshold, inclusive).
	HistogramMaxDistinct = 120
	// exactDistinct: distinct values are counted exactly up to here, then
	// by HyperLogLog++ (Deequ counts approximately from the first value).
	exactDistinct = 100_000
	// hllLgK: 2^14 registers, relative error about 0.8% (Deequ: 2^9, 5%).
	hllLgK = 14
	// NullValue is the histogram key of nulls.
	NullValue = "NullValue"
)

// columnStats accumulates one column's profile in one pass; accumulators
// of different workers merge.
type columnStats struct {
	rows       int64
	nulls      int64
	typeCounts map[string]int64
	// Exact counts of values, while small: text, or numbers, dates and
	// timestamps by their bits (a typed column's values are all of one
	// kind).
	exact    *exactCounts[string]
	exactNum *exactCounts[uint64]
	numKind  dataset.Kind  // the kind of the values in exactNum
	sketch   hll.HllSketch // once the exact counts are dropped
	// instantsAsText: dates and timestamps are counted by their text, as
	// the column also holds text or both kinds (counted by bits, a date
	// and the string of its text would be two values).
	instantsAsText bool
	textBuf        []byte // a date's or timestamp's text, reused
	minLen         int
	maxLen         int
	lenSeen        bool
	// Numeric statistics over the values that are numbers; min, max, sum,
	// mean and m2 leave NaN out (nans counts them; result applies Spark's
	// rules).
	num           int64
	nans          int64
	min, max, sum float64
	mean, m2      float64 // Welford: population variance = m2 / num
	zeros         int64
	quantiles     *kll.ItemsSketch[float64]
}

// nanLast orders doubles as Spark does: NaN above every other value, +Inf
// included (a plain < gives the sketch no order to keep NaN in).
func nanLast(a, b float64) bool { return a < b || !math.IsNaN(a) && math.IsNaN(b) }

func newColumnStats(percentiles bool) *columnStats {
	c := &columnStats{typeCounts: map[string]int64{}, exact: newExactCounts[string](), exactNum: newExactCounts[uint64](), min: math.Inf(1), max: math.Inf(-1)}
	if percentiles {
		c.quantiles, _ = kll.NewKllItemsSketchWithDefault[float64](nanLast, common.ItemSketchDoubleSerDe{})
	}
	return c
}

func (c *columnStats) add(v dataset.Value) {
	c.rows++
	if v.Kind == dataset.KindNull {
		c.nulls++
		c.typeCounts[Unknown]++
		c.length(0)
		return
	}
	var text string
	switch v.Kind {
	case dataset.KindText:
		text = v.S
		t := InferText(text)
		c.typeCounts[t]++
		if t == Integral || t == Fractional {
			if f, err := strconv.ParseFloat(stripSpace(text), 64); err == nil {
				c.number(f)
			}
		}
		c.length(utf8.RuneCountInString(text))
	case dataset.KindString:
		text = v.S
		c.length(utf8.RuneCountInString(text))
	case dataset.KindTime, dataset.KindDate:
		c.instant(v)
		return
	case dataset.KindIntegral:
		c.number(float64(v.I))
		c.distinctNum(dataset.KindIntegral, uint64(v.I))
		return
	case dataset.KindFractional:
		c.number(v.F)
		c.distinctNum(dataset.KindFractional, math.Float64bits(normalFloat(v.F)))
		return
	case dataset.KindBoolean:
		text = strconv.FormatBool(v.B)
	}
	c.distinct(text)
}

// instant counts a date or timestamp: by its bits while the column holds
// only instants of its kind, so that its text is made once per distinct
// value instead of once per row (its length is the same every time).
func (c *columnStats) instant(v dataset.Value) {
	bits := uint64(v.I)
	if c.exact != nil && !c.instantsAsText {
		if (c.numKind == 0 || c.numKind == v.Kind) && c.exact.len() == 0 {
			c.numKind = v.Kind
			if c.exactNum.inc(bits) {
				return
			}
			c.textBuf = v.AppendText(c.textBuf[:0])
			c.length(utf8.RuneCount(c.textBuf))
			c.exactNum.add(bits, 1)
			if c.exactNum.len() > exactDistinct {
				c.toSketch()
			}
			return
		}
		c.instantsToText()
	}
	c.textBuf = v.AppendText(c.textBuf[:0])
	c.length(utf8.RuneCount(c.textBuf))
	// distinct copies the text if it keeps it.
	c.distinct(unsafe.String(unsafe.SliceData(c.textBuf), len(c.textBuf)))
}

func isInstant(k dataset.Kind) bool { return k == dataset.KindTime || k == dataset.KindDate }

// instantsToText counts dates and timestamps by their text from now on,
// moving those counted by bits to their text.
func (c *columnStats) instantsToText() {
	c.instantsAsText = true
	if !isInstant(c.numKind) {
		return
	}
	if c.exact != nil {
		for b, n := range c.exactNum.all() {
			c.exact.add(c.numText(b), n)
		}
		c.exactNum = newExactCounts[uint64]()
	}
	c.numKind = 0
}

// distinctNum counts a number by its bits.
func (c *columnStats) distinctNum(k dataset.Kind, bits uint64) {
	if c.exact == nil {
		c.sketch.UpdateUInt64(bits)
		return
	}
	if isInstant(c.numKind) && c.numKind != k {
		// Instants counted by their bits, now numbers of another kind (one
		// table's files typing the column otherwise): the instants move to
		// their text, so no two kinds share a count.
		c.instantsToText()
	}
	c.numKind = k
	if c.exactNum.inc(bits) {
		return
	}
	c.exactNum.add(bits, 1)
	if c.exactNum.len() > exactDistinct {
		c.toSketch()
	}
}

// normalFloat is f as Spark groups it: every NaN one value, -0 as 0.
func normalFloat(f float64) float64 {
	switch {
	case math.IsNaN(f):
		return math.NaN()
	case f == 0:
		return 0
	}
	return f
}

// numText is the text of a number, date or timestamp counted by its bits.
func (c *columnStats) numText(bits uint64) string {
	switch c.numKind {
	case dataset.KindFractional:
		return formatFloat(math.Float64frombits(bits))
	case dataset.KindTime, dataset.KindDate:
		return dataset.Value{Kind: c.numKind, I: int64(bits)}.Text()
	}
	return strconv.FormatInt(int64(bits), 10)
}

// sketchUpdater is a HyperLogLog sketch or union.
type sketchUpdater interface {
	UpdateString(string) error
	UpdateUInt64(uint64) error
}

// sketchExact adds the exactly counted values to a sketch, each hashed as
// it is once counted approximately: text, or a number's bits.
func (c *columnStats) sketchExact(s sketchUpdater) {
	for k := range c.exact.all() {
		s.UpdateString(k)
	}
	for b := range c.exactNum.all() {
		if isInstant(c.numKind) {
			s.UpdateString(c.numText(b))
		} else {
			s.UpdateUInt64(b)
		}
	}
}

// stripSpace drops the one space Deequ's patterns allow after the sign.
func stripSpace(s string) string {
	if len(s) > 2 && (s[0] == '-' || s[0] == '+') && s[1] == ' ' {
		return s[:1] + s[2:]
	}
	return s
}

// formatFloat prints a double as Spark casts it to string (1.0, not 1;
// NaN, Infinity, -Infinity).
func formatFloat(f float64) string {
	if s, ok := nonFinite(f); ok {
		return s
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if math.Trunc(f) == f && len(s) < 16 {
		s += ".0"
	}
	return s
}

func (c *columnStats) length(n int) {
	if !c.lenSeen || n < c.minLen {
		c.minLen = n
	}
	if !c.lenSeen || n > c.maxLen {
		c.maxLen = n
	}
	c.lenSeen = true
}

func (c *columnStats) number(f float64) {
	c.num++
	if c.quantiles != nil {
		c.quantiles.Update(f)
	}
	if math.IsNaN(f) {
		c.nans++
		return
	}
	c.min = math.Min(c.min, f)
	c.max = math.Max(c.max, f)
	c.sum += f
	d := f - c.mean
	c.mean += d / float64(c.num-c.nans)
	c.m2 += d * (f - c.mean)
	if f == 0 {
		c.zeros++
	}
}

func (c *columnStats) distinct(text string) {
	if c.exact != nil {
		if isInstant(c.numKind) {
			c.instantsToText()
		}
		if c.exact.inc(text) {
			return
		}
		// The text may point into a reused buffer: keep a copy.
		c.exact.add(strings.Clone(text), 1)
		if c.exact.len() > exactDistinct {
			c.toSketch()
		}
		return
	}
	c.sketch.UpdateString(text)
}

func (c *columnStats) toSketch() {
	c.sketch, _ = hll.NewHllSketch(hllLgK, hll.TgtHllTypeHll8)
	c.sketchExact(c.sketch)
	c.exact, c.exactNum = nil, nil
}

func (c *columnStats) exactCount() int {
	return c.exact.len() + c.exactNum.len()
}

// exactCounts counts values exactly. A value already counted costs one
// lookup, which leaves the map's key alone: assigning to a map entry would
// replace the kept copy of a string with the caller's, which may point
// into a reused buffer.
type exactCounts[K comparable] struct {
	slot   map[K]int // a value's index in counts
	counts []int64
}

func newExactCounts[K comparable]() *exactCounts[K] {
	return &exactCounts[K]{slot: map[K]int{}}
}

func (e *exactCounts[K]) len() int { return len(e.slot) }

// inc counts k once more if it is counted, and says whether it was.
func (e *exactCounts[K]) inc(k K) bool {
	i, ok := e.slot[k]
	if ok {
		e.counts[i]++
	}
	return ok
}

// add counts k n times more, keeping k itself if it is new.
func (e *exactCounts[K]) add(k K, n int64) {
	if i, ok := e.slot[k]; ok {
		e.counts[i] += n
		return
	}
	e.slot[k] = len(e.counts)
	e.counts = append(e.counts, n)
}

// all yields each value and its count.
func (e *exactCounts[K]) all() iter.Seq2[K, int64] {
	return func(yield func(K, int64) bool) {
		for k, i := range e.slot {
			if !yield(k, e.counts[i]) {
				return
			}
		}
	}
}

// merge adds another worker's accumulator of the same column.
func (c *columnStats) merge(o *columnStats) {
	if o.rows == 0 {
		return
	}
	c.rows += o.rows
	c.nulls += o.nulls
	for k, n := range o.typeCounts {
		c.typeCounts[k] += n
	}
	if o.lenSeen {
		c.length(o.minLen)
		c.length(o.maxLen)
	}
	if c.exact != nil && o.exact != nil && (isInstant(c.numKind) || isInstant(o.numKind)) {
		// Instants merge by their bits only as one kind with no text.
		alike := c.numKind == o.numKind || c.exactCount() == 0 || o.exactCount() == 0
		if !alike || c.exact.len() > 0 || o.exact.len() > 0 || c.instantsAsText || o.instantsAsText {
			c.instantsToText()
			o.instantsToText()
		}
	}
	c.instantsAsText = c.instantsAsText || o.instantsAsText
	if c.exact != nil && o.exact != nil {
		if o.numKind != 0 {
			c.numKind = o.numKind
		}
		for k, n := range o.exact.all() {
			c.exact.add(k, n)
		}
		for k, n := range o.exactNum.all() {
			c.exactNum.add(k, n)
		}
		if c.exactCount() > exactDistinct {
			c.toSketch()
		}
	} else {
		if c.exact != nil {
			c.toSketch()
		}
		u, _ := hll.NewUnion(hllLgK)
		u.UpdateSketch(c.sketch)
		if o.exact != nil {
			o.sketchExact(u)
		} else {
			u.UpdateSketch(o.sketch)
		}
		c.sketch, _ = u.GetResult(hll.TgtHllTypeHll8)
		if o.numKind != 0 {
			c.numKind = o.numKind
		}
	}
	if o.num > 0 {
		// Chan et al.: combine means and sums of squared deviations.
		cn, on := c.num-c.nans, o.num-o.nans
		if n := cn + on; on > 0 {
			d := o.mean - c.mean
			c.m2 += o.m2 + d*d*float64(cn)*float64(on)/float64(n)
			c.mean += d * float64(on) / float64(n)
		}
		c.num += o.num
		c.nans += o.nans
		c.min = math.Min(c.min, o.min)
		c.max = math.Max(c.max, o.max)
		c.sum += o.sum
		c.zeros += o.zeros
		if c.quantiles != nil && o.quantiles != nil {
			c.quantiles.Merge(o.quantiles)
		}
	}
}

// ColumnProfile is one column's profile. JSON names are Deequ's (as PyDeequ
// reads them), plus what Deequ's JSON lacks.
type ColumnProfile struct {
	Column             string           `json:"column"`
	DataType           string           `json:"dataType"`
	IsDataTypeInferred bool             `json:"isDataTypeInferred"`
	Completeness       float64          `json:"completeness"`
	ApproxDistinct     int64            `json:"approximateNumDistinctValues"`
	DistinctIsExact    bool             `json:"distinctIsExact"`
	Histogram          []HistogramEntry `json:"histogram,omitempty"`
	Mean               *Double          `json:"mean,omitempty"`
	Maximum            *Double          `json:"maximum,omitempty"`
	Minimum            *Double          `json:"minimum,omitempty"`
	Sum                *Double          `json:"sum,omitempty"`
	StdDev             *Double          `json:"stdDev,omitempty"`
	Variance           *Double          `json:"variance,omitempty"`
	ZerosCount         *int64           `json:"zerosCount,omitempty"`
	ApproxPercentiles  []Double         `json:"approxPercentiles,omitempty"`
	TypeCounts         map[string]int64 `json:"typeCounts,omitempty"`
	MinLength          *int             `json:"minLength,omitempty"`
	MaxLength          *int             `json:"maxLength,omitempty"`
}

// Double is a statistic that may be NaN or infinite. JSON has no such
// numbers: they are the strings "NaN", "Infinity" and "-Infinity", as
// Spark and Jackson write them; finite values are JSON numbers.
type Double float64

// nonFinite names NaN and the infinities as Spark prints them.
func nonFinite(f float64) (string, bool) {
	switch {
	case math.IsNaN(f):
		return "NaN", true
	case math.IsInf(f, 1):
		return "Infinity", true
	case math.IsInf(f, -1):
		return "-Infinity", true
	}
	return "", false
}

// Text is d with prec significant digits (-1: the fewest that read back
// the same), NaN and the infinities by name.
func (d Double) Text(prec int) string {
	if s, ok := nonFinite(float64(d)); ok {
		return s
	}
	return strconv.FormatFloat(float64(d), 'g', prec, 64)
}

func (d Double) String() string { return d.Text(-1) }

func (d Double) MarshalJSON() ([]byte, error) {
	if s, ok := nonFinite(float64(d)); ok {
		return []byte(`"` + s + `"`), nil
	}
	return json.Marshal(float64(d))
}

func (d *Double) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case `"NaN"`:
		*d = Double(math.NaN())
	case `"Infinity"`:
		*d = Double(math.Inf(1))
	case `"-Infinity"`:
		*d = Double(math.Inf(-1))
	default:
		var f float64
		if err := json.Unmarshal(b, &f); err != nil {
			return fmt.Errorf("want a number, \"NaN\", \"Infinity\" or \"-Infinity\": %w", err)
		}
		*d = Double(f)
	}
	return nil
}

// HistogramEntry is one bin: a value (as text, NullValue for nulls), its
// count and its ratio to all rows.
type HistogramEntry struct {
	Value string  `json:"value"`
	Count int64   `json:"count"`
	Ratio float64 `json:"ratio"`
}

// result turns the accumulator into the profile of a column whose source
// type is typed (Integral, ...) or "" for text to infer.
func (c *columnStats) result(name, typed string, percentiles bool, histogramThreshold int) ColumnProfile {
	p := ColumnProfile{Column: name}
	if c.rows > 0 {
		p.Completeness = float64(c.rows-c.nulls) / float64(c.rows)
	}
	if c.exact != nil {
		p.ApproxDistinct, p.DistinctIsExact = int64(c.exactCount()), true
	} else {
		est, _ := c.sketch.GetEstimate()
		p.ApproxDistinct = int64(math.Round(est))
	}
	if typed == "" {
		p.IsDataTypeInferred = true
		p.DataType = decideType(c.typeCounts)
		p.TypeCounts = map[string]int64{}
		for _, t := range []string{Unknown, Integral, Fractional, Boolean, String} {
			p.TypeCounts[t] = c.typeCounts[t]
		}
	} else {
		p.DataType = typed
	}
	if p.DataType == String || p.DataType == Unknown && typed == "" {
		minL, maxL := c.minLen, c.maxLen
		p.MinLength, p.MaxLength = &minL, &maxL
	}
	if (p.DataType == Integral || p.DataType == Fractional) && c.num > 0 {
		// Spark's rules: NaN is above every other value, so the maximum
		// is NaN when there is one and the minimum only when all are; sum,
		// mean and the deviations are NaN when a NaN is summed, and IEEE's
		// (±Inf, or NaN for +Inf with -Inf, or any infinity's deviation)
		// otherwise.
		mx, mn, sum := Double(c.max), Double(c.min), Double(c.sum)
		variance := Double(c.m2 / float64(c.num-c.nans))
		if c.nans > 0 {
			mx, sum, variance = Double(math.NaN()), Double(math.NaN()), Double(math.NaN())
			if c.nans == c.num {
				mn = Double(math.NaN())
			}
		}
		mean := sum / Double(c.num) // Deequ: mean = sum / count
		std := Double(math.Sqrt(float64(variance)))
		zeros := c.zeros
		p.Mean, p.Maximum, p.Minimum, p.Sum, p.StdDev, p.Variance, p.ZerosCount = &mean, &mx, &mn, &sum, &std, &variance, &zeros
		if percentiles && c.quantiles != nil && !c.quantiles.IsEmpty() {
			for i := 1; i <= 100; i++ {
				q, err := c.quantiles.GetQuantile(float64(i)/100, true)
				if err == nil {
					p.ApproxPercentiles = append(p.ApproxPercentiles, Double(q))
				}
			}
		}
	}
	if p.ApproxDistinct <= int64(histogramThreshold) && c.exact != nil {
		for k, n := range c.exact.all() {
			p.Histogram = append(p.Histogram, HistogramEntry{Value: k, Count: n, Ratio: float64(n) / float64(c.rows)})
		}
		for b, n := range c.exactNum.all() {
			p.Histogram = append(p.Histogram, HistogramEntry{Value: c.numText(b), Count: n, Ratio: float64(n) / float64(c.rows)})
		}
		if c.nulls > 0 {
			p.Histogram = append(p.Histogram, HistogramEntry{Value: NullValue, Count: c.nulls, Ratio: float64(c.nulls) / float64(c.rows)})
		}
		sort.Slice(p.Histogram, func(i, j int) bool {
			a, b := p.Histogram[i], p.Histogram[j]
			return a.Count > b.Count || a.Count == b.Count && a.Value < b.Value
		})
	}
	return p
}

// decideType is Deequ's rule for a text column's type from its counts.
func decideType(counts map[string]int64) string {
	nonNull := counts[Integral] + counts[Fractional] + counts[Boolean] + counts[String]
	switch {
	case nonNull == 0:
		return Unknown
	case counts[String] > 0, counts[Boolean] > 0 && counts[Integral]+counts[Fractional] > 0:
		return String
	case counts[Boolean] > 0:
		return Boolean
	case counts[Fractional] > 0:
		return Fractional
	}
	return Integral
}

// Profile is the profile of a data set.
type Profile struct {
	Source  string          `json:"source"`
	Rows    int64           `json:"numRecords"`
	Columns []ColumnProfile `json:"columns"`
	// MalformedRecords were not profiled (a wrong number of fields, not a
	// JSON object); FirstMalformed says where the first one is.
	MalformedRecords int64  `json:"malformedRecords"`
	FirstMalformed   string `json:"firstMalformed,omitempty"`
	// MembersOutsideSchema counts, per member a JSON record holds that is
	// no column of the table (attrs.b for a struct's), the records holding
	// it: nothing in the data goes unreported.
	MembersOutsideSchema map[string]int64 `json:"membersOutsideSchema,omitempty"`
	// FilesSkipped are files under the source's locations that are not its
	// data, with the reason.
	FilesSkipped []dataset.SkippedFile `json:"filesSkipped,omitempty"`
}

// Profiler accumulates the columns of rows; one per worker, merged.
type Profiler struct {
	names       []string
	typed       []string // "" for text columns (types inferred)
	percentiles bool
	cols        []*columnStats
	// HistogramThreshold: histograms for columns with at most this many
	// distinct values (default HistogramMaxDistinct).
	HistogramThreshold int
}

// NewProfiler profiles columns with these names and source types (Deequ
// names; "" for text to infer).
func NewProfiler(names, typed []string, percentiles bool) *Profiler {
	p := &Profiler{names: names, typed: typed, percentiles: percentiles}
	for range names {
		p.cols = append(p.cols, newColumnStats(percentiles))
	}
	return p
}

// Add profiles one row: one value per column.
func (p *Profiler) Add(row []dataset.Value) {
	for i, v := range row {
		p.cols[i].add(v)
	}
}

// Merge adds another profiler's rows.
func (p *Profiler) Merge(other dataset.Sink) {
	o := other.(*Profiler)
	for i := range p.cols {
		p.cols[i].merge(o.cols[i])
	}
}

// Result is the profile so far.
func (p *Profiler) Result(source string) *Profile {
	out := &Profile{Source: source, Columns: []ColumnProfile{}}
	for i, c := range p.cols {
		out.Columns = append(out.Columns, c.result(p.names[i], p.typed[i], p.percentiles, p.threshold()))
		out.Rows = c.rows
	}
	return out
}

func (p *Profiler) threshold() int {
	if p.HistogramThreshold > 0 {
		return p.HistogramThreshold
	}
	return HistogramMaxDistinct
}

// Column returns the profile of a column, or nil.
func (p *Profile) Column(name string) *ColumnProfile {
	i := slices.IndexFunc(p.Columns, func(c ColumnProfile) bool { return c.Column == name })
	if i < 0 {
		return nil
	}
	return &p.Columns[i]
}
