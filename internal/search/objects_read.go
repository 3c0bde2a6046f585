package search

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
	"unsafe"

	"github.com/parquet-go/parquet-go"
	pformat "github.com/parquet-go/parquet-go/format"
	"golang.org/x/sync/errgroup"

	"github.com/lakectl/lakectl/internal/dataset"
	"github.com/lakectl/lakectl/internal/storage"
)

// The inventory is searched column by column, in two passes over each row
// group its statistics leave: first the columns the query filters on (key,
// and size, last modified, storage class, user metadata, tags where asked),
// then, for the rows that passed, the rest. No row is rebuilt as a whole
// and no map is built for a row that does not match. With a limit, row
// groups are read in key order and the search stops once no row group
// left can hold a key before the last one kept.

// inventoryFile is an inventory file, open, with the leaf column of each
// of Columns (-1: not in the file; a map's key and value leaves apart).
type inventoryFile struct {
	pf    *parquet.File
	leaf  [colDate]int
	units [colDate]int64 // microseconds per unit of a timestamp column
	// The key and value leaves of object_tags and user_metadata.
	tagKey, tagValue, metaKey, metaValue int
	// The pairs table's pair_source, pair_key and pair_value leaves (-1
	// in the inventory).
	pair [3]int
	// maxDef is each leaf's largest definition level.
	maxDef []int
}

func openInventoryFile(ctx context.Context, f *dataset.File) (*inventoryFile, error) {
	size := f.Size
	if size <= 0 {
		obj, err := f.Store.Stat(ctx, f.Key)
		if err != nil {
			return nil, err
		}
		size = obj.Size
	}
	pf, err := parquet.OpenFile(storage.ReaderAt(ctx, f.Store, f.Key), size, parquet.SkipBloomFilters(true), parquet.SkipPageIndex(true), parquet.ReadBufferSize(1<<20))
	if err != nil {
		return nil, err
	}
	inf := &inventoryFile{pf: pf}
	schema := pf.Schema()
	lookup := func(path ...string) int {
		if c, ok := schema.Lookup(path...); ok && c.Node.Leaf() {
			return c.ColumnIndex
		}
		return -1
	}
	for i := range colDate {
		inf.leaf[i] = lookup(Columns[i].Name)
		inf.units[i] = 1
		if c, ok := schema.Lookup(Columns[i].Name); ok && c.Node.Leaf() {
			if lt := c.Node.Type().LogicalType(); lt != nil {
				if ts, ok := lt.Value.(*pformat.TimestampType); ok {
					switch ts.Unit.Value.(type) {
					case *pformat.MilliSeconds:
						inf.units[i] = -1000 // multiply
					case *pformat.NanoSeconds:
						inf.units[i] = 1000 // divide
					}
				}
			}
		}
	}
	for _, path := range schema.Columns() {
		c, _ := schema.Lookup(path...)
		inf.maxDef = append(inf.maxDef, c.MaxDefinitionLevel)
	}
	inf.tagKey, inf.tagValue = lookup(Columns[colTags].Name, "key_value", "key"), lookup(Columns[colTags].Name, "key_value", "value")
	inf.metaKey, inf.metaValue = lookup(Columns[colMetadata].Name, "key_value", "key"), lookup(Columns[colMetadata].Name, "key_value", "value")
	for i := range inf.pair {
		inf.pair[i] = lookup(PairsColumns[colDate+i].Name)
	}
	return inf, nil
}

// micros reads a timestamp column's value in microseconds.
func (inf *inventoryFile) micros(col int, v int64) int64 {
	switch u := inf.units[col]; {
	case u < 0:
		return v * -u
	case u > 1:
		return v / u
	}
	return v
}

// value is a leaf value as the matcher reads it.
func (inf *inventoryFile) value(col int, v parquet.Value) dataset.Value {
	if v.IsNull() {
		return dataset.Value{Kind: dataset.KindNull}
	}
	switch col {
	case colRecordTimestamp, colLastModified:
		return dataset.Value{Kind: dataset.KindTime, I: inf.micros(col, v.Int64())}
	case colSize:
		return dataset.Value{Kind: dataset.KindIntegral, I: v.Int64()}
	case colDeleteMarker, colMultipart, colBucketKey:
		return dataset.Value{Kind: dataset.KindBoolean, B: v.Boolean()}
	}
	return dataset.Value{Kind: dataset.KindString, S: string(v.ByteArray())}
}

// candidate is a row group of a file that its statistics leave.
type candidate struct {
	file   *inventoryFile
	rg     parquet.RowGroup
	minKey string // "" when unknown
}

// bounds are a row group's statistics as the matcher reads them.
func (inf *inventoryFile) bounds(rg parquet.RowGroup) (b [colDate]dataset.Bounds) {
	chunks := rg.ColumnChunks()
	for _, col := range []int{colKey, colSize, colLastModified, colRecordTimestamp, colStorageClass} {
		l := inf.leaf[col]
		if l < 0 {
			continue
		}
		fc, ok := chunks[l].(*parquet.FileColumnChunk)
		if !ok {
			continue
		}
		if lo, hi, ok := fc.Bounds(); ok && !lo.IsNull() && !hi.IsNull() {
			b[col] = dataset.Bounds{Min: inf.value(col, lo), Max: inf.value(col, hi), Known: true}
		}
	}
	return b
}

// pairBounds are a row group's smallest and largest pair_source, pair_key
// and pair_value (ok false when a bound is unknown).
func (inf *inventoryFile) pairBounds(rg parquet.RowGroup) (lo, hi [3]string, ok bool) {
	chunks := rg.ColumnChunks()
	for i, l := range inf.pair {
		if l < 0 {
			return lo, hi, false
		}
		fc, isFile := chunks[l].(*parquet.FileColumnChunk)
		if !isFile {
			return lo, hi, false
		}
		min, max, known := fc.Bounds()
		if !known || min.IsNull() || max.IsNull() {
			return lo, hi, false
		}
		lo[i], hi[i] = string(min.ByteArray()), string(max.ByteArray())
	}
	return lo, hi, true
}

// holdsPair says whether a row group of the pairs table can hold the
// pair p: each of its three values within its column's bounds. Rows
// sorted by pair make the bounds tight: a row group within one source and
// key spans a range of that key's values.
func holdsPair(lo, hi [3]string, p [3]string) bool {
	for i := range p {
		if p[i] < lo[i] || p[i] > hi[i] {
			return false
		}
	}
	return true
}

// searchTable finds the current objects the matcher keeps in the
// inventory or the pairs table, sorted by key, with the row groups read
// and skipped. In the pairs table an object is found by the row of one
// pair it must have: of those asked, the one whose row groups hold the
// fewest rows.
func searchTable(ctx context.Context, open Opener, root, table string, m *matcher) (*Found, error) {
	files, _, err := dataset.List(ctx, tableInput(open, root, table))
	if err != nil {
		return nil, err
	}
	workers := runtime.GOMAXPROCS(0)
	opened := make([]*inventoryFile, len(files))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for i, f := range files {
		g.Go(func() error {
			inf, err := openInventoryFile(gctx, f)
			if err != nil {
				return fmt.Errorf("read %s: %w", f.URI, err)
			}
			opened[i] = inf
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	found := &Found{}
	if table == PairsTable {
		m.pair = choosePair(opened, m.pairs())
	}
	var cands []candidate
	for _, inf := range opened {
		for _, rg := range inf.pf.RowGroups() {
			b := inf.bounds(rg)
			if !m.rowGroup(b[:]) || m.pair != nil && !inf.mayHoldPair(rg, *m.pair) {
				found.RowGroupsSkipped++
				continue
			}
			c := candidate{file: inf, rg: rg}
			if b[colKey].Known {
				c.minKey = b[colKey].Min.S
			}
			cands = append(cands, c)
		}
	}
	// Without a limit every candidate is read at once; with one, a wave of
	// as many as there are workers at a time, in key order.
	wave := len(cands)
	if m.q.Limit > 0 {
		slices.SortStableFunc(cands, func(a, b candidate) int { return strings.Compare(a.minKey, b.minKey) })
		wave = workers
	}
	var recs []Record
	for start := 0; start < len(cands); start += wave {
		batch := cands[start:min(start+wave, len(cands))]
		got := make([][]Record, len(batch))
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(workers)
		for i, c := range batch {
			g.Go(func() error {
				var err error
				got[i], err = c.file.search(gctx, c.rg, m)
				return err
			})
		}
		if err := g.Wait(); err != nil {
			return nil, err
		}
		found.RowGroupsRead += int64(len(batch))
		for _, r := range got {
			recs = append(recs, r...)
		}
		if m.q.Limit > 0 && len(recs) >= m.q.Limit {
			sortRecords(recs)
			recs = recs[:m.q.Limit]
			if next := start + wave; next < len(cands) && recs[len(recs)-1].Key < cands[next].minKey {
				found.RowGroupsSkipped += int64(len(cands) - next)
				break
			}
		}
	}
	sortRecords(recs)
	if m.q.Limit > 0 && len(recs) > m.q.Limit {
		recs = recs[:m.q.Limit]
	}
	found.Objects = recs
	return found, nil
}

// mayHoldPair says whether a row group of the pairs table can hold a
// pair (true when its bounds are unknown).
func (inf *inventoryFile) mayHoldPair(rg parquet.RowGroup, p [3]string) bool {
	lo, hi, ok := inf.pairBounds(rg)
	return !ok || holdsPair(lo, hi, p)
}

// choosePair is, of the pairs a query asks for, the one whose row groups
// in the pairs table hold the fewest rows.
func choosePair(files []*inventoryFile, pairs [][3]string) *[3]string {
	var best *[3]string
	bestRows := int64(-1)
	for i := range pairs {
		var rows int64
		for _, inf := range files {
			for _, rg := range inf.pf.RowGroups() {
				if inf.mayHoldPair(rg, pairs[i]) {
					rows += rg.NumRows()
				}
			}
		}
		if bestRows < 0 || rows < bestRows {
			best, bestRows = &pairs[i], rows
		}
	}
	return best
}

// scratch is a search worker's buffers of values, reused across row
// groups.
type scratch struct{ batch, keys, values []parquet.Value }

var scratches = sync.Pool{New: func() any { return &scratch{batch: make([]parquet.Value, 1024)} }}

// eachValue calls fn with each value of a leaf column of a row group, in
// order. With release, a page's buffers are handed back once its values
// are done: a byte array value then holds only during the call.
func eachValue(rg parquet.RowGroup, leaf int, buf []parquet.Value, release bool, fn func(i int, v parquet.Value)) (int, error) {
	pages := rg.ColumnChunks()[leaf].Pages()
	defer pages.Close()
	i := 0
	for {
		p, err := pages.ReadPage()
		if err == io.EOF {
			return i, nil
		}
		if err != nil {
			return i, err
		}
		vr := p.Values()
		for {
			n, err := vr.ReadValues(buf)
			for _, v := range buf[:n] {
				fn(i, v)
				i++
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				return i, err
			}
		}
		if release {
			parquet.Release(p)
		}
	}
}

// readLeaf reads every value of a leaf column of a row group into buf.
func readLeaf(rg parquet.RowGroup, leaf int, batch, buf []parquet.Value) ([]parquet.Value, error) {
	buf = buf[:0]
	_, err := eachValue(rg, leaf, batch, false, func(_ int, v parquet.Value) { buf = append(buf, v) })
	return buf, err
}

// view is a leaf value as the matcher reads it, a byte array's text
// pointing into the page (valid as long as the value is).
func (inf *inventoryFile) view(col int, v parquet.Value) dataset.Value {
	if v.Kind() == parquet.ByteArray && !v.IsNull() {
		b := v.ByteArray()
		return dataset.Value{Kind: dataset.KindString, S: unsafe.String(unsafe.SliceData(b), len(b))}
	}
	return inf.value(col, v)
}

// search reads a row group in two passes and returns the records of its
// rows that match.
func (inf *inventoryFile) search(ctx context.Context, rg parquet.RowGroup, m *matcher) ([]Record, error) {
	q := m.q
	n := int(rg.NumRows())
	sc := scratches.Get().(*scratch)
	defer scratches.Put(sc)
	rowsOf := func(col, got int) error {
		if got != n {
			return fmt.Errorf("column %s: %d values, the row group has %d rows", Columns[col].Name, got, n)
		}
		return nil
	}
	// Pass 1: the columns filtered on, one at a time; in the pairs table
	// first the pair the search goes by.
	keep := make([]bool, n)
	for i := range keep {
		keep[i] = true
	}
	kept := n
	if m.pair != nil {
		for i, leaf := range inf.pair {
			want := m.pair[i]
			got, err := eachValue(rg, leaf, sc.batch, true, func(r int, v parquet.Value) {
				if r < n && keep[r] && (v.IsNull() || string(v.ByteArray()) != want) {
					keep[r] = false
					kept--
				}
			})
			if err == nil && got != n {
				err = fmt.Errorf("column %s: %d values, the row group has %d rows", PairsColumns[colDate+i].Name, got, n)
			}
			if err != nil {
				return nil, err
			}
			if kept == 0 {
				return nil, nil
			}
		}
	}
	for _, col := range m.filtered() {
		if inf.leaf[col] < 0 {
			if !m.test(col, dataset.Value{Kind: dataset.KindNull}) {
				return nil, nil
			}
			continue
		}
		got, err := eachValue(rg, inf.leaf[col], sc.batch, true, func(r int, v parquet.Value) {
			if r < n && keep[r] && !m.test(col, inf.view(col, v)) {
				keep[r] = false
				kept--
			}
		})
		if err == nil {
			err = rowsOf(col, got)
		}
		if err != nil {
			return nil, err
		}
		if kept == 0 {
			return nil, nil
		}
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	maps := [2]struct {
		key, value int
		want       map[string]string
		fold       bool
		got        []map[string]string
	}{{inf.metaKey, inf.metaValue, q.Meta, true, nil}, {inf.tagKey, inf.tagValue, q.Tags, false, nil}}
	for i := range maps {
		mp := &maps[i]
		if kept == 0 {
			return nil, nil
		}
		var err error
		if kept, err = inf.readMap(rg, mp.key, mp.value, mp.want, mp.fold, keep, kept, sc, &mp.got); err != nil {
			return nil, err
		}
	}
	if kept == 0 {
		return nil, nil
	}
	// Pass 2: every column, for the rows kept.
	rows := make([]int, 0, kept)
	for r, k := range keep {
		if k {
			rows = append(rows, r)
		}
	}
	recs := make([]Record, len(rows))
	for col := range colTags {
		if inf.leaf[col] < 0 {
			continue // null
		}
		j := 0
		got, err := eachValue(rg, inf.leaf[col], sc.batch, true, func(r int, v parquet.Value) {
			if j < len(rows) && rows[j] == r {
				setField(&recs[j], col, inf.value(col, v))
				j++
			}
		})
		if err == nil {
			err = rowsOf(col, got)
		}
		if err != nil {
			return nil, err
		}
	}
	for i, r := range rows {
		recs[i].UserMetadata, recs[i].Tags = maps[0].got[r], maps[1].got[r]
	}
	return recs, nil
}

// readMap reads a map column's key and value leaves: rows kept whose map
// lacks a wanted pair are dropped (the count kept is returned), and the
// maps of the rows still kept are built into (*got)[row] (nil: a null
// map).
func (inf *inventoryFile) readMap(rg parquet.RowGroup, keyLeaf, valueLeaf int, want map[string]string, fold bool, keep []bool, kept int, sc *scratch, got *[]map[string]string) (int, error) {
	n := len(keep)
	*got = make([]map[string]string, n)
	if keyLeaf < 0 || valueLeaf < 0 {
		if len(want) > 0 {
			clear(keep)
			return 0, nil
		}
		return kept, nil
	}
	keys, err := readLeaf(rg, keyLeaf, sc.batch, sc.keys)
	if err != nil {
		return 0, err
	}
	sc.keys = keys
	values, err := readLeaf(rg, valueLeaf, sc.batch, sc.values)
	if err != nil {
		return 0, err
	}
	sc.values = values
	if len(keys) != len(values) {
		return 0, fmt.Errorf("map column: %d keys, %d values", len(keys), len(values))
	}
	wanted := make(map[string]string, len(want))
	for k, v := range want {
		if fold {
			k = strings.ToLower(k)
		}
		wanted[k] = v
	}
	// Each row's entries: from its first value (repetition level 0) to
	// the next row's. A map holds an entry where the key is defined (the
	// leaf's largest definition level); a lower level is a null (0) or an
	// empty map.
	entryLevel := inf.maxDef[keyLeaf]
	walk := func(row func(r int, defined bool), entry func(r int, k, v parquet.Value)) error {
		r := -1
		for i, k := range keys {
			if k.RepetitionLevel() == 0 {
				if r++; r >= n {
					return fmt.Errorf("map column: more rows than the row group's %d", n)
				}
				row(r, k.DefinitionLevel() > 0)
			}
			if r >= 0 && keep[r] && k.DefinitionLevel() >= entryLevel && !k.IsNull() {
				entry(r, k, values[i])
			}
		}
		if len(keys) > 0 && r != n-1 {
			return fmt.Errorf("map column: %d rows, the row group has %d", r+1, n)
		}
		return nil
	}
	if len(wanted) > 0 {
		// First the rows that hold every wanted pair, with no map built.
		matched := make([]int32, n)
		err := walk(func(int, bool) {}, func(r int, k, v parquet.Value) {
			if w, ok := wanted[string(k.ByteArray())]; ok && !v.IsNull() && string(v.ByteArray()) == w {
				matched[r]++
			}
		})
		if err != nil {
			return 0, err
		}
		for r := range keep {
			if keep[r] && int(matched[r]) < len(wanted) {
				keep[r] = false
				kept--
			}
		}
		if kept == 0 {
			return 0, nil
		}
	}
	err = walk(func(r int, defined bool) {
		if keep[r] && defined {
			(*got)[r] = map[string]string{}
		}
	}, func(r int, k, v parquet.Value) {
		val := ""
		if !v.IsNull() {
			val = string(v.ByteArray())
		}
		(*got)[r][string(k.ByteArray())] = val
	})
	return kept, err
}
