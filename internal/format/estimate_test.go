package format

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

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
// are within 10 % when their records do not widen. The errors are logged
// for docs/crawl.md.
func TestRecordEstimateError(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 80 MB of files")
	}
	dir := t.TempDir()
	s, err := local.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	sniff := func(st storage.Store, name string) *File {
		obj, err := s.Stat(context.Background(), name)
		if err != nil {
			t.Fatal(err)
		}
		return Sniff(context.Background(), st, obj, DefaultOptions())
	}
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
			// Compressed: the sample's rate, by the sample's compression
			// ratio. Records that widen along the file are beyond it (the
			// error is logged, not bounded); others are within 10 %.
			gzipped := func(data []byte) string {
				var gz bytes.Buffer
				w, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
				w.Write(data)
				w.Close()
				if err := os.WriteFile(filepath.Join(dir, name+".gz"), gz.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return name + ".gz"
			}
			check("gzip", sniff(s, gzipped(data)), 1)
			data, want = generated(format, mb<<20+1000, uint64(i), false)
			check("gzip, no drift", sniff(s, gzipped(data)), 0.10)
		}
	}
}
