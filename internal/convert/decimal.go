package convert

import (
	"bytes"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding"
	"github.com/parquet-go/parquet-go/format"
)

// signedDecimal is a decimal on FIXED_LEN_BYTE_ARRAY whose statistics
// order values as signed numbers, as the Parquet spec says. parquet-go
// v0.32.0 orders them as unsigned bytes, so -0.48 sorted above 1.17 and
// engines that skip row groups by min/max dropped matching rows. The fix
// (parquet-go #595) is merged but unreleased and the module proxy serves
// no pseudo-version of it: delete this type once a release carries it.
type signedDecimal struct{ parquet.Type }

func (t signedDecimal) Compare(a, b parquet.Value) int {
	return compareTwosComplement(a.ByteArray(), b.ByteArray())
}

func (t signedDecimal) NewColumnBuffer(columnIndex, numValues int) parquet.ColumnBuffer {
	return signedDecimalBuffer{t.Type.NewColumnBuffer(columnIndex, numValues)}
}

func (t signedDecimal) NewPage(columnIndex, numValues int, data encoding.Values) parquet.Page {
	return signedDecimalPage{t.Type.NewPage(columnIndex, numValues, data)}
}

func (t signedDecimal) NewColumnIndexer(int) parquet.ColumnIndexer { return &signedDecimalIndexer{} }

// compareTwosComplement compares big-endian two's complement numbers of
// one length.
func compareTwosComplement(a, b []byte) int {
	negA, negB := len(a) > 0 && a[0]&0x80 != 0, len(b) > 0 && b[0]&0x80 != 0
	switch {
	case negA && !negB:
		return -1
	case !negA && negB:
		return 1
	}
	return bytes.Compare(a, b) // same sign: the bytes order as the numbers
}

type signedDecimalBuffer struct{ parquet.ColumnBuffer }

func (b signedDecimalBuffer) Clone() parquet.ColumnBuffer {
	return signedDecimalBuffer{b.ColumnBuffer.Clone()}
}

func (b signedDecimalBuffer) Page() parquet.Page { return signedDecimalPage{b.ColumnBuffer.Page()} }

// signedDecimalPage computes its bounds in the signed order.
type signedDecimalPage struct{ parquet.Page }

func (p signedDecimalPage) Slice(i, j int64) parquet.Page {
	return signedDecimalPage{p.Page.Slice(i, j)}
}

func (p signedDecimalPage) Bounds() (lo, hi parquet.Value, ok bool) {
	values := p.Page.Values()
	buf := make([]parquet.Value, 64)
	for {
		n, err := values.ReadValues(buf)
		for _, v := range buf[:n] {
			if v.IsNull() {
				continue
			}
			switch {
			case !ok:
				lo, hi, ok = v.Clone(), v.Clone(), true
			case compareTwosComplement(v.ByteArray(), lo.ByteArray()) < 0:
				lo = v.Clone()
			case compareTwosComplement(v.ByteArray(), hi.ByteArray()) > 0:
				hi = v.Clone()
			}
		}
		if err != nil || n == 0 {
			return lo, hi, ok
		}
	}
}

// signedDecimalIndexer writes the page index of such a column. Bounds are
// kept whole (truncating two's complement bytes would not keep their
// order) and the boundary order claims nothing.
type signedDecimalIndexer struct {
	nullPages  []bool
	nullCounts []int64
	lo, hi     [][]byte
}

func (x *signedDecimalIndexer) Reset() {
	x.nullPages, x.nullCounts, x.lo, x.hi = x.nullPages[:0], x.nullCounts[:0], x.lo[:0], x.hi[:0]
}

func (x *signedDecimalIndexer) IndexPage(numValues, numNulls int64, lo, hi parquet.Value) {
	x.nullPages = append(x.nullPages, numValues == numNulls)
	x.nullCounts = append(x.nullCounts, numNulls)
	x.lo = append(x.lo, bytes.Clone(lo.ByteArray()))
	x.hi = append(x.hi, bytes.Clone(hi.ByteArray()))
}

func (x *signedDecimalIndexer) ColumnIndex() format.ColumnIndex {
	return format.ColumnIndex{
		NullPages:     append([]bool(nil), x.nullPages...),
		NullCounts:    append([]int64(nil), x.nullCounts...),
		MinValues:     append([][]byte(nil), x.lo...),
		MaxValues:     append([][]byte(nil), x.hi...),
		BoundaryOrder: format.Unordered,
	}
}
