package commit

import (
	"regexp"
	"testing"
	"time"
)

func TestNewRunIDsDoNotCollide(t *testing.T) {
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	seen := map[string]bool{}
	for range 10000 {
		id := NewRunID(now)
		if seen[id] {
			t.Fatalf("run id %s made twice in one second", id)
		}
		seen[id] = true
		if !regexp.MustCompile(`^20261129T100000Z-[0-9a-f]{12}$`).MatchString(id) {
			t.Fatalf("run id %q", id)
		}
	}
}
