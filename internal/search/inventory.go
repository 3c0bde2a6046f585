package search

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/dataset"
	"github.com/lakectl/lakectl/internal/storage"
)

// Record types, as S3 Metadata spells them.
const (
	Create         = "CREATE"
	UpdateMetadata = "UPDATE_METADATA"
	Delete         = "DELETE"
)

// The tables of an index, folders under its root and table names under
// --register.
const (
	InventoryTable = "inventory"
	JournalTable   = "journal"
)

// DateKey is the partition key of both tables: the day (UTC, YYYY-MM-DD)
// of the index run that wrote the row.
const DateKey = "index_date"

// Record is one row of the inventory (an object's current state) or of the
// journal (a change to it), with Amazon S3 Metadata's columns.
type Record struct {
	Bucket           string            `json:"bucket"`
	Key              string            `json:"key"`
	SequenceNumber   string            `json:"sequence_number"`
	RecordType       string            `json:"record_type"`
	RecordTimestamp  time.Time         `json:"record_timestamp"`
	VersionID        string            `json:"version_id,omitempty"`
	IsDeleteMarker   bool              `json:"is_delete_marker"`
	Size             int64             `json:"size"`
	LastModified     time.Time         `json:"last_modified_date"`
	ETag             string            `json:"e_tag,omitempty"`
	StorageClass     string            `json:"storage_class,omitempty"`
	IsMultipart      bool              `json:"is_multipart"`
	EncryptionStatus string            `json:"encryption_status,omitempty"`
	BucketKeyEnabled bool              `json:"is_bucket_key_enabled"`
	KMSKeyARN        string            `json:"kms_key_arn,omitempty"`
	Tags             map[string]string `json:"object_tags"`
	UserMetadata     map[string]string `json:"user_metadata"`
}

// Columns are the columns of both tables, in S3 Metadata's order and
// types, then the partition key. S3 Metadata's checksum_algorithm (not in
// a listing), and the journal's requester, source_ip_address and
// request_id (known only to S3's event stream) are left out.
var Columns = []catalog.Column{
	{Name: "bucket", Type: "string", Comment: "the bucket (s3://), or the indexed folder's URI (file://)"},
	{Name: "key", Type: "string", Comment: "the object's key in the bucket"},
	{Name: "sequence_number", Type: "string", Comment: "orders the records of an object: a later record has a larger one"},
	{Name: "record_type", Type: "string", Comment: "CREATE, UPDATE_METADATA or DELETE"},
	{Name: "record_timestamp", Type: "timestamp", Comment: "when the index run recorded the change"},
	{Name: "version_id", Type: "string"},
	{Name: "is_delete_marker", Type: "boolean"},
	{Name: "size", Type: "bigint"},
	{Name: "last_modified_date", Type: "timestamp"},
	{Name: "e_tag", Type: "string"},
	{Name: "storage_class", Type: "string"},
	{Name: "is_multipart", Type: "boolean"},
	{Name: "encryption_status", Type: "string", Comment: "SSE-S3, SSE-KMS, DSSE-KMS, SSE-C"},
	{Name: "is_bucket_key_enabled", Type: "boolean"},
	{Name: "kms_key_arn", Type: "string"},
	{Name: "object_tags", Type: "map<string,string>"},
	{Name: "user_metadata", Type: "map<string,string>"},
	{Name: DateKey, Type: "string", Comment: "the day of the index run that wrote the row"},
}

// Column positions in Columns (and in a scan that picks them all).
const (
	colBucket = iota
	colKey
	colSequence
	colRecordType
	colRecordTimestamp
	colVersion
	colDeleteMarker
	colSize
	colLastModified
	colETag
	colStorageClass
	colMultipart
	colEncryption
	colBucketKey
	colKMS
	colTags
	colMetadata
	colDate
)

// Row is the record as a row of Columns, written on the day of now.
func (r *Record) Row(now time.Time) []any {
	return []any{r.Bucket, r.Key, r.SequenceNumber, r.RecordType, r.RecordTimestamp.UTC(), orNil(r.VersionID),
		r.IsDeleteMarker, r.Size, r.LastModified.UTC(), orNil(r.ETag), orNil(r.StorageClass), r.IsMultipart,
		orNil(r.EncryptionStatus), r.BucketKeyEnabled, orNil(r.KMSKeyARN), mapValue(r.Tags), mapValue(r.UserMetadata),
		now.UTC().Format(time.DateOnly)}
}

// mapValue is a map column's value: nil (null) for a nil map; the
// writer takes a map of strings as it is.
func mapValue(m map[string]string) any {
	if m == nil {
		return nil
	}
	return m
}

// recordOf reads a row of Columns back.
func recordOf(row []dataset.Value) Record {
	var r Record
	for col := range colTags {
		setField(&r, col, row[col])
	}
	r.Tags, r.UserMetadata = mapOf(row[colTags]), mapOf(row[colMetadata])
	return r
}

// setField sets a record's field of a column of Columns (no map).
func setField(r *Record, col int, v dataset.Value) {
	switch col {
	case colBucket:
		r.Bucket = v.S
	case colKey:
		r.Key = v.S
	case colSequence:
		r.SequenceNumber = v.S
	case colRecordType:
		r.RecordType = v.S
	case colRecordTimestamp:
		r.RecordTimestamp = timeOf(v)
	case colVersion:
		r.VersionID = v.S
	case colDeleteMarker:
		r.IsDeleteMarker = v.B
	case colSize:
		r.Size = v.I
	case colLastModified:
		r.LastModified = timeOf(v)
	case colETag:
		r.ETag = v.S
	case colStorageClass:
		r.StorageClass = v.S
	case colMultipart:
		r.IsMultipart = v.B
	case colEncryption:
		r.EncryptionStatus = v.S
	case colBucketKey:
		r.BucketKeyEnabled = v.B
	case colKMS:
		r.KMSKeyARN = v.S
	}
}

func timeOf(v dataset.Value) time.Time {
	if v.Kind != dataset.KindTime {
		return time.Time{}
	}
	return time.UnixMicro(v.I).UTC()
}

// mapOf reads a map column's value (the reading layer gives nested values
// as JSON text).
func mapOf(v dataset.Value) map[string]string {
	if v.Kind == dataset.KindNull {
		return nil
	}
	m := map[string]string{}
	_ = json.Unmarshal([]byte(v.S), &m) // written by lakectl as map<string,string>
	return m
}

// compareRecords orders records as the tables are sorted: by key, then
// bucket, then sequence.
func compareRecords(a, b *Record) int {
	return cmp.Or(strings.Compare(a.Key, b.Key), strings.Compare(a.Bucket, b.Bucket), strings.Compare(a.SequenceNumber, b.SequenceNumber))
}

// Opener opens a store by URI.
type Opener func(ctx context.Context, uri string) (storage.Store, error)

// once is open opening each location once: a store of S3 checks its
// bucket (a request) when it is opened, and an index run or a search
// opens each table's location several times (its state, its files).
func (open Opener) once() Opener {
	var mu sync.Mutex
	opened := map[string]storage.Store{}
	return func(ctx context.Context, uri string) (storage.Store, error) {
		key := strings.TrimSuffix(uri, "/")
		mu.Lock()
		defer mu.Unlock()
		if s, ok := opened[key]; ok {
			return s, nil
		}
		s, err := open(ctx, uri)
		if err == nil {
			opened[key] = s
		}
		return s, err
	}
}

// scanTable reads a table of an index (root/name/) through the one reading
// layer: rows keep pass's verdict, row groups keep prune's (nil: all).
func scanTable(ctx context.Context, open Opener, root, name string, prune func([]dataset.Bounds) bool, keep func(row []dataset.Value) bool) ([]Record, *dataset.ScanStats, error) {
	return scan(ctx, tableInput(open, root, name), prune, keep)
}

// tableInput is a table of an index (root/name/) as the reading layer
// takes it.
func tableInput(open Opener, root, name string) dataset.Input {
	loc := strings.TrimSuffix(root, "/") + "/" + name + "/"
	t := &catalog.Table{Name: name, Parameters: map[string]string{catalog.ParamClassification: "parquet"},
		StorageDescriptor: catalog.StorageDescriptor{Location: loc, Columns: Columns[:colDate]}}
	return dataset.Input{Table: t, Store: open, FromCatalog: true}
}

// ReadInventory reads an index's inventory: the current state of every
// object indexed, sorted by key. An index not yet written has none.
func ReadInventory(ctx context.Context, open Opener, root string) ([]Record, error) {
	recs, _, err := scanTable(ctx, open, root, InventoryTable, nil, nil)
	sortRecords(recs)
	return recs, err
}

// ReadJournal reads an index's journal, sorted by key and sequence.
func ReadJournal(ctx context.Context, open Opener, root string) ([]Record, error) {
	recs, _, err := scanTable(ctx, open, root, JournalTable, nil, nil)
	sortRecords(recs)
	return recs, err
}

func sortRecords(recs []Record) {
	slices.SortFunc(recs, func(a, b Record) int { return compareRecords(&a, &b) })
}

// collector is a sink keeping the records of the rows that pass.
type collector struct {
	mu      sync.Mutex
	keep    func([]dataset.Value) bool
	records []Record
}

func (c *collector) Add(row []dataset.Value) {
	if c.keep == nil || c.keep(row) {
		c.records = append(c.records, recordOf(row))
	}
}

func (c *collector) Merge(other dataset.Sink) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.records = append(c.records, other.(*collector).records...)
}
