package search

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/md5"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"iter"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
	"golang.org/x/sync/errgroup"

	"github.com/lakectl/lakectl/internal/storage"
)

// Manifest is an Amazon S3 Inventory report's manifest.json: which bucket
// it describes, and the data files that hold its rows.
type Manifest struct {
	SourceBucket      string         `json:"sourceBucket"`
	DestinationBucket string         `json:"destinationBucket"`
	Version           string         `json:"version"`
	CreationTimestamp string         `json:"creationTimestamp"`
	FileFormat        string         `json:"fileFormat"`
	FileSchema        string         `json:"fileSchema"`
	Files             []ManifestFile `json:"files"`

	// columns are a CSV report's fileSchema, one name a column.
	columns []string
}

// csvField is what a CSV report's column holds, of what the index keeps.
type csvField int

const (
	fieldOther csvField = iota
	fieldKey
	fieldVersion
	fieldLatest
	fieldDeleteMarker
	fieldSize
	fieldModified
	fieldETag
	fieldStorageClass
	fieldEncryption
	fieldBucketKey
)

var csvFields = map[string]csvField{"key": fieldKey, "versionid": fieldVersion, "islatest": fieldLatest,
	"isdeletemarker": fieldDeleteMarker, "size": fieldSize, "lastmodifieddate": fieldModified, "etag": fieldETag,
	"storageclass": fieldStorageClass, "encryptionstatus": fieldEncryption, "bucketkeystatus": fieldBucketKey}

// fieldsOf are the kinds of a fileSchema's columns.
func fieldsOf(cols []string) []csvField {
	out := make([]csvField, len(cols))
	for i, c := range cols {
		out[i] = csvFields[strings.ToLower(c)]
	}
	return out
}

// ManifestFile is one data file of a report: its key in the destination
// bucket, size and MD5 (hex), where the manifest gives them.
type ManifestFile struct {
	Key  string `json:"key"`
	Size int64  `json:"size"`
	MD5  string `json:"MD5checksum"`
}

// ErrUnsupportedFormat: the report's fileFormat is one lakectl does not
// read (ORC: there is no maintained pure-Go ORC reader to pin).
var ErrUnsupportedFormat = errors.New("unsupported inventory report format")

// ParseManifest reads a manifest.json (name is its location, for errors).
func ParseManifest(name string, data []byte) (*Manifest, error) {
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: not an S3 Inventory manifest: %w", name, err)
	}
	if m.SourceBucket == "" {
		return nil, fmt.Errorf("%s: sourceBucket is missing", name)
	}
	switch strings.ToUpper(m.FileFormat) {
	case "CSV":
		m.FileFormat = "CSV"
		for c := range strings.SplitSeq(m.FileSchema, ",") {
			m.columns = append(m.columns, strings.TrimSpace(c))
		}
		if csvColumn(m.columns, "Key") < 0 {
			return nil, fmt.Errorf("%s: fileSchema %q has no Key column", name, m.FileSchema)
		}
	case "PARQUET":
		m.FileFormat = "Parquet"
	case "ORC":
		return nil, fmt.Errorf("%s: fileFormat ORC: %w (lakectl reads CSV and Parquet reports: set the inventory's format to one of them)", name, ErrUnsupportedFormat)
	default:
		return nil, fmt.Errorf("%s: fileFormat %q: %w (want CSV or Parquet)", name, m.FileFormat, ErrUnsupportedFormat)
	}
	if len(m.Files) == 0 {
		return nil, fmt.Errorf("%s: files is empty", name)
	}
	for i, f := range m.Files {
		if f.Key == "" {
			return nil, fmt.Errorf("%s: files[%d]: key is missing", name, i)
		}
		if f.MD5 != "" {
			if b, err := hex.DecodeString(f.MD5); err != nil || len(b) != md5.Size {
				return nil, fmt.Errorf("%s: files[%d] (%s): MD5checksum %q is not an MD5 in hex", name, i, f.Key, f.MD5)
			}
		}
	}
	return &m, nil
}

// DestinationBucketName is the bucket of destinationBucket (an ARN,
// arn:aws:s3:::name, or a bare name).
func (m *Manifest) DestinationBucketName() string {
	_, name, ok := strings.Cut(m.DestinationBucket, ":::")
	if !ok {
		return m.DestinationBucket
	}
	return name
}

func csvColumn(cols []string, name string) int {
	for i, c := range cols {
		if strings.EqualFold(c, name) {
			return i
		}
	}
	return -1
}

// inventoryRow is one row of a report, with the columns the index keeps.
type inventoryRow struct {
	obj              storage.Object
	versionID        string
	isLatest         bool
	isDeleteMarker   bool
	encryption       string
	bucketKeyEnabled bool
}

// parseCSVRow reads a row of a CSV report whose columns are cols. Keys
// are URL-encoded in CSV reports.
func parseCSVRow(cols []string, kinds []csvField, fields []string) (inventoryRow, error) {
	r := inventoryRow{isLatest: true}
	if len(fields) != len(cols) {
		return r, fmt.Errorf("%d fields, the manifest's fileSchema has %d", len(fields), len(cols))
	}
	for i, k := range kinds {
		v := fields[i]
		var err error
		switch k {
		case fieldKey:
			if r.obj.Key, err = url.QueryUnescape(v); err != nil {
				return r, fmt.Errorf("Key %q: not URL-encoded: %w", v, err)
			}
			if r.obj.Key == "" {
				return r, fmt.Errorf("Key is empty")
			}
		case fieldVersion:
			r.versionID = v
		case fieldLatest:
			if v != "" {
				r.isLatest, err = strconv.ParseBool(v)
			}
		case fieldDeleteMarker:
			if v != "" {
				r.isDeleteMarker, err = strconv.ParseBool(v)
			}
		case fieldSize:
			if v != "" {
				r.obj.Size, err = strconv.ParseInt(v, 10, 64)
				if err == nil && r.obj.Size < 0 {
					err = fmt.Errorf("negative")
				}
			}
		case fieldModified:
			if v != "" {
				r.obj.ModTime, err = time.Parse(time.RFC3339Nano, v)
			}
		case fieldETag:
			r.obj.ETag = strings.Trim(v, `"`)
		case fieldStorageClass:
			r.obj.StorageClass = v
		case fieldEncryption:
			r.encryption = encryptionOf(v)
		case fieldBucketKey:
			r.bucketKeyEnabled = v == "ENABLED"
		}
		if err != nil {
			return r, fmt.Errorf("%s %q: %w", cols[i], v, err)
		}
	}
	return r, nil
}

// encryptionOf spells an inventory's EncryptionStatus (NOT-SSE, SSE-S3,
// SSE-KMS, DSSE-KMS, SSE-C) as S3 Metadata's encryption_status.
func encryptionOf(v string) string {
	if v == "NOT-SSE" {
		return ""
	}
	return v
}

// Report is an S3 Inventory report read: the latest version of every
// object it lists (delete markers and older versions left out).
type Report struct {
	Manifest *Manifest
	// Location is the manifest's URI.
	Location string
	// Rows counts the rows read, Files the data files.
	Rows, Files int64
	objects     []inventoryRow
}

// ReadReport reads the manifest at manifestURI and its data files,
// checking each file's MD5 (and size) against the manifest. A data file's
// key is looked for in the destination bucket (s3://), and in the
// manifest's folder and each folder above it, where a report copied as a
// whole keeps it.
func ReadReport(ctx context.Context, open Opener, manifestURI string) (*Report, error) {
	dir, base := splitURI(manifestURI)
	ms, err := open(ctx, dir)
	if err != nil {
		return nil, err
	}
	data, err := readAll(ctx, ms, base, nil)
	if err != nil {
		return nil, fmt.Errorf("inventory manifest %s: %w", manifestURI, err)
	}
	m, err := ParseManifest(manifestURI, data)
	if err != nil {
		return nil, err
	}
	// manifest.checksum, where it is beside the manifest: its MD5.
	if sum, err := readAll(ctx, ms, strings.TrimSuffix(base, "manifest.json")+"manifest.checksum", nil); err == nil {
		got := md5.Sum(data)
		if want := strings.TrimSpace(string(sum)); !strings.EqualFold(want, hex.EncodeToString(got[:])) {
			return nil, fmt.Errorf("inventory manifest %s: MD5 %x, its manifest.checksum says %s", manifestURI, got, want)
		}
	}
	ds, err := dataStore(ctx, open, dir, m)
	if err != nil {
		return nil, err
	}
	rep := &Report{Manifest: m, Location: manifestURI, Files: int64(len(m.Files))}
	parts := make([][]inventoryRow, len(m.Files))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, f := range m.Files {
		g.Go(func() error {
			rows, err := readDataFile(gctx, ds, m, f)
			if err != nil {
				return fmt.Errorf("inventory data file %s: %w", ds.URI(f.Key), err)
			}
			parts[i] = rows
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	rep.objects = make([]inventoryRow, 0, n)
	for _, p := range parts {
		rep.Rows += int64(len(p))
		for _, r := range p {
			if r.isLatest && !r.isDeleteMarker {
				rep.objects = append(rep.objects, r)
			}
		}
	}
	return rep, nil
}

// splitURI splits a file's URI (or path) into its folder and name.
func splitURI(uri string) (dir, base string) {
	i := strings.LastIndex(uri, "/")
	if i < 0 {
		return ".", uri
	}
	return uri[:i+1], uri[i+1:]
}

// dataStore is the store under which the manifest's file keys are found.
func dataStore(ctx context.Context, open Opener, dir string, m *Manifest) (storage.Store, error) {
	var tried []string
	try := func(uri string) (storage.Store, bool) {
		tried = append(tried, uri)
		s, err := open(ctx, uri)
		if err != nil {
			return nil, false
		}
		_, err = s.Stat(ctx, m.Files[0].Key)
		return s, err == nil
	}
	if strings.HasPrefix(dir, "s3://") && m.DestinationBucketName() != "" {
		if s, ok := try("s3://" + m.DestinationBucketName() + "/"); ok {
			return s, nil
		}
	}
	for _, d := range ancestors(dir) {
		if s, ok := try(d); ok {
			return s, nil
		}
	}
	return nil, fmt.Errorf("inventory data file %s not found under %s", m.Files[0].Key, strings.Join(tried, ", "))
}

// ancestors are a folder and each folder above it, to the top of its
// file system or bucket (a relative path's top is the working folder).
func ancestors(dir string) []string {
	d := strings.TrimSuffix(dir, "/")
	var out []string
	for {
		out = append(out, d+"/")
		i := strings.LastIndex(d, "/")
		if i < 0 {
			if d != "." && d != "" {
				out = append(out, "./")
			}
			return out
		}
		if strings.HasSuffix(d[:i+1], "://") {
			return out
		}
		d = d[:i]
	}
}

// readAll reads an object whole, hashing it into h when set.
func readAll(ctx context.Context, s storage.Store, key string, h hash.Hash) ([]byte, error) {
	rc, err := s.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var r io.Reader = rc
	if h != nil {
		r = io.TeeReader(rc, h)
	}
	return io.ReadAll(r)
}

// readDataFile reads one data file's rows and checks its MD5 and size.
func readDataFile(ctx context.Context, s storage.Store, m *Manifest, f ManifestFile) ([]inventoryRow, error) {
	h := md5.New()
	var rows []inventoryRow
	var size int64
	switch m.FileFormat {
	case "CSV":
		rc, err := s.Get(ctx, f.Key)
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		cr := &countingReader{r: io.TeeReader(rc, h)}
		rows, err = readCSV(cr, m.columns)
		if err != nil {
			return nil, err
		}
		if _, err := io.Copy(io.Discard, cr); err != nil {
			return nil, err
		}
		size = cr.n
	case "Parquet":
		data, err := readAll(ctx, s, f.Key, h)
		if err != nil {
			return nil, err
		}
		size = int64(len(data))
		if rows, err = readParquet(data); err != nil {
			return nil, err
		}
	}
	if f.MD5 != "" {
		if got := hex.EncodeToString(h.Sum(nil)); !strings.EqualFold(got, f.MD5) {
			return nil, fmt.Errorf("MD5 %s, the manifest says %s", got, f.MD5)
		}
	}
	if f.Size > 0 && size != f.Size {
		return nil, fmt.Errorf("%d bytes, the manifest says %d", size, f.Size)
	}
	return rows, nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// readCSV reads a gzip-compressed CSV data file (no header).
func readCSV(r io.Reader, cols []string) ([]inventoryRow, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("not gzip-compressed: %w", err)
	}
	cr := csv.NewReader(zr)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	var rows []inventoryRow
	kinds := fieldsOf(cols)
	for {
		fields, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		row, err := parseCSVRow(cols, kinds, fields)
		if err != nil {
			line, _ := cr.FieldPos(0)
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		rows = append(rows, row)
	}
	return rows, zr.Close()
}

// readParquet reads a Parquet data file by its column names (those of
// S3 Inventory's Parquet schema); columns the report was not configured
// with are absent.
func readParquet(data []byte) ([]inventoryRow, error) {
	pf, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	leaf := func(name string) (int, parquet.Node) {
		if l, ok := pf.Schema().Lookup(name); ok {
			return l.ColumnIndex, l.Node
		}
		return -1, nil
	}
	key, _ := leaf("key")
	if key < 0 {
		return nil, fmt.Errorf("no key column")
	}
	version, _ := leaf("version_id")
	latest, _ := leaf("is_latest")
	marker, _ := leaf("is_delete_marker")
	size, _ := leaf("size")
	modified, modNode := leaf("last_modified_date")
	etag, _ := leaf("e_tag")
	class, _ := leaf("storage_class")
	enc, _ := leaf("encryption_status")
	bkey, _ := leaf("bucket_key_status")
	unit := time.Millisecond // S3 Inventory writes TIMESTAMP_MILLIS
	if modNode != nil {
		if lt := modNode.Type().LogicalType(); lt != nil {
			if ts, ok := lt.Value.(*format.TimestampType); ok && ts.Unit.Value != nil {
				unit = ts.Unit.Value.Duration()
			}
		}
	}
	rows := make([]inventoryRow, 0, pf.NumRows())
	buf := make([]parquet.Row, 256)
	for _, rg := range pf.RowGroups() {
		rr := rg.Rows()
		for {
			n, err := rr.ReadRows(buf)
			for _, row := range buf[:n] {
				r := inventoryRow{isLatest: true}
				for _, v := range row {
					if v.IsNull() {
						continue
					}
					switch v.Column() {
					case key:
						r.obj.Key = string(v.ByteArray())
					case version:
						r.versionID = string(v.ByteArray())
					case latest:
						r.isLatest = v.Boolean()
					case marker:
						r.isDeleteMarker = v.Boolean()
					case size:
						r.obj.Size = v.Int64()
					case modified:
						r.obj.ModTime = time.Unix(0, v.Int64()*int64(unit)).UTC()
					case etag:
						r.obj.ETag = strings.Trim(string(v.ByteArray()), `"`)
					case class:
						r.obj.StorageClass = string(v.ByteArray())
					case enc:
						r.encryption = encryptionOf(string(v.ByteArray()))
					case bkey:
						r.bucketKeyEnabled = string(v.ByteArray()) == "ENABLED"
					}
				}
				if r.obj.Key == "" {
					rr.Close()
					return nil, fmt.Errorf("row %d: key is empty", len(rows)+1)
				}
				rows = append(rows, r)
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				rr.Close()
				return nil, err
			}
		}
		if err := rr.Close(); err != nil {
			return nil, err
		}
	}
	return rows, nil
}

// AddReport indexes one more report of a run over the result so far,
// whose inventory it is compared with (start from an IndexResult holding
// the last inventory): its changes follow the run's earlier ones, their
// sequence numbers after theirs, and the counts add up.
func (r *IndexResult) AddReport(ctx context.Context, rep *Report, source storage.Store, opts IndexOptions) (*IndexResult, error) {
	opts.SequenceAfter = int64(len(r.Journal))
	res, err := IndexReport(ctx, rep, source, r.Inventory, opts)
	if err != nil {
		return nil, err
	}
	res.Journal = append(r.Journal, res.Journal...)
	res.Listed += r.Listed
	res.Created += r.Created
	res.Updated += r.Updated
	res.Deleted += r.Deleted
	res.Unchanged += r.Unchanged
	res.Fetched += r.Fetched
	return res, nil
}

// IndexReport indexes a report as Index indexes a listing: the report's
// objects are compared with the previous inventory. A report has no user
// metadata or tags: with source set (the source bucket's store), they are
// read (HEAD and GetObjectTagging) for new and changed objects; without,
// new and changed records have none (null), and Fetched is 0.
func IndexReport(ctx context.Context, rep *Report, source storage.Store, previous []Record, opts IndexOptions) (*IndexResult, error) {
	rs := &reportStore{rep: rep, byKey: make(map[string]*inventoryRow, len(rep.objects))}
	for i := range rep.objects {
		rs.byKey[rep.objects[i].obj.Key] = &rep.objects[i]
	}
	var s storage.Store = rs
	if source != nil {
		s = &fetchingReportStore{reportStore: rs, source: source}
	}
	res, err := Index(ctx, []storage.Store{s}, previous, opts)
	if err != nil || source != nil {
		return res, err
	}
	// No metadata was read: unknown, not empty.
	res.Fetched = 0
	fresh := make(map[string]bool, len(res.Journal))
	for i := range res.Journal {
		if j := &res.Journal[i]; j.RecordType != Delete {
			j.UserMetadata, j.Tags = nil, nil
			fresh[j.Key] = true
		}
	}
	for i := range res.Inventory {
		if r := &res.Inventory[i]; fresh[r.Key] {
			r.UserMetadata, r.Tags = nil, nil
		}
	}
	return res, nil
}

// reportStore is a report seen as a read-only store of the source bucket:
// its listing is the report's rows, and an object's metadata is what the
// report says of it (no user metadata).
type reportStore struct {
	rep   *Report
	byKey map[string]*inventoryRow
}

var errReadOnly = errors.New("an inventory report is read only")

func (s *reportStore) Get(context.Context, string) (io.ReadCloser, error) { return nil, errReadOnly }
func (s *reportStore) Put(context.Context, string, io.Reader) error       { return errReadOnly }
func (s *reportStore) Delete(context.Context, string) error               { return errReadOnly }
func (s *reportStore) URI(key string) string {
	return "s3://" + s.rep.Manifest.SourceBucket + "/" + key
}

func (s *reportStore) Stat(_ context.Context, key string) (*storage.Object, error) {
	if r := s.row(key); r != nil {
		o := r.obj
		return &o, nil
	}
	return nil, fmt.Errorf("%s: %w", s.URI(key), fs.ErrNotExist)
}

func (s *reportStore) List(_ context.Context, prefix string) iter.Seq2[*storage.Object, error] {
	return func(yield func(*storage.Object, error) bool) {
		for i := range s.rep.objects {
			if o := &s.rep.objects[i].obj; strings.HasPrefix(o.Key, prefix) && !yield(o, nil) {
				return
			}
		}
	}
}

func (s *reportStore) row(key string) *inventoryRow { return s.byKey[key] }

// ReadMetadata is what the report says of the object.
func (s *reportStore) ReadMetadata(_ context.Context, key string) (*storage.Metadata, error) {
	r := s.row(key)
	if r == nil {
		return nil, fmt.Errorf("%s: %w", s.URI(key), fs.ErrNotExist)
	}
	return &storage.Metadata{VersionID: r.versionID, Encryption: r.encryption, BucketKeyEnabled: r.bucketKeyEnabled}, nil
}

// fetchingReportStore reads metadata and tags from the source bucket.
type fetchingReportStore struct {
	*reportStore
	source storage.Store
}

func (s *fetchingReportStore) ReadMetadata(ctx context.Context, key string) (*storage.Metadata, error) {
	mr, ok := s.source.(storage.MetadataReader)
	if !ok {
		return s.reportStore.ReadMetadata(ctx, key)
	}
	return mr.ReadMetadata(ctx, key)
}

func (s *fetchingReportStore) ReadTags(ctx context.Context, key string) (map[string]string, error) {
	tr, ok := s.source.(storage.TagReader)
	if !ok {
		return nil, nil
	}
	return tr.ReadTags(ctx, key)
}
