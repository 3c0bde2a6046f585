package metrics

import (
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/dataset"
)

// A snapshot table's columns are declared once, each with how a row gets
// its value and how a value read back sets it: writing and reading the
// history cannot disagree.
type field[T any] struct {
	col catalog.Column
	get func(*T) any
	set func(*T, dataset.Value)
}

func str[T any](name, comment string, p func(*T) *string) field[T] {
	return field[T]{catalog.Column{Name: name, Type: "string", Comment: comment},
		func(t *T) any { return *p(t) },
		func(t *T, v dataset.Value) { *p(t) = v.Text() }}
}

func i64[T any](name, comment string, p func(*T) *int64) field[T] {
	return field[T]{catalog.Column{Name: name, Type: "bigint", Comment: comment},
		func(t *T) any { return *p(t) },
		func(t *T, v dataset.Value) { *p(t) = v.I }}
}

// count64 is a bigint that is null when negative (unknown).
func count64[T any](name, comment string, p func(*T) *int64) field[T] {
	return field[T]{catalog.Column{Name: name, Type: "bigint", Comment: comment},
		func(t *T) any {
			if *p(t) < 0 {
				return nil
			}
			return *p(t)
		},
		func(t *T, v dataset.Value) {
			*p(t) = -1
			if v.Kind == dataset.KindIntegral {
				*p(t) = v.I
			}
		}}
}

func int32f[T any](name, comment string, p func(*T) *int) field[T] {
	return field[T]{catalog.Column{Name: name, Type: "int", Comment: comment},
		func(t *T) any { return int64(*p(t)) },
		func(t *T, v dataset.Value) { *p(t) = int(v.I) }}
}

func boolean[T any](name, comment string, p func(*T) *bool) field[T] {
	return field[T]{catalog.Column{Name: name, Type: "boolean", Comment: comment},
		func(t *T) any { return *p(t) },
		func(t *T, v dataset.Value) { *p(t) = v.B }}
}

// stamp is a timestamp that is null when zero (never).
func stamp[T any](name, comment string, p func(*T) *time.Time) field[T] {
	return field[T]{catalog.Column{Name: name, Type: "timestamp", Comment: comment},
		func(t *T) any {
			if p(t).IsZero() {
				return nil
			}
			return p(t).UTC()
		},
		func(t *T, v dataset.Value) {
			*p(t) = time.Time{}
			if v.Kind == dataset.KindTime {
				*p(t) = time.UnixMicro(v.I).UTC()
			}
		}}
}

// TableRow is a table's metrics in a snapshot: the day's Table, with the
// snapshot's time.
type TableRow struct {
	Time time.Time `json:"time"`
	Table
}

// DatabaseRow is a database's metrics in a snapshot.
type DatabaseRow struct {
	Time time.Time `json:"time"`
	Database
}

var tableFields = []field[TableRow]{
	stamp("snapshot_time", "when the snapshot was taken", func(r *TableRow) *time.Time { return &r.Time }),
	str("database", "", func(r *TableRow) *string { return &r.Database }),
	str("table_name", "", func(r *TableRow) *string { return &r.Table.Table }),
	str("owner", "", func(r *TableRow) *string { return &r.Owner }),
	str("description", "", func(r *TableRow) *string { return &r.Description }),
	stamp("create_time", "", func(r *TableRow) *time.Time { return &r.CreateTime }),
	stamp("update_time", "", func(r *TableRow) *time.Time { return &r.UpdateTime }),
	stamp("last_access_time", "the last read by lakectl or another tool (null: never recorded)", func(r *TableRow) *time.Time { return &r.LastAccessTime }),
	str("table_type", "", func(r *TableRow) *string { return &r.TableType }),
	int32f("retention", "", func(r *TableRow) *int { return &r.Retention }),
	str("created_by", "", func(r *TableRow) *string { return &r.CreatedBy }),
	boolean("lake_formation", "registered with Lake Formation", func(r *TableRow) *bool { return &r.LakeFormation }),
	str("location", "", func(r *TableRow) *string { return &r.Location }),
	str("classification", "", func(r *TableRow) *string { return &r.Classification }),
	str("compression", "", func(r *TableRow) *string { return &r.Compression }),
	int32f("column_count", "", func(r *TableRow) *int { return &r.Columns }),
	int32f("partition_key_count", "", func(r *TableRow) *int { return &r.PartitionKeys }),
	i64("partition_count", "", func(r *TableRow) *int64 { return &r.Partitions }),
	count64("record_count", "the catalog's recordCount (null: unknown)", func(r *TableRow) *int64 { return &r.RecordCount }),
	boolean("record_count_estimated", "recordCount was estimated from a sample", func(r *TableRow) *bool { return &r.RecordCountEstimated }),
	i64("versions", "the table's version number", func(r *TableRow) *int64 { return &r.Versions }),
	i64("size_bytes", "bytes of the data files under the table's locations", func(r *TableRow) *int64 { return &r.Bytes }),
	i64("file_count", "data files under the table's locations", func(r *TableRow) *int64 { return &r.Files }),
	stamp("newest_object", "", func(r *TableRow) *time.Time { return &r.NewestObject }),
	stamp("oldest_object", "", func(r *TableRow) *time.Time { return &r.OldestObject }),
	i64("small_files", "data files below the small-file size", func(r *TableRow) *int64 { return &r.SmallFiles }),
	i64("small_file_bytes", "", func(r *TableRow) *int64 { return &r.SmallFileBytes }),
	{catalog.Column{Name: "small_file_share", Type: "double", Comment: "small_files / file_count"},
		func(r *TableRow) any { return r.SmallFileShare() }, func(*TableRow, dataset.Value) {}},
	i64("other_bytes", "objects that are not data (hidden names: markers, journals)", func(r *TableRow) *int64 { return &r.OtherBytes }),
	i64("other_files", "", func(r *TableRow) *int64 { return &r.OtherFiles }),
	str("last_crawl_run", "", func(r *TableRow) *string { return &r.LastCrawlRun }),
	str("crawler", "", func(r *TableRow) *string { return &r.Crawler }),
	str("deprecated", "the crawl run that found the table's files gone", func(r *TableRow) *string { return &r.Deprecated }),
	str("listing_error", "why the storage could not be listed (sizes are then 0)", func(r *TableRow) *string { return &r.Error }),
}

var databaseFields = []field[DatabaseRow]{
	stamp("snapshot_time", "when the snapshot was taken", func(r *DatabaseRow) *time.Time { return &r.Time }),
	str("database", "", func(r *DatabaseRow) *string { return &r.Database.Database }),
	stamp("create_time", "", func(r *DatabaseRow) *time.Time { return &r.CreateTime }),
	str("description", "", func(r *DatabaseRow) *string { return &r.Description }),
	str("location", "", func(r *DatabaseRow) *string { return &r.Location }),
	i64("table_count", "", func(r *DatabaseRow) *int64 { return &r.Tables }),
	i64("size_bytes", "", func(r *DatabaseRow) *int64 { return &r.Bytes }),
	i64("file_count", "", func(r *DatabaseRow) *int64 { return &r.Files }),
	i64("small_files", "", func(r *DatabaseRow) *int64 { return &r.SmallFiles }),
	i64("record_count", "the sum of the tables' known record counts", func(r *DatabaseRow) *int64 { return &r.Records }),
}

// DayKeys are the partition keys of every snapshot table: the day of the
// snapshot (DayValues), as Athena's partition projection and a crawler
// spell it.
var DayKeys = []string{"year", "month", "day"}

// dayColumns are DayKeys as columns.
var dayColumns = func() []catalog.Column {
	var cols []catalog.Column
	for _, k := range DayKeys {
		cols = append(cols, catalog.Column{Name: k, Type: "string"})
	}
	return cols
}()

// DayValues are the values of the day partition keys for the day of t
// (UTC).
func DayValues(t time.Time) []any {
	t = t.UTC()
	return []any{t.Format("2006"), t.Format("01"), t.Format("02")}
}

func columns[T any](fields []field[T]) []catalog.Column {
	out := make([]catalog.Column, 0, len(fields)+len(dayColumns))
	for _, f := range fields {
		out = append(out, f.col)
	}
	return append(out, dayColumns...)
}

func rows[T any](fields []field[T], items []T, day time.Time) [][]any {
	out := make([][]any, 0, len(items))
	for i := range items {
		row := make([]any, 0, len(fields)+len(dayColumns))
		for _, f := range fields {
			row = append(row, f.get(&items[i]))
		}
		out = append(out, append(row, DayValues(day)...))
	}
	return out
}

// fieldNames name the fields' columns.
func fieldNames[T any](fields []field[T]) []string {
	var out []string
	for _, f := range fields {
		out = append(out, f.col.Name)
	}
	return out
}

// fieldColumns are the fields' columns.
func fieldColumns[T any](fields []field[T]) []catalog.Column {
	var out []catalog.Column
	for _, f := range fields {
		out = append(out, f.col)
	}
	return out
}

func columnNames[T any](fields []field[T]) []string {
	return append(fieldNames(fields), DayKeys...)
}

// TableColumnNames and DatabaseColumnNames name the snapshot tables'
// columns.
func TableColumnNames() []string    { return columnNames(tableFields) }
func DatabaseColumnNames() []string { return columnNames(databaseFields) }

// TableColumns are the columns of the tables snapshot, the day partition
// keys (year, month, day) last.
func TableColumns() []catalog.Column { return columns(tableFields) }

// DatabaseColumns are the columns of the databases snapshot.
func DatabaseColumns() []catalog.Column { return columns(databaseFields) }

// TableRows are a snapshot's tables as rows of TableColumns.
func (s *Snapshot) TableRows() [][]any {
	items := make([]TableRow, len(s.Tables))
	for i, t := range s.Tables {
		items[i] = TableRow{Time: s.Time, Table: t}
	}
	return rows(tableFields, append(items, s.keptTables...), s.Time)
}

// DatabaseRows are a snapshot's databases as rows of DatabaseColumns.
func (s *Snapshot) DatabaseRows() [][]any {
	items := make([]DatabaseRow, len(s.Databases))
	for i, d := range s.Databases {
		items[i] = DatabaseRow{Time: s.Time, Database: d}
	}
	return rows(databaseFields, append(items, s.keptDatabases...), s.Time)
}

// Keep adds to the snapshot's rows those of an earlier snapshot of the
// same day (ReadDay) for the databases this one did not take: a snapshot
// of some databases replaces their rows of the day, and only theirs.
func (s *Snapshot) Keep(day *History) {
	taken := map[string]bool{}
	for _, d := range s.Databases {
		taken[d.Database] = true
	}
	for _, t := range day.Tables {
		if !taken[t.Database] {
			s.keptTables = append(s.keptTables, t)
		}
	}
	for _, d := range day.Databases {
		if !taken[d.Database.Database] {
			s.keptDatabases = append(s.keptDatabases, d)
		}
	}
}
