package backends

import (
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/retry"

	"github.com/lakectl/lakectl/internal/catalog/glue"
)

// TestGlueRetrySettings: retry-mode and max-attempts on a glue:// URI reach
// the client's retryer (the client takes it from the configuration before
// its options apply, so they must be set there).
func TestGlueRetrySettings(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "lakectl-test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "lakectl-test-secret")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	for uri, want := range map[string]struct {
		adaptive bool
		attempts int
	}{
		"glue://?region=eu-west-1":                                    {false, 3},
		"glue://?region=eu-west-1&retry-mode=adaptive":                {true, 3},
		"glue://?region=eu-west-1&retry-mode=adaptive&max-attempts=7": {true, 7},
		"glue://?region=eu-west-1&retry-mode=standard&max-attempts=5": {false, 5},
	} {
		c, err := OpenCatalog(t.Context(), uri)
		if err != nil {
			t.Fatalf("%s: %v", uri, err)
		}
		r := c.(*glue.Catalog).Client().Options().Retryer
		// A retryer with other attempts than its mode's wraps the mode's.
		inner := any(r)
		if v := reflect.ValueOf(r); v.Kind() == reflect.Pointer && v.Elem().Kind() == reflect.Struct {
			if f := v.Elem().FieldByName("RetryerV2"); f.IsValid() {
				inner = f.Interface()
			}
		}
		_, adaptive := inner.(*retry.AdaptiveMode)
		if adaptive != want.adaptive || r.MaxAttempts() != want.attempts {
			t.Errorf("%s: retryer %T with %d attempts, want adaptive=%v with %d", uri, r, r.MaxAttempts(), want.adaptive, want.attempts)
		}
	}
}
