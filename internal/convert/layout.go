package convert

import (
	"slices"

	"github.com/lakectl/lakectl/internal/dataset"
	"github.com/lakectl/lakectl/internal/format"
)

// A run decides two things about each column from its first rows (the
// first task: a chunk of about 4 MiB, or the first JSON documents), before
// any file is written, so that every file of the run has one schema:
//
//   - a column of mostly distinct values (ids) is written plain: a
//     dictionary would cost more than it saves, in bytes and in time;
//   - a timestamp column whose values carry no zone is written as local
//     date-times (isAdjustedToUTC=false); one where any value has a zone
//     (Z, +01:00) holds instants, and its values without a zone are UTC.
const sampleRows = 20_000

// localTime marks, in Type.Hive, a timestamp column of local date-times.
// The Hive type stays "timestamp" (Type.String ignores the mark).
const localTime = "local"

// layout is what the sample decided, by file column.
type layout struct {
	plain []bool // no dictionary
	local []bool // local date-times
}

// sampler gathers what the layout rule needs from a sample of values.
type sampler struct {
	fields   []format.Field
	distinct []map[string]struct{} // nil: no dictionary anyway
	nonNull  []int
	zoned    []bool
	timed    []bool // a value with a time of day, not a date alone
	rows     int
}

func newSampler(fields []format.Field) *sampler {
	n := len(fields)
	s := &sampler{fields: fields, distinct: make([]map[string]struct{}, n), nonNull: make([]int, n), zoned: make([]bool, n), timed: make([]bool, n)}
	for i, f := range fields {
		if dictionaryEncoded(f.Type) {
			s.distinct[i] = map[string]struct{}{}
		}
	}
	return s
}

// full: the sample has all the rows it takes.
func (s *sampler) full() bool { return s.rows >= sampleRows }

// row adds a row: text(i) is the text of column i's value ("" for a null).
// Nested columns are not sampled.
func (s *sampler) row(text func(i int) string) {
	s.rows++
	for i, f := range s.fields {
		if k := f.Type.Kind; k == format.Array || k == format.Map || k == format.Struct {
			continue
		}
		v := text(i)
		if v == "" {
			continue
		}
		s.nonNull[i]++
		if s.distinct[i] != nil {
			s.distinct[i][v] = struct{}{}
		}
		if ts, ok := format.ParseTimestamp(v); f.Type.Kind == format.Timestamp && ok {
			s.timed[i] = true
			s.zoned[i] = s.zoned[i] || ts.Zoned
		}
	}
}

// typedRow adds a row of typed values (value(i) is column i's), as their
// text.
func (s *sampler) typedRow(value func(i int) any) {
	s.row(func(i int) string {
		if v := value(i); v != nil {
			return typedText(v)
		}
		return ""
	})
}

func (s *sampler) layout() layout {
	n := len(s.fields)
	l := layout{plain: make([]bool, n), local: make([]bool, n)}
	for i := range n {
		// Mostly distinct: each value would cost its dictionary entry and
		// an index. A handful of values decides nothing.
		l.plain[i] = s.nonNull[i] >= 64 && 2*len(s.distinct[i]) > s.nonNull[i]
		// Local only when the sample shows date-times, none with a zone: a
		// column of dates alone says nothing of zones, and stays instants.
		l.local[i] = s.fields[i].Type.Kind == format.Timestamp && s.timed[i] && !s.zoned[i]
	}
	return l
}

// sampleLayout decides the layout from the text of the first task's
// values (nil: no data, every column keeps a dictionary and holds
// instants, but those marked local).
func (c *conversion) sampleLayout(t *dataset.Task) layout {
	s := newSampler(c.fileFields())
	if t == nil {
		return s.layout()
	}
	ncols := len(c.t.StorageDescriptor.Columns)
	// Values as the conversion reads them: decoded by the one JSON reader,
	// cut into fields by the one tokenizer.
	in := make([]any, ncols)
	values := func(get func(input int) any) {
		s.typedRow(func(i int) any {
			v := get(c.fileCols[i].input)
			if v == nil || c.fileCols[i].kind == "" {
				return v
			}
			return c.textOut(c.fileCols[i], typedText(v))
		})
	}
	jsonDoc := func(raw []byte, f *dataset.File) {
		if _, err := c.json.Decode(raw, in); err != nil {
			return // a bad record: quarantined later
		}
		values(func(i int) any {
			if i < ncols {
				return in[i]
			}
			if v := f.Values[i-ncols]; v != "" {
				return v
			}
			return nil
		})
	}
	switch {
	case t.Rows != nil:
		for _, r := range t.Rows {
			if !s.full() && len(r) == ncols+len(c.t.PartitionKeys) {
				values(func(i int) any { return r[i] })
			}
		}
	case t.Docs != nil:
		for _, d := range t.Docs {
			if d.Raw != nil && !s.full() {
				jsonDoc(d.Raw, d.File)
			}
		}
	case c.format.Classification == format.CSV:
		f := t.Chunk.File
		dataset.CSVRecords(t.Chunk, c.format.Dialect(), func(rec format.CSVRecord) bool {
			if rec.Bad != "" || f.Misfit(rec.Fields, ncols) != "" {
				return true // a bad record: quarantined later
			}
			s.row(func(i int) string { return c.textOut(c.fileCols[i], f.Cell(rec.Fields, ncols, c.fileCols[i].input)) })
			return !s.full()
		})
	default:
		dataset.JSONLines(t.Chunk, func(_ int64, text []byte) bool {
			jsonDoc(text, t.Chunk.File)
			return !s.full()
		})
	}
	return s.layout()
}

// fields are the columns as the layout writes them.
func (l layout) fields(cols []format.Field) []format.Field {
	out := slices.Clone(cols)
	for i := range out {
		if l.local[i] {
			out[i].Type = markLocalTime(out[i].Type)
		}
	}
	return out
}

// fileFields are the columns the conversion's files hold.
func (c *conversion) fileFields() []format.Field {
	fields := make([]format.Field, len(c.fileCols))
	for i, col := range c.fileCols {
		fields[i] = col.field
	}
	return fields
}
