package format

import (
	"bytes"
	"context"
	"io"
	"slices"

	"github.com/lakectl/lakectl/internal/storage"
)

// Probes: beyond the sample, the rate of records is measured at up to
// maxProbes places, one in the middle of each of as many equal stretches
// of the rest of the file (a stretch at least probeStretch long), reading
// probeBytes (or 16 records, when they are longer) at each. Four probes
// of 16 KiB keep the estimates of the test files within 1.3 % (see
// docs/crawl.md) for 64 KiB read beyond the 1 MiB sample.
const (
	probeBytes   = 16 << 10
	maxProbes    = 4
	probeStretch = 1 << 20
)

// estimateRecords counts a text file's records: exactly when the sample
// read them all; otherwise the sample's records, and those of the rest
// of the file at the sample's bytes per record — measured over the whole
// sample, not over the records parsed for the schema. The rest of an
// uncompressed file is measured by probes where the store reads ranges:
// records are often wider further on (growing ids, longer values), and
// one sample at the start of a large file would count too many.
func (f *File) estimateRecords(ctx context.Context, s storage.Store, n sampled, sampleBytes int, compressedRead int64) {
	f.Records = int64(n.records)
	f.Sampled = n.partial
	if n.complete {
		return
	}
	f.Estimated = true
	if n.records == 0 {
		return
	}
	total := float64(f.Size) // the decompressed size, estimated for compressed files
	if f.Compression != NoCompression {
		if compressedRead == 0 {
			return
		}
		total = float64(f.Size) * float64(sampleBytes) / float64(compressedRead)
	}
	perRecord := float64(n.end-n.start) / float64(n.records)
	if rest := total - float64(n.end); rest > 0 {
		f.Records += int64(rest / perRecord)
	}
	if f.Compression != NoCompression || n.lines == 0 {
		return
	}
	if rg, ok := s.(storage.RangeGetter); ok {
		more, read, ok := probeRest(ctx, rg, f.Key, int64(n.end), f.Size, float64(n.records)/float64(n.lines), 16*int64(perRecord))
		if ok {
			f.Records = int64(n.records) + more
		}
		f.BytesRead += read
	}
}

// probeRest estimates the records of a file's bytes from offset from to
// size, measuring the bytes per line at one place in each stretch of it;
// perLine is the records per line end the sample showed (below one where
// quoted values hold line ends). ok is false when the rest is too short to
// probe or a probe finds fewer than two line ends (lines too long to
// measure), and the sample's rate stands.
func probeRest(ctx context.Context, rg storage.RangeGetter, key string, from, size int64, perLine float64, minWindow int64) (records int64, read int64, ok bool) {
	window := max(probeBytes, minWindow)
	rest := size - from
	if rest < 2*window {
		return 0, 0, false
	}
	probes := min(maxProbes, max(1, rest/probeStretch))
	stretch := rest / probes
	window = min(window, stretch)
	var sum float64
	for i := range probes {
		start := from + i*stretch
		length := stretch
		if i == probes-1 {
			length = rest - i*stretch
		}
		b, err := readRange(ctx, rg, key, start+(length-window)/2, window)
		read += int64(len(b))
		if err != nil {
			return 0, read, false
		}
		first, last := bytes.IndexByte(b, '\n'), bytes.LastIndexByte(b, '\n')
		if first < 0 || last == first {
			return 0, read, false
		}
		lines := bytes.Count(b[first+1:last+1], []byte("\n"))
		perByte := float64(lines) / float64(last-first)
		sum += float64(length) * perByte * perLine
	}
	return int64(sum), read, true
}

func readRange(ctx context.Context, rg storage.RangeGetter, key string, offset, length int64) ([]byte, error) {
	rc, err := rg.GetRange(ctx, key, offset, length)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, length))
}

// countChunk is how much decompressed text countRest reads at a time.
const countChunk = 1 << 20

// countRest counts the records of a compressed text file after its
// sample: carry is the sample's text after its last whole record, r the
// rest of the decompressed file. They are counted as the sample's were,
// and as the readers read them: CSV by the tokenizer's rules (a blank line
// is no record, a bad one is one), JSON lines one a non-blank line.
func countRest(f *File, r io.Reader, carry []byte) (int64, error) {
	if f.Format == CSV {
		return countStream(r, carry, countChunk, csvCounter(CSVDialect{Delim: f.CSV.Delimiter, Quote: f.CSV.Quote}))
	}
	return countStream(r, carry, countChunk, countJSONLines)
}

// csvCounter counts the CSV records that end in data (all of them at the
// end of the input) and says where the first record not counted starts.
func csvCounter(d CSVDialect) func(data []byte, atEOF bool) (int64, int) {
	return func(data []byte, atEOF bool) (int64, int) {
		n := countCSV(data, atEOF, d, false)
		return int64(n.records), n.end
	}
}

// countStream counts the records of carry followed by r, chunk bytes or
// more at a time, with count, which counts the records that end in data
// (all at the end of the input) and says where the rest starts.
func countStream(r io.Reader, carry []byte, chunk int, count func(data []byte, atEOF bool) (int64, int)) (int64, error) {
	buf := append(make([]byte, 0, len(carry)+chunk), carry...)
	var total int64
	for {
		k, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+k]
		atEOF := err == io.EOF
		if err != nil && !atEOF {
			return 0, err
		}
		if !atEOF && len(buf) < cap(buf) {
			continue // count whole chunks
		}
		n, end := count(buf, atEOF)
		total += n
		if atEOF {
			return total, nil
		}
		buf = buf[:copy(buf, buf[end:])]
		if len(buf) > cap(buf)/2 {
			buf = slices.Grow(buf, chunk) // a record longer than half the buffer
		}
	}
}

// countJSONLines counts the non-blank lines that end in data, and the
// last one at the end of the input, and says where the first line not
// counted starts.
func countJSONLines(data []byte, atEOF bool) (int64, int) {
	var n int64
	pos := 0
	for {
		i := bytes.IndexByte(data[pos:], '\n')
		if i < 0 {
			break
		}
		if len(bytes.TrimSpace(data[pos:pos+i])) > 0 {
			n++
		}
		pos += i + 1
	}
	if atEOF && len(bytes.TrimSpace(data[pos:])) > 0 {
		n, pos = n+1, len(data)
	}
	return n, pos
}
