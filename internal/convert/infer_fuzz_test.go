package convert

import (
	"testing"

	"github.com/lakectl/lakectl/internal/format"
)

// FuzzInferredTextConverts: a value the crawler types (from a CSV cell)
// is read by convert as that type. A crawl that infers a type convert
// then refuses fails the conversion of the very data it was inferred from.
func FuzzInferredTextConverts(f *testing.F) {
	for _, s := range []string{"0", "-0", "00501", "+297", "19.90", "-0.5", ".5", "1e5", "true", "2024-02-29", "2023-02-29",
		"2024-01-02T10:00", "2024-01-02 10:00:00.123456789+02:00", "2024-01-02T10:00:00+0530", "2024-01-02T23:59:59Z", "2024-04-31", "9223372036854775807"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		typ := format.InferText(s, true)
		if _, err := textConverter(typ)(s); err != nil {
			t.Fatalf("%q inferred %s does not convert: %v", s, typ, err)
		}
	})
}
