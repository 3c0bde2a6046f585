package validate

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

// BenchmarkProfileTypedRows profiles 1 million rows of 8 typed columns
// (as a Parquet source hands them over), without I/O.
func BenchmarkProfileTypedRows(b *testing.B) {
	const n = 1_000_000
	rows := make([][]Value, n)
	for i := range rows {
		rows[i] = []Value{
			{Kind: KindIntegral, I: int64(i)},
			{Kind: KindString, S: "customer " + strconv.Itoa(i%1000)},
			{Kind: KindString, S: "user" + strconv.Itoa(i%5000) + "@example.com"},
			{Kind: KindFractional, F: float64(i%10000) + rand.Float64()},
			{Kind: KindIntegral, I: int64(i % 50)},
			{Kind: KindString, S: "2024-01-02T10:00:00Z"},
			{Kind: KindString, S: "2024-01-02"},
			{Kind: KindBoolean, B: i%3 == 0},
		}
	}
	names := []string{"id", "customer", "email", "amount", "quantity", "ordered_at", "day", "paid"}
	typed := []string{Integral, String, String, Fractional, Integral, String, String, Boolean}
	for b.Loop() {
		p := NewProfiler(names, typed, false)
		for _, r := range rows {
			p.Add(r)
		}
		p.Result("bench")
	}
}
