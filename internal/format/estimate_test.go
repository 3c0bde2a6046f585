package format

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"testing/iotest"

	"github.com/klauspost/compress/gzip"

	"github.com/lakectl/lakectl/internal/storage"
	"github.com/lakectl/lakectl/internal/storage/local"
)

// generated writes a file of about size bytes of records whose widths
// vary from record to record and grow along the file, as real exports'
// do: ids count up and, with drift, a text column gets longer towards the
// end. Some CSV values are quoted and hold a line end. It returns the file
// and its number of records.
func generated(format string, size int, seed uint64, drift bool) ([]byte, int) {
	r := rand.New(rand.NewPCG(seed, 1))
	var b bytes.Buffer
	if format == CSV {
		b.WriteString("id,customer,amount,note\n")
	}
	letters := "abcdefghijklmnopqrstuvwxyz "
	text := func(n int) string {
		s := make([]byte, n)
		for i := range s {
			s[i] = letters[r.IntN(len(letters))]
		}
		return string(s)
	}
	n := 0
	for b.Len() < size {
		n++
		// With drift, the note is up to 10 characters long at the start
		// and up to 70 at the end; without, up to 40 throughout.
		longest := 40
		if drift {
			longest = 10 + 60*b.Len()/size
		}
		note := text(r.IntN(longest))
		amount := fmt.Sprintf("%d.%02d", r.IntN(100000), r.IntN(100))
		if format == JSON {
			fmt.Fprintf(&b, `{"id":%d,"customer":"c-%d","amount":%s,"note":%q}`+"\n", n, r.IntN(5000), amount, note)
			continue
		}
		if n%50 == 0 {
			note = `"` + note + "\n" + text(5) + `"`
		}
		fmt.Fprintf(&b, "%d,c-%d,%s,%s\n", n, r.IntN(5000), amount, note)
	}
	return b.Bytes(), n
}

// rangeless hides a store's ranged reads.
type rangeless struct{ storage.Store }

// Record counts of text files larger than the sample are estimates, within
// 10 % of the truth on files of 1, 8 and 30 MB, CSV and JSON lines, whose
// records widen along the file. Compressed files, which cannot be probed,
// are counted to their end up to a bound (exact, not estimated); beyond
// it, estimated within 10 % when their records do not widen. The errors
// are logged for docs/crawl.md.
func TestRecordEstimateError(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 80 MB of files")
	}
	dir := t.TempDir()
	s, err := local.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	sniffWith := func(st storage.Store, name string, opts Options) *File {
		obj, err := s.Stat(context.Background(), name)
		if err != nil {
			t.Fatal(err)
		}
		return Sniff(context.Background(), st, obj, opts)
	}
	sniff := func(st storage.Store, name string) *File { return sniffWith(st, name, DefaultOptions()) }
	for _, format := range []string{CSV, JSON} {
		for i, mb := range []int{1, 8, 30} {
			data, want := generated(format, mb<<20+1000, uint64(i), true)
			name := fmt.Sprintf("%d.%s", mb, format)
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
			check := func(how string, f *File, bound float64) {
				t.Helper()
				e := float64(f.Records-int64(want)) / float64(want)
				t.Logf("%s %d MB, %s: %d records, estimated %d (%+.1f %%), %d bytes read", format, mb, how, want, f.Records, 100*e, f.BytesRead)
				if f.Format != format || !f.Estimated || !f.Sampled || e > bound || e < -bound {
					t.Errorf("%s %s, %s: format %q skip %q, %d records estimated %v (%d, %+.1f %%), want within %.0f %%",
						format, name, how, f.Format, f.Skip, f.Records, f.Estimated, want, 100*e, 100*bound)
				}
			}
			f := sniff(s, name)
			check("probed", f, 0.10)
			if f.BytesRead > 1<<20+4*probeBytes {
				t.Errorf("%s: read %d bytes, more than the sample and four probes", name, f.BytesRead)
			}
			// The whole sample's rate alone: what a store without ranged
			// reads gives. Not bounded: it counts too many records of a
			// large file whose records widen.
			check("sample alone", sniff(rangeless{s}, name), 1)
			if mb == 1 {
				continue
			}
			gzipped := func(data []byte) (string, int64) {
				var gz bytes.Buffer
				w, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
				w.Write(data)
				w.Close()
				if err := os.WriteFile(filepath.Join(dir, name+".gz"), gz.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return name + ".gz", int64(gz.Len())
			}
			// Compressed, up to the bound: read to the end, every record
			// counted (exact, not an estimate), the whole file read.
			gz, size := gzipped(data)
			atBound := DefaultOptions()
			atBound.CountCompressed = size
			for _, f := range []*File{sniff(s, gz), sniffWith(s, gz, atBound)} {
				t.Logf("%s %d MB, gzip (%d bytes): %d records, counted %d, %d bytes read", format, mb, size, want, f.Records, f.BytesRead)
				if f.Format != format || f.Estimated || !f.Sampled || f.Records != int64(want) || f.BytesRead != size {
					t.Errorf("%s: format %q skip %q, %d records estimated %v, %d bytes read; want %d records counted, %d bytes read",
						gz, f.Format, f.Skip, f.Records, f.Estimated, f.BytesRead, want, size)
				}
			}
			// Beyond the bound: the sample's rate, by the sample's
			// compression ratio. Records that widen along the file are
			// beyond it (the error is logged, not bounded); others are
			// within 10 %.
			beyond := DefaultOptions()
			beyond.CountCompressed = size - 1
			f = sniffWith(s, gz, beyond)
			check("gzip beyond the bound", f, 1)
			if f.BytesRead >= size/2 {
				t.Errorf("%s beyond the bound: read %d of %d bytes", gz, f.BytesRead, size)
			}
			data, want = generated(format, mb<<20+1000, uint64(i), false)
			gz, _ = gzipped(data)
			check("gzip beyond the bound, no drift", sniffWith(s, gz, beyond), 0.10)
		}
	}
}

// lines is a reader of n records of text, made as they are read (and
// allocating nothing).
type lines struct {
	n, i int
	line []byte
	off  int
}

func (l *lines) Read(p []byte) (int, error) {
	k := 0
	for k < len(p) {
		if l.off == len(l.line) {
			if l.i == l.n {
				break
			}
			l.line = strconv.AppendInt(l.line[:0], int64(l.i), 10)
			l.line = append(l.line, ",\"a note\nover two lines\","...)
			l.line = strconv.AppendInt(l.line, int64(l.i*7), 10)
			l.line, l.off = append(l.line, '\n'), 0
			l.i++
		}
		c := copy(p[k:], l.line[l.off:])
		k += c
		l.off += c
	}
	if k == 0 {
		return 0, io.EOF
	}
	return k, nil
}

// Counting the records of a file to its end holds a chunk of it at a time
// (more only for a record longer than half a chunk): memory does not grow
// with the file.
func TestCountStreamMemory(t *testing.T) {
	const n = 2_000_000 // about 80 MB
	count := csvCounter(CSVDialect{Delim: ',', Quote: '"'})
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	// Read in pieces, as a decompressor reads.
	got, err := countStream(iotest.HalfReader(&lines{n: n}), nil, countChunk, count)
	runtime.ReadMemStats(&after)
	if err != nil || got != n {
		t.Fatalf("counted %d records (%v), want %d", got, err, n)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4*countChunk {
		t.Errorf("counting %d records allocated %d bytes, more than 4 chunks (%d)", n, alloc, 4*countChunk)
	}
}

// zstd and snappy files are counted to their end as gzip files are.
func TestCompressedRecordsCounted(t *testing.T) {
	data, want := generated(CSV, 3<<20, 7, true)
	for codec, b := range compressed(data) {
		f := sniffBytes(t, "a.csv."+codec, b, DefaultOptions())
		if f.Format != CSV || f.Compression != codec || f.Estimated || f.Records != int64(want) || f.BytesRead != int64(len(b)) {
			t.Errorf("%s: %s (%s), %d records, estimated %v, %d of %d bytes read; want %d records counted", codec, f.Format, f.Compression, f.Records, f.Estimated, f.BytesRead, len(b), want)
		}
	}
}
