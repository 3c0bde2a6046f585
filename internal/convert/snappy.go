package convert

import (
	"github.com/klauspost/compress/s2"
	pformat "github.com/parquet-go/parquet-go/format"
)

// fastSnappy is Parquet's SNAPPY codec with Snappy's standard encoder
// (s2.EncodeSnappy) where parquet-go's uses the slower "better" one
// (s2.EncodeSnappyBetter, through klauspost/compress/snappy). Both write the
// same block format, which every Snappy decoder reads; the standard encoder
// spends about half the CPU for slightly larger pages (docs/performance.md).
type fastSnappy struct{}

func (fastSnappy) String() string { return "SNAPPY" }

func (fastSnappy) CompressionCodec() pformat.CompressionCodec { return pformat.Snappy }

func (fastSnappy) Encode(dst, src []byte) ([]byte, error) {
	if n := s2.MaxEncodedLen(len(src)); n > cap(dst) {
		dst = make([]byte, n)
	}
	return s2.EncodeSnappy(dst[:cap(dst)], src), nil
}

func (fastSnappy) Decode(dst, src []byte) ([]byte, error) {
	n, err := s2.DecodedLen(src)
	if err != nil {
		return nil, err
	}
	if n > cap(dst) {
		dst = make([]byte, n)
	}
	return s2.Decode(dst[:cap(dst)], src)
}
