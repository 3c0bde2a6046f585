package convert

import (
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

// sampleLayout decides the layout from the text of the first task's
// values (nil: no data, every column keeps a dictionary and holds
// instants).
func (c *conversion) sampleLayout(t *dataset.Task) layout {
	n := len(c.fileCols)
	l := layout{plain: make([]bool, n), local: make([]bool, n)}
	if t == nil {
		return l
	}
	distinct := make([]map[string]struct{}, n) // nil: no dictionary anyway
	nonNull := make([]int, n)
	zoned := make([]bool, n)
	timed := make([]bool, n) // a value with a time of day, not a date alone
	for i, col := range c.fileCols {
		if dictionaryEncoded(col.field.Type) {
			distinct[i] = map[string]struct{}{}
		}
	}
	rows := 0
	add := func(i int, v string) {
		if v == "" {
			return
		}
		nonNull[i]++
		if distinct[i] != nil {
			distinct[i][v] = struct{}{}
		}
		if ts, ok := format.ParseTimestamp(v); c.fileCols[i].field.Type.Kind == format.Timestamp && ok {
			timed[i] = true
			zoned[i] = zoned[i] || ts.Zoned
		}
	}
	ncols := len(c.t.StorageDescriptor.Columns)
	// Values as the conversion reads them: decoded by the one JSON reader,
	// cut into fields by the one tokenizer.
	in := make([]any, ncols)
	values := func(get func(input int) any) {
		rows++
		for i, col := range c.fileCols {
			if k := col.field.Type.Kind; k == format.Array || k == format.Map || k == format.Struct {
				continue
			}
			if v := get(col.input); v != nil {
				add(i, c.textOut(col, typedText(v)))
			}
		}
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
			if rows < sampleRows && len(r) == ncols+len(c.t.PartitionKeys) {
				values(func(i int) any { return r[i] })
			}
		}
	case t.Docs != nil:
		for _, d := range t.Docs {
			if d.Raw != nil && rows < sampleRows {
				jsonDoc(d.Raw, d.File)
			}
		}
	case c.format.Classification == format.CSV:
		f := t.Chunk.File
		dataset.CSVRecords(t.Chunk, c.format.Dialect(), func(rec format.CSVRecord) bool {
			if rec.Bad != "" || f.Misfit(rec.Fields, ncols) != "" {
				return true // a bad record: quarantined later
			}
			rows++
			for i, col := range c.fileCols {
				add(i, c.textOut(col, f.Cell(rec.Fields, ncols, col.input)))
			}
			return rows < sampleRows
		})
	default:
		dataset.JSONLines(t.Chunk, func(_ int64, text []byte) bool {
			jsonDoc(text, t.Chunk.File)
			return rows < sampleRows
		})
	}
	for i := range n {
		// Mostly distinct: each value would cost its dictionary entry and
		// an index. A handful of values decides nothing.
		l.plain[i] = nonNull[i] >= 64 && 2*len(distinct[i]) > nonNull[i]
		// Local only when the sample shows date-times, none with a zone: a
		// column of dates alone says nothing of zones, and stays instants.
		l.local[i] = c.fileCols[i].field.Type.Kind == format.Timestamp && timed[i] && !zoned[i]
	}
	return l
}

// fields are the file columns as the layout writes them.
func (l layout) fields(cols []columnPlan) []format.Field {
	out := make([]format.Field, len(cols))
	for i, c := range cols {
		out[i] = c.field
		if l.local[i] {
			typ := *c.field.Type
			typ.Hive = localTime
			out[i].Type = &typ
		}
	}
	return out
}
