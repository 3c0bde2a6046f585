package validate

import (
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zeebo/xxh3"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/dataset"
	"github.com/lakectl/lakectl/internal/format"
	"github.com/lakectl/lakectl/internal/progress"
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

func (t Tolerance) zero() bool { return t.Abs == 0 && t.Rel == 0 }

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
	NullKeysSource      int64            `json:"nullKeysInSource"`
	NullKeysTarget      int64            `json:"nullKeysInTarget"`
	ChangedByColumn     map[string]int64 `json:"changedByColumn"`
	Samples             []RowDifference  `json:"samples"`
}

// RowDifference is a sample of one differing row.
type RowDifference struct {
	Key     string            `json:"key"`
	Kind    string            `json:"kind"` // changed, missing in target, extra in target, duplicate key ...
	Columns map[string][2]any `json:"columns,omitempty"`
}

// Kinds of row differences, in the order samples are listed.
const (
	kindChanged   = "changed"
	kindMissing   = "missing in target"
	kindExtra     = "extra in target"
	kindDupSource = "duplicate key in source"
	kindDupTarget = "duplicate key in target"
)

var sampleKinds = []string{kindChanged, kindMissing, kindExtra, kindDupSource, kindDupTarget}

// maxSamples of each kind are kept: those with the smallest keys.
const maxSamples = 10

// canon is a value in the form two systems agree on: a number (booleans
// as 1 and 0), an instant, or text.
type canon struct {
	kind byte // 0 null, 'n' number, 't' time, 's' text
	f    float64
	s    string
}

// canonical is a value's canonical form, and for text to infer its Deequ
// type. In a text column (asText: a string on either side) text stays text,
// so "007" and "7" differ; elsewhere text is read as the number, instant or
// boolean it spells, so 9.50 equals 9.5 and a CSV timestamp equals a
// Parquet one.
func canonical(v dataset.Value, asText bool) (canon, string) {
	switch v.Kind {
	case dataset.KindNull:
		return canon{}, ""
	case dataset.KindTime, dataset.KindDate:
		return canon{kind: 't', f: float64(v.I)}, ""
	case dataset.KindIntegral:
		return canon{kind: 'n', f: float64(v.I)}, ""
	case dataset.KindFractional:
		return canon{kind: 'n', f: v.F}, ""
	case dataset.KindBoolean:
		// As 1 and 0: MySQL keeps booleans as TINYINT(1).
		return canon{kind: 'n', f: b2f(v.B)}, ""
	}
	s := v.S
	inferred := ""
	if v.Kind == dataset.KindText {
		inferred = InferText(s)
	}
	if asText {
		return canon{kind: 's', s: s}, inferred
	}
	spelled := inferred
	if v.Kind != dataset.KindText {
		spelled = InferText(s)
	}
	switch spelled {
	case Boolean:
		return canon{kind: 'n', f: b2f(s == "true")}, inferred
	case Integral, Fractional:
		if f, err := strconv.ParseFloat(stripSpace(s), 64); err == nil {
			return canon{kind: 'n', f: f}, inferred
		}
	case String:
		// A decimal literal Deequ's pattern leaves out (.097, 5.), as
		// typed columns read it.
		if format.IsDecimalLiteral(s) {
			if f, err := strconv.ParseFloat(s, 64); err == nil {
				return canon{kind: 'n', f: f}, inferred
			}
		}
	}
	// Timestamps and dates, whatever their spelling and precision, as the
	// one ISO reader reads them (a value without a zone as its wall clock
	// in UTC, as a local timestamp converts).
	if len(s) >= 10 && s[4] == '-' && s[7] == '-' {
		if ts, ok := format.ParseTimestamp(s); ok {
			return canon{kind: 't', f: float64(ts.Micros)}, inferred
		}
		if d, ok := format.ParseDate(s); ok {
			return canon{kind: 't', f: float64(int64(d) * 86400e6)}, inferred
		}
	}
	return canon{kind: 's', s: s}, inferred
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// String is the value as a sample shows it.
func (c canon) String() any {
	switch c.kind {
	case 0:
		return nil
	case 'n':
		return Double(c.f) // JSON has no NaN or infinities: Double spells them
	case 't':
		return time.UnixMicro(int64(c.f)).UTC().Format(time.RFC3339Nano)
	}
	return c.s
}

// kept is the canon with its text copied out of the scan's buffers.
func (c canon) kept() canon {
	c.s = strings.Clone(c.s)
	return c
}

// bits are a number's or instant's bits, -0 as 0 and every NaN as one.
func (c canon) bits() uint64 {
	switch {
	case c.f == 0:
		return 0
	case c.f != c.f:
		return 0x7ff8000000000001
	}
	return math.Float64bits(c.f)
}

// Seeds of the fingerprints, one per kind, so that a number and a text
// with the same bytes differ.
const (
	seedNumber = 0x9e3779b97f4a7c15
	seedTime   = 0xc2b2ae3d27d4eb4f
	seedText   = 0x165667b19e3779f9
	hashNull   = 0x27d4eb2f165667c5
)

// fmix64 is MurmurHash3's finaliser: a bijection, so different numbers
// never share a fingerprint.
func fmix64(k uint64) uint64 {
	k ^= k >> 33
	k *= 0xff51afd7ed558ccd
	k ^= k >> 33
	k *= 0xc4ceb9fe1a85ec53
	k ^= k >> 33
	return k
}

// hash is the value's 64-bit fingerprint: equal canonical values have
// equal fingerprints; numbers and instants map one to one.
func (c canon) hash() uint64 {
	switch c.kind {
	case 'n':
		return fmix64(c.bits() ^ seedNumber)
	case 't':
		return fmix64(c.bits() ^ seedTime)
	case 's':
		return xxh3.HashStringSeed(c.s, seedText)
	}
	return hashNull
}

// appendKey encodes a key value unambiguously, for the key's hash.
func (c canon) appendKey(b []byte) []byte {
	b = append(b, c.kind)
	if c.kind == 's' {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(c.s)))
		return append(b, c.s...)
	}
	return binary.LittleEndian.AppendUint64(b, c.bits())
}

// compareCanon orders keys for choosing samples: by kind, then value.
func compareCanon(a, b []canon) int {
	for i := range a {
		if c := cmp.Compare(a[i].kind, b[i].kind); c != 0 {
			return c
		}
		if c := cmp.Compare(a[i].f, b[i].f); c != 0 {
			return c
		}
		if c := strings.Compare(a[i].s, b[i].s); c != 0 {
			return c
		}
	}
	return 0
}

func printableKey(key []canon) string {
	parts := make([]string, len(key))
	for i, c := range key {
		switch {
		case c.kind == 'n' && c.f == math.Trunc(c.f) && math.Abs(c.f) < 1<<53:
			parts[i] = strconv.FormatInt(int64(c.f), 10)
		case c.kind == 'n':
			parts[i] = strconv.FormatFloat(c.f, 'g', -1, 64)
		default:
			parts[i] = fmt.Sprint(c.String())
		}
	}
	return strings.Join(parts, ", ")
}

// fingerprinter computes a row's canonical values and fingerprints, once
// per row, for the column counts, the key and the comparison.
type fingerprinter struct {
	key      []int  // key columns
	asText   []bool // per column: compared as text
	tolerant []bool // per column: compared with a tolerance, not by fingerprint
	tolCols  []int  // the tolerant columns
	buf      []byte
	keyBuf   []canon
	canon    []canon
	hashes   []uint64
}

func (f *fingerprinter) clone() *fingerprinter {
	return &fingerprinter{key: f.key, asText: f.asText, tolerant: f.tolerant, tolCols: f.tolCols,
		canon: make([]canon, len(f.asText)), hashes: make([]uint64, len(f.asText))}
}

// load reads a row, counting its values into counts when given.
func (f *fingerprinter) load(row []dataset.Value, counts []*columnCount) {
	for i, v := range row {
		c, inferred := canonical(v, f.asText[i])
		h := c.hash()
		f.canon[i], f.hashes[i] = c, h
		if counts != nil {
			counts[i].add(c.kind == 0, inferred, h)
		}
	}
}

// loadKey reads only the key columns of a row.
func (f *fingerprinter) loadKey(row []dataset.Value) {
	for _, k := range f.key {
		f.canon[k], _ = canonical(row[k], f.asText[k])
	}
}

// keyHash is the 128-bit hash of the row's key; false when a key value is
// null (such a row matches nothing).
func (f *fingerprinter) keyHash() (k1, k2 uint64, ok bool) {
	b := f.buf[:0]
	for _, k := range f.key {
		c := f.canon[k]
		if c.kind == 0 {
			return 0, 0, false
		}
		b = c.appendKey(b)
	}
	f.buf = b
	u := xxh3.Hash128(b)
	return u.Hi, u.Lo, true
}

// rowHash is the fingerprint of the row's values, tolerant columns aside.
func (f *fingerprinter) rowHash() uint64 {
	r := uint64(seedText)
	for i, h := range f.hashes {
		if !f.tolerant[i] {
			r = fmix64(r ^ (h + uint64(i+1)*seedNumber))
		}
	}
	return r
}

// keyNow is the row's key values as they are, for comparing only: valid
// until the next row.
func (f *fingerprinter) keyNow() []canon {
	f.keyBuf = f.keyBuf[:0]
	for _, k := range f.key {
		f.keyBuf = append(f.keyBuf, f.canon[k])
	}
	return f.keyBuf
}

// keyValues copies the row's key values out of the scan's buffers.
func (f *fingerprinter) keyValues() []canon {
	out := make([]canon, len(f.key))
	for i, k := range f.key {
		out[i] = f.canon[k].kept()
	}
	return out
}

// countSink counts a side's columns for the column report.
type countSink struct {
	fp     *fingerprinter
	counts []*columnCount
}

func (s *countSink) Add(row []dataset.Value) { s.fp.load(row, s.counts) }

func (s *countSink) Merge(o dataset.Sink) {
	for i, c := range o.(*countSink).counts {
		s.counts[i].merge(c)
	}
}

// rowRec is one row of the indexed side (the target), in the key table:
// its key's 128-bit hash, the fingerprint of its values and, in meta, flags
// and where its shard keeps its columns' 32-bit fingerprints (which name
// the columns of a changed row) and its tolerant columns' numbers.
type rowRec struct {
	k1, k2 uint64
	row    uint64
	meta   atomic.Uint64
}

// meta: the row's number in its run (bits 0-31), its run (the worker,
// bits 40-47) and flags.
const (
	recUsed          uint64 = 1 << (32 + iota) // the slot holds a row
	recMatched                                 // a source row had this key
	recHasDuplicates                           // more target rows had this key
	recRunShift      = 40
)

// keyShard is one of the key table's 256 open-addressing tables (chosen by
// the top byte of the key hash). While the target is read, each worker
// appends its rows to a run per shard (sequential writes, no locks); then
// each shard's table is built from the runs in one go, small enough to sit
// in cache, and is read without locks afterwards. Rows live in the table
// itself, so a lookup costs one cache miss.
type keyShard struct {
	recs []rowRec
	runs []*shardRun // the workers' runs: the columns stay there
	dups int64
}

// shardRun is one worker's rows of one shard, in arrival order.
type shardRun struct {
	keys []rowKey
	cols []uint32  // per row, per column
	tolF []float64 // per row, per tolerant column
	tolK []byte
}

type rowKey struct{ k1, k2, row uint64 }

type keyTable struct {
	ncols, ntol int
	shards      [256]keyShard
}

// maxSizeHint bounds what a record count may make a key table reserve.
const maxSizeHint = 100_000_000

// newRuns makes a worker's runs, sized for about rows rows in all (a hint,
// from the catalog's record count: a wrong one costs only time).
func newRuns(ncols, ntol int, rows int64, workers int) *[256]shardRun {
	per := int(min(max(rows, 0), maxSizeHint) / int64(256*max(workers, 1)))
	runs := new([256]shardRun)
	for i := range runs {
		runs[i].keys = make([]rowKey, 0, per)
		runs[i].cols = make([]uint32, 0, per*ncols)
	}
	return runs
}

func (r *shardRun) add(k1, k2, row uint64, fp *fingerprinter) {
	r.keys = append(r.keys, rowKey{k1, k2, row})
	for _, h := range fp.hashes {
		r.cols = append(r.cols, uint32(h))
	}
	for _, c := range fp.tolCols {
		r.tolF = append(r.tolF, fp.canon[c].f)
		r.tolK = append(r.tolK, fp.canon[c].kind)
	}
}

// buildKeyTable makes the table from the workers' runs, shards in parallel.
func buildKeyTable(ncols, ntol int, runs []*[256]shardRun, workers int) *keyTable {
	t := &keyTable{ncols: ncols, ntol: ntol}
	var wg sync.WaitGroup
	for w := range max(workers, 1) {
		wg.Go(func() {
			for s := w; s < len(t.shards); s += max(workers, 1) {
				t.shards[s].build(runs, s)
			}
		})
	}
	wg.Wait()
	return t
}

func (sh *keyShard) build(runs []*[256]shardRun, s int) {
	n := 0
	for _, r := range runs {
		n += len(r[s].keys)
		sh.runs = append(sh.runs, &r[s])
	}
	size := 64
	for size*3 < n*4 {
		size *= 2
	}
	sh.recs = allocRecs(size)
	mask := uint64(size - 1)
	for ri, run := range sh.runs {
		for i, k := range run.keys {
			for pos := k.k2 & mask; ; pos = (pos + 1) & mask {
				r := &sh.recs[pos]
				m := r.meta.Load()
				if m&recUsed == 0 {
					r.k1, r.k2, r.row = k.k1, k.k2, k.row
					r.meta.Store(recUsed | uint64(ri)<<recRunShift | uint64(i))
					break
				}
				if r.k1 == k.k1 && r.k2 == k.k2 {
					r.meta.Store(m | recHasDuplicates)
					sh.dups++
					break
				}
			}
		}
		run.keys = nil // in the table now
	}
}

// columns returns a row's column fingerprints and its tolerant values.
func (t *keyTable) columns(sh *keyShard, meta uint64) ([]uint32, []float64, []byte) {
	run := sh.runs[int(meta>>recRunShift)&0xff]
	i := int(uint32(meta))
	var tf []float64
	var tk []byte
	if t.ntol > 0 {
		tf, tk = run.tolF[i*t.ntol:(i+1)*t.ntol], run.tolK[i*t.ntol:(i+1)*t.ntol]
	}
	return run.cols[i*t.ncols : (i+1)*t.ncols], tf, tk
}

// release gives back the table's memory; it is unusable afterwards.
func (t *keyTable) release() {
	for i := range t.shards {
		releaseRecs(t.shards[i].recs)
		t.shards[i].recs = nil
	}
}

// find returns the row of a key, and its shard; nil when there is none.
func (t *keyTable) find(k1, k2 uint64) (*rowRec, *keyShard) {
	sh := &t.shards[k1>>56]
	mask := uint64(len(sh.recs) - 1)
	for pos := k2 & mask; ; pos = (pos + 1) & mask {
		r := &sh.recs[pos]
		if r.meta.Load()&recUsed == 0 {
			return nil, nil
		}
		if r.k1 == k1 && r.k2 == k2 {
			return r, sh
		}
	}
}

// touch reads the first slot a key's lookup will read, to bring it into
// cache ahead of find.
func (t *keyTable) touch(k1, k2 uint64) uint64 {
	sh := &t.shards[k1>>56]
	return sh.recs[k2&uint64(len(sh.recs)-1)].k1
}

// indexSink reads one worker's share of the target into its runs.
type indexSink struct {
	countSink
	runs     *[256]shardRun
	all      []*[256]shardRun // once merged: every worker's runs
	nullKeys int64
}

func (s *indexSink) Add(row []dataset.Value) {
	s.fp.load(row, s.counts)
	k1, k2, ok := s.fp.keyHash()
	if !ok {
		s.nullKeys++
		return
	}
	s.runs[k1>>56].add(k1, k2, s.fp.rowHash(), s.fp)
}

func (s *indexSink) Merge(other dataset.Sink) {
	o := other.(*indexSink)
	s.countSink.Merge(&o.countSink)
	s.nullKeys += o.nullKeys
	if s.all == nil {
		s.all = append(s.all, s.runs)
	}
	if o.all == nil {
		o.all = append(o.all, o.runs)
	}
	s.all = append(s.all, o.all...)
}

// sample is a candidate row difference.
type sample struct {
	kind string
	key  []canon
	rec  *rowRec // the target row, for a changed row
	cols []int   // the changed columns
	src  []canon // their source values
	tgt  []canon // their target values, found by the second pass
}

// sampler keeps, per kind, the maxSamples differences with the smallest
// keys: the same samples whatever the order rows arrive in.
type sampler map[string][]*sample

// wants reports whether a difference with this key would be kept.
func (s sampler) wants(kind string, key []canon) bool {
	list := s[kind]
	if len(list) < maxSamples {
		return true
	}
	return compareCanon(key, list[len(list)-1].key) < 0
}

func (s sampler) offer(x *sample) {
	list := s[x.kind]
	i, found := slices.BinarySearchFunc(list, x.key, func(e *sample, k []canon) int { return compareCanon(e.key, k) })
	if found || i >= maxSamples {
		return
	}
	list = slices.Insert(list, i, x)
	if len(list) > maxSamples {
		list = list[:maxSamples]
	}
	s[x.kind] = list
}

func (s sampler) merge(o sampler) {
	for _, list := range o {
		for _, x := range list {
			s.offer(x)
		}
	}
}

// probeSink compares one worker's share of the source's rows with the
// index of the target.
type probeSink struct {
	countSink
	table     *keyTable
	tols      []Tolerance
	diff      KeyedDiff
	changedBy []int64
	missing   map[[2]uint64]struct{} // source keys not in the target: to find duplicates among them
	samples   sampler
	touched   uint64 // what touch read, kept so that the reads are made
}

// dataset.GroupRows is how many rows a probe looks up at once. A lookup is a
// cache miss into a table of hundreds of MiB; one at a time, each waits
// for memory. A group first touches every row's slot (loads that do not
// depend on one another, so the core has them all in flight), then
// compares: the slots are in cache by then.

type probeKey struct {
	k1, k2 uint64
	ok     bool
}

// inGroups looks rows up a group at a time: every row's key first, then a
// loop of loads alone (hashing between them would fill the core's reorder
// window and leave one miss in flight at a time), then each row with its
// key. It returns what the loads read, for the caller to keep (so that
// they are made).
func (t *keyTable) inGroups(rows [][]dataset.Value, key func([]dataset.Value) probeKey, each func([]dataset.Value, probeKey)) uint64 {
	var keys [dataset.GroupRows]probeKey
	var touched uint64
	for len(rows) > 0 {
		g := rows[:min(len(rows), dataset.GroupRows)]
		rows = rows[len(g):]
		for i, row := range g {
			keys[i] = key(row)
		}
		for _, k := range keys[:len(g)] {
			touched += t.touch(k.k1, k.k2)
		}
		for i, row := range g {
			each(row, keys[i])
		}
	}
	return touched
}

func (s *probeSink) AddRows(rows [][]dataset.Value) {
	s.touched += s.table.inGroups(rows, s.key, s.probe)
}

func (s *probeSink) Add(row []dataset.Value) { s.probe(row, s.key(row)) }

// key hashes a source row's key.
func (s *probeSink) key(row []dataset.Value) probeKey {
	s.fp.loadKey(row)
	var k probeKey
	k.k1, k.k2, k.ok = s.fp.keyHash()
	return k
}

// probe compares a source row, whose key hash is k, with the target.
func (s *probeSink) probe(row []dataset.Value, k probeKey) {
	fp := s.fp
	fp.load(row, s.counts)
	k1, k2, ok := k.k1, k.k2, k.ok
	if !ok {
		s.diff.NullKeysSource++
		return
	}
	rec, sh := s.table.find(k1, k2)
	if rec == nil {
		kind := kindMissing
		if _, dup := s.missing[[2]uint64{k1, k2}]; dup {
			s.diff.DuplicateKeysSource++
			kind = kindDupSource
		} else {
			s.missing[[2]uint64{k1, k2}] = struct{}{}
			s.diff.MissingInTarget++
		}
		s.samples.offerKey(kind, fp)
		return
	}
	m := rec.meta.Or(recMatched)
	if m&recMatched != 0 {
		s.diff.DuplicateKeysSource++
		s.samples.offerKey(kindDupSource, fp)
		return
	}
	s.diff.Matched++
	var changed []int
	cols, tolF, tolK := s.table.columns(sh, m)
	if rec.row != fp.rowHash() {
		for c, h := range fp.hashes {
			if !fp.tolerant[c] && uint32(h) != cols[c] {
				changed = append(changed, c)
			}
		}
		if len(changed) == 0 {
			// The 64-bit fingerprints differ but no 32-bit one does:
			// a change the column fingerprints cannot place.
			changed = append(changed, -1)
		}
	}
	for j, c := range fp.tolCols {
		tk, tf := tolK[j], tolF[j]
		src := fp.canon[c]
		var equal bool
		if src.kind == 'n' && tk == 'n' {
			equal = s.tols[c].equal(src.f, tf)
		} else {
			equal = uint32(fp.hashes[c]) == cols[c]
		}
		if !equal {
			changed = append(changed, c)
		}
	}
	if len(changed) == 0 {
		s.diff.Identical++
		return
	}
	s.diff.Changed++
	for _, c := range changed {
		if c >= 0 {
			s.changedBy[c]++
		}
	}
	if s.samples.wants(kindChanged, fp.keyNow()) {
		x := &sample{kind: kindChanged, key: fp.keyValues(), rec: rec}
		for _, c := range changed {
			if c >= 0 {
				x.cols = append(x.cols, c)
				x.src = append(x.src, fp.canon[c].kept())
			}
		}
		s.samples.offer(x)
	}
}

// offer makes the current row a sample of a kind, if its key is among
// the smallest.
func (s sampler) offerKey(kind string, fp *fingerprinter) {
	if s.wants(kind, fp.keyNow()) {
		s.offer(&sample{kind: kind, key: fp.keyValues()})
	}
}

func (s *probeSink) Merge(other dataset.Sink) {
	o := other.(*probeSink)
	s.countSink.Merge(&o.countSink)
	for k := range o.missing {
		if _, dup := s.missing[k]; dup {
			s.diff.MissingInTarget--
			s.diff.DuplicateKeysSource++
		} else {
			s.missing[k] = struct{}{}
		}
	}
	d, od := &s.diff, &o.diff
	d.Matched += od.Matched
	d.Identical += od.Identical
	d.Changed += od.Changed
	d.MissingInTarget += od.MissingInTarget
	d.DuplicateKeysSource += od.DuplicateKeysSource
	d.NullKeysSource += od.NullKeysSource
	for c, n := range o.changedBy {
		s.changedBy[c] += n
	}
	s.samples.merge(o.samples)
}

// traceSink is the second pass over the target, made only when there are
// differences: it finds the keys of extra and duplicate rows, and the
// target values of the sampled changed rows.
type traceSink struct {
	fp      *fingerprinter
	table   *keyTable
	wanted  map[*rowRec]*sample // changed samples by target row
	cols    []int               // the columns read: the key and the sampled changes
	full    []dataset.Value     // the row, the columns not read null
	mu      *sync.Mutex
	samples sampler
	touched uint64
}

// dataset.AddRows looks a group's keys up together, as probeSink.AddRows does.
func (s *traceSink) AddRows(rows [][]dataset.Value) {
	s.touched += s.table.inGroups(rows, s.key, s.trace)
}

func (s *traceSink) Add(part []dataset.Value) { s.trace(part, s.key(part)) }

// key loads a row's read columns and hashes its key.
func (s *traceSink) key(part []dataset.Value) probeKey {
	for j, c := range s.cols {
		s.full[c] = part[j]
	}
	s.fp.loadKey(s.full)
	var k probeKey
	k.k1, k.k2, k.ok = s.fp.keyHash()
	return k
}

func (s *traceSink) trace(part []dataset.Value, k probeKey) {
	if !k.ok {
		return
	}
	for j, c := range s.cols {
		s.full[c] = part[j]
	}
	s.fp.loadKey(s.full)
	rec, sh := s.table.find(k.k1, k.k2)
	if rec == nil {
		return
	}
	m := rec.meta.Load()
	if m&recMatched == 0 {
		s.samples.offerKey(kindExtra, s.fp)
	}
	if m&recHasDuplicates != 0 {
		s.samples.offerKey(kindDupTarget, s.fp)
	}
	x := s.wanted[rec]
	if x == nil {
		return
	}
	// The row indexed for this key (of several, when the key repeats): its
	// changed columns' fingerprints are the ones kept.
	kept, _, _ := s.table.columns(sh, m)
	vals := make([]canon, len(x.cols))
	for j, c := range x.cols {
		v, _ := canonical(s.full[c], s.fp.asText[c])
		if uint32(v.hash()) != kept[c] {
			return
		}
		vals[j] = v.kept()
	}
	s.mu.Lock()
	if x.tgt == nil {
		x.tgt = vals
	}
	s.mu.Unlock()
}

func (s *traceSink) Merge(o dataset.Sink) { s.samples.merge(o.(*traceSink).samples) }

// KeyedOptions configure a keyed compare.
type KeyedOptions struct {
	Key       []string // source column names
	Map       map[string]string
	Tolerance Tolerance
	// ColumnTolerance overrides Tolerance for source columns.
	ColumnTolerance map[string]Tolerance
	Workers         int
}

// keyedPass reads the target into a key index (counting its columns),
// then the source against it (counting its columns); a second pass over
// the target names the extra rows and the target values of the sampled
// changed rows, when there are any. Each pass is a stage on p.
func keyedPass(ctx context.Context, src, tgt *side, fp *fingerprinter, opts KeyedOptions, p progress.Reporter) (*KeyedDiff, error) {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	p = progress.Or(p)
	scan := dataset.ScanOptions{Workers: workers, Progress: p}
	hint, _ := strconv.ParseInt(tgt.in.Table.Parameters[catalog.ParamRecordCount], 10, 64)
	newIndex := func() dataset.Sink {
		return &indexSink{countSink: countSink{fp: fp.clone(), counts: newCounts(len(tgt.pick))},
			runs: newRuns(len(tgt.pick), len(fp.tolCols), hint, workers)}
	}
	p.Stage("index target")
	merged, st, err := dataset.Scan(ctx, tgt.in, tgt.pick, scan, newIndex)
	tgt.noteScan(st)
	if err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	if merged == nil {
		merged = newIndex()
	}
	ts := merged.(*indexSink)
	if ts.all == nil {
		ts.all = append(ts.all, ts.runs)
	}
	table := buildKeyTable(len(tgt.pick), len(fp.tolCols), ts.all, workers)
	defer table.release()
	tgt.counts = ts.counts
	tols := make([]Tolerance, len(src.names))
	for i, n := range src.names {
		tols[i] = opts.Tolerance
		if t, ok := opts.ColumnTolerance[n]; ok {
			tols[i] = t
		}
	}
	newProbe := func() dataset.Sink {
		return &probeSink{countSink: countSink{fp: fp.clone(), counts: newCounts(len(src.pick))}, table: table, tols: tols,
			changedBy: make([]int64, len(src.pick)), missing: map[[2]uint64]struct{}{}, samples: sampler{}}
	}
	p.Stage("match source")
	merged, st, err = dataset.Scan(ctx, src.in, src.pick, scan, newProbe)
	src.noteScan(st)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	if merged == nil {
		merged = newProbe()
	}
	ps := merged.(*probeSink)
	src.counts = ps.counts
	diff := ps.diff
	diff.Key = opts.Key
	diff.NullKeysTarget = ts.nullKeys
	diff.ChangedByColumn = map[string]int64{}
	for c, n := range ps.changedBy {
		if n > 0 {
			diff.ChangedByColumn[src.names[c]] = n
		}
	}
	for i := range table.shards {
		sh := &table.shards[i]
		diff.DuplicateKeysTarget += sh.dups
		for j := range sh.recs {
			if sh.recs[j].meta.Load()&(recUsed|recMatched) == recUsed {
				diff.ExtraInTarget++
			}
		}
	}
	samples := ps.samples
	if diff.ExtraInTarget > 0 || diff.DuplicateKeysTarget > 0 || len(samples[kindChanged]) > 0 {
		wanted := map[*rowRec]*sample{}
		for _, x := range samples[kindChanged] {
			wanted[x.rec] = x
		}
		// Only the key's columns and the sampled rows' changed ones are read.
		cols := slices.Clone(fp.key)
		for _, x := range samples[kindChanged] {
			cols = append(cols, x.cols...)
		}
		slices.Sort(cols)
		cols = slices.Compact(cols)
		pick := make([]int, len(cols))
		for j, c := range cols {
			pick[j] = tgt.pick[c]
		}
		var mu sync.Mutex
		newTrace := func() dataset.Sink {
			return &traceSink{fp: fp.clone(), table: table, wanted: wanted, cols: cols, full: make([]dataset.Value, len(tgt.pick)), mu: &mu, samples: sampler{}}
		}
		p.Stage("trace target")
		merged, _, err := dataset.Scan(ctx, tgt.in, pick, scan, newTrace)
		if err != nil {
			return nil, fmt.Errorf("target: %w", err)
		}
		if merged != nil {
			samples.merge(merged.(*traceSink).samples)
		}
	}
	diff.Samples = []RowDifference{}
	for _, kind := range sampleKinds {
		for _, x := range samples[kind] {
			d := RowDifference{Key: printableKey(x.key), Kind: kind}
			if kind == kindChanged {
				d.Columns = map[string][2]any{}
				for j, c := range x.cols {
					var t any
					if j < len(x.tgt) {
						t = x.tgt[j].String()
					}
					d.Columns[src.names[c]] = [2]any{x.src[j].String(), t}
				}
			}
			diff.Samples = append(diff.Samples, d)
		}
	}
	return &diff, nil
}

// Differs reports whether any difference was found. Rows with a null key
// cannot be matched, so they are differences too.
func (d *KeyedDiff) Differs() bool {
	return d.Changed+d.MissingInTarget+d.ExtraInTarget+d.DuplicateKeysSource+d.DuplicateKeysTarget+d.NullKeysSource+d.NullKeysTarget > 0
}
