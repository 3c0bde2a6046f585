package search_test

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
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/lakectl/lakectl/internal/search"
)

// invRow is a row of a generated S3 Inventory report.
type invRow struct {
	Key       string
	Version   string
	Latest    bool
	Marker    bool
	Size      int64
	Modified  time.Time
	ETag      string
	Class     string
	Encrypted string
}

// csvSchema is the fileSchema of a CSV report with the optional fields
// S3 Inventory offers, in its order.
const csvSchema = "Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, LastModifiedDate, ETag, StorageClass, IsMultipartUploaded, ReplicationStatus, EncryptionStatus, BucketKeyStatus"

// parquetInvRow is S3 Inventory's Parquet schema (the columns used here).
type parquetInvRow struct {
	Bucket         string  `parquet:"bucket"`
	Key            string  `parquet:"key"`
	VersionID      *string `parquet:"version_id,optional"`
	IsLatest       *bool   `parquet:"is_latest,optional"`
	IsDeleteMarker *bool   `parquet:"is_delete_marker,optional"`
	Size           *int64  `parquet:"size,optional"`
	LastModified   *int64  `parquet:"last_modified_date,optional,timestamp(millisecond)"`
	ETag           *string `parquet:"e_tag,optional"`
	StorageClass   *string `parquet:"storage_class,optional"`
	Multipart      *bool   `parquet:"is_multipart_uploaded,optional"`
	Encryption     *string `parquet:"encryption_status,optional"`
}

// writeReport writes a report as S3 Inventory publishes it under dest
// (the destination bucket's root): data files under
// inv/SOURCE/daily/data/, the manifest under inv/SOURCE/daily/STAMP/.
// It returns the manifest's path, relative to dest.
func writeReport(t testing.TB, dest, source, format, stamp string, rows []invRow, files int) string {
	t.Helper()
	base := "inv/" + source + "/daily/"
	m := map[string]any{"sourceBucket": source, "destinationBucket": "arn:aws:s3:::" + filepath.Base(dest), "version": "2016-11-30",
		"creationTimestamp": "1735689600000", "fileFormat": format}
	var list []map[string]any
	for i := range files {
		var part []invRow
		for j := i; j < len(rows); j += files {
			part = append(part, rows[j])
		}
		var data []byte
		key := fmt.Sprintf("%sdata/%s-%d.", base, stamp, i)
		switch format {
		case "CSV":
			data, key = gzipCSV(t, source, part), key+"csv.gz"
		case "Parquet":
			data, key = parquetFile(t, source, part), key+"parquet"
		}
		writeFile(t, filepath.Join(dest, key), data)
		sum := md5.Sum(data)
		list = append(list, map[string]any{"key": key, "size": len(data), "MD5checksum": hex.EncodeToString(sum[:])})
	}
	m["files"] = list
	if format == "CSV" {
		m["fileSchema"] = csvSchema
	} else {
		m["fileSchema"] = "message s3.inventory { required binary bucket (STRING); required binary key (STRING); ... }"
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	manifest := base + stamp + "/manifest.json"
	writeFile(t, filepath.Join(dest, manifest), data)
	return manifest
}

func writeFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func gzipCSV(t testing.TB, bucket string, rows []invRow) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	w := csv.NewWriter(zw)
	for _, r := range rows {
		size := fmt.Sprint(r.Size)
		if r.Marker {
			size = ""
		}
		enc := r.Encrypted
		if enc == "" {
			enc = "NOT-SSE"
		}
		if err := w.Write([]string{bucket, url.QueryEscape(r.Key), r.Version, fmt.Sprint(r.Latest), fmt.Sprint(r.Marker), size,
			r.Modified.UTC().Format("2006-01-02T15:04:05.000Z"), r.ETag, r.Class, fmt.Sprint(strings.Contains(r.ETag, "-")), "", enc, "DISABLED"}); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func parquetFile(t testing.TB, bucket string, rows []invRow) []byte {
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[parquetInvRow](&buf)
	out := make([]parquetInvRow, len(rows))
	for i, r := range rows {
		ms := r.Modified.UnixMilli()
		mp := strings.Contains(r.ETag, "-")
		p := parquetInvRow{Bucket: bucket, Key: r.Key, IsLatest: &r.Latest, IsDeleteMarker: &r.Marker, LastModified: &ms,
			ETag: &r.ETag, StorageClass: &r.Class, Multipart: &mp}
		if r.Version != "" {
			p.VersionID = &r.Version
		}
		if !r.Marker {
			p.Size = &r.Size
		}
		if r.Encrypted != "" {
			p.Encryption = &r.Encrypted
		}
		out[i] = p
	}
	if _, err := w.Write(out); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var day1 = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

// report1 is a versioned bucket: a.csv has an older version and
// "old report.csv" a delete marker as its latest version; keys with a
// space and a '+' are URL-encoded in CSV.
func report1() []invRow {
	return []invRow{
		{Key: "uploads/acme/a.csv", Version: "v2", Latest: true, Size: 10, Modified: day1, ETag: "e-a2", Class: "STANDARD", Encrypted: "SSE-S3"},
		{Key: "uploads/acme/a.csv", Version: "v1", Size: 9, Modified: day1.Add(-time.Hour), ETag: "e-a1", Class: "STANDARD"},
		{Key: "uploads/acme/b c+d.csv", Version: "v1", Latest: true, Size: 20, Modified: day1, ETag: "e-b", Class: "STANDARD_IA"},
		{Key: "uploads/globex/c.csv", Version: "v1", Latest: true, Size: 30, Modified: day1, ETag: "9a0364b9e99bb480dd25e1f0284c8555-2", Class: "GLACIER"},
		{Key: "uploads/globex/d.csv", Version: "v1", Latest: true, Size: 40, Modified: day1, ETag: "e-d", Class: "STANDARD"},
		{Key: "uploads/old report.csv", Version: "v9", Latest: true, Marker: true, Modified: day1},
	}
}

// report2 is a day later: b changed, d was deleted, e was added.
func report2() []invRow {
	day2 := day1.Add(24 * time.Hour)
	rows := report1()
	rows[2] = invRow{Key: "uploads/acme/b c+d.csv", Version: "v2", Latest: true, Size: 21, Modified: day2, ETag: "e-b2", Class: "STANDARD_IA"}
	rows = slices.Delete(rows, 4, 5)
	return append(rows, invRow{Key: "uploads/initech/e.csv", Version: "v1", Latest: true, Size: 50, Modified: day2, ETag: "e-e", Class: "STANDARD"})
}

// From a CSV and from a Parquet report on local disk: the latest version
// of each object is indexed (older versions and delete markers are not),
// keys are URL-decoded, and user metadata is null (a report has none);
// a newer report journals exactly what changed, and the tables read back
// hold it.
func TestIndexInventoryReport(t *testing.T) {
	for _, format := range []string{"CSV", "Parquet"} {
		t.Run(format, func(t *testing.T) {
			ctx := context.Background()
			dest := filepath.Join(t.TempDir(), "inventory-dest")
			m1 := writeReport(t, dest, "uploads-bucket", format, "2026-03-01T01-00Z", report1(), 2)
			m2 := writeReport(t, dest, "uploads-bucket", format, "2026-03-02T01-00Z", report2(), 2)
			root := t.TempDir()

			rep, err := search.ReadReport(ctx, open, filepath.Join(dest, m1))
			if err != nil {
				t.Fatal(err)
			}
			if rep.Rows != 6 || rep.Files != 2 {
				t.Errorf("read %d rows from %d files, want 6 from 2", rep.Rows, rep.Files)
			}
			res, err := search.IndexReport(ctx, rep, nil, nil, search.IndexOptions{Now: day1.Add(2 * time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"CREATE uploads/acme/a.csv", "CREATE uploads/acme/b c+d.csv", "CREATE uploads/globex/c.csv", "CREATE uploads/globex/d.csv"}
			if got := changes(res.Journal); !slices.Equal(got, want) {
				t.Fatalf("journal %q, want %q", got, want)
			}
			if res.Fetched != 0 {
				t.Errorf("fetched %d without --fetch-metadata", res.Fetched)
			}
			writeIndex(t, root, res, day1.Add(2*time.Hour), 2)

			prev, err := search.ReadInventory(ctx, open, root)
			if err != nil {
				t.Fatal(err)
			}
			a, c := prev[0], prev[2]
			if a.Bucket != "uploads-bucket" || a.VersionID != "v2" || a.Size != 10 || a.ETag != "e-a2" || a.EncryptionStatus != "SSE-S3" ||
				!a.LastModified.Equal(day1) || a.UserMetadata != nil || a.Tags != nil {
				t.Errorf("a.csv read back: %+v", a)
			}
			if c.StorageClass != "GLACIER" || !c.IsMultipart || c.EncryptionStatus != "" {
				t.Errorf("c.csv read back: %+v", c)
			}

			rep2, err := search.ReadReport(ctx, open, filepath.Join(dest, m2))
			if err != nil {
				t.Fatal(err)
			}
			res2, err := search.IndexReport(ctx, rep2, nil, prev, search.IndexOptions{Now: day1.Add(26 * time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			want = []string{"CREATE uploads/acme/b c+d.csv", "DELETE uploads/globex/d.csv", "CREATE uploads/initech/e.csv"}
			if got := changes(res2.Journal); !slices.Equal(got, want) {
				t.Errorf("journal %q, want %q", got, want)
			}
			if res2.Unchanged != 2 || len(res2.Inventory) != 4 {
				t.Errorf("re-index: %d unchanged, %d in the inventory; want 2 and 4", res2.Unchanged, len(res2.Inventory))
			}
		})
	}
}

// A data file whose MD5 is not the manifest's is an error naming it, and
// so is a manifest whose manifest.checksum does not match.
func TestInventoryReportChecksums(t *testing.T) {
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "dest")
	m := writeReport(t, dest, "src", "CSV", "2026-03-01T01-00Z", report1(), 2)
	bad := filepath.Join(dest, "inv/src/daily/data/2026-03-01T01-00Z-1.csv.gz")
	writeFile(t, bad, gzipCSV(t, "src", report1()[:1]))
	_, err := search.ReadReport(ctx, open, filepath.Join(dest, m))
	if err == nil || !strings.Contains(err.Error(), "2026-03-01T01-00Z-1.csv.gz: MD5 ") || !strings.Contains(err.Error(), "the manifest says") {
		t.Errorf("a data file changed: %v", err)
	}

	m = writeReport(t, dest, "src", "CSV", "2026-03-02T01-00Z", report1(), 1)
	writeFile(t, filepath.Join(dest, "inv/src/daily/2026-03-02T01-00Z/manifest.checksum"), []byte("00112233445566778899aabbccddeeff\n"))
	if _, err := search.ReadReport(ctx, open, filepath.Join(dest, m)); err == nil || !strings.Contains(err.Error(), "manifest.checksum says 00112233") {
		t.Errorf("manifest.checksum wrong: %v", err)
	}
}

// ORC is refused, naming the format; so are manifests missing what a
// report must have.
func TestParseManifestErrors(t *testing.T) {
	for _, tc := range []struct{ json, want string }{
		{`{"sourceBucket":"b","fileFormat":"ORC","files":[{"key":"k"}]}`, "fileFormat ORC"},
		{`{"fileFormat":"CSV","fileSchema":"Key","files":[{"key":"k"}]}`, "sourceBucket is missing"},
		{`{"sourceBucket":"b","fileFormat":"CSV","fileSchema":"Bucket, Size","files":[{"key":"k"}]}`, "no Key column"},
		{`{"sourceBucket":"b","fileFormat":"CSV","fileSchema":"Key","files":[]}`, "files is empty"},
		{`{"sourceBucket":"b","fileFormat":"CSV","fileSchema":"Key","files":[{"key":"k","MD5checksum":"xyz"}]}`, "files[0] (k): MD5checksum"},
		{`{"sourceBucket":`, "not an S3 Inventory manifest"},
	} {
		_, err := search.ParseManifest("m.json", []byte(tc.json))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "m.json: ") {
			t.Errorf("%s: %v, want %q", tc.json, err, tc.want)
		}
		if tc.want == "fileFormat ORC" && !errors.Is(err, search.ErrUnsupportedFormat) {
			t.Errorf("ORC: %v is not ErrUnsupportedFormat", err)
		}
	}
}

// Two reports in one run, of two buckets: the second's changes follow the
// first's, numbered after them, and the counts add up.
func TestAddReports(t *testing.T) {
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "dest")
	var manifests []string
	for _, bucket := range []string{"one", "two"} {
		rows := []invRow{{Key: "a.csv", Latest: true, Size: 1, Modified: day1, ETag: "e1", Class: "STANDARD"},
			{Key: "b.csv", Latest: true, Size: 2, Modified: day1, ETag: "e2", Class: "STANDARD"}}
		manifests = append(manifests, filepath.Join(dest, writeReport(t, dest, bucket, "CSV", "2026-03-01T01-00Z", rows, 1)))
	}
	total := &search.IndexResult{}
	for _, m := range manifests {
		rep, err := search.ReadReport(ctx, open, m)
		if err != nil {
			t.Fatal(err)
		}
		if total, err = total.AddReport(ctx, rep, nil, search.IndexOptions{Now: day1}); err != nil {
			t.Fatal(err)
		}
	}
	if total.Listed != 4 || total.Created != 4 || len(total.Journal) != 4 || len(total.Inventory) != 4 {
		t.Fatalf("listed %d, created %d, journal %d, inventory %d; want 4 each", total.Listed, total.Created, len(total.Journal), len(total.Inventory))
	}
	seen := map[string]bool{}
	for i, j := range total.Journal {
		if seen[j.SequenceNumber] || i > 0 && j.SequenceNumber <= total.Journal[i-1].SequenceNumber {
			t.Fatalf("sequence numbers of one run repeat or go back: %v", total.Journal)
		}
		seen[j.SequenceNumber] = true
	}
}
