package dataset

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"unsafe"
)

// PostgreSQL type OIDs decoded from their binary COPY form; every other
// type is read as its text (cast in the COPY query).
const (
	oidBool        = 16
	oidChar        = 18
	oidName        = 19
	oidInt8        = 20
	oidInt2        = 21
	oidInt4        = 23
	oidText        = 25
	oidJSON        = 114
	oidFloat4      = 700
	oidFloat8      = 701
	oidBPChar      = 1042
	oidVarchar     = 1043
	oidDate        = 1082
	oidTimestamp   = 1114
	oidTimestampTZ = 1184
	oidNumeric     = 1700
)

// pgEpochMicros is PostgreSQL's epoch, 2000-01-01, in Unix microseconds.
const pgEpochMicros = 946684800 * 1e6

// scanPostgres streams a PostgreSQL source with
// COPY (SELECT ...) TO STDOUT (FORMAT binary): only the picked columns
// travel, and each value is decoded from PostgreSQL's binary form straight
// into a Value, with no driver value boxed per cell (several times
// faster than reading the rows through database/sql).
func scanPostgres(ctx context.Context, in Input, pick []int, opts ScanOptions, newSink func() Sink) (Sink, *ScanStats, error) {
	conn, err := in.SQL.ConnectPostgres(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer conn.Close(context.Background())
	desc, err := conn.Prepare(ctx, "", in.SQL.Query, nil)
	if err != nil {
		return nil, nil, in.SQL.Redact(err)
	}
	aliases := make([]string, len(desc.Fields))
	for i := range aliases {
		aliases[i] = "c" + strconv.Itoa(i)
	}
	exprs := make([]string, len(pick))
	decs := make([]pgDecoder, len(pick))
	sizes := make([]int, len(pick))
	for i, p := range pick {
		if p >= len(desc.Fields) {
			return nil, nil, fmt.Errorf("%s: the query has %d columns, not %d", in.SQL.Display, len(desc.Fields), p+1)
		}
		exprs[i] = "q." + aliases[p]
		if decs[i] = pgBinaryDecoder(desc.Fields[p].DataTypeOID); decs[i] == nil {
			exprs[i] += "::text"
			decs[i] = decodeText
		}
		sizes[i] = pgFixedSize(desc.Fields[p].DataTypeOID)
	}
	copySQL := fmt.Sprintf("COPY (SELECT %s FROM (%s) AS q(%s)) TO STDOUT (FORMAT binary)",
		strings.Join(exprs, ", "), in.SQL.Query, strings.Join(aliases, ", "))
	batches := &sync.Pool{}
	recycle := func(b [][]Value) { b = b[:0]; batches.Put(&b) }
	return scanBatches(ctx, opts, newSink, recycle, func(emit func([][]Value) error) error {
		p := &copyParser{decs: decs, sizes: sizes, emit: emit, batches: batches}
		p.newBatch()
		if _, err := conn.CopyTo(ctx, p, copySQL); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			var perr *copyError
			if errors.As(err, &perr) {
				return fmt.Errorf("%s: %w", in.SQL.Display, err)
			}
			return in.SQL.Redact(err)
		}
		if !p.done {
			return fmt.Errorf("%s: COPY ended without its trailer", in.SQL.Display)
		}
		return p.flush()
	})
}

// pgDecoder turns one field's binary form into a value.
type pgDecoder func(b []byte, a *arena) Value

func pgBinaryDecoder(oid uint32) pgDecoder {
	switch oid {
	case oidBool:
		return func(b []byte, _ *arena) Value { return Value{Kind: KindBoolean, B: len(b) == 1 && b[0] != 0} }
	case oidInt2:
		return func(b []byte, _ *arena) Value {
			return Value{Kind: KindIntegral, I: int64(int16(binary.BigEndian.Uint16(b)))}
		}
	case oidInt4:
		return func(b []byte, _ *arena) Value {
			return Value{Kind: KindIntegral, I: int64(int32(binary.BigEndian.Uint32(b)))}
		}
	case oidInt8:
		return func(b []byte, _ *arena) Value {
			return Value{Kind: KindIntegral, I: int64(binary.BigEndian.Uint64(b))}
		}
	case oidFloat4:
		return func(b []byte, _ *arena) Value {
			return Value{Kind: KindFractional, F: float64(math.Float32frombits(binary.BigEndian.Uint32(b)))}
		}
	case oidFloat8:
		return func(b []byte, _ *arena) Value {
			return Value{Kind: KindFractional, F: math.Float64frombits(binary.BigEndian.Uint64(b))}
		}
	case oidNumeric:
		return decodeNumeric
	case oidDate:
		return func(b []byte, a *arena) Value {
			d := int64(int32(binary.BigEndian.Uint32(b)))
			if v, ok := pgInfinity(d, math.MaxInt32, math.MinInt32); ok {
				return v
			}
			return Value{Kind: KindDate, I: pgEpochMicros + d*86400*1e6}
		}
	case oidTimestamp, oidTimestampTZ:
		return func(b []byte, a *arena) Value {
			us := int64(binary.BigEndian.Uint64(b))
			if v, ok := pgInfinity(us, math.MaxInt64, math.MinInt64); ok {
				return v
			}
			return Value{Kind: KindTime, I: pgEpochMicros + us}
		}
	case oidText, oidVarchar, oidBPChar, oidName, oidChar, oidJSON:
		return decodeText
	}
	return nil
}

// pgFixedSize is the size of a type's binary form where it is fixed; the
// decoders read that many bytes, so a field of another size is an error
// in the stream, not a value.
func pgFixedSize(oid uint32) int {
	switch oid {
	case oidBool:
		return 1
	case oidInt2:
		return 2
	case oidInt4, oidFloat4, oidDate:
		return 4
	case oidInt8, oidFloat8, oidTimestamp, oidTimestampTZ:
		return 8
	}
	return 0
}

// pgInfinity: PostgreSQL keeps infinite dates and timestamps as the
// extremes of their integers; they are read as their text.
func pgInfinity(v, maxV, minV int64) (Value, bool) {
	switch v {
	case maxV:
		return Value{Kind: KindString, S: "infinity"}, true
	case minV:
		return Value{Kind: KindString, S: "-infinity"}, true
	}
	return Value{}, false
}

func decodeText(b []byte, a *arena) Value { return Value{Kind: KindString, S: a.str(b)} }

// decodeNumeric reads PostgreSQL's numeric: a count of base-10000 digits,
// the weight of the first, a sign, the display scale, then the digits.
// Values of up to 15 significant digits convert exactly rounded without a
// detour through text; others go through strconv.
func decodeNumeric(b []byte, _ *arena) Value {
	if len(b) < 8 {
		return Value{Kind: KindString, S: "invalid numeric"}
	}
	ndigits := int(binary.BigEndian.Uint16(b))
	weight := int(int16(binary.BigEndian.Uint16(b[2:])))
	sign := binary.BigEndian.Uint16(b[4:])
	switch sign {
	case 0xC000:
		return Value{Kind: KindFractional, F: math.NaN()}
	case 0xD000:
		return Value{Kind: KindFractional, F: math.Inf(1)}
	case 0xF000:
		return Value{Kind: KindFractional, F: math.Inf(-1)}
	}
	if len(b) < 8+2*ndigits {
		return Value{Kind: KindString, S: "invalid numeric"}
	}
	var f float64
	if ndigits <= 3 {
		// At most 12 decimal digits: exact in an int64 and a float64.
		var m int64
		for i := range ndigits {
			m = m*10000 + int64(binary.BigEndian.Uint16(b[8+2*i:]))
		}
		exp := 4 * (weight - ndigits + 1)
		switch {
		case exp >= 0 && exp <= 22:
			f = float64(m) * math.Pow10(exp)
		case exp < 0 && exp >= -22:
			f = float64(m) / math.Pow10(-exp)
		default:
			f = numericViaText(b)
		}
	} else {
		f = numericViaText(b)
	}
	if sign == 0x4000 {
		f = -f
	}
	return Value{Kind: KindFractional, F: f}
}

// numericViaText converts a numeric through its exact decimal text,
// exactly rounded.
func numericViaText(b []byte) float64 {
	text, _, err := pgNumericText(b)
	if err != nil {
		return math.NaN()
	}
	f, _ := strconv.ParseFloat(text, 64)
	return math.Abs(f)
}

// arena holds the bytes of a scan's strings: values point into it, and its
// buffers are never reused, so a value stays valid as long as it is held.
type arena struct{ buf []byte }

func (a *arena) str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	c := a.bytes(b)
	return unsafe.String(&c[0], len(c))
}

// bytes is a copy of b in the arena (its capacity its length).
func (a *arena) bytes(b []byte) []byte {
	if cap(a.buf)-len(a.buf) < len(b) {
		a.buf = make([]byte, 0, max(256<<10, len(b)))
	}
	start := len(a.buf)
	a.buf = append(a.buf, b...)
	return a.buf[start:len(a.buf):len(a.buf)]
}

// copySignature opens a binary COPY stream.
var copySignature = []byte("PGCOPY\n\xff\r\n\x00")

// copyError is a malformed COPY stream.
type copyError struct{ msg string }

func (e *copyError) Error() string { return "binary COPY stream: " + e.msg }

// sqlBatchRows is the number of rows handed to a worker at a time.
const sqlBatchRows = 4096

// copyParser is the io.Writer COPY's data goes to: it parses tuples as they
// arrive (whatever the message boundaries) into batches of rows.
type copyParser struct {
	decs       []pgDecoder
	sizes      []int // per field: its fixed size in bytes, 0 when it varies
	emit       func([][]Value) error
	arena      arena
	headerDone bool
	done       bool
	pending    []byte
	rows       [][]Value // the batch being filled; its capacity holds every row's slot
	// batches are the workers' finished batches, to fill again (nil: a
	// new batch each time). A batch is one array of values whose rows keep
	// their slots from batch to batch: nothing is allocated, or left for
	// the GC to scan, per batch.
	batches *sync.Pool
}

func (p *copyParser) newBatch() {
	if p.batches != nil {
		if b, ok := p.batches.Get().(*[][]Value); ok {
			p.rows = (*b)[:0]
			return
		}
	}
	n := len(p.decs)
	flat := make([]Value, sqlBatchRows*n)
	rows := make([][]Value, sqlBatchRows)
	for k := range rows {
		rows[k] = flat[k*n : (k+1)*n : (k+1)*n]
	}
	p.rows = rows[:0]
}

func (p *copyParser) flush() error {
	if len(p.rows) == 0 {
		return nil
	}
	err := p.emit(p.rows)
	p.newBatch()
	return err
}

func (p *copyParser) Write(data []byte) (int, error) {
	buf := data
	if len(p.pending) > 0 {
		p.pending = append(p.pending, data...)
		buf = p.pending
	}
	used, err := p.parse(buf)
	if err != nil {
		return 0, err
	}
	p.pending = append(p.pending[:0], buf[used:]...)
	return len(data), nil
}

// parse consumes the complete tuples at the front of buf and returns how
// many bytes they took.
func (p *copyParser) parse(buf []byte) (int, error) {
	off := 0
	if !p.headerDone {
		if len(buf) < len(copySignature)+8 {
			return 0, nil
		}
		if !bytes.Equal(buf[:len(copySignature)], copySignature) {
			return 0, &copyError{"bad signature"}
		}
		ext := int(binary.BigEndian.Uint32(buf[len(copySignature)+4:]))
		if len(buf) < len(copySignature)+8+ext {
			return 0, nil
		}
		off = len(copySignature) + 8 + ext
		p.headerDone = true
	}
	n := len(p.decs)
	for off+2 <= len(buf) && !p.done {
		fields := int(int16(binary.BigEndian.Uint16(buf[off:])))
		if fields == -1 {
			p.done = true
			return off + 2, nil
		}
		if fields != n {
			return 0, &copyError{fmt.Sprintf("a tuple of %d fields, want %d", fields, n)}
		}
		row := p.rows[:len(p.rows)+1][len(p.rows)]
		pos := off + 2
		complete := true
		for i := range n {
			if pos+4 > len(buf) {
				complete = false
				break
			}
			l := int(int32(binary.BigEndian.Uint32(buf[pos:])))
			pos += 4
			if l < 0 {
				row[i] = Value{}
				continue
			}
			if pos+l > len(buf) {
				complete = false
				break
			}
			if i < len(p.sizes) && p.sizes[i] > 0 && l != p.sizes[i] {
				return 0, &copyError{fmt.Sprintf("field %d of a tuple has %d bytes, its type has %d", i+1, l, p.sizes[i])}
			}
			row[i] = p.decs[i](buf[pos:pos+l], &p.arena)
			pos += l
		}
		if !complete {
			break
		}
		off = pos
		p.rows = p.rows[:len(p.rows)+1]
		if len(p.rows) == sqlBatchRows {
			if err := p.flush(); err != nil {
				return 0, err
			}
		}
	}
	return off, nil
}
