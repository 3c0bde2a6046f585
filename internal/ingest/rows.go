package ingest

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/commit"
	"github.com/lakectl/lakectl/internal/dataset"
	"github.com/lakectl/lakectl/internal/progress"
	"github.com/lakectl/lakectl/internal/storage"
)

// State is what an incremental dataset carries from one committed run to
// the next (commit.StateKey): the watermark, and the rows at and below it
// that a later run reads again (its boundary).
type State struct {
	Column string `json:"column"`
	// Type is the column's catalog type, which says how to read Watermark.
	Type string `json:"type"`
	// Watermark is the greatest value of Column landed, in its text form.
	Watermark string `json:"watermark"`
	// Lookback is the margin the run that kept this state re-read.
	Lookback string `json:"lookback,omitempty"`
	// SeenFrom is the least value whose rows Seen covers (every row landed
	// at or above it has its hash there): a later run reads again from no
	// lower, or it would land rows twice.
	SeenFrom string `json:"seenFrom,omitempty"`
	// Key names the columns Seen's hashes are of (all columns when empty).
	Key []string `json:"key,omitempty"`
	// Source names the source the watermark is of (secrets hidden): a
	// watermark means nothing for another table or query.
	Source string `json:"source,omitempty"`
	// Seen are the hashes (FNV-1a 64, hex) of the rows landed whose value
	// lies in the margin a later run reads again: at the watermark, or
	// within the lookback below it. A row read again is landed only when
	// its hash is not among them.
	Seen []string `json:"seen,omitempty"`
}

// ReadState reads a dataset's state (nil when no incremental run
// committed).
func ReadState(ctx context.Context, ds storage.Store) (*State, error) {
	var s State
	found, err := commit.ReadState(ctx, ds, &s)
	if !found || err != nil {
		return nil, err
	}
	return &s, nil
}

// Rows lands a row source's rows in the dataset's folder ds: all of them,
// or with opts.Column those beyond the watermark of the last committed run
// (see State), as opts.Format files of the run, in one commit with the
// run's record and the new watermark.
func Rows(ctx context.Context, cat catalog.Catalog, ds storage.Store, name string, src RowSource, opts Options) (*Summary, error) {
	r, err := begin(ctx, ds, cat, name, src.String(), &opts)
	if err != nil {
		return nil, err
	}
	return r.finish(ctx, r.rows(ctx, src))
}

func (r *run) rows(ctx context.Context, src RowSource) error {
	prev, err := ReadState(ctx, r.ds)
	if err != nil {
		return err
	}
	if prev != nil && r.opts.Column != "" && !strings.EqualFold(prev.Column, r.opts.Column) {
		return catalog.OptionErrorf("Column", r.opts.Column, "the dataset's watermark is on column %s, not %s: ingest into another dataset to change it", prev.Column, r.opts.Column)
	}
	if prev != nil && r.opts.Column != "" && prev.Source != "" && prev.Source != r.sum.Source {
		return catalog.OptionErrorf("Dataset", "", "the dataset's watermark is of %s, not of %s: ingest into another dataset, or remove %s to start over", prev.Source, r.sum.Source, r.ds.URI(commit.StateKey))
	}
	if prev != nil && r.opts.Column != "" && !slices.EqualFunc(prev.Key, r.opts.Key, strings.EqualFold) {
		was := "all columns"
		if len(prev.Key) > 0 {
			was = strings.Join(prev.Key, ", ")
		}
		return catalog.OptionErrorf("Key", strings.Join(r.opts.Key, ","), "the dataset's rows are told apart by %s: keep that --key, or ingest into another dataset", was)
	}
	req := ReadRequest{Column: r.opts.Column}
	var wm, from any
	seen := map[uint64]bool{}
	if prev != nil && r.opts.Column != "" {
		if wm, err = parseValue(prev.Type, prev.Watermark); err != nil {
			return fmt.Errorf("the dataset's watermark %q: %w", prev.Watermark, err)
		}
		r.sum.WatermarkBefore = prev.Watermark
		if from, err = below(wm, r.opts.Lookback); err != nil {
			return err
		}
		// Only the margin the last run kept its rows of can be read again
		// without landing a row twice: a wider lookback widens it from
		// this run on.
		floor := wm
		if prev.SeenFrom != "" {
			if floor, err = parseValue(prev.Type, prev.SeenFrom); err != nil {
				return fmt.Errorf("the dataset's state: seenFrom %q: %w", prev.SeenFrom, err)
			}
		} else if f, err := below(wm, prev.Lookback); err == nil {
			floor = f
		}
		if compareValues(from, floor) < 0 {
			from = floor
		}
		req.From = from
		for _, h := range prev.Seen {
			b, err := hex.DecodeString(h)
			if err != nil || len(b) != 8 {
				return fmt.Errorf("the dataset's state: a seen row %q is not a hash", h)
			}
			seen[binary.BigEndian.Uint64(b)] = true
		}
	}
	r.prog.Stage("read")
	rd, err := src.Read(ctx, req)
	if err != nil {
		return err
	}
	defer rd.Close()
	cols := rd.Columns()
	if len(cols) == 0 {
		// No row at all (a SharePoint list whose items beyond the
		// watermark are gone says nothing of its fields): nothing new.
		if rows, err := rd.Next(ctx); !errors.Is(err, io.EOF) {
			return fmt.Errorf("%s: %d rows of no columns", src, len(rows))
		}
		return nil
	}
	inc, keys := -1, []int(nil)
	for i, c := range cols {
		if r.opts.Column != "" && strings.EqualFold(c.Name, r.opts.Column) {
			inc = i
		}
	}
	if r.opts.Column != "" && inc < 0 {
		return catalog.OptionErrorf("Column", r.opts.Column, "the source has no column %s", r.opts.Column)
	}
	for _, k := range r.opts.Key {
		i := slices.IndexFunc(cols, func(c catalog.Column) bool { return strings.EqualFold(c.Name, k) })
		if i < 0 {
			return catalog.OptionErrorf("Key", k, "the source has no column %s", k)
		}
		keys = append(keys, i)
	}
	if len(keys) == 0 {
		for i := range cols {
			keys = append(keys, i)
		}
	}
	if inc >= 0 && !orderedType(cols[inc].Type) {
		_, err := parseValue(cols[inc].Type, "")
		return catalog.OptionErrorf("Column", r.opts.Column, "column %s: %v", cols[inc].Name, err)
	}
	if inc >= 0 && prev != nil && prev.Type != cols[inc].Type {
		return fmt.Errorf("column %s is %s now, and was %s when the watermark %s was kept", cols[inc].Name, cols[inc].Type, prev.Type, prev.Watermark)
	}

	out := &landing{r: r, cols: cols}
	defer out.abort()
	type mark struct {
		v any
		h uint64
	}
	var margin []mark // rows read at or above high-lookback
	high := wm
	prune := func() error {
		lo, err := below(high, r.opts.Lookback)
		if err != nil {
			return err
		}
		margin = slices.DeleteFunc(margin, func(m mark) bool { return compareValues(m.v, lo) < 0 })
		return nil
	}
	limit := 1 << 16
	for {
		batch, err := rd.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		r.sum.RowsRead += int64(len(batch))
		keep := batch[:0:0]
		for _, row := range batch {
			if len(row) != len(cols) {
				return fmt.Errorf("%s: a row of %d values for %d columns", src, len(row), len(cols))
			}
			if inc < 0 {
				keep = append(keep, row)
				continue
			}
			v := row[inc]
			if v != nil && from != nil && compareValues(v, from) < 0 {
				r.sum.Duplicates++ // below the margin: landed before
				continue
			}
			h := rowHash(row, keys, inc)
			if seen[h] {
				r.sum.Duplicates++
			} else {
				keep = append(keep, row)
			}
			if v == nil {
				continue
			}
			if high == nil || compareValues(v, high) > 0 {
				high = v
			}
			margin = append(margin, mark{v, h})
		}
		if len(margin) > limit {
			if err := prune(); err != nil {
				return err
			}
			limit = max(limit, 2*len(margin))
		}
		if len(keep) > 0 {
			if err := out.write(ctx, keep); err != nil {
				return err
			}
		}
		r.prog.Add(progress.Counts{Rows: int64(len(batch))})
	}
	if err := out.close(); err != nil {
		return err
	}
	if inc < 0 {
		return nil
	}
	if high == nil {
		if len(r.journal.Move) > 0 && prev == nil {
			// Nothing to keep as a watermark: every later run would land
			// these rows again.
			return catalog.OptionErrorf("Column", r.opts.Column, "column %s is null in every row read: no watermark can be kept, and each run would land the rows again; load the table in full (no --incremental-column), or fill the column", cols[inc].Name)
		}
		return nil
	}
	if err := prune(); err != nil {
		return err
	}
	lo, err := below(high, r.opts.Lookback)
	if err != nil {
		return err
	}
	if from != nil && compareValues(lo, from) < 0 {
		lo = from // the rows below this run's bound were not read: not in Seen
	}
	margin = slices.DeleteFunc(margin, func(m mark) bool { return compareValues(m.v, lo) < 0 })
	st := State{Column: cols[inc].Name, Type: cols[inc].Type, Watermark: valueText(high), Lookback: r.opts.Lookback,
		SeenFrom: valueText(lo), Source: r.sum.Source, Key: r.opts.Key}
	for _, m := range margin {
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], m.h)
		st.Seen = append(st.Seen, hex.EncodeToString(b[:]))
	}
	slices.Sort(st.Seen)
	st.Seen = slices.Compact(st.Seen)
	if prev != nil && st.Watermark == prev.Watermark && st.SeenFrom == prev.SeenFrom && slices.Equal(st.Seen, prev.Seen) && len(r.journal.Move) == 0 {
		return nil // nothing new: the state stays
	}
	r.sum.WatermarkAfter = st.Watermark
	data, err := json.Marshal(st)
	if err != nil {
		return err
	}
	r.journal.State = data
	return nil
}

// rowHash identifies a row by its key columns and its incremental value.
func rowHash(row []any, keys []int, inc int) uint64 {
	h := fnv.New64a()
	for _, i := range keys {
		h.Write([]byte(valueText(row[i])))
		h.Write([]byte{0})
	}
	if !slices.Contains(keys, inc) {
		h.Write([]byte(valueText(row[inc])))
	}
	return h.Sum64()
}

// valueText is a value's text form: the one CSV and the state use.
func valueText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case json.Number:
		return string(x)
	case bool:
		return strconv.FormatBool(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case []byte:
		return base64.StdEncoding.EncodeToString(x)
	}
	return dataset.NestedText(v)
}

// parseValue reads a value's text form back as a value of catalog type t.
func parseValue(t, s string) (any, error) {
	switch {
	case t == "date" || t == "timestamp":
		return time.Parse(time.RFC3339Nano, s)
	case t == "bigint" || t == "int" || t == "smallint" || t == "tinyint":
		return strconv.ParseInt(s, 10, 64)
	case t == "double" || t == "float":
		return strconv.ParseFloat(s, 64)
	case strings.HasPrefix(t, "decimal"):
		if _, ok := new(big.Rat).SetString(s); !ok {
			return nil, fmt.Errorf("%q is not a decimal", s)
		}
		return json.Number(s), nil
	}
	return nil, fmt.Errorf("a %s column cannot be incremental: want a date, timestamp or number (a string's order is its database's collation, which lakectl cannot reproduce: cast it in --query)", t)
}

// below is v less the lookback (v itself without one).
func below(v any, lookback string) (any, error) {
	if lookback == "" || v == nil {
		return v, nil
	}
	switch x := v.(type) {
	case time.Time:
		d, err := parseLookback(lookback)
		if err != nil {
			return nil, err
		}
		return x.Add(-d), nil
	case int64:
		n, err := strconv.ParseInt(lookback, 10, 64)
		if err != nil || n < 0 {
			return nil, catalog.OptionErrorf("Lookback", "", "lookback %q: want a whole number of the column's units", lookback)
		}
		return x - n, nil
	case float64:
		n, err := strconv.ParseFloat(lookback, 64)
		if err != nil || n < 0 {
			return nil, catalog.OptionErrorf("Lookback", "", "lookback %q: want a number", lookback)
		}
		return x - n, nil
	case json.Number:
		a, _ := new(big.Rat).SetString(string(x))
		n, ok := new(big.Rat).SetString(lookback)
		if a == nil || !ok || n.Sign() < 0 {
			return nil, catalog.OptionErrorf("Lookback", "", "lookback %q: want a number", lookback)
		}
		return json.Number(a.Sub(a, n).FloatString(decimals(string(x)))), nil
	}
	return nil, catalog.OptionErrorf("Lookback", "", "a lookback needs a date, timestamp or number column")
}

func decimals(s string) int {
	if _, frac, ok := strings.Cut(s, "."); ok {
		return len(frac)
	}
	return 0
}

// parseLookback reads a duration, with days (7d) beside Go's units.
func parseLookback(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(d); err == nil && n >= 0 {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, catalog.OptionErrorf("Lookback", "", "lookback %q: want a duration such as 15m, 2h or 7d", s)
	}
	return d, nil
}

// compareValues orders two values of one column's type.
func compareValues(a, b any) int {
	switch x := a.(type) {
	case time.Time:
		if y, ok := b.(time.Time); ok {
			return x.Compare(y)
		}
	case int64:
		switch y := b.(type) {
		case int64:
			return cmp.Compare(x, y)
		case float64:
			return cmp.Compare(float64(x), y)
		}
	case float64:
		if y, ok := b.(float64); ok {
			return cmp.Compare(x, y)
		}
	case json.Number:
		if y, ok := b.(json.Number); ok {
			p, ok1 := new(big.Rat).SetString(string(x))
			q, ok2 := new(big.Rat).SetString(string(y))
			if ok1 && ok2 {
				return p.Cmp(q)
			}
		}
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(x, y)
		}
	}
	return strings.Compare(valueText(a), valueText(b))
}

// orderedType says whether values of catalog type t have an order lakectl
// reproduces as the database does: dates, timestamps and numbers.
func orderedType(t string) bool {
	switch {
	case t == "date" || t == "timestamp", t == "bigint" || t == "int" || t == "smallint" || t == "tinyint",
		t == "double" || t == "float", strings.HasPrefix(t, "decimal"):
		return true
	}
	return false
}
