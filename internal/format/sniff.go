package format

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/lakectl/lakectl/internal/storage"
)

// Formats as Glue names them in the classification parameter.
const (
	CSV     = "csv"
	JSON    = "json"
	Parquet = "parquet"
)

// Options bound the sampling and steer CSV detection.
type Options struct {
	// SampleBytes and SampleRecords: a text file is sampled up to whichever
	// limit comes first (Glue: 1 MiB, 1,000 records).
	SampleBytes   int
	SampleRecords int
	// MaxJSONBytes: JSON may read on this far to find one whole record.
	MaxJSONBytes int
	// CountCompressed: a compressed text file (gzip, zstd or snappy) up
	// to this size as stored is read to its end and its records counted,
	// rather than estimated from the sample (0: never). bzip2, some
	// twenty times slower to decompress, is always estimated.
	CountCompressed int64
	// Delimiter forces the CSV delimiter (0 detects it).
	Delimiter byte
	// Header is HeaderAuto, HeaderPresent or HeaderAbsent.
	Header string
}

// DefaultCountCompressed bounds the compressed text files whose records
// are counted rather than estimated (docs/crawl.md, "Record counts"):
// reading a 64 MiB gzip file to its end costs about 0.8 s of CPU.
const DefaultCountCompressed = 64 << 20

// counted says whether a codec's files are counted to their end (under
// CountCompressed): bzip2 decompresses at some 20 MB/s, 25 MB of it in 3 s.
func counted(codec string) bool {
	return codec == Gzip || codec == Zstd || codec == Snappy
}

// DefaultOptions are Glue's sampling limits, and compressed files up to
// DefaultCountCompressed counted to their end.
func DefaultOptions() Options {
	return Options{SampleBytes: 1 << 20, SampleRecords: 1000, MaxJSONBytes: 10 << 20, Header: HeaderAuto, CountCompressed: DefaultCountCompressed}
}

// File is what was learnt of one data file.
type File struct {
	Key         string
	Size        int64
	Format      string // CSV, JSON or Parquet; empty when skipped
	Compression string
	// Skip is why the file was not classified; empty when it was.
	Skip   string
	Fields []Field
	CSV    *CSVInfo
	// JSONDocument: the JSON records are not one a line, as JSON lines
	// have them: the file is an array of records (pretty-printed or not),
	// or records spread over lines. lakectl reads such files whole;
	// Athena's JSON SerDes read a line as a record.
	JSONDocument bool
	// Records is exact for Parquet (from the footer) and for text files
	// the sample read to the end; otherwise it is estimated (see
	// estimateRecords).
	Records   int64
	Estimated bool
	// Sampled: the schema comes from some of the records (the first
	// SampleRecords, or those within SampleBytes), not all of them.
	Sampled bool
	// BytesRead is what was fetched from storage to classify the file.
	BytesRead int64
}

// CountingReader counts the bytes read through it (in N).
type CountingReader struct {
	R io.Reader
	N int64
}

func (c *CountingReader) Read(p []byte) (int, error) {
	n, err := c.R.Read(p)
	c.N += int64(n)
	return n, err
}

// CountingWriter counts the bytes written through it (in N).
type CountingWriter struct {
	W io.Writer
	N int64
}

func (c *CountingWriter) Write(p []byte) (int, error) {
	n, err := c.W.Write(p)
	c.N += int64(n)
	return n, err
}

// Sniff classifies one object and infers its schema. It does not fail:
// whatever goes wrong becomes the file's Skip reason.
func Sniff(ctx context.Context, s storage.Store, obj *storage.Object, opts Options) *File {
	f := &File{Key: obj.Key, Size: obj.Size}
	if obj.Size == 0 {
		f.Skip = "empty file"
		return f
	}
	rc, err := s.Get(ctx, obj.Key)
	if err != nil {
		f.Skip = "unreadable: " + err.Error()
		return f
	}
	defer rc.Close()
	raw := &CountingReader{R: rc}
	head := make([]byte, 16)
	n, err := io.ReadFull(raw, head)
	head = head[:n]
	if err != nil && err != io.ErrUnexpectedEOF {
		f.Skip = "unreadable: " + err.Error()
		return f
	}
	if bytes.HasPrefix(head, []byte("PAR1")) {
		rc.Close()
		fields, rows, codec, read, err := sniffParquet(ctx, s, obj.Key, obj.Size)
		f.BytesRead = raw.N + read
		if err != nil {
			f.Skip = err.Error()
			return f
		}
		f.Format, f.Compression, f.Fields, f.Records = Parquet, codec, fields, rows
		return f
	}
	f.Compression = DetectCompression(head)
	body, err := Decompress(f.Compression, io.MultiReader(bytes.NewReader(head), raw))
	if err != nil {
		f.BytesRead = raw.N
		f.Skip = "unreadable: " + err.Error()
		return f
	}
	defer body.Close()
	shown, sample := sniffText(f, body, opts)
	f.BytesRead = raw.N
	if f.Format == "" {
		return f
	}
	sampleRead := raw.N // the compressed bytes of the sample
	if counted(f.Compression) && !shown.complete && !shown.document && obj.Size <= opts.CountCompressed {
		// A compressed file cannot be read from its middle: under the
		// bound, its records are counted to its end instead of estimated
		// (a file unreadable further on is estimated, as beyond it).
		rest, err := countRest(f, body, sample[shown.end:])
		f.BytesRead = raw.N
		if err == nil {
			f.Records, f.Sampled = int64(shown.records)+rest, shown.partial
			return f
		}
	}
	f.estimateRecords(ctx, s, shown, len(sample), sampleRead)
	return f
}

// sampled is what the sample showed of a text file's records.
type sampled struct {
	// records counts every record that ends within the sample (not only
	// those parsed for the schema); they span the bytes from start (after
	// any header, offsets in the decompressed text) to end, which hold
	// lines line ends.
	records    int
	start, end int
	lines      int
	// complete: these are all the file's records.
	complete bool
	// partial: the schema was inferred from some of them.
	partial bool
	// document: JSON whose records are not one a line (an array, or
	// values over several lines).
	document bool
}

// sniffText samples decompressed text and classifies it as JSON or
// delimited text, in that order (as Glue does). It returns what the
// sample showed of the records, with offsets in the decompressed text, and
// the sample.
func sniffText(f *File, body io.Reader, opts Options) (sampled, []byte) {
	sample, atEOF, err := readSample(body, opts.SampleBytes)
	if err != nil {
		f.Skip = "unreadable: " + err.Error()
		return sampled{}, nil
	}
	text := bytes.TrimPrefix(sample, []byte("\xef\xbb\xbf"))
	if reason := NotText(text, atEOF); reason != "" {
		f.Skip = reason
		return sampled{}, nil
	}
	trimmed := bytes.TrimLeft(text, " \t\r\n")
	if len(trimmed) == 0 {
		f.Skip = "no data: only white space"
		return sampled{}, nil
	}
	if trimmed[0] == '{' || trimmed[0] == '[' {
		fields, n, err := sniffJSON(trimmed, atEOF, opts.SampleRecords)
		if errors.Is(err, errTruncated) && opts.MaxJSONBytes > len(sample) {
			more, eof, rerr := readSample(body, opts.MaxJSONBytes-len(sample))
			if rerr == nil {
				sample = append(sample, more...)
				text = bytes.TrimPrefix(sample, []byte("\xef\xbb\xbf"))
				trimmed = bytes.TrimLeft(text, " \t\r\n")
				atEOF = eof
				fields, n, err = sniffJSON(trimmed, atEOF, opts.SampleRecords)
			}
		}
		if err == nil {
			f.Format, f.Fields, f.JSONDocument = JSON, fields, n.document
			return n.from(len(sample) - len(trimmed)), sample
		}
		if errors.Is(err, errTruncated) {
			f.Skip = fmt.Sprintf("no complete JSON record in the first %d MiB", max(opts.MaxJSONBytes, len(sample))>>20)
			return sampled{}, nil
		}
		if trimmed[0] == '{' {
			f.Skip = err.Error()
			return sampled{}, nil
		}
	}
	info, fields, n, err := sniffCSV(text, atEOF, opts.Delimiter, opts.Header, opts.SampleRecords)
	if err != nil {
		f.Skip = "not CSV, JSON or Parquet: " + err.Error()
		return sampled{}, nil
	}
	f.Format, f.Fields, f.CSV = CSV, fields, info
	return n.from(len(sample) - len(text)), sample
}

// from moves the offsets of a sample that began offset bytes into the text.
func (n sampled) from(offset int) sampled {
	n.start += offset
	n.end += offset
	return n
}

// readSample reads up to n bytes; atEOF reports that the stream ended
// cleanly. A decompressor's "unexpected EOF" is a truncated file, an error.
// The buffer grows with what is read, so small files cost little.
func readSample(r io.Reader, n int) ([]byte, bool, error) {
	buf := make([]byte, 0, min(n, 64<<10))
	for len(buf) < n {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(n, 2*cap(buf))-len(buf))
		}
		k, err := r.Read(buf[len(buf):min(cap(buf), n)])
		buf = buf[:len(buf)+k]
		if err == io.EOF {
			return buf, true, nil
		}
		if err != nil {
			return nil, false, err
		}
	}
	return buf, false, nil
}

// NotText explains why a sample of a file's start is not text: it is a
// binary format lakectl knows by name (Arrow IPC, ORC, Avro, an Excel
// workbook, ...), or holds NUL bytes, or bytes that are not UTF-8 (a rune
// cut at the end of a partial sample is fine). A format is named only for
// binary content (a NUL byte): text in an encoding other than UTF-8 that
// starts like a magic number is still text.
func NotText(b []byte, atEOF bool) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		if name := binaryFormat(b); name != "" {
			return unsupported(name)
		}
		return fmt.Sprintf("binary content (a NUL byte at offset %d)", i)
	}
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			if !atEOF && len(b)-i < utf8.UTFMax && !utf8.FullRune(b[i:]) {
				break
			}
			return fmt.Sprintf("not UTF-8 text (byte 0x%02x at offset %d)", b[i], i)
		}
		i += size
	}
	return ""
}

// Bookkeeping says whether a key is one of lakectl's own objects beside
// data (leases, journals, run records, staging: _lakectl_*, and the lock
// files of local leases, .lakectl-*): not data, and not a file a crawl
// lists or reports.
func Bookkeeping(key string) bool {
	for seg := range strings.SplitSeq(key, "/") {
		if strings.HasPrefix(seg, "_lakectl_") || strings.HasPrefix(seg, ".lakectl-") {
			return true
		}
	}
	return false
}

// Hidden reports keys that are not data by the conventions of Hive, Spark
// and Athena: a path element starting with _ or . (_SUCCESS, .crc files,
// lakectl's own _lakectl_* folders) or a "$folder$" marker.
func Hidden(key string) bool {
	for seg := range strings.SplitSeq(key, "/") {
		if strings.HasPrefix(seg, "_") || strings.HasPrefix(seg, ".") {
			return true
		}
	}
	return strings.HasSuffix(key, "_$folder$")
}
