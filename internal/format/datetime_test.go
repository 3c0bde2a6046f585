package format

import (
	"testing"
	"time"
)

func TestParseTimestampAgreesWithTime(t *testing.T) {
	for _, c := range []struct {
		in     string
		layout string // "" when the text is no timestamp
		zoned  bool
	}{
		{"2024-01-02T10:00", "2006-01-02T15:04", false},
		{"2024-01-02 10:00:05", "2006-01-02 15:04:05", false},
		{"2024-01-02T10:00:05.123456789", "2006-01-02T15:04:05.999999999", false},
		{"2024-01-02T10:00:05Z", time.RFC3339, true},
		{"2024-01-02T10:00:05.5+05:30", "2006-01-02T15:04:05.999999999Z07:00", true},
		{"2024-01-02T10:00-0800", "2006-01-02T15:04Z0700", true},
		{"2024-01-02 10:00:05+02", "2006-01-02 15:04:05Z07", true},
		{"1969-12-31T23:59:59.999999Z", time.RFC3339Nano, true},
		{"2024-02-29T00:00", "2006-01-02T15:04", false},
		{"2023-02-29T00:00", "", false},
		{"2024-01-02T24:00", "", false},
		{"2024-01-02T10:60", "", false},
		{"2024-01-02T10:00:61", "", false},
		{"2024-01-02T10:00:00.", "", false},
		{"2024-01-02T10:00+5", "", false},
		{"2024-01-02", "", false},
		{"2024-01-02X10:00", "", false},
	} {
		got, ok := ParseTimestamp(c.in)
		if c.layout == "" {
			if ok {
				t.Errorf("%q read as a timestamp", c.in)
			}
			continue
		}
		want, err := time.Parse(c.layout, c.in)
		if err != nil {
			t.Fatal(err)
		}
		// Go's time keeps nanoseconds; ours cuts to microseconds.
		if !ok || got.Micros != want.UnixMicro() || got.Zoned != c.zoned {
			t.Errorf("%q = %+v %v, want %d zoned %v", c.in, got, ok, want.UnixMicro(), c.zoned)
		}
	}
}

func TestParseDate(t *testing.T) {
	for in, want := range map[string]int32{"1970-01-01": 0, "2024-02-29": 19782, "1969-12-31": -1, "0001-01-01": -719162} {
		if got, ok := ParseDate(in); !ok || got != want {
			t.Errorf("%s = %d %v, want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"2023-02-29", "2024-13-01", "2024-04-31", "2024-1-01", "20240101", "2024-01-00"} {
		if _, ok := ParseDate(in); ok {
			t.Errorf("%s read as a date", in)
		}
	}
}

func TestJodaPattern(t *testing.T) {
	for s, want := range map[string]string{
		"2024-01-01":                          "yyyy-MM-dd",
		"2024-01-01 10:00:00":                 "yyyy-MM-dd HH:mm:ss",
		"2024-01-01 10:00:00.5":               "yyyy-MM-dd HH:mm:ss.SSSSSSSSS",
		"2024-01-01 10:00:00.123456789":       "yyyy-MM-dd HH:mm:ss.SSSSSSSSS",
		"2024-01-01T10:00:00Z":                "yyyy-MM-dd'T'HH:mm:ssZZ",
		"2024-01-01T10:00:00z":                "yyyy-MM-dd'T'HH:mm:ssZZ",
		"2024-01-01T10:00:00+02:00":           "yyyy-MM-dd'T'HH:mm:ssZZ",
		"2024-01-01T10:00:00-0330":            "yyyy-MM-dd'T'HH:mm:ssZZ",
		"2024-01-01T10:00:00+02":              "yyyy-MM-dd'T'HH:mm:ssZZ",
		"2024-01-01T10:00:00.123Z":            "yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSSZZ",
		"2024-01-01T10:00":                    "yyyy-MM-dd'T'HH:mm",
		"2024-01-01 10:00+01:00":              "yyyy-MM-dd HH:mmZZ",
		"2024-01-01T10:00:00":                 "yyyy-MM-dd'T'HH:mm:ss",
		"2024-01-01T10:00:00.1234567890Z":     "", // ten fraction digits: no Joda pattern reads them
		"2024-02-30":                          "",
		"yesterday":                           "",
		"2024-01-01T10:00:00.123456789+01:00": "yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSSZZ",
	} {
		if got := JodaPattern(s); got != want {
			t.Errorf("JodaPattern(%q) = %q, want %q", s, got, want)
		}
	}
	if !HiveReadsTimestamp("yyyy-MM-dd HH:mm:ss") || HiveReadsTimestamp("yyyy-MM-dd'T'HH:mm:ssZZ") || HiveReadsTimestamp("yyyy-MM-dd") {
		t.Error("HiveReadsTimestamp")
	}
}
