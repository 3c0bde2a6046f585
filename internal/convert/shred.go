package convert

import (
	"fmt"
	"maps"
	"slices"

	"github.com/parquet-go/parquet-go"

	"github.com/lakectl/lakectl/internal/format"
)

// shredder turns records into Parquet rows: the Dremel encoding of each
// value into its leaf columns, with repetition and definition levels.
// Every field is optional; lists are three-level LIST groups and maps
// MAP groups with a required key, as parquetNode builds them.
type shredder struct {
	schema *Schema
	cols   [][]parquet.Value // per leaf, reused between rows
	leaves map[*format.Type]int
	text   []func(string) (parquet.Value, error) // per field, for text rows
	// typed converts typed values, per leaf type; typedFields per field.
	typed       map[*format.Type]func(any) (parquet.Value, error)
	typedFields []func(any) (parquet.Value, error)
}

func newShredder(s *Schema) *shredder {
	sh := &shredder{schema: s, cols: make([][]parquet.Value, s.leaves), leaves: map[*format.Type]int{},
		typed: map[*format.Type]func(any) (parquet.Value, error){}}
	for _, f := range s.Fields {
		sh.text = append(sh.text, textConverter(f.Type))
		sh.typedFields = append(sh.typedFields, sh.typedConverter(f.Type))
	}
	return sh
}

// typedConverter is the converter of typed values of leaf type t.
func (sh *shredder) typedConverter(t *format.Type) func(any) (parquet.Value, error) {
	conv := sh.typed[t]
	if conv == nil {
		conv = typedConverter(t)
		sh.typed[t] = conv
	}
	return conv
}

func (sh *shredder) leafCount(t *format.Type) int {
	if n, ok := sh.leaves[t]; ok {
		return n
	}
	n := 1
	switch t.Kind {
	case format.Struct:
		n = 0
		for _, f := range t.Fields {
			n += sh.leafCount(f.Type)
		}
	case format.Array:
		n = sh.leafCount(t.Elem)
	case format.Map:
		n = 1 + sh.leafCount(t.Elem)
	}
	sh.leaves[t] = n
	return n
}

// textColumns appends a flat record of text cells to per-column values.
func (sh *shredder) textColumns(cols [][]parquet.Value, cells []string) (int, error) {
	for i, conv := range sh.text {
		v, err := conv(cells[i])
		if err != nil {
			// Undo the values this record already added.
			for j := range i {
				cols[j] = cols[j][:len(cols[j])-1]
			}
			return i, err
		}
		// Levels set in place (inlined), not through Value.Level, which
		// copies the value twice: this loop runs once a cell.
		c := append(cols[i], v)
		p := &c[len(c)-1]
		if !v.IsNull() {
			p.SetDefinitionLevel(1)
		}
		p.SetColumnIndex(i)
		cols[i] = c
	}
	return -1, nil
}

// typedColumns converts flat rows of typed values into per-column values,
// a column at a time. On error it says which row and column is at fault.
func (sh *shredder) typedColumns(cols [][]parquet.Value, rows [][]any) (row, col int, err error) {
	for i, conv := range sh.typedFields {
		c := cols[i][:0]
		for r, values := range rows {
			v, err := conv(values[i])
			if err != nil {
				return r, i, err
			}
			c = append(c, v) // levels set in place, as textColumns does
			p := &c[len(c)-1]
			if !v.IsNull() {
				p.SetDefinitionLevel(1)
			}
			p.SetColumnIndex(i)
		}
		cols[i] = c
	}
	return -1, -1, nil
}

// jsonRow shreds a record of decoded JSON values (one per field, nil for
// missing) into row. On error it returns the index of the field at fault.
func (sh *shredder) jsonRow(row parquet.Row, values []any) (parquet.Row, int, error) {
	for i := range sh.cols {
		sh.cols[i] = sh.cols[i][:0]
	}
	leaf := 0
	for i, f := range sh.schema.Fields {
		if err := sh.shred(values[i], f.Type, leaf, 0, 0, 0); err != nil {
			return row, i, err
		}
		leaf += sh.leafCount(f.Type)
	}
	row = row[:0]
	for _, c := range sh.cols {
		row = append(row, c...)
	}
	return row, -1, nil
}

// shredMap shreds a map, keys in order: an empty one as a null.
func shredMap[V any](sh *shredder, m map[string]V, t *format.Type, leaf, r, d, rl int) error {
	if len(m) == 0 {
		sh.nulls(t, leaf, r, d+1)
		return nil
	}
	for i, k := range slices.Sorted(maps.Keys(m)) {
		ri := r
		if i > 0 {
			ri = rl + 1
		}
		kv, err := jsonValue(t.Key, k)
		if err != nil {
			return fmt.Errorf("key %q: %w", k, err)
		}
		sh.cols[leaf] = append(sh.cols[leaf], kv.Level(ri, d+2, leaf))
		if err := sh.shred(m[k], t.Elem, leaf+1, ri, d+2, rl+1); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
	}
	return nil
}

func (sh *shredder) nulls(t *format.Type, leaf, r, d int) {
	for j := range sh.leafCount(t) {
		sh.cols[leaf+j] = append(sh.cols[leaf+j], parquet.NullValue().Level(r, d, leaf+j))
	}
}

// shred writes value v of (optional) type t, whose first leaf is leaf, at
// repetition level r (for its first value), with d the definition level of
// its parent and rl the repetition depth so far.
func (sh *shredder) shred(v any, t *format.Type, leaf, r, d, rl int) error {
	if v == nil {
		sh.nulls(t, leaf, r, d)
		return nil
	}
	switch t.Kind {
	case format.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%s where an object was expected", jsonKind(v))
		}
		for _, f := range t.Fields {
			if err := sh.shred(m[f.Name], f.Type, leaf, r, d+1, rl); err != nil {
				return fmt.Errorf("%s: %w", f.Name, err)
			}
			leaf += sh.leafCount(f.Type)
		}
		return nil
	case format.Array:
		list, ok := v.([]any)
		if !ok {
			return fmt.Errorf("%s where a list was expected", jsonKind(v))
		}
		if len(list) == 0 {
			sh.nulls(t, leaf, r, d+1)
			return nil
		}
		for i, e := range list {
			ri := r
			if i > 0 {
				ri = rl + 1
			}
			if err := sh.shred(e, t.Elem, leaf, ri, d+2, rl+1); err != nil {
				return fmt.Errorf("[%d]: %w", i, err)
			}
		}
		return nil
	case format.Map:
		switch m := v.(type) {
		case map[string]any:
			return shredMap(sh, m, t, leaf, r, d, rl)
		case map[string]string: // what AppendRows callers hold
			return shredMap(sh, m, t, leaf, r, d, rl)
		}
		return fmt.Errorf("%s where an object was expected", jsonKind(v))
	}
	val, err := sh.typedConverter(t)(v)
	if err != nil {
		return err
	}
	if val.IsNull() {
		sh.cols[leaf] = append(sh.cols[leaf], val.Level(r, d, leaf))
	} else {
		sh.cols[leaf] = append(sh.cols[leaf], val.Level(r, d+1, leaf))
	}
	return nil
}
