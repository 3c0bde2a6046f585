package validate

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/lakectl/lakectl/internal/dataset"
)

// BenchmarkProfileTypedRows profiles 1 million rows of 8 typed columns
// (as a Parquet source hands them over: dates and timestamps as
// instants), without I/O.
func BenchmarkProfileTypedRows(b *testing.B) {
	const n = 1_000_000
	const day0, dayMicros = 1_704_067_200_000_000, 86_400_000_000 // 2024-01-01
	rows := make([][]dataset.Value, n)
	for i := range rows {
		rows[i] = []dataset.Value{
			{Kind: dataset.KindIntegral, I: int64(i)},
			{Kind: dataset.KindString, S: "customer " + strconv.Itoa(i%1000)},
			{Kind: dataset.KindString, S: "user" + strconv.Itoa(i%5000) + "@example.com"},
			{Kind: dataset.KindFractional, F: float64(i%10000) + rand.Float64()},
			{Kind: dataset.KindIntegral, I: int64(i % 50)},
			{Kind: dataset.KindTime, I: day0 + int64(i%28)*dayMicros + int64(i%1440)*60e6},
			{Kind: dataset.KindDate, I: day0 + int64(i%28)*dayMicros},
			{Kind: dataset.KindBoolean, B: i%3 == 0},
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
