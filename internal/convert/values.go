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

	"github.com/parquet-go/parquet-go"

	"github.com/lakectl/lakectl/internal/format"
)

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
		ts, err := parseTimestamp(s)
		if err != nil {
			return parquet.Value{}, err
		}
		return parquet.Int64Value(ts), nil
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
	y, err1 := strconv.Atoi(s[:4])
	m, err2 := strconv.Atoi(s[5:7])
	d, err3 := strconv.Atoi(s[8:])
	if err1 != nil || err2 != nil || err3 != nil || m < 1 || m > 12 || d < 1 || d > 31 {
		return 0, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return 0, false // 2024-02-30
	}
	return int32(t.Unix() / 86400), true
}

// parseTimestamp reads an ISO date and time (T or space, optional seconds,
// fraction and zone; no zone means UTC) as microseconds since the epoch.
func parseTimestamp(s string) (int64, error) {
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
