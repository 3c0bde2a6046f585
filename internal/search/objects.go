package search

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/dataset"
)

// Query is what `search objects` looks for. Every filter set must hold.
type Query struct {
	// Pattern is a key glob (doublestar's: * within a path segment, **
	// across segments, ?, [class], {a,b}), or with Regex an RE2 regular
	// expression found anywhere in the key; "" matches every key.
	Pattern string
	Regex   bool
	// Meta and Tags are user metadata and tags an object must have, each
	// key with that value.
	Meta, Tags map[string]string
	// Since and Until bound the last modified time (with Deleted: the
	// time the deletion was recorded), Since included, Until excluded;
	// zero: unbounded.
	Since, Until time.Time
	// MinSize and MaxSize bound the size, both included; < 0: unbounded.
	MinSize, MaxSize int64
	StorageClass     string
	// Deleted looks for objects deleted (in the journal) instead of
	// current ones.
	Deleted bool
	// Limit is the most objects returned (0: all).
	Limit int
}

// Found is what a search found, with what it read.
type Found struct {
	Objects []Record
	// RowGroupsRead and RowGroupsSkipped are the index's Parquet row
	// groups read, and those skipped by their statistics.
	RowGroupsRead, RowGroupsSkipped int64
	// Table is the table of the index searched: the inventory, the pairs
	// table, or the journal.
	Table string
}

// matcher is a compiled query.
type matcher struct {
	q      Query
	glob   bool
	re     *regexp.Regexp
	prefix string // every matching key starts with it
	// pair is, searching the pairs table, the pair (source, key, value)
	// whose rows are read.
	pair *[3]string
}

// pairs are the pairs (source, key, value) the query asks an object to
// have, in order.
func (m *matcher) pairs() [][3]string {
	var out [][3]string
	for _, k := range slices.Sorted(maps.Keys(m.q.Meta)) {
		out = append(out, [3]string{PairMetadata, strings.ToLower(k), m.q.Meta[k]})
	}
	for _, k := range slices.Sorted(maps.Keys(m.q.Tags)) {
		out = append(out, [3]string{PairTag, k, m.q.Tags[k]})
	}
	return out
}

// ParsePair reads a --meta or --tag argument: KEY=VALUE. A user metadata
// key is compared lowercase, as S3 keeps it.
func ParsePair(s string) (key, value string, err error) {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return "", "", catalog.Invalidf("%q: want KEY=VALUE", s)
	}
	return k, v, nil
}

func compile(q Query) (*matcher, error) {
	m := &matcher{q: q}
	switch {
	case q.Pattern == "":
	case q.Regex:
		re, err := regexp.Compile(q.Pattern)
		if err != nil {
			return nil, catalog.Invalidf("regular expression %q: %v", q.Pattern, err)
		}
		m.re = re
		if rest, ok := strings.CutPrefix(q.Pattern, "^"); ok {
			if anchored, err := regexp.Compile(rest); err == nil && !strings.Contains(rest, "|") {
				m.prefix, _ = anchored.LiteralPrefix()
			}
		}
	default:
		if !doublestar.ValidatePattern(q.Pattern) {
			return nil, catalog.Invalidf("key glob %q is not a valid pattern", q.Pattern)
		}
		m.glob = true
		m.prefix = globPrefix(q.Pattern)
	}
	return m, nil
}

// globPrefix is the literal start of a glob: what every key it matches
// begins with. It ends before a byte that is not UTF-8, which the matcher
// reads as any other such byte.
func globPrefix(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if r, size := utf8.DecodeRuneInString(p[i:]); r == utf8.RuneError && size == 1 {
			return b.String()
		}
		switch c := p[i]; c {
		case '*', '?', '[', '{':
			return b.String()
		case '\\':
			if i+1 < len(p) {
				if r, size := utf8.DecodeRuneInString(p[i+1:]); r == utf8.RuneError && size == 1 {
					return b.String()
				}
				i++
				b.WriteByte(p[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func (m *matcher) key(k string) bool {
	switch {
	case m.re != nil:
		return m.re.MatchString(k)
	case m.glob:
		ok, _ := doublestar.Match(m.q.Pattern, k)
		return ok
	}
	return true
}

// when is the time --since and --until bound.
func (m *matcher) when() int {
	if m.q.Deleted {
		return colRecordTimestamp
	}
	return colLastModified
}

// filtered are the columns a query filters rows on, besides the maps
// (those it sets).
func (m *matcher) filtered() []int {
	q := m.q
	var cols []int
	if m.prefix != "" || m.re != nil || m.glob {
		cols = append(cols, colKey)
	}
	if q.MinSize >= 0 || q.MaxSize >= 0 {
		cols = append(cols, colSize)
	}
	if !q.Since.IsZero() || !q.Until.IsZero() {
		cols = append(cols, m.when())
	}
	if q.StorageClass != "" {
		cols = append(cols, colStorageClass)
	}
	return cols
}

// test says whether a column's value passes the query's filter on it.
func (m *matcher) test(col int, v dataset.Value) bool {
	q := m.q
	switch col {
	case colKey:
		return strings.HasPrefix(v.S, m.prefix) && m.key(v.S)
	case colSize:
		return !(q.MinSize >= 0 && v.I < q.MinSize || q.MaxSize >= 0 && v.I > q.MaxSize)
	case m.when():
		if !q.Since.IsZero() && (v.Kind != dataset.KindTime || v.I < q.Since.UnixMicro()) {
			return false
		}
		return q.Until.IsZero() || v.Kind == dataset.KindTime && v.I < q.Until.UnixMicro()
	case colStorageClass:
		return q.StorageClass == "" || strings.EqualFold(v.S, q.StorageClass)
	}
	return true
}

// row says whether a row's listed columns pass (all but the maps).
func (m *matcher) row(row []dataset.Value) bool {
	for _, col := range m.filtered() {
		if !m.test(col, row[col]) {
			return false
		}
	}
	return true
}

// record says whether a record's maps hold what the query asks.
func (m *matcher) record(r *Record) bool {
	return holds(r.UserMetadata, m.q.Meta, true) && holds(r.Tags, m.q.Tags, false)
}

func holds(have, want map[string]string, fold bool) bool {
	for k, v := range want {
		if fold {
			k = strings.ToLower(k)
		}
		if got, ok := have[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// rowGroup says whether a row group whose columns span these bounds can
// hold a match.
func (m *matcher) rowGroup(b []dataset.Bounds) bool {
	q := m.q
	if k := b[colKey]; k.Known && m.prefix != "" {
		if k.Max.S < m.prefix || k.Min.S > m.prefix && !strings.HasPrefix(k.Min.S, m.prefix) {
			return false
		}
	}
	if s := b[colSize]; s.Known {
		if q.MinSize >= 0 && s.Max.I < q.MinSize || q.MaxSize >= 0 && s.Min.I > q.MaxSize {
			return false
		}
	}
	if t := b[m.when()]; t.Known && !m.q.Deleted {
		if !q.Since.IsZero() && t.Max.I < q.Since.UnixMicro() || !q.Until.IsZero() && t.Min.I >= q.Until.UnixMicro() {
			return false
		}
	}
	if c := b[colStorageClass]; c.Known && q.StorageClass != "" && !m.q.Deleted {
		sc := strings.ToUpper(q.StorageClass)
		if sc < c.Min.S || sc > c.Max.S {
			return false
		}
	}
	return true
}

// Search finds the objects of the index under root that match the query,
// sorted by key. Row groups of the index whose statistics (key, size,
// last modified, storage class) exclude a match are not read.
func Search(ctx context.Context, open Opener, root string, q Query) (*Found, error) {
	open = open.once()
	m, err := compile(q)
	if err != nil {
		return nil, err
	}
	if !q.Deleted {
		table := InventoryTable
		if len(q.Meta)+len(q.Tags) > 0 {
			current, err := pairsCurrent(ctx, open, root)
			if err != nil {
				return nil, fmt.Errorf("search %s: %w", root, err)
			}
			if current {
				table = PairsTable
			}
		}
		found, err := searchTable(ctx, open, root, table, m)
		if err != nil {
			return nil, fmt.Errorf("search %s: %w", root, err)
		}
		found.Table = table
		return found, nil
	}
	// In the journal, an object's last record says whether it is
	// deleted: rows are kept by key alone, the rest is judged on the
	// last record.
	keep := m.row
	if q.Deleted {
		keep = func(row []dataset.Value) bool {
			return m.key(row[colKey].S) && strings.HasPrefix(row[colKey].S, m.prefix)
		}
	}
	recs, st, err := scanTable(ctx, open, root, JournalTable, m.rowGroup, keep)
	if err != nil {
		return nil, fmt.Errorf("search %s: %w", root, err)
	}
	found := &Found{Table: JournalTable}
	if st != nil {
		found.RowGroupsRead, found.RowGroupsSkipped = st.RowGroupsRead(), st.RowGroupsSkipped()
	}
	sortRecords(recs)
	if q.Deleted {
		recs = lastDeleted(recs, m)
	}
	for i := range recs {
		if m.record(&recs[i]) {
			found.Objects = append(found.Objects, recs[i])
			if q.Limit > 0 && len(found.Objects) == q.Limit {
				break
			}
		}
	}
	return found, nil
}

// lastDeleted keeps, of journal records sorted by key and sequence, each
// object's last record when it is a DELETE that passes the row filters.
func lastDeleted(recs []Record, m *matcher) []Record {
	var out []Record
	for i := range recs {
		if i+1 < len(recs) && recs[i+1].Key == recs[i].Key && recs[i+1].Bucket == recs[i].Bucket {
			continue
		}
		r := recs[i]
		if r.RecordType != Delete {
			continue
		}
		if m.q.MinSize >= 0 && r.Size < m.q.MinSize || m.q.MaxSize >= 0 && r.Size > m.q.MaxSize {
			continue
		}
		if !m.q.Since.IsZero() && r.RecordTimestamp.Before(m.q.Since) || !m.q.Until.IsZero() && !r.RecordTimestamp.Before(m.q.Until) {
			continue
		}
		if m.q.StorageClass != "" && !strings.EqualFold(r.StorageClass, m.q.StorageClass) {
			continue
		}
		out = append(out, r)
	}
	return slices.Clip(out)
}
