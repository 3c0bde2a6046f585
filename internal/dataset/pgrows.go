package dataset

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
)

// More PostgreSQL type OIDs, read typed by ReadRows.
const (
	oidBytea = 17
	oidJSONB = 3802
	oidUUID  = 2950
)

// pgArrayElem maps the array types ReadRows decodes to their element type.
var pgArrayElem = map[uint32]uint32{
	1000: oidBool, 1005: oidInt2, 1007: oidInt4, 1016: oidInt8, 1021: oidFloat4, 1022: oidFloat8,
	1231: oidNumeric, 1009: oidText, 1015: oidVarchar, 1014: oidBPChar, 1003: oidName, 1002: oidChar,
	1182: oidDate, 1115: oidTimestamp, 1185: oidTimestampTZ, 2951: oidUUID, 199: oidJSON, 3807: oidJSONB,
	1001: oidBytea,
}

// pgType is how ReadRows reads a PostgreSQL column: its catalog type, and
// the decoder of its binary form (nil: the column is read as text, a
// string).
type pgType struct {
	hive  string
	local bool
	// numberText: numeric without a precision, or wider than 38 digits,
	// read as its exact text.
	numberText bool
	size       int // the binary form's fixed size, 0 when it varies
	decode     func(b []byte, a *arena) (any, error)
}

// pgTypeOf types a column of this type OID and type modifier.
func pgTypeOf(oid uint32, typmod int32) pgType {
	be16 := func(b []byte) int64 { return int64(int16(binary.BigEndian.Uint16(b))) }
	be32 := func(b []byte) int64 { return int64(int32(binary.BigEndian.Uint32(b))) }
	be64 := func(b []byte) int64 { return int64(binary.BigEndian.Uint64(b)) }
	t := pgType{size: pgFixedSize(oid)}
	switch oid {
	case oidBool:
		t.hive, t.decode = "boolean", func(b []byte, _ *arena) (any, error) { return b[0] != 0, nil }
	case oidInt2:
		t.hive, t.decode = "smallint", func(b []byte, _ *arena) (any, error) { return be16(b), nil }
	case oidInt4:
		t.hive, t.decode = "int", func(b []byte, _ *arena) (any, error) { return be32(b), nil }
	case oidInt8:
		t.hive, t.decode = "bigint", func(b []byte, _ *arena) (any, error) { return be64(b), nil }
	case oidFloat4:
		t.hive, t.decode = "float", func(b []byte, _ *arena) (any, error) {
			return float64(math.Float32frombits(binary.BigEndian.Uint32(b))), nil
		}
	case oidFloat8:
		t.hive, t.decode = "double", func(b []byte, _ *arena) (any, error) { return math.Float64frombits(binary.BigEndian.Uint64(b)), nil }
	case oidNumeric:
		// numeric(p,s): the modifier holds p and s (s may be negative, or
		// above p, since PostgreSQL 15); unbounded numeric has none.
		p, s := int((typmod-4)>>16)&0xffff, int((typmod-4)&0x7ff^1024)-1024
		exact := typmod >= 4 && p >= 1 && p <= 38 && s >= 0 && s <= p
		t.hive, t.numberText = "string", !exact
		if exact {
			t.hive = fmt.Sprintf("decimal(%d,%d)", p, s)
		}
		t.decode = func(b []byte, a *arena) (any, error) {
			var tmp [40]byte
			buf, finite, err := appendPgNumeric(tmp[:0], b)
			if err != nil {
				return nil, err
			}
			text := a.str(buf)
			if exact && finite {
				return json.Number(text), nil
			}
			return text, nil // NaN and infinities are no decimal: a decimal column's writer says so
		}
	case oidDate:
		t.hive, t.decode = "date", func(b []byte, _ *arena) (any, error) {
			d := be32(b)
			if d == math.MaxInt32 || d == math.MinInt32 {
				return nil, errInfinity(d > 0, "date")
			}
			return time.UnixMicro(pgEpochMicros + d*86400e6).UTC(), nil
		}
	case oidTimestamp, oidTimestampTZ:
		t.hive, t.local = "timestamp", oid == oidTimestamp
		t.decode = func(b []byte, _ *arena) (any, error) {
			us := be64(b)
			if us == math.MaxInt64 || us == math.MinInt64 {
				return nil, errInfinity(us > 0, "timestamp")
			}
			return time.UnixMicro(pgEpochMicros + us).UTC(), nil
		}
	case oidText, oidVarchar, oidBPChar, oidName, oidChar:
		t.hive, t.decode = "string", func(b []byte, a *arena) (any, error) { return a.str(b), nil }
	case oidJSON, oidJSONB:
		t.hive, t.decode = "string", func(b []byte, _ *arena) (any, error) {
			if oid == oidJSONB {
				if len(b) == 0 || b[0] != 1 {
					return nil, fmt.Errorf("a jsonb value of an unknown version")
				}
				b = b[1:]
			}
			return canonicalJSON(b)
		}
	case oidUUID:
		t.hive, t.size, t.decode = "string", 16, func(b []byte, _ *arena) (any, error) { return uuid.UUID(b).String(), nil }
	case oidBytea:
		t.hive, t.decode = "binary", func(b []byte, a *arena) (any, error) { return a.bytes(b), nil }
	default:
		if elemOID, ok := pgArrayElem[oid]; ok {
			elem := pgTypeOf(elemOID, typmod)
			t.hive, t.local = "array<"+elem.hive+">", elem.local
			t.decode = func(b []byte, a *arena) (any, error) { return decodePgArray(b, elemOID, elem, a) }
			break
		}
		t.hive = "string" // read as its text
	}
	return t
}

func errInfinity(positive bool, typ string) error {
	sign := "-"
	if positive {
		sign = ""
	}
	return fmt.Errorf("%sinfinity is no %s a Parquet file can hold: cast or filter it in a query", sign, typ)
}

// decodePgArray reads an array's binary form: its dimensions, element
// type and elements, each with its length (-1 for a null).
func decodePgArray(b []byte, elemOID uint32, elem pgType, a *arena) (any, error) {
	if len(b) < 12 {
		return nil, fmt.Errorf("an array of %d bytes", len(b))
	}
	ndim := int32(binary.BigEndian.Uint32(b))
	if got := binary.BigEndian.Uint32(b[8:]); got != elemOID {
		return nil, fmt.Errorf("an array of type %d, want %d", got, elemOID)
	}
	switch {
	case ndim == 0:
		return []any{}, nil
	case ndim != 1:
		return nil, fmt.Errorf("a %d-dimensional array: array columns land one dimension (unnest it, or cast it to text, in a query)", ndim)
	case len(b) < 20:
		return nil, fmt.Errorf("an array of %d bytes", len(b))
	}
	n := int32(binary.BigEndian.Uint32(b[12:]))
	if n < 0 || int(n) > (len(b)-20)/4 {
		return nil, fmt.Errorf("an array of %d elements in %d bytes", n, len(b))
	}
	out := make([]any, n)
	off := 20
	for i := range out {
		if off+4 > len(b) {
			return nil, fmt.Errorf("an array cut short")
		}
		l := int(int32(binary.BigEndian.Uint32(b[off:])))
		off += 4
		if l < 0 {
			continue
		}
		if l > len(b)-off || elem.size > 0 && l != elem.size {
			return nil, fmt.Errorf("an array element of %d bytes", l)
		}
		v, err := elem.decode(b[off:off+l], a)
		if err != nil {
			return nil, err
		}
		out[i] = v
		off += l
	}
	if off != len(b) {
		return nil, fmt.Errorf("%d bytes after an array's elements", len(b)-off)
	}
	return out, nil
}

// pgNumericText is a numeric's binary form as its exact decimal text, with
// its display scale ("NaN", "Infinity" and "-Infinity", not finite): a
// count of base-10000 digits, the weight of the first, a sign, the display
// scale, then the digits.
func pgNumericText(b []byte) (text string, finite bool, err error) {
	buf, finite, err := appendPgNumeric(nil, b)
	return string(buf), finite, err
}

// appendPgNumeric appends a numeric's text (pgNumericText) to dst.
func appendPgNumeric(dst, b []byte) ([]byte, bool, error) {
	if len(b) < 8 {
		return dst, false, fmt.Errorf("a numeric of %d bytes", len(b))
	}
	ndigits := int(binary.BigEndian.Uint16(b))
	weight := int(int16(binary.BigEndian.Uint16(b[2:])))
	sign := binary.BigEndian.Uint16(b[4:])
	dscale := int(binary.BigEndian.Uint16(b[6:]))
	switch sign {
	case 0xC000:
		return append(dst, "NaN"...), false, nil
	case 0xD000:
		return append(dst, "Infinity"...), false, nil
	case 0xF000:
		return append(dst, "-Infinity"...), false, nil
	case 0x0000, 0x4000:
	default:
		return dst, false, fmt.Errorf("a numeric of sign %#x", sign)
	}
	if len(b) != 8+2*ndigits || dscale > 0x3FFF {
		return dst, false, fmt.Errorf("a numeric of %d digits and scale %d in %d bytes", ndigits, dscale, len(b))
	}
	digit := func(i int) int {
		if i < 0 || i >= ndigits {
			return 0
		}
		return int(binary.BigEndian.Uint16(b[8+2*i:]))
	}
	for i := range ndigits {
		if digit(i) > 9999 {
			return dst, false, fmt.Errorf("a numeric digit %d", digit(i))
		}
	}
	four := func(buf []byte, d int) []byte {
		return append(buf, byte('0'+d/1000), byte('0'+d/100%10), byte('0'+d/10%10), byte('0'+d%10))
	}
	buf := dst
	if sign == 0x4000 {
		buf = append(buf, '-')
	}
	if weight < 0 {
		buf = append(buf, '0')
	} else {
		buf = strconv.AppendInt(buf, int64(digit(0)), 10)
		for i := 1; i <= weight; i++ {
			buf = four(buf, digit(i))
		}
	}
	if dscale > 0 {
		buf = append(buf, '.')
		start := len(buf)
		for i := weight + 1; len(buf)-start < dscale; i++ {
			buf = four(buf, digit(i))
		}
		buf = buf[:start+dscale]
	}
	return buf, true, nil
}

// readPostgres reads the query's rows with the extended protocol, typed
// values in their binary forms (COPY takes no bound parameter): one
// prepare for the columns, another for the rows from req.From on.
func (s *SQL) readPostgres(ctx context.Context, req RowsRequest) (*SQLRows, error) {
	conn, err := s.ConnectPostgres(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.startPostgres(ctx, conn, req)
	if err != nil {
		conn.Close(context.Background())
		return nil, err
	}
	return rows, nil
}

func (s *SQL) startPostgres(ctx context.Context, conn *pgconn.PgConn, req RowsRequest) (*SQLRows, error) {
	desc, err := conn.Prepare(ctx, "", s.Query, nil)
	if err != nil {
		return nil, s.redact(err)
	}
	types := make([]pgType, len(desc.Fields))
	cols := make([]sqlColumn, len(desc.Fields))
	formats := make([]int16, len(desc.Fields))
	for i, f := range desc.Fields {
		types[i] = pgTypeOf(f.DataTypeOID, f.TypeModifier)
		cols[i] = sqlColumn{source: f.Name, hive: types[i].hive, local: types[i].local, numberText: types[i].numberText}
		if types[i].decode != nil {
			formats[i] = 1 // binary
		}
	}
	names := catalogColumns(cols)
	var params [][]byte
	if req.Column != "" {
		i, err := s.incremental(cols, names, req.Column)
		if err != nil {
			return nil, err
		}
		if req.From != nil {
			text, err := fromText(cols[i], req.From)
			if err != nil {
				return nil, err
			}
			params = [][]byte{[]byte(text)}
			if _, err := conn.Prepare(ctx, "", wrapQuery(s.Query, cols[i].source, "$1", '"'), nil); err != nil {
				return nil, s.redact(err)
			}
		}
	}
	closeConn := func() error { return conn.Close(context.Background()) }
	return startRows(ctx, names, closeConn, func(ctx context.Context, emit func([][]any) error) error {
		var a arena
		n := len(types)
		newBatch := func() [][]any {
			flat := make([]any, rowsBatch*n)
			b := make([][]any, rowsBatch)
			for k := range b {
				b[k] = flat[k*n : (k+1)*n : (k+1)*n]
			}
			return b[:0]
		}
		batch := newBatch()
		var read int64
		rr := conn.ExecPrepared(ctx, "", params, nil, formats)
		for rr.NextRow() {
			row := batch[:len(batch)+1][len(batch)]
			for i, v := range rr.Values() {
				t := types[i]
				switch {
				case v == nil:
					row[i] = nil
					continue
				case t.decode == nil:
					row[i] = a.str(v)
					continue
				case t.size > 0 && len(v) != t.size:
					return fmt.Errorf("%s: row %d, column %s: a value of %d bytes, its type has %d", s.Display, read+1, names[i].Name, len(v), t.size)
				}
				var err error
				if row[i], err = t.decode(v, &a); err != nil {
					return fmt.Errorf("%s: row %d, column %s: %w", s.Display, read+1, names[i].Name, err)
				}
			}
			read++
			if batch = batch[:len(batch)+1]; len(batch) == rowsBatch {
				if err := emit(batch); err != nil {
					return err
				}
				batch = newBatch()
			}
		}
		_, err := rr.Close()
		return s.endRows(ctx, err, batch, emit)
	}), nil
}
