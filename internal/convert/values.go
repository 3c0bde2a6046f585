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
			d, ok := parseDate(s)
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

// textValue parses one text value (a CSV cell) as type t. An empty cell is
// a null, whatever the type.
func textValue(t *format.Type, s string) (parquet.Value, error) {
	if s == "" {
		return parquet.NullValue(), nil
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
		d, ok := parseDate(s)
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

// parseDate reads YYYY-MM-DD as days since 1970-01-01.
func parseDate(s string) (int32, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	y, ok1 := num(s[:4])
	m, ok2 := num(s[5:7])
	d, ok3 := num(s[8:])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, false
	}
	return int32(daysFromCivil(y, m, d)), true
}

func num(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i] - '0'
		if c > 9 {
			return 0, false
		}
		n = n*10 + int(c)
	}
	return n, len(s) > 0
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil is the number of days from 1970-01-01 to y-m-d (proleptic
// Gregorian), after Howard Hinnant's algorithm.
func daysFromCivil(y, m, d int) int {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// timestampValue parses a timestamp of a column of type t: an instant, or
// a local date-time (microseconds of its wall clock read as UTC), where a
// value with a zone is an error rather than a silent conversion.
func timestampValue(t *format.Type, s string) (parquet.Value, error) {
	if t.Hive == localTime && hasZone(s) {
		return parquet.Value{}, fmt.Errorf("%q has a time zone: the column holds local date-times (its first rows have no zone)", clip(s))
	}
	ts, err := parseTimestamp(s)
	if err != nil {
		return parquet.Value{}, err
	}
	return parquet.Int64Value(ts), nil
}

// parseTimestamp reads an ISO date and time (T or space, optional seconds,
// fraction and zone; no zone means UTC) as microseconds since the epoch.
func parseTimestamp(s string) (int64, error) {
	// The common form, YYYY-MM-DDTHH:MM:SS[.ffffff]Z, without time.Parse.
	if len(s) >= 20 && (s[10] == 'T' || s[10] == ' ') && s[13] == ':' && s[16] == ':' && s[len(s)-1] == 'Z' {
		if d, ok := parseDate(s[:10]); ok {
			h, ok1 := num(s[11:13])
			mi, ok2 := num(s[14:16])
			sec, ok3 := num(s[17:19])
			frac, ok4 := 0, true
			if rest := s[19 : len(s)-1]; rest != "" {
				ok4 = rest[0] == '.' && len(rest) > 1 && len(rest) <= 10
				if ok4 {
					digits := rest[1:]
					f, ok := num(digits)
					ok4 = ok
					for i := len(digits); i < 6; i++ {
						f *= 10
					}
					for i := len(digits); i > 6; i-- {
						f /= 10
					}
					frac = f
				}
			}
			if ok1 && ok2 && ok3 && ok4 && h < 24 && mi < 60 && sec < 60 {
				return ((int64(d)*24+int64(h))*60+int64(mi))*60*1e6 + int64(sec)*1e6 + int64(frac), nil
			}
		}
	}
	if len(s) >= 11 && s[10] == ' ' {
		s = s[:10] + "T" + s[11:]
	}
	layouts := []string{"2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05", "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05Z07", "2006-01-02T15:04Z07:00", "2006-01-02T15:04"}
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UnixMicro(), nil
		}
	}
	if len(s) == 10 {
		if d, ok := parseDate(s); ok {
			return int64(d) * 86400 * 1e6, nil
		}
	}
	return 0, fmt.Errorf("%q is not a timestamp (ISO 8601 date and time)", clip(s))
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
		b, _ := json.Marshal(v) // an object or list kept as its JSON text
		return parquet.ByteArrayValue(b), nil
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
