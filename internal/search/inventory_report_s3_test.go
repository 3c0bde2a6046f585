package search_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lakectl/lakectl/internal/search"
	"github.com/lakectl/lakectl/internal/storage"
	lakes3 "github.com/lakectl/lakectl/internal/storage/s3"
	"github.com/lakectl/lakectl/internal/storage/s3/s3test"
)

// A report published on MinIO, read from its manifest's s3:// URI (the
// data files from the destination bucket), indexed with the source
// bucket's user metadata: only the new and changed objects are HEADed,
// and a newer report journals exactly what changed.
func TestIndexInventoryReportS3(t *testing.T) {
	srv := s3test.Require(t)
	source, destBucket := srv.NewBucket(t), srv.NewBucket(t)
	srv.Setenv(t)
	ctx := context.Background()
	c := srv.Client()
	put := func(bucket, key string, body []byte, meta map[string]string) {
		t.Helper()
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: bytes.NewReader(body), Metadata: meta}); err != nil {
			t.Fatal(err)
		}
	}
	openS3 := func(ctx context.Context, uri string) (storage.Store, error) {
		bucket, prefix, _ := strings.Cut(strings.TrimPrefix(uri, "s3://"), "/")
		return lakes3.Open(ctx, bucket, prefix, lakes3.Options{Endpoint: srv.Endpoint})
	}
	// The report, written on disk as S3 would publish it, then put in
	// the destination bucket under the same keys.
	local := filepath.Join(t.TempDir(), destBucket)
	m1 := writeReport(t, local, source, "CSV", "2026-03-01T01-00Z", report1(), 2)
	m2 := writeReport(t, local, source, "Parquet", "2026-03-02T01-00Z", report2(), 1)
	if err := filepath.WalkDir(local, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(local, p)
		put(destBucket, filepath.ToSlash(rel), data, nil)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, r := range report2() {
		if !r.Marker {
			put(source, r.Key, []byte("x"), map[string]string{"customer": strings.Split(r.Key, "/")[1]})
		}
	}
	src, err := lakes3.Open(ctx, source, "", lakes3.Options{Endpoint: srv.Endpoint})
	if err != nil {
		t.Fatal(err)
	}

	rep, err := search.ReadReport(ctx, openS3, "s3://"+destBucket+"/"+m1)
	if err != nil {
		t.Fatal(err)
	}
	// d.csv is in the first report but no longer in the bucket: its HEAD
	// finds nothing, and it is not indexed.
	res, err := search.IndexReport(ctx, rep, src, nil, search.IndexOptions{Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"CREATE uploads/acme/a.csv", "CREATE uploads/acme/b c+d.csv", "CREATE uploads/globex/c.csv"}
	if got := changes(res.Journal); !slices.Equal(got, want) {
		t.Fatalf("journal %q, want %q", got, want)
	}
	if a := res.Inventory[0]; a.Bucket != source || a.UserMetadata["customer"] != "acme" || a.ETag != "e-a2" {
		t.Errorf("a.csv: %+v", a)
	}
	before := src.Requests()["HeadObject"]

	rep2, err := search.ReadReport(ctx, openS3, "s3://"+destBucket+"/"+m2)
	if err != nil {
		t.Fatal(err)
	}
	res2, err := search.IndexReport(ctx, rep2, src, res.Inventory, search.IndexOptions{Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	want = []string{"CREATE uploads/acme/b c+d.csv", "CREATE uploads/initech/e.csv"}
	if got := changes(res2.Journal); !slices.Equal(got, want) {
		t.Errorf("journal %q, want %q", got, want)
	}
	if heads := src.Requests()["HeadObject"] - before; heads != 2 {
		t.Errorf("the second report HEADed %d objects, want 2 (b, e)", heads)
	}
}
