package dataset

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// pgNumeric encodes a numeric's binary form.
func pgNumeric(weight int16, sign, dscale uint16, digits ...uint16) []byte {
	b := binary.BigEndian.AppendUint16(nil, uint16(len(digits)))
	b = binary.BigEndian.AppendUint16(b, uint16(weight))
	b = binary.BigEndian.AppendUint16(b, sign)
	b = binary.BigEndian.AppendUint16(b, dscale)
	for _, d := range digits {
		b = binary.BigEndian.AppendUint16(b, d)
	}
	return b
}

// FuzzPostgresNumeric: any bytes read as a numeric are an error or the
// exact decimal the digits make, with as many decimals as the display
// scale says; the COPY reader's float of it is that decimal, exactly
// rounded.
func FuzzPostgresNumeric(f *testing.F) {
	f.Add(pgNumeric(1, 0, 2, 1, 2345, 6700))      // 12345.67
	f.Add(pgNumeric(-2, 0x4000, 6, 123))          // -0.000123
	f.Add(pgNumeric(4, 0, 0, 12, 3456, 7890))     // 1234567890 followed by 8 zeros
	f.Add(pgNumeric(0, 0, 0))                     // 0
	f.Add(pgNumeric(0, 0xC000, 0))                // NaN
	f.Add(pgNumeric(-1, 0, 3, 1000))              // 0.100
	f.Add(pgNumeric(7, 0x4000, 5, 1, 2, 3, 4, 5)) // a wide one
	f.Fuzz(func(t *testing.T, b []byte) {
		text, finite, err := pgNumericText(b)
		if err != nil || !finite {
			return
		}
		got, ok := new(big.Rat).SetString(text)
		if !ok {
			t.Fatalf("%x: %q is no decimal", b, text)
		}
		ndigits := int(binary.BigEndian.Uint16(b))
		weight := int(int16(binary.BigEndian.Uint16(b[2:])))
		dscale := int(binary.BigEndian.Uint16(b[6:]))
		_, frac, _ := strings.Cut(text, ".")
		if len(frac) != dscale {
			t.Fatalf("%x: %q has %d decimals, the scale is %d", b, text, len(frac), dscale)
		}
		if abs(weight) > 64 || dscale > 300 {
			return // right, but slow to check with big numbers
		}
		// The digits' value, independently: sum of d × 10000^(weight-i),
		// cut to the display scale.
		exact := new(big.Rat)
		for i := range ndigits {
			d := big.NewRat(int64(binary.BigEndian.Uint16(b[8+2*i:])), 1)
			p := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10000), big.NewInt(int64(abs(weight-i))), nil))
			if weight-i >= 0 {
				d.Mul(d, p)
			} else {
				d.Quo(d, p)
			}
			exact.Add(exact, d)
		}
		if binary.BigEndian.Uint16(b[4:]) == 0x4000 {
			exact.Neg(exact)
		}
		scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(dscale)), nil)
		cut := new(big.Int).Quo(new(big.Int).Mul(exact.Num(), scale), exact.Denom()) // toward zero
		want := new(big.Rat).SetFrac(cut, scale)
		if got.Cmp(want) != 0 {
			t.Fatalf("%x: %q, want %s", b, text, want.FloatString(dscale))
		}
		if exact.Cmp(want) == 0 {
			f, _ := strconv.ParseFloat(text, 64)
			if v := decodeNumeric(b, nil); v.Kind != KindFractional || v.F != f && !(math.IsInf(f, 0) && math.IsInf(v.F, 0)) {
				t.Fatalf("%x: the COPY reader's %v, want %v", b, v.F, f)
			}
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// pgInt8Array encodes a one-dimensional bigint array (nil for a null).
func pgInt8Array(values []*int64) []byte {
	b := binary.BigEndian.AppendUint32(nil, 1)
	b = binary.BigEndian.AppendUint32(b, 0)
	b = binary.BigEndian.AppendUint32(b, oidInt8)
	b = binary.BigEndian.AppendUint32(b, uint32(len(values)))
	b = binary.BigEndian.AppendUint32(b, 1)
	for _, v := range values {
		if v == nil {
			b = binary.BigEndian.AppendUint32(b, math.MaxUint32)
			continue
		}
		b = binary.BigEndian.AppendUint32(b, 8)
		b = binary.BigEndian.AppendUint64(b, uint64(*v))
	}
	return b
}

// FuzzPostgresArray: any bytes read as a bigint array are an error or a
// list, never a panic; an array encoded from the input's numbers (a zero
// byte before one makes it a null) reads back as those numbers.
func FuzzPostgresArray(f *testing.F) {
	one, big := int64(1), int64(math.MinInt64)
	f.Add(pgInt8Array([]*int64{&one, nil, &big}))
	f.Add(pgInt8Array(nil))
	f.Add([]byte{0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 20})
	f.Add(bytes.Repeat([]byte{1}, 33))
	elem := pgTypeOf(oidInt8, -1)
	f.Fuzz(func(t *testing.T, b []byte) {
		var a arena
		if v, err := decodePgArray(b, oidInt8, elem, &a); err == nil {
			if _, ok := v.([]any); !ok {
				t.Fatalf("%x: %T, not a list", b, v)
			}
		}
		var values []*int64
		var want []any
		for r := b; len(r) > 0; {
			if r[0] == 0 {
				values, want, r = append(values, nil), append(want, nil), r[1:]
				continue
			}
			var x [8]byte
			r = r[copy(x[:], r):]
			n := int64(binary.BigEndian.Uint64(x[:]))
			values, want = append(values, &n), append(want, n)
		}
		got, err := decodePgArray(pgInt8Array(values), oidInt8, elem, &a)
		if want == nil {
			want = []any{}
		}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("%v: got %v (%v), want %v", b, got, err, want)
		}
	})
}

// FuzzCanonicalJSON: a document encoding/json reads has a canonical text,
// which is valid JSON, reads as the same values, and is its own canonical
// text; what encoding/json does not read is an error.
func FuzzCanonicalJSON(f *testing.F) {
	for _, s := range []string{`{"b": [1, 2.50], "a": null}`, `"\u00e9\ud800"`, `[{"a": {"a": 1e400}}]`, `{"a":1,"a":2}`, ` 12 `, `{`, "\"\xff\"", `[1,]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		got, err := canonicalJSON(doc)
		if (err == nil) != json.Valid(doc) {
			t.Fatalf("%q: %v, and json.Valid says %v", doc, err, json.Valid(doc))
		}
		if err != nil {
			return
		}
		dec := json.NewDecoder(bytes.NewReader(doc))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil || !json.Valid([]byte(got)) {
			t.Fatalf("%q: canonical %q (encoding/json: %v)", doc, got, err)
		}
		again, err := canonicalJSON([]byte(got))
		if err != nil || again != got {
			t.Fatalf("%q: canonical %q, and its canonical text %q (%v)", doc, got, again, err)
		}
		var w any
		d2 := json.NewDecoder(strings.NewReader(got))
		d2.UseNumber()
		if err := d2.Decode(&w); err != nil || !reflect.DeepEqual(v, w) {
			t.Fatalf("%q: canonical %q reads as %v, want %v", doc, got, w, v)
		}
	})
}
