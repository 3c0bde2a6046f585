package format

import (
	"bytes"
	"testing"
	"testing/iotest"
)

// FuzzCountStream: the records of a compressed file counted past its
// sample — its text arriving a chunk at a time, after what the sample
// left over — are those counted in the whole text at once, and those the
// readers read: for CSV, the records CSVDialect.Records yields (a bad
// record is one, a blank line none), whatever the quoted fields, including
// those that run past a (small, to be reached) bound; for JSON lines, the
// non-blank lines.
func FuzzCountStream(f *testing.F) {
	f.Add([]byte("a,\"b\"\"c\",d\n\n1,\"x\ny\"\n\"open\n2,3\r\n"), uint8(7), uint8(3), true)
	f.Add([]byte("{\"a\":1}\n  \n{\"a\":\n{\"b\":2}"), uint8(4), uint8(1), false)
	f.Add([]byte("x,\"aaaaaaaaaa\nb\"\n\"\"\n"), uint8(0), uint8(2), true)
	f.Fuzz(func(t *testing.T, data []byte, split, chunk uint8, csv bool) {
		carry, rest := data[:int(split)%(len(data)+1)], data[int(split)%(len(data)+1):]
		stream := func(count func([]byte, bool) (int64, int)) int64 {
			t.Helper()
			got, err := countStream(iotest.HalfReader(bytes.NewReader(rest)), carry, 1+int(chunk)%16, count)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		if csv {
			d := CSVDialect{Delim: ',', Quote: '"', maxQuoted: 8}
			var read int64
			d.Records(data, 1, func(CSVRecord) bool { read++; return true })
			whole, _ := csvCounter(d)(data, true)
			if got := stream(csvCounter(d)); got != whole || whole != read {
				t.Fatalf("streamed %d records, %d in the whole text, the reader reads %d", got, whole, read)
			}
			return
		}
		var lines int64
		for l := range bytes.SplitSeq(data, []byte("\n")) {
			if len(bytes.TrimSpace(l)) > 0 {
				lines++
			}
		}
		if got := stream(countJSONLines); got != lines {
			t.Fatalf("streamed %d JSON lines, the text has %d", got, lines)
		}
	})
}
