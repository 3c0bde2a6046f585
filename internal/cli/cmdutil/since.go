package cmdutil

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseSince reads a time (RFC 3339, YYYY-MM-DD) or a duration back from
// now (24h, 7d).
func ParseSince(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if d, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(d); err == nil && n >= 0 {
			return now.Add(-time.Duration(n) * 24 * time.Hour), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("want a time (2026-11-01, 2026-11-01T08:00:00Z) or a duration (24h, 7d)")
}
