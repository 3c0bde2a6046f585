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
	// RecordAccess records that the table was read at at: its
	// LastAccessTime becomes at (to the second, UTC) when AccessDue says
	// so, and is left as it is otherwise. It is no change of the table's
	// definition: its VersionID and UpdateTime stay, and no version is
	// archived. true when it recorded; ErrNotFound when there is no
	// such table.
	RecordAccess(ctx context.Context, db, table string, at time.Time) (bool, error)

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

// The JSON field names and order of these types are those of the Glue API
// (botocore's service model, shapes Database, Table, StorageDescriptor,
// Partition and theirs), so that scripts written against `aws glue
// get-table` read lakectl's output, and `aws glue get-table` output reads as
// a lakectl table. Every member of those shapes is here, so that no backend
// drops one. A member Glue returns whatever its value (Retention, Compressed,
// NumberOfBuckets, SortColumns, StoredAsSubDirectories,
// IsRegisteredWithLakeFormation) has no omitempty; a member Glue returns only
// when it is set has one.

// Database is a namespace of tables (Glue's Database).
type Database struct {
	Name                          string                 `json:"Name"`
	Description                   string                 `json:"Description,omitempty"`
	LocationURI                   string                 `json:"LocationUri,omitempty"`
	Parameters                    map[string]string      `json:"Parameters,omitempty"`
	CreateTime                    time.Time              `json:"CreateTime,omitzero"`
	CreateTableDefaultPermissions []PrincipalPermissions `json:"CreateTableDefaultPermissions,omitempty"`
	TargetDatabase                *DatabaseIdentifier    `json:"TargetDatabase,omitempty"`
	// CatalogID is the AWS account (or account:catalog) of a Glue
	// catalog; the embedded catalog belongs to none and leaves it empty.
	CatalogID         string             `json:"CatalogId,omitempty"`
	FederatedDatabase *FederatedDatabase `json:"FederatedDatabase,omitempty"`
}

// PrincipalPermissions grants a Lake Formation principal permissions.
type PrincipalPermissions struct {
	Principal   *DataLakePrincipal `json:"Principal,omitempty"`
	Permissions []string           `json:"Permissions,omitempty"`
}

// DataLakePrincipal names a Lake Formation principal.
type DataLakePrincipal struct {
	DataLakePrincipalIdentifier string `json:"DataLakePrincipalIdentifier,omitempty"`
}

// DatabaseIdentifier names a database a resource link points to.
type DatabaseIdentifier struct {
	CatalogID    string `json:"CatalogId,omitempty"`
	DatabaseName string `json:"DatabaseName,omitempty"`
	Region       string `json:"Region,omitempty"`
}

// FederatedDatabase is a database of a federated catalog.
type FederatedDatabase struct {
	Identifier     string `json:"Identifier,omitempty"`
	ConnectionName string `json:"ConnectionName,omitempty"`
	ConnectionType string `json:"ConnectionType,omitempty"`
}

// Table types as Glue names them.
const (
	ExternalTable = "EXTERNAL_TABLE"
	VirtualView   = "VIRTUAL_VIEW"
)

// Table is a Glue table.
type Table struct {
	Name              string            `json:"Name"`
	DatabaseName      string            `json:"DatabaseName"`
	Description       string            `json:"Description,omitempty"`
	Owner             string            `json:"Owner,omitempty"`
	CreateTime        time.Time         `json:"CreateTime,omitzero"`
	UpdateTime        time.Time         `json:"UpdateTime,omitzero"`
	LastAccessTime    time.Time         `json:"LastAccessTime,omitzero"`
	LastAnalyzedTime  time.Time         `json:"LastAnalyzedTime,omitzero"`
	Retention         int               `json:"Retention"`
	StorageDescriptor StorageDescriptor `json:"StorageDescriptor"`
	PartitionKeys     []Column          `json:"PartitionKeys"`
	ViewOriginalText  string            `json:"ViewOriginalText,omitempty"`
	ViewExpandedText  string            `json:"ViewExpandedText,omitempty"`
	TableType         string            `json:"TableType,omitempty"`
	Parameters        map[string]string `json:"Parameters,omitempty"`
	CreatedBy         string            `json:"CreatedBy,omitempty"`
	// IsRegisteredWithLakeFormation: Glue sets it; lakectl keeps it.
	IsRegisteredWithLakeFormation bool             `json:"IsRegisteredWithLakeFormation"`
	TargetTable                   *TableIdentifier `json:"TargetTable,omitempty"`
	// CatalogID: see Database.CatalogID.
	CatalogID string `json:"CatalogId,omitempty"`
	// VersionID counts the table's versions from 1; Glue prints it as a
	// string, and so do we.
	VersionID          int64           `json:"VersionId,string"`
	FederatedTable     *FederatedTable `json:"FederatedTable,omitempty"`
	ViewDefinition     *ViewDefinition `json:"ViewDefinition,omitempty"`
	IsMultiDialectView *bool           `json:"IsMultiDialectView,omitempty"`
	IsMaterializedView *bool           `json:"IsMaterializedView,omitempty"`
	Status             *TableStatus    `json:"Status,omitempty"`
	// Members Glue returns and no TableInput sets, of newer Glue APIs than
	// botocore's model here: shown as Glue gives them.
	IcebergTableMetadata Opaque `json:"IcebergTableMetadata,omitempty"`
	RLSProperties        Opaque `json:"RLSProperties,omitempty"`
}

// TableIdentifier names the table a resource link points to.
type TableIdentifier struct {
	CatalogID    string `json:"CatalogId,omitempty"`
	DatabaseName string `json:"DatabaseName,omitempty"`
	Name         string `json:"Name,omitempty"`
	Region       string `json:"Region,omitempty"`
}

// FederatedTable is a table of a federated catalog.
type FederatedTable struct {
	Identifier         string `json:"Identifier,omitempty"`
	DatabaseIdentifier string `json:"DatabaseIdentifier,omitempty"`
	ConnectionName     string `json:"ConnectionName,omitempty"`
	ConnectionType     string `json:"ConnectionType,omitempty"`
}

// ViewDefinition is the definition of a multi-dialect view.
type ViewDefinition struct {
	IsProtected         *bool                `json:"IsProtected,omitempty"`
	Definer             string               `json:"Definer,omitempty"`
	ViewVersionID       *int64               `json:"ViewVersionId,omitempty"`
	ViewVersionToken    string               `json:"ViewVersionToken,omitempty"`
	RefreshSeconds      *int64               `json:"RefreshSeconds,omitempty"`
	LastRefreshType     string               `json:"LastRefreshType,omitempty"`
	SubObjects          []string             `json:"SubObjects,omitempty"`
	SubObjectVersionIDs []int64              `json:"SubObjectVersionIds,omitempty"`
	Representations     []ViewRepresentation `json:"Representations,omitempty"`
	// Members of newer Glue APIs than botocore's model here, carried as
	// Glue gives them so that an update keeps them.
	IsManaged            *bool             `json:"IsManaged,omitempty"`
	SparkPipelineInfo    map[string]string `json:"SparkPipelineInfo,omitempty"`
	SubObjectsStatistics []Opaque          `json:"SubObjectsStatistics,omitempty"`
}

// ViewRepresentation is a view's text in one SQL dialect.
type ViewRepresentation struct {
	Dialect              string `json:"Dialect,omitempty"`
	DialectVersion       string `json:"DialectVersion,omitempty"`
	ViewOriginalText     string `json:"ViewOriginalText,omitempty"`
	ViewExpandedText     string `json:"ViewExpandedText,omitempty"`
	ValidationConnection string `json:"ValidationConnection,omitempty"`
	IsStale              *bool  `json:"IsStale,omitempty"`
}

// TableStatus is the state of a change Glue is making to a table (a view
// being validated, say); Glue sets it.
type TableStatus struct {
	RequestedBy string        `json:"RequestedBy,omitempty"`
	UpdatedBy   string        `json:"UpdatedBy,omitempty"`
	RequestTime time.Time     `json:"RequestTime,omitzero"`
	UpdateTime  time.Time     `json:"UpdateTime,omitzero"`
	Action      string        `json:"Action,omitempty"`
	State       string        `json:"State,omitempty"`
	Error       *ErrorDetail  `json:"Error,omitempty"`
	Details     *StatusDetail `json:"Details,omitempty"`
}

// StatusDetail is what a TableStatus is about.
type StatusDetail struct {
	RequestedChange *Table           `json:"RequestedChange,omitempty"`
	ViewValidations []ViewValidation `json:"ViewValidations,omitempty"`
}

// ViewValidation is the validation of a view in one dialect.
type ViewValidation struct {
	Dialect            string       `json:"Dialect,omitempty"`
	DialectVersion     string       `json:"DialectVersion,omitempty"`
	ViewValidationText string       `json:"ViewValidationText,omitempty"`
	UpdateTime         time.Time    `json:"UpdateTime,omitzero"`
	State              string       `json:"State,omitempty"`
	Error              *ErrorDetail `json:"Error,omitempty"`
}

// ErrorDetail is an error Glue reports in a status.
type ErrorDetail struct {
	ErrorCode    string `json:"ErrorCode,omitempty"`
	ErrorMessage string `json:"ErrorMessage,omitempty"`
}

// StorageDescriptor says where a table's or partition's data lives and how
// it is laid out.
type StorageDescriptor struct {
	Columns                []Column          `json:"Columns"`
	Location               string            `json:"Location,omitempty"`
	AdditionalLocations    []string          `json:"AdditionalLocations,omitempty"`
	InputFormat            string            `json:"InputFormat,omitempty"`
	OutputFormat           string            `json:"OutputFormat,omitempty"`
	Compressed             bool              `json:"Compressed"`
	NumberOfBuckets        int               `json:"NumberOfBuckets"`
	SerdeInfo              *SerDeInfo        `json:"SerdeInfo,omitempty"`
	BucketColumns          []string          `json:"BucketColumns,omitempty"`
	SortColumns            []SortOrder       `json:"SortColumns"`
	Parameters             map[string]string `json:"Parameters,omitempty"`
	SkewedInfo             *SkewedInfo       `json:"SkewedInfo,omitempty"`
	StoredAsSubDirectories bool              `json:"StoredAsSubDirectories"`
	SchemaReference        *SchemaReference  `json:"SchemaReference,omitempty"`
}

// SortOrder is a sort column of a bucketed table (1 ascending, 0 descending).
type SortOrder struct {
	Column    string `json:"Column"`
	SortOrder int    `json:"SortOrder"`
}

// SkewedInfo describes the skewed values of a table's columns.
type SkewedInfo struct {
	SkewedColumnNames             []string          `json:"SkewedColumnNames,omitempty"`
	SkewedColumnValues            []string          `json:"SkewedColumnValues,omitempty"`
	SkewedColumnValueLocationMaps map[string]string `json:"SkewedColumnValueLocationMaps,omitempty"`
}

// SchemaReference points to a schema of the Glue Schema Registry.
type SchemaReference struct {
	SchemaID            *SchemaID `json:"SchemaId,omitempty"`
	SchemaVersionID     string    `json:"SchemaVersionId,omitempty"`
	SchemaVersionNumber int64     `json:"SchemaVersionNumber,omitempty"`
}

// SchemaID names a schema of the Glue Schema Registry.
type SchemaID struct {
	SchemaArn    string `json:"SchemaArn,omitempty"`
	SchemaName   string `json:"SchemaName,omitempty"`
	RegistryName string `json:"RegistryName,omitempty"`
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
	Values            []string          `json:"Values"`
	DatabaseName      string            `json:"DatabaseName"`
	TableName         string            `json:"TableName"`
	CreationTime      time.Time         `json:"CreationTime,omitzero"`
	LastAccessTime    time.Time         `json:"LastAccessTime,omitzero"`
	StorageDescriptor StorageDescriptor `json:"StorageDescriptor"`
	Parameters        map[string]string `json:"Parameters,omitempty"`
	LastAnalyzedTime  time.Time         `json:"LastAnalyzedTime,omitzero"`
	// CatalogID: see Database.CatalogID.
	CatalogID string `json:"CatalogId,omitempty"`
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

// Opaque is a member lakectl carries as Glue gives it, without reading it:
// JSON kept as it is, where null is none.
type Opaque []byte

// MarshalJSON writes the JSON as it was read.
func (o Opaque) MarshalJSON() ([]byte, error) {
	if len(o) == 0 {
		return []byte("null"), nil
	}
	return o, nil
}

// UnmarshalJSON keeps the JSON, and null as none.
func (o *Opaque) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*o = nil
		return nil
	}
	*o = append((*o)[:0], b...)
	return nil
}
