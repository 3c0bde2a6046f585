package search

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
)

// ExportTable is one table of a catalog export: its columns and rows, as
// convert.AppendRows writes them.
type ExportTable struct {
	Name    string
	Columns []catalog.Column
	Rows    [][]any
}

// The export's tables, shaped after information_schema (Athena's names
// where it has them: table_schema, table_name, column_name,
// ordinal_position, data_type, comment).
var (
	DatabaseColumns = []catalog.Column{
		{Name: "schema_name", Type: "string", Comment: "the database"},
		{Name: "description", Type: "string"},
		{Name: "location_uri", Type: "string"},
		{Name: "create_time", Type: "timestamp"},
		{Name: "parameters", Type: "string", Comment: "the database's parameters, a JSON object"},
		{Name: "table_count", Type: "bigint"},
	}
	TableColumns = []catalog.Column{
		{Name: "table_schema", Type: "string", Comment: "the database"},
		{Name: "table_name", Type: "string"},
		{Name: "table_type", Type: "string", Comment: "EXTERNAL_TABLE, VIRTUAL_VIEW, ..."},
		{Name: "description", Type: "string"},
		{Name: "owner", Type: "string"},
		{Name: "classification", Type: "string", Comment: "the data format: csv, json, parquet, ..."},
		{Name: "location", Type: "string"},
		{Name: "column_count", Type: "bigint", Comment: "data columns and partition keys"},
		{Name: "partition_keys", Type: "string", Comment: "the partition keys, in order, comma-separated"},
		{Name: "create_time", Type: "timestamp"},
		{Name: "update_time", Type: "timestamp"},
		{Name: "last_access_time", Type: "timestamp"},
		{Name: "version_id", Type: "bigint"},
		{Name: "parameters", Type: "string", Comment: "the table's parameters, a JSON object"},
	}
	ColumnColumns = []catalog.Column{
		{Name: "table_schema", Type: "string", Comment: "the database"},
		{Name: "table_name", Type: "string"},
		{Name: "column_name", Type: "string"},
		{Name: "ordinal_position", Type: "bigint", Comment: "from 1: the data columns, then the partition keys"},
		{Name: "data_type", Type: "string", Comment: "the Hive type"},
		{Name: "comment", Type: "string"},
		{Name: "is_partition_key", Type: "boolean"},
		{Name: "classification", Type: "string", Comment: "the entity type lakectl catalog classify found (lakectl.classification)"},
	}
)

// ExportCatalog reads every database, table and column of the catalog
// (only database db when set) into the export's three tables:
// databases, tables, columns.
func ExportCatalog(ctx context.Context, c catalog.Catalog, db string) ([]ExportTable, error) {
	dbs := ExportTable{Name: "databases", Columns: DatabaseColumns}
	tables := ExportTable{Name: "tables", Columns: TableColumns}
	cols := ExportTable{Name: "columns", Columns: ColumnColumns}
	for d, err := range c.ListDatabases(ctx) {
		if err != nil {
			return nil, err
		}
		if db != "" && d.Name != db {
			continue
		}
		n := 0
		for t, err := range c.ListTables(ctx, d.Name) {
			if err != nil {
				return nil, err
			}
			n++
			var keys []string
			for _, k := range t.PartitionKeys {
				keys = append(keys, k.Name)
			}
			all := append(slices.Clip(t.StorageDescriptor.Columns), t.PartitionKeys...)
			tables.Rows = append(tables.Rows, []any{t.DatabaseName, t.Name, orNil(t.TableType), orNil(t.Description), orNil(t.Owner),
				orNil(t.Parameters[catalog.ParamClassification]), orNil(t.StorageDescriptor.Location), int64(len(all)), orNil(strings.Join(keys, ",")),
				timeOrNil(t.CreateTime), timeOrNil(t.UpdateTime), timeOrNil(t.LastAccessTime), t.VersionID, jsonOrNil(t.Parameters)})
			for i, col := range all {
				cols.Rows = append(cols.Rows, []any{t.DatabaseName, t.Name, col.Name, int64(i + 1), col.Type, orNil(col.Comment),
					i >= len(t.StorageDescriptor.Columns), orNil(col.Parameters[catalog.ParamColumnClassification])})
			}
		}
		dbs.Rows = append(dbs.Rows, []any{d.Name, orNil(d.Description), orNil(d.LocationURI), timeOrNil(d.CreateTime), jsonOrNil(d.Parameters), int64(n)})
	}
	return []ExportTable{dbs, tables, cols}, nil
}

// orNil is a string column's value: null when empty.
func orNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func timeOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

func jsonOrNil(m map[string]string) any {
	if len(m) == 0 {
		return nil
	}
	b, _ := json.Marshal(m) // sorted keys
	return string(b)
}
