package format

import (
	"math/big"
	"strconv"
	"strings"
	"testing"
)

// FuzzInferText: whatever a text value is inferred as, it reads as that
// type without losing anything: a bigint formats back to the same digits
// (so no leading zero is dropped), a decimal holds exactly its digits
// within its precision and scale, a date or timestamp reads as one with
// the project's ISO parser, and the inferred type holds the value.
func FuzzInferText(f *testing.F) {
	for _, s := range []string{"", "0", "-0", "00501", "+297", "-007", "12", "-12", "0.5", "-0.5", ".5", "-.5", "19.90", "1e5", "1.5E-3",
		"inf", "NaN", "0x1F", "1_000", "true", "FALSE", "2024-02-29", "2023-02-29", "2024-13-01", "2024-01-02T10:00", "2024-01-02 10:00:00.123+02:00",
		"2024-01-02T25:00:00Z", "2024-01-02T10:00+0530", "2024-01-02T10:00:00z", "2024-01-02T10:00:60", "9223372036854775807", "9223372036854775808", "12345678901234567890123456789012345678.9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		typ := InferText(s, true)
		if !typ.Holds(s) {
			t.Fatalf("InferText(%q) = %s, which does not hold it", s, typ)
		}
		switch typ.Kind {
		case Bigint:
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				t.Fatalf("%q inferred bigint: %v", s, err)
			}
			if back := strconv.FormatInt(n, 10); back != s && s != "-0" {
				t.Fatalf("%q inferred bigint reads back as %s", s, back)
			}
		case Decimal:
			r, ok := new(big.Rat).SetString(s)
			if !ok {
				t.Fatalf("%q inferred %s is not a number", s, typ)
			}
			back := r.FloatString(typ.Scale)
			want := strings.Replace(s, ".", "0.", 1)
			if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "-.") {
				s = want
			}
			if back != s && "-"+back != s {
				t.Fatalf("%q inferred %s reads back as %s", s, typ, back)
			}
			if whole := len(strings.TrimLeft(strings.TrimPrefix(strings.Split(back, ".")[0], "-"), "0")); whole > typ.Precision-typ.Scale {
				t.Fatalf("%q has %d integer digits, more than %s allows", s, whole, typ)
			}
		case Double:
			if _, err := strconv.ParseFloat(s, 64); err != nil {
				t.Fatalf("%q inferred double: %v", s, err)
			}
		case Date:
			if _, ok := ParseDate(s); !ok {
				t.Fatalf("%q inferred date does not parse as one", s)
			}
		case Timestamp:
			if _, ok := ParseTimestamp(s); !ok {
				t.Fatalf("%q inferred timestamp does not parse as one", s)
			}
		}
	})
}
