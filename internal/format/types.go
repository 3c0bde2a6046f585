// Package format reads data files: it classifies them (CSV and other
// delimited text, JSON, Parquet; plain or compressed), samples them and
// infers their schemas as Hive types.
package format

import (
	"fmt"
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
// other floats are double.
func inferNumber(s string, decimals bool) *Type {
	body := s
	if body[0] == '-' || body[0] == '+' {
		body = body[1:]
	}
	if body == "" || body[0] < '0' || body[0] > '9' {
		if !(len(body) > 1 && body[0] == '.' && body[1] >= '0' && body[1] <= '9') {
			return nil
		}
	}
	if _, err := strconv.ParseInt(s, 10, 64); err == nil {
		return tBigint
	}
	whole, frac, isDec := strings.Cut(body, ".")
	if isDec && allDigits(whole) && allDigits(frac) && frac != "" {
		if !decimals {
			return tDouble
		}
		whole = strings.TrimLeft(whole, "0")
		p := len(whole) + len(frac)
		if p > 38 {
			return tDouble
		}
		return &Type{Kind: Decimal, Precision: max(p, 1), Scale: len(frac)}
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil && !strings.ContainsAny(s, "xXpP_") && !strings.EqualFold(body, "inf") && !strings.EqualFold(body, "infinity") && !strings.EqualFold(body, "nan") {
		return tDouble
	}
	return nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isDate accepts YYYY-MM-DD with a valid month and day.
func isDate(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' || !allDigits(s[:4]) || !allDigits(s[5:7]) || !allDigits(s[8:]) {
		return false
	}
	m, _ := strconv.Atoi(s[5:7])
	d, _ := strconv.Atoi(s[8:])
	return m >= 1 && m <= 12 && d >= 1 && d <= 31
}

// isTimestamp accepts YYYY-MM-DD[T ]HH:MM[:SS[.fraction]][Z|±HH[:MM]].
func isTimestamp(s string) bool {
	if len(s) < 16 || !isDate(s[:10]) || (s[10] != 'T' && s[10] != ' ') {
		return false
	}
	r := s[11:]
	if len(r) < 5 || !allDigits(r[:2]) || r[2] != ':' || !allDigits(r[3:5]) {
		return false
	}
	r = r[5:]
	if len(r) >= 3 && r[0] == ':' && allDigits(r[1:3]) {
		r = r[3:]
		if len(r) > 1 && r[0] == '.' {
			i := 1
			for i < len(r) && r[i] >= '0' && r[i] <= '9' {
				i++
			}
			if i == 1 {
				return false
			}
			r = r[i:]
		}
	}
	switch {
	case r == "", r == "Z", r == "z":
		return true
	case (r[0] == '+' || r[0] == '-') && (len(r) == 3 && allDigits(r[1:]) || len(r) == 6 && allDigits(r[1:3]) && r[3] == ':' && allDigits(r[4:]) || len(r) == 5 && allDigits(r[1:])):
		return true
	}
	return false
}
