package format

import "testing"

// Integers meeting decimals inferred from text stay decimal(18,s), which
// Parquet stores as INT64; a schema's exact decimal leaves room for any
// bigint.
func TestWidenIntegersWithTextDecimals(t *testing.T) {
	var typ *Type = tNull
	for _, v := range []string{"-0.17", "1", "1.17", "-0.48"} {
		typ = Widen(typ, InferText(v, true))
	}
	if got := typ.String(); got != "decimal(18,2)" {
		t.Errorf("temperatures -0.17, 1, 1.17, -0.48: %s, want decimal(18,2)", got)
	}
	if got := Widen(tBigint, InferText("123456789012345678901.5", true)).String(); got != "decimal(22,1)" {
		t.Errorf("bigint with a 22-digit decimal: %s, want decimal(22,1)", got)
	}
	exact := &Type{Kind: Decimal, Precision: 10, Scale: 2, Hive: "exact"}
	if got := Widen(tBigint, exact).String(); got != "decimal(21,2)" {
		t.Errorf("bigint with an exact decimal(10,2): %s, want decimal(21,2)", got)
	}
}
