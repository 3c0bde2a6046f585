package validate

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/internal/convert"
	"github.com/lakectl/lakectl/internal/dataset"
	"github.com/lakectl/lakectl/internal/storage/local"
)

func csvInput(t *testing.T, body string, cols ...string) dataset.Input {
	t.Helper()
	return dataset.Input{Table: table(writeFiles(t, map[string]string{"x.csv": body}), "csv", cols...), Store: openLocal}
}

// The samples are the differences with the smallest keys, whatever the
// order rows arrive in; the target's values of changed rows are found.
func TestCompareByKeySamplesAreTheSmallestKeys(t *testing.T) {
	var src, tgt strings.Builder
	src.WriteString("id,amount\n")
	tgt.WriteString("id,amount\n")
	for i := 40; i >= 1; i-- { // the source in descending order
		fmt.Fprintf(&src, "%d,%d.5\n", i, i)
	}
	for i := 21; i <= 60; i++ {
		amount := fmt.Sprintf("%d.5", i)
		if i >= 33 && i <= 35 {
			amount = "0"
		}
		fmt.Fprintf(&tgt, "%d,%s\n", i, amount)
	}
	for run := range 3 {
		d, err := compareByKey(t.Context(), csvInput(t, src.String(), "id:bigint", "amount:double"), csvInput(t, tgt.String(), "id:bigint", "amount:double"),
			KeyedOptions{Key: []string{"id"}, Workers: 1 + run})
		if err != nil {
			t.Fatal(err)
		}
		if d.Matched != 20 || d.Changed != 3 || d.MissingInTarget != 20 || d.ExtraInTarget != 20 || d.ChangedByColumn["amount"] != 3 {
			t.Fatalf("run %d: %+v", run, d)
		}
		var got []string
		for _, s := range d.Samples {
			line := s.Kind + " " + s.Key
			if s.Columns != nil {
				line += fmt.Sprint(s.Columns["amount"])
			}
			got = append(got, line)
		}
		want := []string{"changed 33[33.5 0]", "changed 34[34.5 0]", "changed 35[35.5 0]"}
		for i := 1; i <= 10; i++ {
			want = append(want, fmt.Sprintf("missing in target %d", i))
		}
		for i := 41; i <= 50; i++ {
			want = append(want, fmt.Sprintf("extra in target %d", i))
		}
		if !slices.Equal(got, want) {
			t.Fatalf("run %d: samples\n%v\nwant\n%v", run, got, want)
		}
	}
}

// A row whose key is null cannot be matched: it is counted, and the sides
// do not match.
func TestCompareByKeyNullKeys(t *testing.T) {
	body := "id,amount\n1,2\n,3\n"
	d, err := compareByKey(t.Context(), csvInput(t, body, "id:bigint", "amount:double"), csvInput(t, "id,amount\n1,2\n", "id:bigint", "amount:double"), KeyedOptions{Key: []string{"id"}})
	if err != nil {
		t.Fatal(err)
	}
	if d.NullKeysSource != 1 || d.NullKeysTarget != 0 || d.Identical != 1 || !d.Differs() {
		t.Errorf("%+v", d)
	}
}

// A string column compares as text ("007" is not "7"); a numeric one
// compares as numbers (9.50 is 9.5).
func TestCompareTextColumnsAsText(t *testing.T) {
	src := "id,zip,amount\n1,007,9.50\n"
	tgt := "id,zip,amount\n1,7,9.5\n"
	d, err := compareByKey(t.Context(), csvInput(t, src, "id:bigint", "zip:string", "amount:double"), csvInput(t, tgt, "id:bigint", "zip:string", "amount:double"), KeyedOptions{Key: []string{"id"}})
	if err != nil {
		t.Fatal(err)
	}
	if d.Changed != 1 || d.ChangedByColumn["zip"] != 1 || d.ChangedByColumn["amount"] != 0 {
		t.Errorf("%+v", d)
	}
	d, _ = compareByKey(t.Context(), csvInput(t, src, "id:bigint", "zip:bigint", "amount:double"), csvInput(t, tgt, "id:bigint", "zip:bigint", "amount:double"), KeyedOptions{Key: []string{"id"}})
	if d.Differs() {
		t.Errorf("zip as a number: %+v", d)
	}
}

// Duplicate keys in the target are counted once per extra row, wherever
// the workers put them.
func TestCompareByKeyDuplicateTargetKeys(t *testing.T) {
	var tgt strings.Builder
	tgt.WriteString("id,v\n")
	for i := range 5000 {
		fmt.Fprintf(&tgt, "%d,x\n", i%1000)
	}
	for _, w := range []int{1, 2, 4} {
		d, err := compareByKey(t.Context(), csvInput(t, "id,v\n1,x\n", "id:bigint", "v:string"), csvInput(t, tgt.String(), "id:bigint", "v:string"), KeyedOptions{Key: []string{"id"}, Workers: w})
		if err != nil {
			t.Fatal(err)
		}
		if d.DuplicateKeysTarget != 4000 || d.ExtraInTarget != 999 || d.Identical != 1 {
			t.Errorf("workers %d: %+v", w, d)
		}
	}
}

func TestFingerprintSet(t *testing.T) {
	var a, b fingerprintSet
	for i := range 1000 {
		a.add(uint64(i) * 0x9e3779b97f4a7c15) // includes 0
		b.add(uint64(i) * 0x9e3779b97f4a7c15)
	}
	a.merge(&b)
	if n, exact := a.count(); n != 1000 || !exact {
		t.Errorf("1000 values: %d %v", n, exact)
	}
	// Beyond exactDistinct: a sketch, within 2%, the same whatever the split.
	var c, d, e fingerprintSet
	for i := range 300_000 {
		h := fmix64(uint64(i))
		e.add(h)
		if i%3 == 0 {
			c.add(h)
		} else {
			d.add(h)
		}
	}
	c.merge(&d)
	nc, exact := c.count()
	ne, _ := e.count()
	if exact || math.Abs(float64(nc)-300_000) > 6000 || nc != ne {
		t.Errorf("300k values: merged %d, whole %d, exact %v", nc, ne, exact)
	}
}

// Keys print as their values: whole numbers without an exponent.
func TestPrintableKey(t *testing.T) {
	key := []canon{{kind: 'n', f: 5e6}, {kind: 'n', f: 2.5}, {kind: 's', s: "eu"}, {kind: 't', f: 0}}
	if got := printableKey(key); got != "5000000, 2.5, eu, 1970-01-01T00:00:00Z" {
		t.Errorf("got %q", got)
	}
}

// compareByKey is the row-level diff alone.
func compareByKey(ctx context.Context, src, tgt dataset.Input, opts KeyedOptions) (*KeyedDiff, error) {
	_, diff, err := CompareWithKey(ctx, src, tgt, CompareOptions{Map: opts.Map, Workers: opts.Workers}, opts)
	return diff, err
}

// Parquet sides are looked up a group of rows at a time (probe and trace
// pass), CSV sides a row at a time: the same data gives the same diff,
// across groups, a partial last group, and every kind of difference.
func TestCompareByKeyGroupedLookupsAgree(t *testing.T) {
	var src, tgt strings.Builder
	src.WriteString("id,v,x\n")
	tgt.WriteString("id,v,x\n")
	for i := range 1003 {
		fmt.Fprintf(&src, "%d,v%d,%d\n", i, i, i*2)
		switch {
		case i%97 == 5: // missing in the target
		case i%89 == 7:
			fmt.Fprintf(&tgt, "%d,w%d,%d\n", i, i, i*2)
		case i%83 == 3:
			fmt.Fprintf(&tgt, "%d,v%d,%d\n%d,v%d,%d\n", i, i, i*2, i, i, i*2) // duplicated
		default:
			fmt.Fprintf(&tgt, "%d,v%d,%d\n", i, i, i*2)
		}
	}
	for i := 2000; i < 2005; i++ { // extra in the target
		fmt.Fprintf(&tgt, "%d,v%d,%d\n", i, i, i*2)
	}
	cols := []string{"id:bigint", "v:string", "x:bigint"}
	srcCSV, tgtCSV := csvInput(t, src.String(), cols...), csvInput(t, tgt.String(), cols...)
	toParquet := func(in dataset.Input) dataset.Input {
		dest, _ := local.New(t.TempDir())
		if _, err := convert.Run(t.Context(), nil, in, dest, convert.Options{RowGroupSize: 300}); err != nil {
			t.Fatal(err)
		}
		return dataset.Input{Table: table(strings.TrimPrefix(strings.TrimSuffix(dest.URI(""), "/"), "file://"), "parquet", cols...), Store: openLocal}
	}
	srcPQ, tgtPQ := toParquet(srcCSV), toParquet(tgtCSV)
	for _, workers := range []int{1, 2} {
		opts := KeyedOptions{Key: []string{"id"}, Workers: workers}
		want, err := compareByKey(t.Context(), srcCSV, tgtCSV, opts)
		if err != nil {
			t.Fatal(err)
		}
		got, err := compareByKey(t.Context(), srcPQ, tgtPQ, opts)
		if err != nil {
			t.Fatal(err)
		}
		if want.Changed == 0 || want.MissingInTarget == 0 || want.ExtraInTarget != 5 || want.DuplicateKeysTarget == 0 {
			t.Fatalf("the data lacks a kind of difference: %+v", want)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%d workers: grouped (Parquet)\n%+v\nrow at a time (CSV)\n%+v", workers, got, want)
		}
	}
}
