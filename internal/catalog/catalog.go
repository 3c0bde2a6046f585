// Package catalog is lakectl's metadata catalog: databases, tables (with
// versions) and partitions, shaped like the AWS Glue Data Catalog so that the
// same objects can live in the embedded SQLite file or in Glue itself.
//
// Backends register in one place (Open). Every backend passes the
// conformance suite in catalog/catalogtest.
package catalog

import (
	"context"
	"iter"
	"time"
)

// Catalog is implemented by every backend. Listings are iterators that page
// underneath; updates of tables are optimistic (see UpdateTable).
type Catalog interface {
	CreateDatabase(ctx context.Context, db Database) error
	GetDatabase(ctx context.Context, name string) (*Database, error)
	ListDatabases(ctx context.Context) iter.Seq2[*Database, error]
	UpdateDatabase(ctx context.Context, db Database) error
	// DeleteDatabase removes the database with its tables, versions and
	// partitions, as Glue does. Callers that want to refuse a non-empty
	// database check first.
	DeleteDatabase(ctx context.Context, name string) error

	CreateTable(ctx context.Context, t Table) error
	GetTable(ctx context.Context, db, name string) (*Table, error)
	ListTables(ctx context.Context, db string) iter.Seq2[*Table, error]
	// UpdateTable replaces the table. t.VersionID must be the version the
	// caller read; if the table has moved on since, UpdateTable fails with
	// ErrConflict and changes nothing. On success the previous version is
	// archived and t.VersionID is the new version.
	UpdateTable(ctx context.Context, t *Table) error
	DeleteTable(ctx context.Context, db, name string) error
	// ListTableVersions yields every version of a table, newest first; the
	// first one is the current table.
	ListTableVersions(ctx context.Context, db, name string) iter.Seq2[*Table, error]

	// CreatePartitions adds partitions to a table all at once: if one of
	// them exists already, none is added and the error wraps
	// ErrAlreadyExists.
	CreatePartitions(ctx context.Context, db, table string, parts []Partition) error
	GetPartition(ctx context.Context, db, table string, values []string) (*Partition, error)
	// ListPartitions yields the table's partitions that match the filter
	// (nil matches all), in order of their values.
	ListPartitions(ctx context.Context, db, table string, filter Filter) iter.Seq2[*Partition, error]
	UpdatePartition(ctx context.Context, p Partition) error
	// DeletePartitions removes the partitions with the given values; values
	// that match no partition are ignored.
	DeletePartitions(ctx context.Context, db, table string, values [][]string) error

	Close() error
}

// Database is a namespace of tables (Glue's Database).
type Database struct {
	Name        string            `json:"Name"`
	Description string            `json:"Description,omitempty"`
	LocationURI string            `json:"LocationUri,omitempty"`
	Parameters  map[string]string `json:"Parameters,omitempty"`
	CreateTime  time.Time         `json:"CreateTime,omitzero"`
}

// Table types as Glue names them.
const (
	ExternalTable = "EXTERNAL_TABLE"
	VirtualView   = "VIRTUAL_VIEW"
)

// Table is a Glue table. JSON field names are those of the Glue API, so that
// scripts written against `aws glue get-table` read lakectl's output.
type Table struct {
	Name              string            `json:"Name"`
	DatabaseName      string            `json:"DatabaseName"`
	Description       string            `json:"Description,omitempty"`
	Owner             string            `json:"Owner,omitempty"`
	CreateTime        time.Time         `json:"CreateTime,omitzero"`
	UpdateTime        time.Time         `json:"UpdateTime,omitzero"`
	LastAccessTime    time.Time         `json:"LastAccessTime,omitzero"`
	Retention         int               `json:"Retention"`
	StorageDescriptor StorageDescriptor `json:"StorageDescriptor"`
	PartitionKeys     []Column          `json:"PartitionKeys"`
	TableType         string            `json:"TableType,omitempty"`
	Parameters        map[string]string `json:"Parameters,omitempty"`
	CreatedBy         string            `json:"CreatedBy,omitempty"`
	ViewOriginalText  string            `json:"ViewOriginalText,omitempty"`
	ViewExpandedText  string            `json:"ViewExpandedText,omitempty"`
	// VersionID counts the table's versions from 1; Glue prints it as a
	// string, and so do we.
	VersionID int64 `json:"VersionId,string"`
}

// StorageDescriptor says where a table's or partition's data lives and how
// it is laid out.
type StorageDescriptor struct {
	Columns      []Column          `json:"Columns"`
	Location     string            `json:"Location,omitempty"`
	InputFormat  string            `json:"InputFormat,omitempty"`
	OutputFormat string            `json:"OutputFormat,omitempty"`
	Compressed   bool              `json:"Compressed"`
	SerdeInfo    *SerDeInfo        `json:"SerdeInfo,omitempty"`
	Parameters   map[string]string `json:"Parameters,omitempty"`

	// Kept as given, for TableInput files written for Glue.
	NumberOfBuckets        int         `json:"NumberOfBuckets,omitempty"`
	BucketColumns          []string    `json:"BucketColumns,omitempty"`
	SortColumns            []SortOrder `json:"SortColumns,omitempty"`
	StoredAsSubDirectories bool        `json:"StoredAsSubDirectories,omitempty"`
}

// SortOrder is a sort column of a bucketed table (1 ascending, 0 descending).
type SortOrder struct {
	Column    string `json:"Column"`
	SortOrder int    `json:"SortOrder"`
}

// SerDeInfo names the serializer/deserializer of a storage format.
type SerDeInfo struct {
	Name                 string            `json:"Name,omitempty"`
	SerializationLibrary string            `json:"SerializationLibrary,omitempty"`
	Parameters           map[string]string `json:"Parameters,omitempty"`
}

// Column is a column or partition key. Type is a Hive type string.
type Column struct {
	Name       string            `json:"Name"`
	Type       string            `json:"Type"`
	Comment    string            `json:"Comment,omitempty"`
	Parameters map[string]string `json:"Parameters,omitempty"`
}

// Partition is one partition of a table: one value per partition key.
type Partition struct {
	DatabaseName      string            `json:"DatabaseName"`
	TableName         string            `json:"TableName"`
	Values            []string          `json:"Values"`
	CreationTime      time.Time         `json:"CreationTime,omitzero"`
	LastAccessTime    time.Time         `json:"LastAccessTime,omitzero"`
	StorageDescriptor StorageDescriptor `json:"StorageDescriptor"`
	Parameters        map[string]string `json:"Parameters,omitempty"`
}

// Column returns the column (data column or partition key) with the given
// name, or nil.
func (t *Table) Column(name string) *Column {
	for i := range t.StorageDescriptor.Columns {
		if t.StorageDescriptor.Columns[i].Name == name {
			return &t.StorageDescriptor.Columns[i]
		}
	}
	for i := range t.PartitionKeys {
		if t.PartitionKeys[i].Name == name {
			return &t.PartitionKeys[i]
		}
	}
	return nil
}

// PartitionsUpdater is implemented by backends that update many partitions
// of a table in one request (Glue's BatchUpdatePartition). Callers use
// UpdatePartitions, which falls back to one UpdatePartition each.
type PartitionsUpdater interface {
	UpdatePartitions(ctx context.Context, db, table string, parts []Partition) error
}

// UpdatePartitions updates partitions of one table, in batches where the
// backend can. Like a run of UpdatePartition calls, it is not atomic.
func UpdatePartitions(ctx context.Context, c Catalog, db, table string, parts []Partition) error {
	if u, ok := c.(PartitionsUpdater); ok {
		return u.UpdatePartitions(ctx, db, table, parts)
	}
	for _, p := range parts {
		p.DatabaseName, p.TableName = db, table
		if err := c.UpdatePartition(ctx, p); err != nil {
			return err
		}
	}
	return nil
}
