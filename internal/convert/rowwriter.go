package convert

import (
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/dataset"
	"github.com/lakectl/lakectl/internal/format"
)

// FileOptions say how a Parquet file is written.
type FileOptions struct {
	// Compression is snappy (the default), zstd, gzip or none.
	Compression string
	// RowGroupSize is the most rows a row group holds (DefaultRowGroupSize
	// when zero); a row group ends sooner once its data passes 64 MiB.
	RowGroupSize int
	// Version and Build name the lakectl writing, for the footer's
	// created_by.
	Version, Build string
}

func (o *FileOptions) check() error {
	if o.Compression == "" {
		o.Compression = "snappy"
	}
	if _, ok := Codecs[o.Compression]; !ok {
		return catalog.Invalidf("compression %q: want %s", o.Compression, catalog.OneOf(CodecNames...))
	}
	if o.RowGroupSize < 0 {
		return catalog.Invalidf("row group size cannot be negative")
	}
	if o.RowGroupSize == 0 {
		o.RowGroupSize = DefaultRowGroupSize
	}
	return nil
}

// file is how the conversion's files are written.
func (o *Options) file() FileOptions {
	return FileOptions{Compression: o.Compression, RowGroupSize: o.RowGroupSize, Version: o.Version, Build: o.Build}
}

// maxRowGroupBytes ends a row group early when its buffered data passes
// this size, so that memory stays bounded whatever the rows' width.
const maxRowGroupBytes = 64 << 20

// RowWriter writes one Parquet file. It is lakectl's one Parquet writer:
// convert and compact write each of their files through one, so a file of
// typed rows has their encodings, statistics, created_by and timestamp
// rules.
//
// A timestamp column holds instants, unless its catalog column has the
// parameter catalog.ParamLocalTime (or, for rows written as convert takes
// them, its first values are date-times without a zone): then it holds
// local date-times, written with isAdjustedToUTC=false.
type RowWriter struct {
	out *format.CountingWriter
	w   *parquet.Writer // nil until the layout is decided (NewRowWriter)

	schema *Schema
	fields []format.Field // the columns, before the layout is decided
	opts   FileOptions
	rows   int64
	rgRows int64 // rows in the current row group
	// rowGroups counts the row groups the writer ended (the parquet
	// writer may end more itself, past RowGroupSize rows).
	rowGroups int
	// buffered is the bytes of the current row group not yet written out.
	buffered int64

	// Write's state: the shredder and its buffers.
	sh    *shredder
	cols  [][]parquet.Value
	prows []parquet.Row
}

// NewRowWriter starts a Parquet file of rows with these columns on w. Each
// column's type is a catalog type (catalog.ParseType); a column whose
// dictionary would not pay (mostly distinct values) is written plain,
// decided from the rows of the first Write, as convert decides it. Close
// writes the footer; w itself is left open.
func NewRowWriter(w io.Writer, columns []catalog.Column, opts FileOptions) (*RowWriter, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	rw := &RowWriter{out: &format.CountingWriter{W: w}, opts: opts}
	for _, c := range columns {
		f, err := fieldOf(c)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", c.Name, err)
		}
		rw.fields = append(rw.fields, f)
	}
	return rw, nil
}

// newRowWriter starts a file of schema s on w.
func newRowWriter(w io.Writer, s *Schema, opts FileOptions) *RowWriter {
	rw := &RowWriter{out: &format.CountingWriter{W: w}, opts: opts}
	rw.start(s)
	return rw
}

func (rw *RowWriter) start(s *Schema) {
	rw.schema = s
	rw.w = parquet.NewWriter(rw.out, s.parquet,
		parquet.Compression(Codecs[rw.opts.Compression]),
		parquet.MaxRowsPerRowGroup(int64(rw.opts.RowGroupSize)),
		newCreatedBy(rw.opts.Version, rw.opts.Build))
}

// fieldOf is a catalog column as a field to write: its value type, with
// its timestamps marked local when the column says so.
func fieldOf(c catalog.Column) (format.Field, error) {
	typ, err := format.ParseHive(dataset.ValueType(c))
	if err != nil {
		return format.Field{}, err
	}
	if c.Parameters[catalog.ParamLocalTime] == "true" {
		typ = markLocalTime(typ)
	}
	return format.Field{Name: c.Name, Type: typ}, nil
}

// markLocalTime is t with its timestamps (at the top, or inside arrays)
// marked as local date-times.
func markLocalTime(t *format.Type) *format.Type {
	switch t.Kind {
	case format.Timestamp:
		c := *t
		c.Hive = localTime
		return &c
	case format.Array:
		c := *t
		c.Elem = markLocalTime(t.Elem)
		return &c
	}
	return t
}

// RowError is a value Write could not write: the row (counted from 1 over
// the file), its column, and why.
type RowError struct {
	Row    int64
	Column string
	Err    error
}

func (e *RowError) Error() string {
	return fmt.Sprintf("row %d, column %s: %v", e.Row, e.Column, e.Err)
}

func (e *RowError) Unwrap() error { return e.Err }

// Write writes rows, each one value per column as AppendRows takes them
// (nil, string, bool, int64, float64, json.Number, time.Time, []byte for
// a binary column, []any for an array), all of them or, when a value
// does not fit its column (a *RowError), none.
func (rw *RowWriter) Write(rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	if rw.w == nil {
		s := newSampler(rw.fields)
		for _, r := range rows {
			if s.full() {
				break
			}
			if len(r) == len(rw.fields) {
				s.typedRow(func(i int) any { return r[i] })
			}
		}
		l := s.layout()
		rw.start(newSchema(l.fields(rw.fields), l.plain))
	}
	if rw.sh == nil {
		rw.sh = newShredder(rw.schema)
		rw.cols = make([][]parquet.Value, len(rw.schema.Fields))
	}
	// Every row is converted before any is written: flat rows column by
	// column, nested ones as Parquet rows.
	fields := rw.schema.Fields
	bad := func(i, col int, err error) error {
		name := "*"
		if col >= 0 {
			name = fields[col].Name
		}
		return &RowError{Row: rw.rows + int64(i) + 1, Column: name, Err: err}
	}
	for i, r := range rows {
		if len(r) != len(fields) {
			return bad(i, -1, fmt.Errorf("%d values, the file has %d columns", len(r), len(fields)))
		}
	}
	if rw.schema.flat {
		if r, col, err := rw.sh.typedColumns(rw.cols, rows); err != nil {
			return bad(r, col, err)
		}
		return rw.writeValues(rw.cols, len(rows))
	}
	for len(rw.prows) < len(rows) {
		rw.prows = append(rw.prows, nil)
	}
	for i, r := range rows {
		row, col, err := rw.sh.jsonRow(rw.prows[i], r)
		if err != nil {
			return bad(i, col, err)
		}
		rw.prows[i] = row
	}
	return rw.writeRows(rw.prows[:len(rows)])
}

// writeValues writes n rows given column by column (flat schemas: a value
// a row in each column): each column's values go straight to its column
// writer, a row group's rows at a time.
func (rw *RowWriter) writeValues(cols [][]parquet.Value, n int) error {
	for done := 0; done < n; {
		k := min(n-done, rw.room())
		for i, cw := range rw.w.ColumnWriters() {
			if _, err := cw.WriteRowValues(cols[i][done : done+k]); err != nil {
				return err
			}
		}
		if err := rw.wrote(k); err != nil {
			return err
		}
		done += k
	}
	return nil
}

// writeRows writes rows, a row group's rows at a time.
func (rw *RowWriter) writeRows(rows []parquet.Row) error {
	for len(rows) > 0 {
		k := min(len(rows), rw.room())
		if _, err := rw.w.WriteRows(rows[:k]); err != nil {
			return err
		}
		if err := rw.wrote(k); err != nil {
			return err
		}
		rows = rows[k:]
	}
	return nil
}

// room is the number of rows the current row group has room for.
func (rw *RowWriter) room() int { return max(1, rw.opts.RowGroupSize-int(rw.rgRows)) }

// wrote accounts for n rows written, and ends the row group at its size.
func (rw *RowWriter) wrote(n int) error {
	rw.rows += int64(n)
	rw.rgRows += int64(n)
	rw.account()
	if rw.rgRows >= int64(rw.opts.RowGroupSize) || rw.buffered >= maxRowGroupBytes {
		return rw.flush()
	}
	return nil
}

// account updates the bytes the current row group holds.
func (rw *RowWriter) account() { rw.buffered = rw.w.Size() - rw.out.N }

// flush writes out the current row group.
func (rw *RowWriter) flush() error {
	rw.rgRows = 0
	rw.rowGroups++
	if err := rw.w.Flush(); err != nil {
		return err
	}
	rw.account()
	return nil
}

// close writes the rest and the footer.
func (rw *RowWriter) close() error {
	if rw.w == nil {
		rw.start(NewSchema(rw.fields)) // no rows: the columns' default layout
	}
	if err := rw.w.Close(); err != nil {
		return err
	}
	rw.buffered = 0
	return nil
}

// Close writes the rows still buffered and the footer. It does not close
// the io.Writer.
func (rw *RowWriter) Close() error { return rw.close() }

// Rows is the number of rows written.
func (rw *RowWriter) Rows() int64 { return rw.rows }

// Bytes is the number of bytes written to the io.Writer so far (a row
// group's bytes once it is written out; the whole file after Close).
func (rw *RowWriter) Bytes() int64 { return rw.out.N }

// createdBy is the created_by of lakectl's Parquet footers, in the form
// the Parquet spec gives and readers parse to work around writers' bugs:
// "lakectl version 1.2.0 (build 3f2a9c1)". (parquet.CreatedBy leaves out
// the space before the build.)
type createdBy string

func newCreatedBy(version, build string) createdBy {
	if version == "" {
		version = "unknown" // readers parse "NAME version VERSION"
	}
	s := "lakectl version " + version
	if build != "" {
		s += " (build " + build + ")"
	}
	return createdBy(s)
}

func (c createdBy) ConfigureWriter(cfg *parquet.WriterConfig) { cfg.CreatedBy = string(c) }
