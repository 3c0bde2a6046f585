package dataset

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/format"
)

// JSONColumns reads JSON records as a table's columns. A member is the
// column whose source name (catalog.ParamSourceName, else its name) it
// spells exactly, or else the column named as the crawler names it; a
// nested object's members are named as the crawler names them. A member
// that is no column (or no field of its struct) never vanishes: Decode
// names it, and the caller keeps the record aside or reports it.
type JSONColumns struct {
	cols   []catalog.Column
	types  []*format.Type
	exact  map[string]int
	byName map[string]int
}

// NewJSONColumns prepares the reading of records into these columns.
func NewJSONColumns(cols []catalog.Column) (*JSONColumns, error) {
	j := &JSONColumns{cols: cols, exact: map[string]int{}, byName: map[string]int{}}
	for i, c := range cols {
		t, err := format.ParseHive(c.Type)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", c.Name, err)
		}
		j.types = append(j.types, t)
		j.exact[SourceName(c)] = i
		j.byName[c.Name] = i
	}
	return j, nil
}

// SourceName is a column's name as its source spells it.
func SourceName(c catalog.Column) string {
	if s := c.Parameters[catalog.ParamSourceName]; s != "" {
		return s
	}
	return c.Name
}

// ErrJSONRecord is a record that is not one JSON object.
var ErrJSONRecord = errors.New("not a JSON object")

// Decode reads one record. values[i] is column i's value: nil, string,
// json.Number, bool, or for nested values map[string]any (members named
// as the crawler names them) and []any. extra lists the members that are
// no column or struct field (as paths: attrs.b), in the record's order.
func (j *JSONColumns) Decode(raw []byte, values []any) (extra []string, err error) {
	if !utf8.Valid(raw) {
		return nil, fmt.Errorf("not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrJSONRecord, err)
	}
	if obj == nil {
		return nil, fmt.Errorf("%w: null", ErrJSONRecord)
	}
	clear(values)
	from := make([]string, len(j.cols))
	for _, k := range sortedKeys(obj) {
		i, ok := j.exact[k]
		if !ok {
			i, ok = j.byName[catalog.SanitizeName(k)]
		}
		if !ok {
			extra = append(extra, k)
			continue
		}
		if from[i] != "" {
			return nil, fmt.Errorf("members %q and %q are both column %s", from[i], k, j.cols[i].Name)
		}
		from[i] = k
		v, err := j.nested(obj[k], j.types[i], k, &extra)
		if err != nil {
			return nil, err
		}
		values[i] = v
	}
	return extra, nil
}

// nested names the members of nested objects as the crawler does and
// notes the members a struct does not have.
func (j *JSONColumns) nested(v any, t *format.Type, path string, extra *[]string) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		if t.Kind != format.Struct {
			return v, nil // a map's keys, or an object kept as text, are data
		}
		out := make(map[string]any, len(x))
		keys := sortedKeys(x)
		names := format.MemberNames(keys)
		for _, k := range keys {
			name := names[k]
			i := slices.IndexFunc(t.Fields, func(f format.Field) bool { return f.Name == name })
			if i < 0 {
				*extra = append(*extra, path+"."+k)
				continue
			}
			e, err := j.nested(x[k], t.Fields[i].Type, path+"."+k, extra)
			if err != nil {
				return nil, err
			}
			out[name] = e
		}
		return out, nil
	case []any:
		if t.Kind != format.Array {
			return v, nil
		}
		et := t.Elem
		for i := range x {
			e, err := j.nested(x[i], et, path, extra)
			if err != nil {
				return nil, err
			}
			x[i] = e
		}
	}
	return v, nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// NestedText is the one text form of a nested value (a struct, list or
// map), whichever the source: a JSON file's objects and lists, a Parquet
// file's groups. Members in name order, null members left out (a JSON
// record that omits a member and a Parquet struct whose field is null say
// the same), dates and timestamps as ISO text.
func NestedText(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(dropNulls(v))
	return strings.TrimSuffix(b.String(), "\n")
}

func dropNulls(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if e != nil {
				out[k] = dropNulls(e)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = dropNulls(e)
		}
		return out
	}
	return v
}
