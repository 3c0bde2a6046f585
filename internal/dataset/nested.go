package dataset

import (
	"encoding/json"
	"math"
	"strconv"
	"time"

	"github.com/parquet-go/parquet-go"
	pformat "github.com/parquet-go/parquet-go/format"
)

// Nested values (structs, lists, maps) are read as their
// one text form, NestedText, whichever the source.

// nestedReader reads a Parquet row group's nested top-level fields, a
// batch of rows at a time, alongside the columnar reading of the others.
type nestedReader struct {
	schema *parquet.Schema
	fields []parquet.Field
	rows   *parquet.Reader
	buf    []parquet.Row
}

func newNestedReader(fields []parquet.Field) *nestedReader {
	g := parquet.Group{}
	for _, f := range fields {
		g[f.Name()] = f
	}
	return &nestedReader{schema: parquet.NewSchema("nested", g), fields: fields}
}

func (n *nestedReader) start(rg parquet.RowGroup) {
	n.rows = parquet.NewRowGroupReader(rg, n.schema)
}

// next reads k rows; out[j][r] is field j of row r as a Value (JSON
// text, or null).
func (n *nestedReader) next(k int, out [][]Value) error {
	if cap(n.buf) < k {
		n.buf = make([]parquet.Row, k)
	}
	rows := n.buf[:k]
	for got := 0; got < k; {
		m, err := n.rows.ReadRows(rows[got:])
		got += m
		if err != nil && got < k {
			return err
		}
	}
	for j := range out {
		out[j] = out[j][:0]
	}
	for _, row := range rows {
		rec := map[string]any{}
		if err := n.schema.Reconstruct(&rec, row); err != nil {
			return err
		}
		for j, f := range n.fields {
			v := plainNested(rec[f.Name()], f)
			if v == nil {
				out[j] = append(out[j], Value{Kind: KindNull})
			} else {
				out[j] = append(out[j], Value{Kind: KindString, S: NestedText(v)})
			}
		}
	}
	return nil
}

// plainNested turns a reconstructed Parquet value into plain JSON values
// by its schema node: lists and maps by their logical type, leaves by
// theirs (dates and timestamps as ISO text, decimals as numbers).
func plainNested(v any, n parquet.Node) any {
	if v == nil {
		return nil
	}
	if list, ok := v.([]any); ok && n.Repeated() {
		// A repeated field (a list without the LIST annotation).
		out := make([]any, len(list))
		for i, e := range list {
			out[i] = plainNested(e, parquet.Required(n))
		}
		return out
	}
	if n.Leaf() {
		return plainLeaf(v, n)
	}
	switch logicalOf(n).(type) {
	case *pformat.ListType:
		list, ok := v.([]any)
		if !ok {
			return v
		}
		elem := n.Fields()[0]
		if !elem.Leaf() && len(elem.Fields()) == 1 {
			elem = elem.Fields()[0]
		}
		out := make([]any, len(list))
		for i, e := range list {
			out[i] = plainNested(e, elem)
		}
		return out
	case *pformat.MapType:
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		var val parquet.Node = parquet.String()
		if kv := n.Fields(); len(kv) == 1 && len(kv[0].Fields()) == 2 {
			val = kv[0].Fields()[1]
		}
		out := make(map[string]any, len(m))
		for k, e := range m {
			out[k] = plainNested(e, val)
		}
		return out
	}
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := make(map[string]any, len(m))
	for _, f := range n.Fields() {
		out[f.Name()] = plainNested(m[f.Name()], f)
	}
	return out
}

func plainLeaf(v any, n parquet.Node) any {
	switch x := v.(type) {
	case time.Time:
		if _, ok := logicalOf(n).(*pformat.DateType); ok {
			return x.UTC().Format(time.DateOnly)
		}
		return x.UTC().Format(time.RFC3339Nano)
	case []byte:
		return string(x)
	case *[]byte: // an optional value of a map<string,string>
		if x == nil {
			return nil
		}
		return string(*x)
	case string, bool:
		return x
	}
	conv := valueConverter(n)
	val := conv(parquet.ValueOf(v))
	switch val.Kind {
	case KindNull:
		return nil
	case KindIntegral:
		return json.Number(strconv.FormatInt(val.I, 10))
	case KindFractional:
		if math.IsNaN(val.F) || math.IsInf(val.F, 0) {
			return strconv.FormatFloat(val.F, 'g', -1, 64) // JSON has no such numbers
		}
		return json.Number(strconv.FormatFloat(val.F, 'g', -1, 64))
	case KindBoolean:
		return val.B
	}
	return val.Text()
}

func logicalOf(n parquet.Node) pformat.LogicalTypeValue {
	if lt := n.Type().LogicalType(); lt != nil {
		return lt.Value
	}
	return nil
}
