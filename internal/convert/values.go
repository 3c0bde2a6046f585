package convert

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/parquet-go/parquet-go"

	"github.com/lakectl/lakectl/internal/dataset"
	"github.com/lakectl/lakectl/internal/format"
)

// textConverter returns the parser of text values of type t, with what it
// needs (a decimal's precision and scale) worked out once.
func textConverter(t *format.Type) func(string) (parquet.Value, error) {
	switch t.Kind {
	case format.Decimal:
		p, scale := decimalPS(t)
		return func(s string) (parquet.Value, error) {
			if s == "" {
				return parquet.NullValue(), nil
			}
			return decimalValueOf(t, p, scale, s)
		}
	case format.Date:
		return func(s string) (parquet.Value, error) {
			if s == "" {
				return parquet.NullValue(), nil
			}
			d, ok := format.ParseDate(s)
			if !ok {
				return parquet.Value{}, fmt.Errorf("%q is not a date (YYYY-MM-DD)", clip(s))
			}
			return parquet.Int32Value(d), nil
		}
	case format.String, format.Null:
		// The caller checks UTF-8 (a whole chunk at a time).
		return func(s string) (parquet.Value, error) {
			if s == "" {
				return parquet.NullValue(), nil
			}
			return parquet.ByteArrayValue(unsafe.Slice(unsafe.StringData(s), len(s))), nil
		}
	case format.Bigint:
		return func(s string) (parquet.Value, error) {
			if s == "" {
				return parquet.NullValue(), nil
			}
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return parquet.Value{}, fmt.Errorf("%q is not a bigint", clip(s))
			}
			if format.IsCode(s) {
				return parquet.Value{}, codeError(s)
			}
			return parquet.Int64Value(n), nil
		}
	case format.Timestamp:
		return func(s string) (parquet.Value, error) {
			if s == "" {
				return parquet.NullValue(), nil
			}
			return timestampValue(t, s)
		}
	}
	return func(s string) (parquet.Value, error) { return textValue(t, s) }
}

// codeError refuses a code (00501, +297) in an integer column, rather
// than lose its zeros or sign in silence.
func codeError(s string) error {
	return fmt.Errorf("%q is a code, not a number (its leading zero or plus sign would be lost): recrawl to type the column as string, or cast it", clip(s))
}

// textValue parses one text value (a CSV cell) as type t. An empty cell is
// a null, whatever the type.
func textValue(t *format.Type, s string) (parquet.Value, error) {
	if s == "" {
		return parquet.NullValue(), nil
	}
	if (t.Kind == format.Int || t.Kind == format.Bigint) && format.IsCode(s) {
		return parquet.Value{}, codeError(s)
	}
	switch t.Kind {
	case format.Boolean:
		switch strings.ToLower(s) {
		case "true":
			return parquet.BooleanValue(true), nil
		case "false":
			return parquet.BooleanValue(false), nil
		}
		return parquet.Value{}, fmt.Errorf("%q is not a boolean (true or false)", clip(s))
	case format.Int:
		bits := map[string]int{"tinyint": 8, "smallint": 16}[t.Hive]
		if bits == 0 {
			bits = 32
		}
		n, err := strconv.ParseInt(s, 10, bits)
		if err != nil {
			return parquet.Value{}, fmt.Errorf("%q is not a %s", clip(s), t)
		}
		return parquet.Int32Value(int32(n)), nil
	case format.Bigint:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return parquet.Value{}, fmt.Errorf("%q is not a bigint", clip(s))
		}
		return parquet.Int64Value(n), nil
	case format.Float, format.Double:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return parquet.Value{}, fmt.Errorf("%q is not a number", clip(s))
		}
		if t.Kind == format.Float {
			return parquet.FloatValue(float32(f)), nil
		}
		return parquet.DoubleValue(f), nil
	case format.Decimal:
		return decimalValue(t, s)
	case format.Date:
		d, ok := format.ParseDate(s)
		if !ok {
			return parquet.Value{}, fmt.Errorf("%q is not a date (YYYY-MM-DD)", clip(s))
		}
		return parquet.Int32Value(d), nil
	case format.Timestamp:
		return timestampValue(t, s)
	case format.Binary:
		return parquet.ByteArrayValue([]byte(s)), nil
	}
	if !utf8.ValidString(s) {
		return parquet.Value{}, fmt.Errorf("not valid UTF-8")
	}
	return parquet.ByteArrayValue([]byte(s)), nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// timestampValue parses a timestamp of a column of type t: an instant, or
// a local date-time (microseconds of its wall clock read as UTC), where a
// value with a zone is an error rather than a silent conversion.
func timestampValue(t *format.Type, s string) (parquet.Value, error) {
	ts, err := parseTimestamp(s)
	if err != nil {
		return parquet.Value{}, err
	}
	if t.Hive == localTime && ts.Zoned {
		return parquet.Value{}, fmt.Errorf("%q has a time zone: the column holds local date-times (its first rows have no zone)", clip(s))
	}
	return parquet.Int64Value(ts.Micros), nil
}

// parseTimestamp reads an ISO date and time as format reads it for every
// command (no zone: the wall clock read as UTC); a date alone is its
// midnight.
func parseTimestamp(s string) (format.DateTime, error) {
	if ts, ok := format.ParseTimestamp(s); ok {
		return ts, nil
	}
	if d, ok := format.ParseDate(s); ok {
		return format.DateTime{Micros: int64(d) * 86400e6}, nil
	}
	return format.DateTime{}, fmt.Errorf("%q is not a timestamp (ISO 8601 date and time)", clip(s))
}

// decimalValue parses a plain decimal literal into the unscaled integer of
// decimal(p,s). More fractional digits than the scale (other than trailing
// zeros) or more integer digits than p-s is an error: no digit is ever
// rounded away silently.
func decimalValue(t *format.Type, s string) (parquet.Value, error) {
	p, scale := decimalPS(t)
	return decimalValueOf(t, p, scale, s)
}

func decimalValueOf(t *format.Type, p, scale int, s string) (parquet.Value, error) {
	if p <= 18 {
		if n, ok := fastDecimal(s, p, scale); ok {
			if p <= 9 {
				return parquet.Int32Value(int32(n)), nil
			}
			return parquet.Int64Value(n), nil
		}
	}
	neg := false
	body := s
	if body[0] == '-' || body[0] == '+' {
		neg, body = body[0] == '-', body[1:]
	}
	whole, frac, _ := strings.Cut(body, ".")
	if whole == "" && frac == "" || !digits(whole) || !digits(frac) {
		return parquet.Value{}, fmt.Errorf("%q is not a decimal", clip(s))
	}
	if extra := strings.TrimRight(frac, "0"); len(extra) > scale {
		return parquet.Value{}, fmt.Errorf("%q has more than %d decimal places for %s", clip(s), scale, t)
	}
	frac += strings.Repeat("0", max(0, scale-len(frac)))
	frac = frac[:scale]
	whole = strings.TrimLeft(whole, "0")
	if len(whole) > p-scale {
		return parquet.Value{}, fmt.Errorf("%q is too large for %s", clip(s), t)
	}
	unscaled := whole + frac
	if unscaled == "" {
		unscaled = "0"
	}
	if p <= 18 {
		n, _ := strconv.ParseInt(unscaled, 10, 64)
		if neg {
			n = -n
		}
		if p <= 9 {
			return parquet.Int32Value(int32(n)), nil
		}
		return parquet.Int64Value(n), nil
	}
	n, _ := new(big.Int).SetString(unscaled, 10)
	if neg {
		n.Neg(n)
	}
	return parquet.FixedLenByteArrayValue(int128Bytes(n)), nil
}

// fastDecimal parses a plain decimal literal into the unscaled int64 of
// decimal(p,scale) in one pass; ok is false for anything it does not take
// (the general parser then says why).
func fastDecimal(s string, p, scale int) (int64, bool) {
	i, neg := 0, false
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		neg = s[i] == '-'
		i++
	}
	var n int64
	whole, frac, seen := 0, 0, false
	for ; i < len(s) && s[i] != '.'; i++ {
		c := s[i] - '0'
		if c > 9 {
			return 0, false
		}
		if n != 0 || c != 0 {
			whole++
		}
		n = n*10 + int64(c)
		seen = true
	}
	if i < len(s) {
		i++ // .
		for ; i < len(s); i++ {
			c := s[i] - '0'
			if c > 9 || frac == scale && c != 0 {
				return 0, false
			}
			if frac < scale {
				n = n*10 + int64(c)
				frac++
			}
			seen = true
		}
	}
	if !seen || whole > p-scale {
		return 0, false
	}
	for ; frac < scale; frac++ {
		n *= 10
	}
	if neg {
		n = -n
	}
	return n, true
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// int128Bytes is n as 16 bytes, big-endian two's complement.
func int128Bytes(n *big.Int) []byte {
	out := make([]byte, 16)
	if n.Sign() >= 0 {
		n.FillBytes(out)
		return out
	}
	// Two's complement: 2^128 + n.
	m := new(big.Int).Lsh(big.NewInt(1), 128)
	m.Add(m, n)
	m.FillBytes(out)
	return out
}

// jsonValue converts a decoded JSON value (UseNumber) to type t.
func jsonValue(t *format.Type, v any) (parquet.Value, error) {
	switch x := v.(type) {
	case nil:
		return parquet.NullValue(), nil
	case int64:
		return jsonValue(t, json.Number(strconv.FormatInt(x, 10)))
	case float64:
		if t.Kind == format.Double || t.Kind == format.Float {
			return textValue(t, strconv.FormatFloat(x, 'g', -1, 64))
		}
		return jsonValue(t, json.Number(strconv.FormatFloat(x, 'f', -1, 64)))
	case time.Time:
		if t.Kind == format.Date {
			return textValue(t, x.UTC().Format(time.DateOnly))
		}
		return jsonValue(t, x.UTC().Format(time.RFC3339Nano))
	case string:
		if t.Kind == format.String || t.Kind == format.Null {
			if !utf8.ValidString(x) {
				return parquet.Value{}, fmt.Errorf("not valid UTF-8")
			}
			return parquet.ByteArrayValue([]byte(x)), nil
		}
		if x == "" {
			return parquet.NullValue(), nil
		}
		return textValue(t, x)
	case json.Number:
		if t.Kind == format.String || t.Kind == format.Null {
			return parquet.ByteArrayValue([]byte(x)), nil
		}
		if t.Kind == format.Boolean || t.Kind == format.Date || t.Kind == format.Timestamp {
			return parquet.Value{}, fmt.Errorf("number %s where a %s was expected", clip(string(x)), t)
		}
		if t.Kind == format.Bigint || t.Kind == format.Int {
			if f, err := x.Float64(); err == nil && f == math.Trunc(f) && !strings.ContainsAny(string(x), ".eE") {
				return textValue(t, string(x))
			}
			return parquet.Value{}, fmt.Errorf("%s is not a whole number", clip(string(x)))
		}
		return textValue(t, string(x))
	case bool:
		switch t.Kind {
		case format.Boolean:
			return parquet.BooleanValue(x), nil
		case format.String, format.Null:
			return parquet.ByteArrayValue([]byte(strconv.FormatBool(x))), nil
		}
		return parquet.Value{}, fmt.Errorf("boolean where a %s was expected", t)
	}
	if t.Kind == format.String || t.Kind == format.Null {
		// An object or list kept as the one text form every reader makes
		// of it.
		return parquet.ByteArrayValue([]byte(dataset.NestedText(v))), nil
	}
	return parquet.Value{}, fmt.Errorf("%s where a %s was expected", jsonKind(v), t)
}

func jsonKind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	}
	return fmt.Sprintf("%T", v)
}

// typedConverter returns the converter of typed values (as AppendRows
// takes them) of type t. The values whose conversion is plain (an int64
// into a bigint, a time.Time into a timestamp, a string into a string)
// are converted directly; others as jsonValue converts them.
func typedConverter(t *format.Type) func(any) (parquet.Value, error) {
	general := func(v any) (parquet.Value, error) { return jsonValue(t, v) }
	switch t.Kind {
	case format.Bigint:
		return func(v any) (parquet.Value, error) {
			if x, ok := v.(int64); ok {
				return parquet.Int64Value(x), nil
			}
			return general(v)
		}
	case format.Int:
		lo, hi := int64(math.MinInt32), int64(math.MaxInt32)
		switch t.Hive {
		case "tinyint":
			lo, hi = math.MinInt8, math.MaxInt8
		case "smallint":
			lo, hi = math.MinInt16, math.MaxInt16
		}
		return func(v any) (parquet.Value, error) {
			if x, ok := v.(int64); ok && x >= lo && x <= hi {
				return parquet.Int32Value(int32(x)), nil
			}
			return general(v) // which says why not
		}
	case format.Double:
		return func(v any) (parquet.Value, error) {
			if x, ok := v.(float64); ok {
				return parquet.DoubleValue(x), nil
			}
			return general(v)
		}
	case format.Float:
		return func(v any) (parquet.Value, error) {
			if x, ok := v.(float64); ok {
				return parquet.FloatValue(float32(x)), nil
			}
			return general(v)
		}
	case format.Boolean:
		return func(v any) (parquet.Value, error) {
			if x, ok := v.(bool); ok {
				return parquet.BooleanValue(x), nil
			}
			return general(v)
		}
	case format.Binary:
		return func(v any) (parquet.Value, error) {
			if x, ok := v.([]byte); ok {
				return parquet.ByteArrayValue(x), nil
			}
			return general(v)
		}
	case format.Date:
		return func(v any) (parquet.Value, error) {
			if x, ok := v.(time.Time); ok {
				y, m, d := x.UTC().Date()
				return parquet.Int32Value(int32(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)), nil
			}
			return general(v)
		}
	case format.Timestamp:
		local := t.Hive == localTime
		return func(v any) (parquet.Value, error) {
			x, ok := v.(time.Time)
			if !ok {
				return general(v)
			}
			us := x.UnixMicro()
			if local {
				// A local date-time is its wall clock, read as UTC.
				_, off := x.Zone()
				us += int64(off) * 1e6
			}
			return parquet.Int64Value(us), nil
		}
	case format.Decimal:
		p, scale := decimalPS(t)
		return func(v any) (parquet.Value, error) {
			var s string
			switch x := v.(type) {
			case json.Number:
				s = string(x)
			case string:
				s = x
			default:
				return general(v)
			}
			if s == "" {
				return parquet.NullValue(), nil
			}
			return decimalValueOf(t, p, scale, s)
		}
	case format.String:
		return func(v any) (parquet.Value, error) {
			x, ok := v.(string)
			if !ok {
				return general(v)
			}
			if !utf8.ValidString(x) {
				return parquet.Value{}, fmt.Errorf("not valid UTF-8")
			}
			// Not copied: the writer copies the bytes it keeps.
			return parquet.ByteArrayValue(unsafe.Slice(unsafe.StringData(x), len(x))), nil
		}
	}
	return general
}
