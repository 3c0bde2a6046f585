package validate

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/apache/datasketches-go/hll"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/dataset"
	"github.com/lakectl/lakectl/internal/progress"
)

// CompareOptions configure a compare.
type CompareOptions struct {
	// Map names the target column of a source column where they differ.
	Map     map[string]string
	Workers int
	// Progress is told of the files, rows and bytes read on both sides;
	// nil when nobody watches.
	Progress progress.Reporter
}

// CompareReport is the source-against-target report: per column (the
// PyDeequ migration blog's report) and the schemas.
type CompareReport struct {
	Source       string             `json:"source"`
	Target       string             `json:"target"`
	SourceRows   int64              `json:"sourceRows"`
	TargetRows   int64              `json:"targetRows"`
	Columns      []ColumnComparison `json:"columns"`
	OnlyInSource []string           `json:"onlyInSource"`
	OnlyInTarget []string           `json:"onlyInTarget"`
	Match        bool               `json:"match"`
	// SourceUnread and TargetUnread: what each side holds that could not
	// be compared (a difference whenever there is any).
	SourceUnread Unread `json:"sourceUnread"`
	TargetUnread Unread `json:"targetUnread"`
}

// ColumnComparison is one column on both sides: Match when data type,
// completeness, approximate distinct count and row count all agree.
type ColumnComparison struct {
	Column          string  `json:"column"`
	TargetColumn    string  `json:"targetColumn"`
	SrcDataType     string  `json:"srcDataType"`
	TgtDataType     string  `json:"tgtDataType"`
	SrcCompleteness float64 `json:"srcCompleteness"`
	TgtCompleteness float64 `json:"tgtCompleteness"`
	SrcDistinct     int64   `json:"srcApproxDistinctValues"`
	TgtDistinct     int64   `json:"tgtApproxDistinctValues"`
	SrcCount        int64   `json:"srcCount"`
	TgtCount        int64   `json:"tgtCount"`
	Status          string  `json:"status"` // Match or No Match
	Differences     string  `json:"differences,omitempty"`
}

// Statuses of a column comparison.
const (
	Match   = "Match"
	NoMatch = "No Match"
)

// Compare profiles both sides and compares them column by column.
func Compare(ctx context.Context, src, tgt dataset.Input, opts CompareOptions) (*CompareReport, error) {
	rep, _, err := compare(ctx, src, tgt, opts, nil)
	return rep, err
}

// CompareWithKey makes the column report and the row-level diff by key in
// one pass over each side. The diff names every difference: keys missing
// in the target, keys extra in it, and rows whose values differ (numbers
// within the tolerances are equal; values are compared in a canonical
// form, so 9.50 equals 9.5 and a decimal equals the same double, and
// timestamps compare as instants).
func CompareWithKey(ctx context.Context, src, tgt dataset.Input, opts CompareOptions, keyed KeyedOptions) (*CompareReport, *KeyedDiff, error) {
	return compare(ctx, src, tgt, opts, &keyed)
}

func compare(ctx context.Context, src, tgt dataset.Input, opts CompareOptions, keyed *KeyedOptions) (*CompareReport, *KeyedDiff, error) {
	srcCols, tgtCols := columnNamesOf(src), columnNamesOf(tgt)
	mapped := map[int]int{} // a source column → the target column Map pairs it with
	for s, t := range opts.Map {
		i, err := ResolveColumn(s, srcCols)
		if err != nil {
			return nil, nil, fmt.Errorf("map %s=%s: source: %w", s, t, err)
		}
		j, err := ResolveColumn(t, tgtCols)
		if err != nil {
			return nil, nil, fmt.Errorf("map %s=%s: target: %w", s, t, err)
		}
		mapped[i] = j
	}
	rep := &CompareReport{Source: src.Name(), Target: tgt.Name(), OnlyInSource: []string{}, OnlyInTarget: []string{}, Columns: []ColumnComparison{}}
	srcPick, tgtPick := pairColumns(srcCols, tgtCols, mapped)
	for i, c := range srcCols {
		if !slices.Contains(srcPick, i) {
			rep.OnlyInSource = append(rep.OnlyInSource, c.Source)
		}
	}
	for j, c := range tgtCols {
		if !slices.Contains(tgtPick, j) {
			rep.OnlyInTarget = append(rep.OnlyInTarget, c.Source)
		}
	}
	if len(srcPick) == 0 {
		return nil, nil, catalog.Invalidf("the source and the target have no column in common (map a source column to a target column)")
	}
	srcSide := newSide(src, srcPick, srcCols)
	tgtSide := newSide(tgt, tgtPick, tgtCols)
	fp := &fingerprinter{asText: make([]bool, len(srcPick)), tolerant: make([]bool, len(srcPick))}
	for i := range srcPick {
		fp.asText[i] = isTextColumn(src.Table, srcSide.pick[i]) || isTextColumn(tgt.Table, tgtSide.pick[i])
	}
	var diff *KeyedDiff
	if keyed == nil {
		if err := countBoth(ctx, srcSide, tgtSide, fp, dataset.ScanOptions{Workers: opts.Workers, Progress: opts.Progress}); err != nil {
			return nil, nil, err
		}
	} else {
		for _, k := range keyed.Key {
			i, err := ResolveColumn(k, srcCols)
			if err != nil {
				return nil, nil, fmt.Errorf("key column %s is missing in the source: %w", k, err)
			}
			p := slices.Index(srcPick, i)
			if p < 0 {
				return nil, nil, catalog.Invalidf("key column %s is missing in the target (target columns: %s)", srcCols[i].Source, strings.Join(sourceNames(tgtCols), ", "))
			}
			fp.key = append(fp.key, p)
		}
		// Tolerances by the names the sides report.
		colTol := map[string]Tolerance{}
		for n, t := range keyed.ColumnTolerance {
			i, err := ResolveColumn(n, srcCols)
			if err == nil && !slices.Contains(srcPick, i) {
				err = catalog.Invalidf("%s is not in the target", srcCols[i].Source)
			}
			if err != nil {
				return nil, nil, fmt.Errorf("tolerance for %s: %w", n, err)
			}
			colTol[srcCols[i].Source] = t
		}
		keyed.ColumnTolerance = colTol
		for i, n := range srcSide.names {
			t := keyed.Tolerance
			if ct, ok := keyed.ColumnTolerance[n]; ok {
				t = ct
			}
			if !t.zero() && !slices.Contains(fp.key, i) {
				fp.tolerant[i] = true
				fp.tolCols = append(fp.tolCols, i)
			}
		}
		keyed.Workers = opts.Workers
		var err error
		if diff, err = keyedPass(ctx, srcSide, tgtSide, fp, *keyed, opts.Progress); err != nil {
			return nil, nil, err
		}
	}
	rep.SourceUnread, rep.TargetUnread = srcSide.unread, tgtSide.unread
	sp, tp := srcSide.result(), tgtSide.result()
	rep.SourceRows, rep.TargetRows = sp.Rows, tp.Rows
	rep.Match = len(rep.OnlyInSource) == 0 && len(rep.OnlyInTarget) == 0
	for i := range srcPick {
		s, t := sp.Columns[i], tp.Columns[i]
		c := ColumnComparison{
			Column: s.Column, TargetColumn: t.Column,
			SrcDataType: s.DataType, TgtDataType: t.DataType,
			SrcCompleteness: s.Completeness, TgtCompleteness: t.Completeness,
			SrcDistinct: s.ApproxDistinct, TgtDistinct: t.ApproxDistinct,
			SrcCount: sp.Rows, TgtCount: tp.Rows, Status: Match,
		}
		var diffs []string
		if c.SrcDataType != c.TgtDataType {
			diffs = append(diffs, "data type")
		}
		if c.SrcCompleteness != c.TgtCompleteness {
			diffs = append(diffs, "completeness")
		}
		if c.SrcDistinct != c.TgtDistinct {
			diffs = append(diffs, "distinct values")
		}
		if c.SrcCount != c.TgtCount {
			diffs = append(diffs, "row count")
		}
		if len(diffs) > 0 {
			c.Status, c.Differences = NoMatch, strings.Join(diffs, ", ")
			rep.Match = false
		}
		rep.Columns = append(rep.Columns, c)
	}
	return rep, diff, nil
}

// Differs reports whether the compare found any difference, of any kind
// the report can show: a column on one side only, a column that does not
// match (data type, completeness, distinct values, row count), and, given
// the row-level diff of a compare by key, any changed, missing or extra
// row, duplicate key or null key. The exit status is decided here alone.
func (r *CompareReport) Differs(rows *KeyedDiff) bool {
	if len(r.OnlyInSource) > 0 || len(r.OnlyInTarget) > 0 || r.SourceRows != r.TargetRows || r.SourceUnread.Any() || r.TargetUnread.Any() {
		return true
	}
	for _, c := range r.Columns {
		if c.Status != Match {
			return true
		}
	}
	return rows != nil && rows.Differs()
}

// pairColumns pairs each source column with the target column Map gives
// it, or else the one its name resolves to among the target's (each target
// column once); unpaired columns are left out.
func pairColumns(srcCols, tgtCols []ColumnName, mapped map[int]int) (srcPick, tgtPick []int) {
	taken := map[int]bool{}
	for _, j := range mapped {
		taken[j] = true
	}
	for i, c := range srcCols {
		j, ok := mapped[i]
		if !ok {
			var err error
			if j, err = ResolveColumn(c.Source, tgtCols); err != nil || taken[j] {
				continue
			}
			taken[j] = true
		}
		srcPick, tgtPick = append(srcPick, i), append(tgtPick, j)
	}
	return srcPick, tgtPick
}

func sourceNames(cols []ColumnName) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Source
	}
	return out
}

// side is one side of a compare: its input, the picked columns and,
// after the scan, their counts and what could not be read.
type side struct {
	in     dataset.Input
	pick   []int
	names  []string
	typed  []string
	counts []*columnCount
	unread Unread
}

// Unread is what a side holds that a compare could not compare: records
// that are no rows, JSON members outside the table's columns, files under
// its locations that are not its data. Any of them is a difference.
type Unread struct {
	MalformedRecords     int64                 `json:"malformedRecords,omitempty"`
	FirstMalformed       string                `json:"firstMalformed,omitempty"`
	MembersOutsideSchema map[string]int64      `json:"membersOutsideSchema,omitempty"`
	FilesSkipped         []dataset.SkippedFile `json:"filesSkipped,omitempty"`
}

// Any says whether anything went unread.
func (u Unread) Any() bool {
	return u.MalformedRecords > 0 || len(u.MembersOutsideSchema) > 0 || len(u.FilesSkipped) > 0
}

// noteScan keeps what the side's (first) scan could not read.
func (s *side) noteScan(st *dataset.ScanStats) {
	if st == nil || s.unread.Any() {
		return
	}
	s.unread = Unread{MalformedRecords: st.Malformed(), FirstMalformed: st.FirstMalformed(), MembersOutsideSchema: st.MembersOutsideSchema(), FilesSkipped: st.Skipped}
}

func newSide(in dataset.Input, pick []int, cols []ColumnName) *side {
	names := make([]string, len(pick))
	for i, p := range pick {
		names[i] = cols[p].Source
	}
	return &side{in: in, pick: pick, names: names, typed: schemaTypes(in.Table, pick)}
}

// result is the side's column report: data type, completeness and
// distinct values (of the canonical values, counted by fingerprint).
func (s *side) result() *Profile {
	out := &Profile{Source: s.in.Name(), Columns: []ColumnProfile{}}
	for i, c := range s.counts {
		out.Columns = append(out.Columns, c.result(s.names[i], s.typed[i]))
		out.Rows = c.rows
	}
	return out
}

// isTextColumn: a string column is compared as text on both sides.
func isTextColumn(t *catalog.Table, p int) bool {
	all := append(slices.Clone(t.StorageDescriptor.Columns), t.PartitionKeys...)
	typ := dataset.ValueType(all[p])
	return typ == "string" || strings.HasPrefix(typ, "varchar") || strings.HasPrefix(typ, "char")
}

// countBoth counts the columns of both sides, both read at once.
func countBoth(ctx context.Context, src, tgt *side, fp *fingerprinter, opts dataset.ScanOptions) error {
	opts.Progress = progress.Or(opts.Progress)
	opts.Progress.Stage("compare")
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, sd := range []*side{src, tgt} {
		wg.Go(func() {
			newSink := func() dataset.Sink { return &countSink{fp: fp.clone(), counts: newCounts(len(sd.pick))} }
			merged, st, err := dataset.Scan(ctx, sd.in, sd.pick, opts, newSink)
			sd.noteScan(st)
			if merged == nil {
				merged = newSink()
			}
			sd.counts = merged.(*countSink).counts
			errs[i] = err
		})
	}
	wg.Wait()
	if errs[0] != nil {
		return fmt.Errorf("source: %w", errs[0])
	}
	if errs[1] != nil {
		return fmt.Errorf("target: %w", errs[1])
	}
	return nil
}

// columnCount is what a compare needs of a column: rows, nulls, the types
// of text, and distinct values counted by fingerprint.
type columnCount struct {
	rows, nulls int64
	types       map[string]int64 // of text whose type is inferred
	distinct    fingerprintSet
}

func newCounts(n int) []*columnCount {
	out := make([]*columnCount, n)
	for i := range out {
		out[i] = &columnCount{types: map[string]int64{}}
	}
	return out
}

func (c *columnCount) add(null bool, inferred string, h uint64) {
	c.rows++
	if null {
		c.nulls++
		return
	}
	if inferred != "" {
		c.types[inferred]++
	}
	c.distinct.add(h)
}

func (c *columnCount) merge(o *columnCount) {
	c.rows += o.rows
	c.nulls += o.nulls
	for t, n := range o.types {
		c.types[t] += n
	}
	c.distinct.merge(&o.distinct)
}

// result is the column's data type (typed, or inferred from the counts of
// text as a profile infers it), completeness and distinct count.
func (c *columnCount) result(name, typed string) ColumnProfile {
	p := ColumnProfile{Column: name, DataType: typed}
	if typed == "" {
		p.IsDataTypeInferred = true
		p.DataType = decideType(c.types)
	}
	if c.rows > 0 {
		p.Completeness = float64(c.rows-c.nulls) / float64(c.rows)
	}
	p.ApproxDistinct, p.DistinctIsExact = c.distinct.count()
	return p
}

// fingerprintSet counts distinct values by their 64-bit fingerprints:
// exactly, in an open-addressing set, up to exactDistinct values, then
// with an HLL sketch fed the fingerprints. (A Go map does the same exact
// part four times slower: the fingerprints are hashes already.)
type fingerprintSet struct {
	slots  []uint64 // 0: empty
	n      int
	zero   bool // the fingerprint 0 was seen
	sketch hll.HllSketch
}

func (s *fingerprintSet) add(h uint64) {
	if s.sketch != nil {
		s.sketch.UpdateUInt64(h)
		return
	}
	if h == 0 {
		if !s.zero {
			s.zero = true
			s.n++
		}
		return
	}
	if s.slots == nil {
		s.slots = make([]uint64, 64)
	}
	mask := uint64(len(s.slots) - 1)
	for pos := h & mask; ; pos = (pos + 1) & mask {
		switch s.slots[pos] {
		case h:
			return
		case 0:
			s.slots[pos] = h
			s.n++
			if s.n > exactDistinct {
				s.toSketch()
			} else if s.n*4 > len(s.slots)*3 {
				s.grow()
			}
			return
		}
	}
}

func (s *fingerprintSet) grow() {
	old := s.slots
	s.slots = make([]uint64, 2*len(old))
	mask := uint64(len(s.slots) - 1)
	for _, h := range old {
		if h == 0 {
			continue
		}
		pos := h & mask
		for s.slots[pos] != 0 {
			pos = (pos + 1) & mask
		}
		s.slots[pos] = h
	}
}

func (s *fingerprintSet) toSketch() {
	s.sketch, _ = hll.NewHllSketch(hllLgK, hll.TgtHllTypeHll8)
	for _, h := range s.slots {
		if h != 0 {
			s.sketch.UpdateUInt64(h)
		}
	}
	if s.zero {
		s.sketch.UpdateUInt64(0)
	}
	s.slots = nil
}

func (s *fingerprintSet) merge(o *fingerprintSet) {
	if o.sketch == nil {
		for _, h := range o.slots {
			if h != 0 {
				s.add(h)
			}
		}
		if o.zero {
			s.add(0)
		}
		return
	}
	if s.sketch == nil {
		s.toSketch()
	}
	u, _ := hll.NewUnion(hllLgK)
	u.UpdateSketch(s.sketch)
	u.UpdateSketch(o.sketch)
	s.sketch, _ = u.GetResult(hll.TgtHllTypeHll8)
}

// count is the number of distinct values, and whether it is exact.
func (s *fingerprintSet) count() (int64, bool) {
	if s.sketch == nil {
		return int64(s.n), true
	}
	// The composite estimate depends only on the registers, not on the
	// order values came in (as the HIP estimate does): the same values on
	// both sides give the same count, however the workers split them.
	est, _ := s.sketch.GetCompositeEstimate()
	return int64(math.Round(est)), false
}
