package dataset

import "time"

// The one value model: every reader hands out rows of Values, typed where
// the source is typed (Parquet, databases) and text to infer where it is
// not (CSV cells, JSON scalars).

// Kind is the kind of a Value.
type Kind int

const (
	KindNull       Kind = iota
	KindText            // text whose type is to be inferred (CSV cells, JSON strings)
	KindString          // a typed string column's value
	KindIntegral        // int64 in I
	KindFractional      // float64 in F
	KindBoolean         // in B
	KindTime            // a timestamp: microseconds since the epoch in I (a local timestamp: its wall clock read as UTC)
	KindDate            // a date: its midnight UTC in microseconds since the epoch in I
)

// Value is one value of a column.
type Value struct {
	Kind Kind
	S    string
	I    int64
	F    float64
	B    bool
}

// Text is the value's text: S, or the ISO form of a date or timestamp
// (made only when asked for: a compare never needs it).
func (v Value) Text() string {
	switch v.Kind {
	case KindTime, KindDate:
		return string(v.AppendText(nil))
	}
	return v.S
}

// AppendText appends the value's text to b (a caller with a buffer of its
// own formats dates and timestamps without allocating).
func (v Value) AppendText(b []byte) []byte {
	switch v.Kind {
	case KindTime:
		return time.UnixMicro(v.I).UTC().AppendFormat(b, time.RFC3339Nano)
	case KindDate:
		return time.UnixMicro(v.I).UTC().AppendFormat(b, time.DateOnly)
	}
	return append(b, v.S...)
}

// Sink takes rows, one per worker; the workers' sinks merge.
type Sink interface {
	Add(row []Value)
	Merge(other Sink)
}

// RowsSink is a Sink that takes rows a group at a time, where that pays
// (the key-table probe overlaps the cache misses of a group's lookups).
type RowsSink interface {
	AddRows(rows [][]Value)
}

// AddRows hands rows to a sink, as a group when it takes groups.
func AddRows(w Sink, rows [][]Value) {
	if rs, ok := w.(RowsSink); ok {
		rs.AddRows(rows)
		return
	}
	for _, row := range rows {
		w.Add(row)
	}
}
