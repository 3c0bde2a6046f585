package convert

import (
	"testing"

	"github.com/lakectl/lakectl/internal/format"
)

func TestDecimalParsing(t *testing.T) {
	typ, _ := format.ParseHive("decimal(10,2)")
	p, s := decimalPS(typ)
	for in, want := range map[string]int64{"19.90": 1990, "5": 500, "-0.5": -50, "+1.2": 120, "007.10": 710, "1.500": 150, ".25": 25, "12345678.99": 1234567899} {
		v, err := decimalValueOf(typ, p, s, in)
		if err != nil || v.Int64() != want {
			t.Errorf("%s = %v, %v; want %d", in, v, err, want)
		}
	}
	for _, in := range []string{"1.234", "123456789.00", "1e3", "abc", "-", ".", "1.2.3", "1,5"} {
		if v, err := decimalValueOf(typ, p, s, in); err == nil {
			t.Errorf("%s = %v, want an error", in, v)
		}
	}
}

func TestTimestampAndDateParsing(t *testing.T) {
	for in, want := range map[string]int64{
		"1970-01-01T00:00:00Z":        0,
		"2024-03-01T10:00:00.123456Z": 1709287200123456,
		"2024-03-01 10:00:00.5Z":      1709287200500000,
		"2024-03-01T11:00:00+01:00":   1709287200000000,
		"2024-03-01T10:00:00":         1709287200000000,
		"2024-03-01T10:00":            1709287200000000,
	} {
		got, err := parseTimestamp(in)
		if err != nil || got.Micros != want {
			t.Errorf("%s = %d, %v; want %d", in, got.Micros, err, want)
		}
	}
	for in, want := range map[string]int32{"1970-01-01": 0, "2000-02-29": 11016, "1969-12-31": -1, "2024-12-31": 20088} {
		if got, ok := format.ParseDate(in); !ok || got != want {
			t.Errorf("%s = %d %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"2023-02-29", "2024-13-01", "2024-1-01", "24-01-01"} {
		if _, ok := format.ParseDate(in); ok {
			t.Errorf("%s parsed as a date", in)
		}
	}
}
