package format

import (
	"slices"
	"testing"
)

// FuzzCSVRecordEnd: record boundaries found while the input streams in
// (more input may follow) are those found with the whole input, whatever
// the quoted fields, including those that run past a (small, to be
// reached) bound; RecordEnd never panics and always moves on.
func FuzzCSVRecordEnd(f *testing.F) {
	f.Add([]byte("a,\"b\"\"c\",d\n1,\"x\ny\"\n\"open\n2,3\n"), byte(','), byte('"'), uint8(4), uint8(3))
	f.Add([]byte("\"aaaa\"\"\"b\",c\n\"\"\n"), byte(','), byte('"'), uint8(5), uint8(1))
	f.Add([]byte("x;'y;;'\n'\n"), byte(';'), byte('\''), uint8(2), uint8(7))
	f.Fuzz(func(t *testing.T, data []byte, delim, quote byte, bound, step uint8) {
		if delim == '\n' || quote == '\n' || delim == quote || bound == 0 || step == 0 {
			return
		}
		d := CSVDialect{Delim: delim, Quote: quote, maxQuoted: int(bound)}
		whole := boundaries(d, data, len(data))
		streamed := boundaries(d, data, int(step))
		if !slices.Equal(whole, streamed) {
			t.Fatalf("whole input: %v; streamed %d bytes at a time: %v", whole, step, streamed)
		}
	})
}

// boundaries are the record ends RecordEnd finds when the input arrives
// step bytes at a time.
func boundaries(d CSVDialect, data []byte, step int) []int {
	var ends []int
	pos, have := 0, 0
	for pos < len(data) {
		atEOF := have >= len(data)
		n, _, ok := d.RecordEnd(data[pos:have], atEOF)
		if !ok {
			have = min(len(data), have+step)
			continue
		}
		if n <= 0 {
			panic("RecordEnd did not move on")
		}
		pos += n
		ends = append(ends, pos)
	}
	return ends
}
