// Package format reads data files: it classifies them (CSV and other
// delimited text, JSON, Parquet; plain or compressed), samples them and
// infers their schemas as Hive types.
package format

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/lakectl/lakectl/internal/catalog"
)

// Kind is the shape of an inferred type.
type Kind int

// Kinds in widening order among the primitives that widen into each other.
const (
	Null Kind = iota // no value seen yet
	Boolean
	Int // Hive int, smallint, tinyint (Parquet)
	Bigint
	Decimal
	Float
	Double
	Date
	Timestamp
	String
	Binary
	Array
	Map
	Struct
)

// Type is an inferred type. Precision and Scale are set for Decimal, Elem for
// Array, Key and Elem for Map, Fields for Struct. Hive keeps the exact Hive
// spelling of a primitive from a self-describing format (tinyint, smallint).
type Type struct {
	Kind             Kind
	Precision, Scale int
	Elem, Key        *Type
	Fields           []Field
	Hive             string
}

// exact marks a decimal whose precision comes from the file's own schema.
const exact = "exact"

// Field is a named member of a struct (or a column).
type Field struct {
	Name string
	Type *Type
	// Source is the name as the data spells it (a CSV header, a JSON
	// member), for top-level fields read from text.
	Source string
	// Empty: a sampled CSV cell of this column was empty (a null), which
	// some readers of a type other than string cannot take.
	Empty bool
	// TimeFormats are the Joda patterns of the column's sampled CSV dates
	// and timestamps (JodaPattern; "" for a value no pattern reads), in
	// order: what a SerDe must be told to read them.
	TimeFormats []string
}

var (
	tNull      = &Type{Kind: Null}
	tBoolean   = &Type{Kind: Boolean}
	tBigint    = &Type{Kind: Bigint}
	tDouble    = &Type{Kind: Double}
	tDate      = &Type{Kind: Date}
	tTimestamp = &Type{Kind: Timestamp}
	tString    = &Type{Kind: String}
)

// String renders the Hive type. A type that saw no value is string.
func (t *Type) String() string {
	switch t.Kind {
	case Null, String:
		return "string"
	case Boolean:
		return "boolean"
	case Int:
		if t.Hive != "" {
			return t.Hive
		}
		return "int"
	case Bigint:
		return "bigint"
	case Decimal:
		p := t.Precision
		if t.Hive == "" && p < 18 && t.Scale <= 18 {
			// Inferred from text: leave room for larger values to come, so
			// that next month's data does not change the table's type.
			p = 18
		}
		return fmt.Sprintf("decimal(%d,%d)", p, t.Scale)
	case Float:
		return "float"
	case Double:
		return "double"
	case Date:
		return "date"
	case Timestamp:
		return "timestamp"
	case Binary:
		return "binary"
	case Array:
		return "array<" + t.Elem.String() + ">"
	case Map:
		return "map<" + t.Key.String() + "," + t.Elem.String() + ">"
	case Struct:
		parts := make([]string, len(t.Fields))
		for i, f := range t.Fields {
			parts[i] = f.Name + ":" + f.Type.String()
		}
		return "struct<" + strings.Join(parts, ",") + ">"
	}
	return "string"
}

// Widen returns the narrowest type that holds values of both a and b:
// int ⊂ bigint ⊂ decimal/double, float ⊂ double, date ⊂ timestamp, structs
// merge their fields, arrays and maps widen their elements; anything else
// mixed becomes string. Neither argument is modified.
func Widen(a, b *Type) *Type {
	switch {
	case a.Kind == Null:
		return b
	case b.Kind == Null:
		return a
	case a.Kind == b.Kind:
		switch a.Kind {
		case Decimal:
			return widenDecimal(a, b)
		case Int:
			if a.Hive == b.Hive {
				return a
			}
			return &Type{Kind: Int}
		case Array:
			return &Type{Kind: Array, Elem: Widen(a.Elem, b.Elem)}
		case Map:
			return &Type{Kind: Map, Key: Widen(a.Key, b.Key), Elem: Widen(a.Elem, b.Elem)}
		case Struct:
			return widenStruct(a, b)
		}
		return a
	}
	if a.Kind > b.Kind {
		a, b = b, a
	}
	switch {
	case a.Kind == Int && b.Kind == Bigint:
		return b
	case (a.Kind == Int || a.Kind == Bigint) && b.Kind == Decimal:
		if b.Hive != exact {
			// Integers in text carry no width: take them as fitting the
			// decimal(18,s) an inferred decimal prints as, which Parquet
			// stores as INT64, not as 16 bytes. A wider one fails convert.
			return widenDecimal(&Type{Kind: Decimal, Precision: 1}, b)
		}
		return widenDecimal(&Type{Kind: Decimal, Precision: 19, Hive: exact}, b)
	case (a.Kind == Int || a.Kind == Bigint || a.Kind == Decimal || a.Kind == Float) && b.Kind == Double,
		(a.Kind == Int || a.Kind == Bigint || a.Kind == Decimal) && b.Kind == Float:
		return tDouble
	case a.Kind == Date && b.Kind == Timestamp:
		return b
	}
	return tString
}

func widenDecimal(a, b *Type) *Type {
	scale := max(a.Scale, b.Scale)
	whole := max(a.Precision-a.Scale, b.Precision-b.Scale)
	if whole+scale > 38 {
		return tDouble
	}
	out := &Type{Kind: Decimal, Precision: whole + scale, Scale: scale}
	if a.Hive == exact && b.Hive == exact {
		out.Hive = exact
	}
	return out
}

func widenStruct(a, b *Type) *Type {
	out := &Type{Kind: Struct, Fields: append([]Field(nil), a.Fields...)}
	for _, fb := range b.Fields {
		found := false
		for i, fa := range out.Fields {
			if fa.Name == fb.Name {
				out.Fields[i].Type = Widen(fa.Type, fb.Type)
				out.Fields[i].Empty = fa.Empty || fb.Empty
				out.Fields[i].TimeFormats = unionSorted(fa.TimeFormats, fb.TimeFormats)
				found = true
				break
			}
		}
		if !found {
			out.Fields = append(out.Fields, fb)
		}
	}
	return out
}

// unionSorted is the sorted union of two sorted lists, a new slice (nil
// when both are empty).
func unionSorted(a, b []string) []string {
	if len(a)+len(b) == 0 {
		return nil
	}
	out := slices.Concat(a, b)
	slices.Sort(out)
	return slices.Compact(out)
}

// MergeColumns widens a column list with another: columns of b that a lacks
// are appended in b's order, common ones are widened.
func MergeColumns(a, b []Field) []Field {
	return widenStruct(&Type{Kind: Struct, Fields: a}, &Type{Kind: Struct, Fields: b}).Fields
}

// Columns renders fields as catalog columns.
func Columns(fields []Field) []catalog.Column {
	cols := make([]catalog.Column, len(fields))
	for i, f := range fields {
		cols[i] = catalog.Column{Name: f.Name, Type: f.Type.String()}
		if f.Source != "" && f.Source != f.Name {
			cols[i].Parameters = map[string]string{catalog.ParamSourceName: f.Source}
		}
	}
	return cols
}

// InferText infers the type of one text value (a CSV cell, a JSON string).
// Beyond Glue, which keeps them as strings, ISO dates and timestamps are
// recognised. An empty value is a null.
func InferText(s string, decimals bool) *Type {
	if s == "" {
		return tNull
	}
	switch strings.ToLower(s) {
	case "true", "false":
		return tBoolean
	}
	if t := inferNumber(s, decimals); t != nil {
		return t
	}
	if isDate(s) {
		return tDate
	}
	if isTimestamp(s) {
		return tTimestamp
	}
	return tString
}

// inferNumber: integers that fit int64 are bigint; plain decimal literals
// (no exponent) are decimal(p,s) when decimals is set, double otherwise;
// other floats are double. Unlike Glue, a value written with an explicit
// "+" or with a leading zero before another digit ("00501", "-007",
// "00.5") is not a number: it is a code whose spelling matters (zip, FIPS
// and dial codes). "0", "-0" and "0.5" are numbers.
func inferNumber(s string, decimals bool) *Type {
	if s[0] == '+' {
		return nil
	}
	body := strings.TrimPrefix(s, "-")
	if body == "" || body[0] < '0' || body[0] > '9' {
		if !(len(body) > 1 && body[0] == '.' && body[1] >= '0' && body[1] <= '9') {
			return nil
		}
	}
	if len(body) > 1 && body[0] == '0' && body[1] >= '0' && body[1] <= '9' {
		return nil
	}
	if _, err := strconv.ParseInt(s, 10, 64); err == nil {
		return tBigint
	}
	whole, frac, isDec := strings.Cut(body, ".")
	if isDec && allDigits(whole) && allDigits(frac) && frac != "" {
		if p := len(strings.TrimLeft(whole, "0")) + len(frac); decimals && p <= 38 {
			return &Type{Kind: Decimal, Precision: max(p, 1), Scale: len(frac)}
		}
		// A double, where it is one: a literal beyond float64's range is
		// text, not a number read as infinity.
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			return nil
		}
		return tDouble
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil && !strings.ContainsAny(s, "xXpP_") && !strings.EqualFold(body, "inf") && !strings.EqualFold(body, "infinity") && !strings.EqualFold(body, "nan") {
		return tDouble
	}
	return nil
}

// Holds reports whether text s, spelled as the crawler infers values, is
// a value of type t (a partition folder's value, say). Nested types hold
// no text.
func (t *Type) Holds(s string) bool {
	if s == "" {
		return true // a null
	}
	switch t.Kind {
	case Null, String:
		return true
	case Boolean:
		return InferText(s, false).Kind == Boolean
	case Int, Bigint:
		if inferNumber(s, false) != tBigint {
			return false
		}
		bits := map[string]int{"tinyint": 8, "smallint": 16, "int": 32, "": 32}[t.Hive]
		if t.Kind == Bigint {
			bits = 64
		}
		_, err := strconv.ParseInt(s, 10, bits)
		return err == nil
	case Decimal:
		n := inferNumber(s, true)
		switch {
		case n == tBigint:
			n = &Type{Kind: Decimal, Precision: len(strings.TrimLeft(strings.TrimPrefix(s, "-"), "0"))}
		case n == nil || n.Kind != Decimal:
			return false
		}
		return n.Scale <= t.Scale && n.Precision-n.Scale <= t.Precision-t.Scale
	case Float, Double:
		return inferNumber(s, false) != nil
	case Date:
		return isDate(s)
	case Timestamp:
		return isTimestamp(s) || isDate(s)
	}
	return false
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isDate: an ISO date (ParseDate).
func isDate(s string) bool {
	_, ok := ParseDate(s)
	return ok
}

// isTimestamp: an ISO date and time, with or without a zone
// (ParseTimestamp).
func isTimestamp(s string) bool {
	_, ok := ParseTimestamp(s)
	return ok
}

// IsCode: s spells a whole number the way codes are written — an explicit
// plus sign, or a leading zero before another digit (00501, +297) — so
// that reading it as a number would lose what it says. Inference types
// such values as strings; a conversion into an integer column refuses
// them.
func IsCode(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '+' {
		return true
	}
	body := strings.TrimPrefix(s, "-")
	return len(body) > 1 && body[0] == '0' && body[1] >= '0' && body[1] <= '9'
}

// IsDecimalLiteral: s is a plain number, [+-]digits[.digits][e[+-]digits],
// with digits on at least one side of the point (.097 and 5. too).
func IsDecimalLiteral(s string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	mant, exp, hasExp := strings.Cut(strings.ToLower(s), "e")
	whole, frac, _ := strings.Cut(mant, ".")
	if whole == "" && frac == "" || !allDigits(whole) || !allDigits(frac) {
		return false
	}
	if hasExp {
		if exp != "" && (exp[0] == '+' || exp[0] == '-') {
			exp = exp[1:]
		}
		return exp != "" && allDigits(exp)
	}
	return true
}
