package ingest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// FuzzContentRange: whatever a server sends as Content-Range, the parser
// never panics, and what it accepts is a range that makes sense (first ≤
// last, last < total when the total is known) and is written back the
// same way.
func FuzzContentRange(f *testing.F) {
	for _, s := range []string{"bytes 0-99/1000", "bytes 100-999/*", "bytes */1000", "bytes 5-4/10", "bytes 0-9/10", "bytes 0-10/10", "bytes -1-5/9", "bytes 1-2/3/4", "bytes +1-2/3", "bytes 00-01/02", "bytes 9223372036854775807-9223372036854775807/*"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		first, last, total, err := parseContentRange(v)
		if err != nil {
			return
		}
		if first < 0 || last < first || (total >= 0 && last >= total) || total < -1 {
			t.Fatalf("%q: accepted %d-%d/%d", v, first, last, total)
		}
		size := "*"
		if total >= 0 {
			size = fmt.Sprint(total)
		}
		back := fmt.Sprintf("bytes %d-%d/%s", first, last, size)
		f2, l2, t2, err := parseContentRange(back)
		if err != nil || f2 != first || l2 != last || t2 != total {
			t.Fatalf("%q read as %q, which reads back as %d-%d/%d (%v)", v, back, f2, l2, t2, err)
		}
		if !strings.HasPrefix(v, "bytes ") {
			t.Fatalf("%q accepted without its unit", v)
		}
	})
}

// FuzzRetryAfter: any Retry-After is a wait of zero or more, never
// negative; seconds read as themselves, and a date as the time to it.
func FuzzRetryAfter(f *testing.F) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, s := range []string{"0", "1", "120", "Sat, 01 Mar 2025 12:00:30 GMT", "Fri, 28 Feb 2025 12:00:00 GMT", "-5", "1.5", "99999999999999999999", " 7 ", "soon", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		d, ok := RetryAfter(v, now)
		if !ok {
			if d != 0 {
				t.Fatalf("%q: refused, yet a wait of %v", v, d)
			}
			return
		}
		if d < 0 {
			t.Fatalf("%q: a negative wait %v", v, d)
		}
		if n, err := parseCount(strings.TrimSpace(v)); err == nil && n < 1000 && d != time.Duration(n)*time.Second {
			t.Fatalf("%q: %v, want %d s", v, d, n)
		}
		if at, err := http.ParseTime(strings.TrimSpace(v)); err == nil && at.After(now) && d != at.Sub(now) {
			t.Fatalf("%q: %v, want %v", v, d, at.Sub(now))
		}
	})
}

func TestParseContentRange(t *testing.T) {
	for v, want := range map[string][3]int64{
		"bytes 0-99/1000":   {0, 99, 1000},
		"bytes 100-999/*":   {100, 999, -1},
		"bytes 42-42/43":    {42, 42, 43},
		"bytes 0-0/1":       {0, 0, 1},
		"bytes 10-19/10":    {-1},
		"bytes */1000":      {-1},
		"bytes 5-4/10":      {-1},
		"items 0-1/2":       {-1},
		"bytes 0-1":         {-1},
		"bytes -1-5/9":      {-1},
		"bytes 1 - 2/3":     {-1},
		"bytes 0x1-0x2/0x3": {-1},
	} {
		first, last, total, err := parseContentRange(v)
		if want[0] < 0 {
			if err == nil {
				t.Errorf("%q accepted as %d-%d/%d", v, first, last, total)
			}
			continue
		}
		if err != nil || [3]int64{first, last, total} != want {
			t.Errorf("%q: %d-%d/%d (%v), want %v", v, first, last, total, err, want)
		}
	}
}
