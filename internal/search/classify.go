package search

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strconv"

	"github.com/zeebo/xxh3"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/dataset"
)

// DefaultSample is how many distinct values of a column classify samples.
const DefaultSample = 1000

// DefaultMinConfidence is the share of sampled values that must match for
// a column to be classified (and, with apply, described).
const DefaultMinConfidence = 0.8

// ClassifyOptions configure Classify.
type ClassifyOptions struct {
	// Columns, when set, are the only columns classified (by name).
	Columns []string
	// Sample is the number of distinct values sampled per column
	// (DefaultSample when 0).
	Sample int
	// MinConfidence decides a column's classification (DefaultMinConfidence
	// when 0).
	MinConfidence float64
	Scan          dataset.ScanOptions
}

// ColumnClass is what classify found in one column.
type ColumnClass struct {
	Column string `json:"column"`
	Type   string `json:"type"`
	// Values are the column's non-null values read; Sampled the non-null
	// values the sample stands for (its distinct values with their counts).
	Values  int64 `json:"values"`
	Sampled int64 `json:"sampled"`
	// Entities are the entity types that matched at least one sampled
	// value, best first.
	Entities []EntityMatch `json:"entities"`
	// Classification is the best entity whose confidence reaches the
	// threshold ("" when none does).
	Classification string  `json:"classification"`
	Confidence     float64 `json:"confidence"`
	PII            bool    `json:"pii"`
}

// EntityMatch is one entity type's share of a column's sampled values.
type EntityMatch struct {
	Entity string `json:"entity"`
	// Matched sampled values, and their share of the non-null ones.
	Matched    int64   `json:"matched"`
	Confidence float64 `json:"confidence"`
	// Validators that confirmed the matching values.
	Validators []string `json:"validators"`
}

// Classify samples each column's values through the reading layer and
// detects the entity types in them.
func Classify(ctx context.Context, in dataset.Input, opts ClassifyOptions) ([]ColumnClass, error) {
	if opts.Sample <= 0 {
		opts.Sample = DefaultSample
	}
	if opts.MinConfidence <= 0 {
		opts.MinConfidence = DefaultMinConfidence
	}
	all := append(slices.Clone(in.Table.StorageDescriptor.Columns), in.Table.PartitionKeys...)
	var pick []int
	var cols []catalog.Column
	for i, c := range all {
		if len(opts.Columns) == 0 || slices.Contains(opts.Columns, c.Name) {
			pick = append(pick, i)
			cols = append(cols, c)
		}
	}
	for _, want := range opts.Columns {
		if !slices.ContainsFunc(cols, func(c catalog.Column) bool { return c.Name == want }) {
			return nil, catalog.Invalidf("%s has no column %s", in.Name(), want)
		}
	}
	sink, _, err := dataset.Scan(ctx, in, pick, opts.Scan, func() dataset.Sink { return newSampleSink(len(pick), opts.Sample) })
	if err != nil {
		return nil, err
	}
	out := make([]ColumnClass, len(cols))
	for i, c := range cols {
		out[i] = ColumnClass{Column: c.Name, Type: c.Type, Entities: []EntityMatch{}}
		if sink != nil {
			s := sink.(*sampleSink).cols[i]
			out[i] = classifyColumn(c, s.values, s.sample, opts.MinConfidence)
		}
	}
	return out, nil
}

// classifyColumn runs every detector over a column's sample.
func classifyColumn(c catalog.Column, values int64, sample map[string]sampled, minConfidence float64) ColumnClass {
	cc := ColumnClass{Column: c.Name, Type: c.Type, Values: values, Entities: []EntityMatch{}}
	matched := map[string]int64{}
	validators := map[string]map[string]bool{}
	for text, s := range sample {
		cc.Sampled += s.count
		for e, vs := range Detect(text, c.Name) {
			matched[e] += s.count
			if validators[e] == nil {
				validators[e] = map[string]bool{}
			}
			for _, v := range vs {
				validators[e][v] = true
			}
		}
	}
	rank := map[string]int{}
	for i := len(Detectors) - 1; i >= 0; i-- {
		rank[Detectors[i].Entity] = i
	}
	for e, n := range matched {
		vs := make([]string, 0, len(validators[e]))
		for v := range validators[e] {
			vs = append(vs, v)
		}
		slices.Sort(vs)
		cc.Entities = append(cc.Entities, EntityMatch{Entity: e, Matched: n, Confidence: share(n, cc.Sampled), Validators: vs})
	}
	slices.SortFunc(cc.Entities, func(a, b EntityMatch) int {
		return cmp.Or(cmp.Compare(b.Matched, a.Matched), cmp.Compare(rank[a.Entity], rank[b.Entity]))
	})
	if len(cc.Entities) > 0 && cc.Entities[0].Confidence >= minConfidence {
		best := cc.Entities[0]
		d, _ := DetectorOf(best.Entity)
		cc.Classification, cc.Confidence, cc.PII = best.Entity, best.Confidence, d.PII
	}
	return cc
}

// share is n/total rounded to 4 decimals, so that a rerun over the same
// sample writes the same text.
func share(n, total int64) float64 {
	if total == 0 {
		return 0
	}
	return math.Round(float64(n)/float64(total)*1e4) / 1e4
}

// sampled is a distinct value of the sample: its hash and how often it
// was read.
type sampled struct {
	hash  uint64
	count int64
}

// columnSample keeps the k distinct values with the smallest hashes
// (bottom-k), with their exact counts: a value among the k smallest of
// the whole column is kept from the first time it is read, so the sample
// and its counts are the same whatever order workers read rows in.
type columnSample struct {
	k      int
	values int64
	sample map[string]sampled
	max    uint64 // the largest hash kept, when the sample is full
}

func (c *columnSample) add(text string, n int64, h uint64) {
	c.values += n
	if s, ok := c.sample[text]; ok {
		s.count += n
		c.sample[text] = s
		return
	}
	if len(c.sample) >= c.k {
		if h >= c.max {
			return
		}
		c.evict()
	}
	c.sample[text] = sampled{hash: h, count: n}
	if len(c.sample) >= c.k {
		c.max = 0
		for _, s := range c.sample {
			c.max = max(c.max, s.hash)
		}
	}
}

// evict drops the value with the largest hash.
func (c *columnSample) evict() {
	var worst string
	var wh uint64
	for t, s := range c.sample {
		if s.hash >= wh {
			worst, wh = t, s.hash
		}
	}
	delete(c.sample, worst)
}

// sampleSink is a worker's samples of the scanned columns.
type sampleSink struct {
	cols []*columnSample
	buf  []byte
}

func newSampleSink(ncols, k int) *sampleSink {
	s := &sampleSink{cols: make([]*columnSample, ncols)}
	for i := range s.cols {
		s.cols[i] = &columnSample{k: k, sample: map[string]sampled{}}
	}
	return s
}

func (s *sampleSink) Add(row []dataset.Value) {
	for i, v := range row {
		if v.Kind == dataset.KindNull {
			continue
		}
		s.buf = valueText(s.buf[:0], v)
		if len(s.buf) == 0 {
			continue
		}
		c := s.cols[i]
		h := xxh3.Hash(s.buf)
		if len(c.sample) >= c.k && h >= c.max {
			if _, ok := c.sample[string(s.buf)]; !ok {
				c.values++
				continue
			}
		}
		c.add(string(s.buf), 1, h)
	}
}

func (s *sampleSink) Merge(other dataset.Sink) {
	o := other.(*sampleSink)
	for i, c := range s.cols {
		oc := o.cols[i]
		c.values += oc.values - sumCounts(oc.sample)
		for t, v := range oc.sample {
			c.add(t, v.count, v.hash)
		}
	}
}

func sumCounts(m map[string]sampled) int64 {
	var n int64
	for _, s := range m {
		n += s.count
	}
	return n
}

// valueText is a value as text: numbers in their shortest form.
func valueText(b []byte, v dataset.Value) []byte {
	switch v.Kind {
	case dataset.KindIntegral:
		return strconv.AppendInt(b, v.I, 10)
	case dataset.KindFractional:
		return strconv.AppendFloat(b, v.F, 'f', -1, 64)
	case dataset.KindBoolean:
		return strconv.AppendBool(b, v.B)
	}
	return v.AppendText(b)
}
