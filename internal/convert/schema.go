// Package convert streams CSV and JSON into partitioned, compacted Parquet:
// typed faithfully, transformed (masked, tokenised, dropped, cast), with
// bad records quarantined and counted, written so that no partial output
// is ever visible, and registered in the catalog.
package convert

import (
	"fmt"
	"reflect"
	"slices"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"

	"github.com/lakectl/lakectl/internal/format"
)

// group is a Parquet group whose fields keep the order they are given in
// (parquet.Group sorts them by name, which would reorder users' columns).
type group struct {
	parquet.Group
	names []string
}

func newGroup(fields []format.Field, node func(*format.Type) parquet.Node) *group {
	g := &group{Group: parquet.Group{}}
	for _, f := range fields {
		g.Group[f.Name] = parquet.Optional(node(f.Type))
		g.names = append(g.names, f.Name)
	}
	return g
}

func (g *group) Fields() []parquet.Field {
	out := make([]parquet.Field, len(g.names))
	for i, n := range g.names {
		out[i] = &groupField{Node: g.Group[n], name: n}
	}
	return out
}

func (g *group) String() string { return fmt.Sprintf("group%v", g.names) }

type groupField struct {
	parquet.Node
	name string
}

func (f *groupField) Name() string { return f.name }

func (f *groupField) Value(base reflect.Value) reflect.Value {
	if base.Kind() == reflect.Map {
		return base.MapIndex(reflect.ValueOf(f.name))
	}
	return base.FieldByName(f.name)
}

// parquetNode maps a Hive type to its Parquet node: bigint INT64, int INT32,
// smallint/tinyint INT(16/8), double DOUBLE, float FLOAT, boolean BOOLEAN,
// string UTF-8 BYTE_ARRAY, binary BYTE_ARRAY, date DATE, timestamp
// TIMESTAMP(MICROS), adjusted to UTC but for local date-times, decimal(p,s)
// DECIMAL on INT32/INT64/FIXED[16] by precision (FIXED[16] with signed
// statistics, see signedDecimal), array LIST, map MAP, struct a group.
// Leaves other than booleans and 16-byte decimals are dictionary encoded
// (see dictionaryEncoded); plainNode is the same without dictionaries.
func parquetNode(t *format.Type) parquet.Node {
	n := plainNode(t)
	if dictionaryEncoded(t) {
		return parquet.Encoded(n, &parquet.RLEDictionary)
	}
	return n
}

// dictionaryEncoded says whether a column of type t is written with a
// dictionary: repeated values (names, codes, days, amounts) then cost a few
// bits each, as DuckDB, Spark and Arrow write them. Booleans are already a
// bit; signedDecimal does not order dictionaries.
func dictionaryEncoded(t *format.Type) bool {
	switch t.Kind {
	case format.Boolean, format.Array, format.Map, format.Struct:
		return false
	case format.Decimal:
		p, _ := decimalPS(t)
		return p <= 18
	}
	return true
}

func plainNode(t *format.Type) parquet.Node {
	switch t.Kind {
	case format.Boolean:
		return parquet.Leaf(parquet.BooleanType)
	case format.Int:
		switch t.Hive {
		case "tinyint":
			return parquet.Int(8)
		case "smallint":
			return parquet.Int(16)
		}
		return parquet.Leaf(parquet.Int32Type)
	case format.Bigint:
		return parquet.Leaf(parquet.Int64Type)
	case format.Float:
		return parquet.Leaf(parquet.FloatType)
	case format.Double:
		return parquet.Leaf(parquet.DoubleType)
	case format.Decimal:
		p, s := decimalPS(t)
		switch {
		case p <= 9:
			return parquet.Decimal(s, p, parquet.Int32Type)
		case p <= 18:
			return parquet.Decimal(s, p, parquet.Int64Type)
		}
		return parquet.Leaf(signedDecimal{parquet.Decimal(s, p, parquet.FixedLenByteArrayType(16)).Type()})
	case format.Date:
		return parquet.Date()
	case format.Timestamp:
		// Local date-times are not instants: a reader shows them as written,
		// in any session time zone.
		return parquet.TimestampAdjusted(parquet.Microsecond, t.Hive != localTime)
	case format.Binary:
		return parquet.Leaf(parquet.ByteArrayType)
	case format.Array:
		return parquet.List(parquet.Optional(parquetNode(t.Elem)))
	case format.Map:
		return parquet.Map(parquetNode(t.Key), parquet.Optional(parquetNode(t.Elem)))
	case format.Struct:
		return newGroup(t.Fields, parquetNode)
	}
	return parquet.String()
}

// decimalPS is the precision and scale a decimal is written with: as the
// Hive type prints it.
func decimalPS(t *format.Type) (int, int) {
	var p, s int
	fmt.Sscanf(t.String(), "decimal(%d,%d)", &p, &s)
	return p, s
}

// Schema is the Parquet schema of a row type, with what shredding needs.
type Schema struct {
	Fields  []format.Field
	parquet *parquet.Schema
	leaves  int
	flat    bool // no arrays, maps or structs
}

// NewSchema builds the Parquet schema of rows with these fields.
func NewSchema(fields []format.Field) *Schema { return newSchema(fields, nil) }

// newSchema builds it with no dictionary for the fields marked plain.
func newSchema(fields []format.Field, plain []bool) *Schema {
	s := &Schema{Fields: fields, flat: true}
	g := newGroup(fields, parquetNode)
	for i, f := range fields {
		if i < len(plain) && plain[i] {
			g.Group[f.Name] = parquet.Optional(plainNode(f.Type))
		}
	}
	s.parquet = parquet.NewSchema("schema", g)
	s.leaves = len(s.parquet.Columns())
	for _, f := range fields {
		if f.Type.Kind == format.Array || f.Type.Kind == format.Map || f.Type.Kind == format.Struct {
			s.flat = false
		}
	}
	return s
}

// Codec names the compression codecs of --compression.
var Codecs = map[string]compress.Codec{
	"snappy": &parquet.Snappy,
	"zstd":   &parquet.Zstd,
	"gzip":   &parquet.Gzip,
	"none":   &parquet.Uncompressed,
}

// CodecNames lists them for messages.
var CodecNames = slices.Sorted(func(yield func(string) bool) {
	for k := range Codecs {
		if !yield(k) {
			return
		}
	}
})
