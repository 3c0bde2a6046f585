package search

import (
	"bytes"
	"compress/gzip"
	"strings"
	"testing"
)

// Any manifest either parses into one whose formats and files are usable,
// or is an error naming it; never a panic.
func FuzzInventoryManifest(f *testing.F) {
	f.Add(`{"sourceBucket":"b","destinationBucket":"arn:aws:s3:::d","fileFormat":"CSV","fileSchema":"Bucket, Key, Size","files":[{"key":"k.csv.gz","size":1,"MD5checksum":"f11166069f1990abeb9c97ace9cdfabc"}]}`)
	f.Add(`{"sourceBucket":"b","fileFormat":"Parquet","fileSchema":"message s3.inventory { }","files":[{"key":"k.parquet"}]}`)
	f.Add(`{"sourceBucket":"b","fileFormat":"ORC","files":[{"key":"k"}]}`)
	f.Add(`{"sourceBucket":"b","fileFormat":"CSV","fileSchema":"","files":[{"key":""}]}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, data string) {
		m, err := ParseManifest("m.json", []byte(data))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "m.json: ") {
				t.Fatalf("error does not name the manifest: %v", err)
			}
			return
		}
		if m.SourceBucket == "" || len(m.Files) == 0 || (m.FileFormat != "CSV" && m.FileFormat != "Parquet") {
			t.Fatalf("accepted %+v", m)
		}
		if m.FileFormat == "CSV" && csvColumn(m.columns, "Key") < 0 {
			t.Fatalf("accepted a CSV schema without Key: %q", m.FileSchema)
		}
	})
}

// A CSV data file (the schema, then its rows) reads into rows or fails
// with an error naming the line; a row read has a key.
func FuzzInventoryCSVRow(f *testing.F) {
	schema := "Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, LastModifiedDate, ETag, StorageClass, IsMultipartUploaded, ReplicationStatus, EncryptionStatus, BucketKeyStatus"
	f.Add(schema, `"b","a%2Fb+c.csv","v1","true","false","10","2026-03-01T08:00:00.000Z","e","STANDARD","false","","SSE-S3","DISABLED"`)
	f.Add(schema, `"b","k","","false","true","","2026-03-01T08:00:00.000Z","","","","","NOT-SSE",""`)
	f.Add("Bucket, Key, Size", `"b","%zz","1"`)
	f.Add("Key, Size", `"k","-1"`)
	f.Add("Key", "\"unterminated")
	f.Fuzz(func(t *testing.T, fileSchema, text string) {
		var cols []string
		for c := range strings.SplitSeq(fileSchema, ",") {
			cols = append(cols, strings.TrimSpace(c))
		}
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write([]byte(text))
		zw.Close()
		rows, err := readCSV(&buf, cols)
		if err != nil {
			return
		}
		for _, r := range rows {
			if csvColumn(cols, "Key") >= 0 && r.obj.Key == "" {
				t.Fatalf("a row without a key: %+v", r)
			}
			if r.obj.Size < 0 {
				t.Fatalf("negative size: %+v", r)
			}
		}
	})
}
