package dataset

import (
	"bytes"
	"encoding/binary"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/testenv"
)

// collectSink keeps copies of the rows it is given.
type collectSink struct {
	mu   *sync.Mutex
	rows *[][]Value
}

func (c collectSink) Add(row []Value) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := append([]Value(nil), row...)
	for i := range r {
		r[i].S = string([]byte(r[i].S))
	}
	*c.rows = append(*c.rows, r)
}

func (c collectSink) Merge(Sink) {}

// Every PostgreSQL type lakectl decodes from its binary form, and types
// read as text, come out as the values the database holds.
func TestPostgresBinaryCopyDecodesEveryType(t *testing.T) {
	uri := testenv.URL(t, "LAKECTL_TEST_POSTGRES_URL")
	query := `SELECT 1::int2 AS a, -70000::int4 AS b, 9007199254740993::int8 AS c,
		1.5::float4 AS d, -2.25e300::float8 AS e,
		12345.67::numeric(10,2) AS f, -0.000123::numeric AS g, 123456789012345678.9::numeric AS h, 'NaN'::numeric AS i, 1e30::numeric AS j,
		true AS k, DATE '2024-02-29' AS l, DATE '1999-12-31' AS m, 'infinity'::date AS n,
		TIMESTAMP '2024-01-02 03:04:05.678901' AS o, TIMESTAMPTZ '1970-01-01 00:00:00+00' AS p,
		'héllo'::text AS q, 'ab'::varchar(5) AS r, 'x'::char(3) AS s, '{"a": 1}'::jsonb AS u,
		'0b5e2a86-8f0e-4c5c-9b25-3c1f6e4b0f00'::uuid AS v, interval '1 day' AS w, ''::text AS x, NULL::int8 AS y, NULL::text AS z`
	in, err := Sources{}.Resolve(t.Context(), uri, query)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var rows [][]Value
	pick := make([]int, len(in.Table.StorageDescriptor.Columns))
	for i := range pick {
		pick[i] = i
	}
	if _, _, err := Scan(t.Context(), in, pick, ScanOptions{Workers: 2}, func() Sink { return collectSink{&mu, &rows} }); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 {
		t.Fatalf("%d rows", len(rows))
	}
	micros := func(s string) int64 {
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UnixMicro()
	}
	want := []Value{
		{Kind: KindIntegral, I: 1}, {Kind: KindIntegral, I: -70000}, {Kind: KindIntegral, I: 9007199254740993},
		{Kind: KindFractional, F: 1.5}, {Kind: KindFractional, F: -2.25e300},
		{Kind: KindFractional, F: 12345.67}, {Kind: KindFractional, F: -0.000123}, {Kind: KindFractional, F: 123456789012345678.9}, {Kind: KindFractional, F: math.NaN()}, {Kind: KindFractional, F: 1e30},
		{Kind: KindBoolean, B: true}, {Kind: KindDate, I: micros("2024-02-29T00:00:00Z")}, {Kind: KindDate, I: micros("1999-12-31T00:00:00Z")}, {Kind: KindString, S: "infinity"},
		{Kind: KindTime, I: micros("2024-01-02T03:04:05.678901Z")}, {Kind: KindTime, I: 0},
		{Kind: KindString, S: "héllo"}, {Kind: KindString, S: "ab"}, {Kind: KindString, S: "x  "}, {Kind: KindString, S: `{"a": 1}`},
		{Kind: KindString, S: "0b5e2a86-8f0e-4c5c-9b25-3c1f6e4b0f00"}, {Kind: KindString, S: "1 day"}, {Kind: KindString, S: ""}, {}, {},
	}
	got := rows[0]
	if len(got) != len(want) {
		t.Fatalf("%d values, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		same := g.Kind == w.Kind && g.S == w.S && g.I == w.I && g.B == w.B && (g.F == w.F || math.IsNaN(g.F) && math.IsNaN(w.F))
		if !same {
			t.Errorf("column %s: got %+v, want %+v", in.Table.StorageDescriptor.Columns[i].Name, g, w)
		}
	}
}

// The parser takes a COPY stream however it is cut into messages.
func TestCopyParserAnySplit(t *testing.T) {
	var stream bytes.Buffer
	stream.Write(copySignature)
	stream.Write([]byte{0, 0, 0, 0, 0, 0, 0, 0})
	const n = 5000 // more than one batch
	for i := range n {
		binary.Write(&stream, binary.BigEndian, int16(2))
		binary.Write(&stream, binary.BigEndian, int32(8))
		binary.Write(&stream, binary.BigEndian, int64(i))
		if i%3 == 0 {
			binary.Write(&stream, binary.BigEndian, int32(-1))
		} else {
			s := []byte("v" + string(rune('a'+i%26)))
			binary.Write(&stream, binary.BigEndian, int32(len(s)))
			stream.Write(s)
		}
	}
	binary.Write(&stream, binary.BigEndian, int16(-1))
	data := stream.Bytes()
	for _, cut := range []int{1, 7, 13, 4096, len(data)} {
		var got [][]Value
		p := &copyParser{decs: []pgDecoder{pgBinaryDecoder(oidInt8), decodeText}, sizes: []int{8, 0}, emit: func(b [][]Value) error {
			got = append(got, b...)
			return nil
		}}
		p.newBatch()
		for off := 0; off < len(data); off += cut {
			if _, err := p.Write(data[off:min(off+cut, len(data))]); err != nil {
				t.Fatalf("cut %d: %v", cut, err)
			}
		}
		if err := p.flush(); err != nil || !p.done || len(got) != n {
			t.Fatalf("cut %d: %v, done %v, %d rows", cut, err, p.done, len(got))
		}
		for i, r := range got {
			wantS := ""
			if i%3 != 0 {
				wantS = "v" + string(rune('a'+i%26))
			}
			if r[0].I != int64(i) || r[1].S != wantS || (i%3 == 0) != (r[1].Kind == KindNull) {
				t.Fatalf("cut %d row %d: %+v", cut, i, r)
			}
		}
	}
	// A field shorter than its type (a bigint of 2 bytes) is an error in
	// the stream, not a panic or a wrong value.
	var short bytes.Buffer
	short.Write(data[:len(copySignature)+8])
	binary.Write(&short, binary.BigEndian, int16(2))
	binary.Write(&short, binary.BigEndian, int32(2))
	short.Write([]byte{0, 1})
	binary.Write(&short, binary.BigEndian, int32(-1))
	ps := &copyParser{decs: []pgDecoder{pgBinaryDecoder(oidInt8), decodeText}, sizes: []int{pgFixedSize(oidInt8), pgFixedSize(oidText)}, emit: func([][]Value) error { return nil }}
	ps.newBatch()
	if _, err := ps.Write(short.Bytes()); err == nil || !strings.Contains(err.Error(), "field 1 of a tuple has 2 bytes, its type has 8") {
		t.Errorf("short bigint: %v", err)
	}
	// A stream that is not binary COPY is an error, not a panic.
	p := &copyParser{decs: []pgDecoder{decodeText}, emit: func([][]Value) error { return nil }}
	p.newBatch()
	if _, err := p.Write([]byte("id,name\n1,2\n3,4\n5,6\n7,8\n")); err == nil {
		t.Error("want an error for a text stream")
	}
}
