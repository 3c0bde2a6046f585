package s3

import (
	"testing"
	"time"
)

// With the defaults, a hung endpoint fails a request within a minute.
func TestDefaultTimeoutsFailWithinAMinute(t *testing.T) {
	if worst := DefaultMaxAttempts*DefaultTimeout + (DefaultMaxAttempts-1)*maxBackoff; worst >= time.Minute {
		t.Errorf("a hung endpoint takes up to %v to fail", worst)
	}
}
