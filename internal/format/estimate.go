package format

import (
	"bytes"
	"context"
	"io"

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
