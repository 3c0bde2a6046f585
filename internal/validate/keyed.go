package validate

import (
	"context"
	"fmt"
	"hash/maphash"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/dataset"
)

// Tolerance is how far numbers may differ and still be equal: within Abs,
// or within Rel of the larger magnitude.
type Tolerance struct {
	Abs, Rel float64
}

func (t Tolerance) equal(a, b float64) bool {
	if a == b {
		return true
	}
	d := math.Abs(a - b)
	return d <= t.Abs || d <= t.Rel*math.Max(math.Abs(a), math.Abs(b))
}

// KeyedDiff is the row-level difference of two sides matched by key.
type KeyedDiff struct {
	Key                 []string         `json:"key"`
	Matched             int64            `json:"matchedRows"`
	Identical           int64            `json:"identicalRows"`
	Changed             int64            `json:"changedRows"`
	MissingInTarget     int64            `json:"missingInTarget"`
	ExtraInTarget       int64            `json:"extraInTarget"`
	DuplicateKeysSource int64            `json:"duplicateKeysInSource"`
	DuplicateKeysTarget int64            `json:"duplicateKeysInTarget"`
	ChangedByColumn     map[string]int64 `json:"changedByColumn"`
	Samples             []RowDifference  `json:"samples"`
}

// RowDifference is a sample of one differing row.
type RowDifference struct {
	Key     string            `json:"key"`
	Kind    string            `json:"kind"` // changed, missing in target, extra in target, duplicate key
	Columns map[string][2]any `json:"columns,omitempty"`
}

// maxSamples of each kind are kept.
const maxSamples = 10

// canon is a value in the form two systems agree on: a number (booleans
// as 1 and 0), an instant, or text.
type canon struct {
	kind byte // 0 null, 'n' number, 't' time, 's' text
	f    float64
	s    string
}

func canonical(v Value) canon {
	switch v.Kind {
	case KindNull:
		return canon{}
	case KindTime, KindDate:
		return canon{kind: 't', f: float64(v.I)}
	case KindIntegral:
		return canon{kind: 'n', f: float64(v.I)}
	case KindFractional:
		return canon{kind: 'n', f: v.F}
	case KindBoolean:
		// As 1 and 0: MySQL keeps booleans as TINYINT(1).
		if v.B {
			return canon{kind: 'n', f: 1}
		}
		return canon{kind: 'n', f: 0}
	}
	s := v.S
	if v.Kind == KindText && (s == "true" || s == "false") {
		return canonical(Value{Kind: KindBoolean, B: s == "true"})
	}
	if f, ok := number(Value{Kind: KindText, S: s}); ok {
		return canon{kind: 'n', f: f}
	}
	// Timestamps and dates, whatever their spelling and precision.
	if len(s) >= 10 && s[4] == '-' && s[7] == '-' {
		if us, ok := isoMicros(s); ok {
			return canon{kind: 't', f: float64(us)}
		}
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999", "2006-01-02"} {
			if t, err := time.Parse(layout, s); err == nil {
				return canon{kind: 't', f: float64(t.UnixMicro())}
			}
		}
	}
	return canon{kind: 's', s: strings.Clone(s)} // kept in the index: copy
}

func (c canon) String() any {
	switch c.kind {
	case 0:
		return nil
	case 'n':
		return c.f
	case 't':
		return time.UnixMicro(int64(c.f)).UTC().Format(time.RFC3339Nano)
	}
	return c.s
}

func (c canon) equal(o canon, tol Tolerance) bool {
	if c.kind != o.kind {
		return false
	}
	switch c.kind {
	case 'n':
		return tol.equal(c.f, o.f)
	case 't':
		return c.f == o.f
	}
	return c.s == o.s
}

// keyIndex is the target side by key, sharded to be filled concurrently.
type keyIndex struct {
	shards [64]struct {
		sync.Mutex
		m map[string]*indexed
	}
	seed       maphash.Seed
	duplicates atomic.Int64
	dupSamples sync.Map
}

type indexed struct {
	values  []canon
	matched atomic.Bool
}

func (k *keyIndex) shard(key string) int { return int(maphash.String(k.seed, key) % 64) }

// isoMicros reads the common forms YYYY-MM-DD and YYYY-MM-DDTHH:MM:SS[.f]Z
// (or with a space) without time.Parse.
func isoMicros(s string) (int64, bool) {
	d, ok := parseDay(s[:10])
	if !ok {
		return 0, false
	}
	if len(s) == 10 {
		return d * 86400 * 1e6, true
	}
	if len(s) < 20 || s[10] != 'T' && s[10] != ' ' || s[13] != ':' || s[16] != ':' || s[len(s)-1] != 'Z' {
		return 0, false
	}
	h, e1 := strconv.Atoi(s[11:13])
	m, e2 := strconv.Atoi(s[14:16])
	sec, e3 := strconv.Atoi(s[17:19])
	if e1 != nil || e2 != nil || e3 != nil {
		return 0, false
	}
	frac := int64(0)
	if rest := s[19 : len(s)-1]; rest != "" {
		if rest[0] != '.' || len(rest) > 10 {
			return 0, false
		}
		digits := rest[1:]
		f, err := strconv.ParseInt(digits, 10, 64)
		if err != nil {
			return 0, false
		}
		for i := len(digits); i < 6; i++ {
			f *= 10
		}
		for i := len(digits); i > 6; i-- {
			f /= 10
		}
		frac = f
	}
	return ((d*24+int64(h))*60+int64(m))*60*1e6 + int64(sec)*1e6 + frac, true
}

// parseDay reads YYYY-MM-DD as days since 1970-01-01.
func parseDay(s string) (int64, bool) {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return 0, false
	}
	return t.Unix() / 86400, true
}

// keyOf renders the key columns' values as one string.
func keyOf(row []Value, key []int) (string, bool) {
	if len(key) == 1 {
		// The common case, without building a string when it is one.
		c := canonical(row[key[0]])
		switch c.kind {
		case 0:
			return "", false
		case 'n', 't':
			return strconv.FormatFloat(c.f, 'g', -1, 64), true
		}
		return c.s, true
	}
	var b strings.Builder
	for i, k := range key {
		if i > 0 {
			b.WriteByte(0x1f)
		}
		c := canonical(row[k])
		if c.kind == 0 {
			return "", false // a null key matches nothing
		}
		fmt.Fprint(&b, c.String())
	}
	return b.String(), true
}

func printableKey(k string) string { return strings.ReplaceAll(k, "\x1f", ", ") }

// indexSink fills the index with the target's rows.
type indexSink struct {
	idx     *keyIndex
	key     []int
	nullKey int64
}

func (s *indexSink) Add(row []Value) {
	k, ok := keyOf(row, s.key)
	if !ok {
		s.nullKey++
		return
	}
	vals := make([]canon, len(row))
	for i, v := range row {
		vals[i] = canonical(v)
	}
	sh := &s.idx.shards[s.idx.shard(k)]
	sh.Lock()
	if _, dup := sh.m[k]; dup {
		s.idx.duplicates.Add(1)
		s.idx.dupSamples.LoadOrStore(k, true)
	} else {
		sh.m[k] = &indexed{values: vals}
	}
	sh.Unlock()
}

func (s *indexSink) Merge(o Sink) { s.nullKey += o.(*indexSink).nullKey }

// probeSink compares the source's rows with the index.
type probeSink struct {
	idx     *keyIndex
	key     []int
	names   []string
	tols    []Tolerance
	seen    map[string]bool // source keys, to find duplicates
	diff    *KeyedDiff
	nullKey int64
}

func (s *probeSink) Add(row []Value) {
	k, ok := keyOf(row, s.key)
	if !ok {
		s.nullKey++
		return
	}
	if s.seen[k] {
		s.diff.DuplicateKeysSource++
		s.sample(RowDifference{Key: printableKey(k), Kind: "duplicate key in source"})
		return
	}
	s.seen[k] = true
	sh := &s.idx.shards[s.idx.shard(k)]
	sh.Lock()
	e := sh.m[k]
	sh.Unlock()
	if e == nil {
		s.diff.MissingInTarget++
		s.sample(RowDifference{Key: printableKey(k), Kind: "missing in target"})
		return
	}
	e.matched.Store(true)
	s.diff.Matched++
	var cols map[string][2]any
	for i, v := range row {
		c := canonical(v)
		if !c.equal(e.values[i], s.tols[i]) {
			s.diff.ChangedByColumn[s.names[i]]++
			if cols == nil {
				cols = map[string][2]any{}
			}
			cols[s.names[i]] = [2]any{c.String(), e.values[i].String()}
		}
	}
	if cols == nil {
		s.diff.Identical++
		return
	}
	s.diff.Changed++
	s.sample(RowDifference{Key: printableKey(k), Kind: "changed", Columns: cols})
}

func (s *probeSink) sample(d RowDifference) {
	n := 0
	for _, x := range s.diff.Samples {
		if x.Kind == d.Kind {
			n++
		}
	}
	if n < maxSamples {
		s.diff.Samples = append(s.diff.Samples, d)
	}
}

func (s *probeSink) Merge(other Sink) {
	o := other.(*probeSink)
	for k := range o.seen {
		if s.seen[k] {
			s.diff.DuplicateKeysSource++
		}
		s.seen[k] = true
	}
	d, od := s.diff, o.diff
	d.Matched += od.Matched
	d.Identical += od.Identical
	d.Changed += od.Changed
	d.MissingInTarget += od.MissingInTarget
	d.DuplicateKeysSource += od.DuplicateKeysSource
	for c, n := range od.ChangedByColumn {
		d.ChangedByColumn[c] += n
	}
	for _, x := range od.Samples {
		s.sample(x)
	}
	s.nullKey += o.nullKey
}

// KeyedOptions configure a keyed compare.
type KeyedOptions struct {
	Key       []string // source column names
	Map       map[string]string
	Tolerance Tolerance
	// ColumnTolerance overrides Tolerance for source columns.
	ColumnTolerance map[string]Tolerance
	Workers         int
}

// CompareByKey matches rows of the two sides by key and reports every
// difference: keys missing in the target, keys extra in it, and rows whose
// values differ (numbers within the tolerances are equal; values are
// compared in a canonical form, so 9.50 equals 9.5 and a decimal equals the
// same double, and timestamps compare as instants).
func CompareByKey(ctx context.Context, src, tgt dataset.Input, opts KeyedOptions) (*KeyedDiff, error) {
	srcNames, tgtNames := pairColumns(columnNames(src.Table), columnNames(tgt.Table), opts.Map)
	_, _, diff, err := keyedPass(ctx, src, tgt, srcNames, tgtNames, opts)
	return diff, err
}

// pairSink feeds two sinks from one scan.
type pairSink struct{ a, b Sink }

func (p *pairSink) Add(row []Value) {
	p.a.Add(row)
	p.b.Add(row)
}

func (p *pairSink) Merge(o Sink) {
	q := o.(*pairSink)
	p.a.Merge(q.a)
	p.b.Merge(q.b)
}

// keyedPass reads each side once: the target into the key index (and its
// profile), then the source against it (and its profile).
func keyedPass(ctx context.Context, src, tgt dataset.Input, srcNames, tgtNames []string, opts KeyedOptions) (*Profile, *Profile, *KeyedDiff, error) {
	srcCols, tgtCols := columnNames(src.Table), columnNames(tgt.Table)
	var key []int
	for _, k := range opts.Key {
		k = strings.ToLower(k)
		i := slices.Index(srcNames, k)
		if i < 0 {
			side := "source"
			if slices.Contains(srcCols, k) {
				side = "target"
			}
			return nil, nil, nil, catalog.Invalidf("key column %s is missing in the %s (source columns: %s; target columns: %s)", k, side, strings.Join(srcCols, ", "), strings.Join(tgtCols, ", "))
		}
		key = append(key, i)
	}
	tols := make([]Tolerance, len(srcNames))
	for i, n := range srcNames {
		tols[i] = opts.Tolerance
		if t, ok := opts.ColumnTolerance[n]; ok {
			tols[i] = t
		}
	}
	for n := range opts.ColumnTolerance {
		if !slices.Contains(srcNames, n) {
			return nil, nil, nil, catalog.Invalidf("tolerance for %s: no such column in both sides", n)
		}
	}
	idx := &keyIndex{seed: maphash.MakeSeed()}
	for i := range idx.shards {
		idx.shards[i].m = map[string]*indexed{}
	}
	tgtPick := pickColumns(tgt.Table, tgtNames)
	tgtTyped := columnTypes(tgt.Table, tgtPick)
	merged, _, err := scanInput(ctx, tgt, tgtPick, opts.Workers, func() Sink {
		return &pairSink{NewProfiler(tgtNames, tgtTyped, false), &indexSink{idx: idx, key: key}}
	})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("target: %w", err)
	}
	if merged == nil {
		merged = &pairSink{NewProfiler(tgtNames, tgtTyped, false), &indexSink{idx: idx, key: key}}
	}
	tp := merged.(*pairSink).a.(*Profiler).Result(tgt.Table.StorageDescriptor.Location)
	newDiff := func() *KeyedDiff {
		return &KeyedDiff{Key: opts.Key, ChangedByColumn: map[string]int64{}, Samples: []RowDifference{}}
	}
	srcPick := pickColumns(src.Table, srcNames)
	srcTyped := columnTypes(src.Table, srcPick)
	newProbe := func() Sink {
		return &pairSink{NewProfiler(srcNames, srcTyped, false), &probeSink{idx: idx, key: key, names: srcNames, tols: tols, seen: map[string]bool{}, diff: newDiff()}}
	}
	merged, _, err = scanInput(ctx, src, srcPick, opts.Workers, newProbe)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("source: %w", err)
	}
	if merged == nil {
		merged = newProbe()
	}
	sp := merged.(*pairSink).a.(*Profiler).Result(src.Table.StorageDescriptor.Location)
	diff := merged.(*pairSink).b.(*probeSink).diff
	diff.DuplicateKeysTarget = idx.duplicates.Load()
	idx.dupSamples.Range(func(k, _ any) bool {
		if len(diff.Samples) < 4*maxSamples {
			diff.Samples = append(diff.Samples, RowDifference{Key: printableKey(k.(string)), Kind: "duplicate key in target"})
		}
		return true
	})
	var extra []string
	for i := range idx.shards {
		for k, e := range idx.shards[i].m {
			if !e.matched.Load() {
				diff.ExtraInTarget++
				if len(extra) < maxSamples {
					extra = append(extra, k)
				}
			}
		}
	}
	sort.Strings(extra)
	for _, k := range extra {
		diff.Samples = append(diff.Samples, RowDifference{Key: printableKey(k), Kind: "extra in target"})
	}
	return sp, tp, diff, nil
}

// Differs reports whether any difference was found.
func (d *KeyedDiff) Differs() bool {
	return d.Changed+d.MissingInTarget+d.ExtraInTarget+d.DuplicateKeysSource+d.DuplicateKeysTarget > 0
}

// pickColumns indexes columns by name among a table's columns.
func pickColumns(t *catalog.Table, names []string) []int {
	all := columnNames(t)
	out := make([]int, len(names))
	for i, n := range names {
		out[i] = slices.Index(all, n)
	}
	return out
}
