package format

import (
	"bytes"
	"compress/bzip2"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
)

// Compression codecs as Glue names them in compressionType.
const (
	NoCompression = "none"
	Gzip          = "gzip"
	Bzip2         = "bzip2"
	Zstd          = "zstd"
	Snappy        = "snappy"
)

// DetectCompression names the codec whose magic number starts head, or
// NoCompression.
func DetectCompression(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return Gzip
	case bytes.HasPrefix(head, []byte("BZh")) && len(head) > 3 && head[3] >= '1' && head[3] <= '9':
		return Bzip2
	case bytes.HasPrefix(head, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return Zstd
	case bytes.HasPrefix(head, []byte("\xff\x06\x00\x00sNaPpY")):
		return Snappy // the framing format; Hadoop's block format has no magic
	}
	return NoCompression
}

// Decompress wraps r with the codec's reader.
func Decompress(codec string, r io.Reader) (io.ReadCloser, error) {
	switch codec {
	case NoCompression, "":
		return io.NopCloser(r), nil
	case Gzip:
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		return zr, nil
	case Bzip2:
		return io.NopCloser(bzip2.NewReader(r)), nil
	case Zstd:
		zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
		if err != nil {
			return nil, fmt.Errorf("zstd: %w", err)
		}
		return zr.IOReadCloser(), nil
	case Snappy:
		return io.NopCloser(snappy.NewReader(r)), nil
	}
	return nil, fmt.Errorf("unknown compression %q", codec)
}
