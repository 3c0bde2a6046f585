package usage_test

import (
	"bytes"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/lakectl/lakectl/internal/storage/local"
	lakes3 "github.com/lakectl/lakectl/internal/storage/s3"
	"github.com/lakectl/lakectl/internal/storage/s3/s3test"
	"github.com/lakectl/lakectl/internal/storage/usage"
)

func TestPrefixOf(t *testing.T) {
	for _, c := range []struct {
		key   string
		depth int
		want  string
	}{
		{"a/b/c.csv", 0, ""},
		{"a/b/c.csv", 1, "a/"},
		{"a/b/c.csv", 2, "a/b/"},
		{"a/b/c.csv", 3, "a/b/"}, // shallower than the depth: its folder
		{"c.csv", 1, ""},
		{"a/c.csv", 2, "a/"},
	} {
		if got := usage.PrefixOf(c.key, c.depth); got != c.want {
			t.Errorf("PrefixOf(%q, %d) = %q, want %q", c.key, c.depth, got, c.want)
		}
	}
}

var now = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// day is a time days before now.
func day(days int) time.Time { return now.Add(-time.Duration(days) * 24 * time.Hour) }

// On local disk: counts, bytes and age buckets per prefix, at every depth;
// every file is STANDARD, and there are no uploads or versions.
func TestMeasureLocal(t *testing.T) {
	dir := t.TempDir()
	files := []struct {
		path string
		size int
		mod  time.Time
	}{
		{"top.txt", 3, day(0)},
		{"raw/orders/a.csv", 10, day(29)},
		{"raw/orders/b.csv", 20, day(30)}, // 30 days old exactly: the second bucket
		{"raw/cust/c.csv", 40, day(200)},
		{"raw/d.csv", 80, day(400)},
		{"curated/e.parquet", 160, now.Add(time.Hour)}, // written after the clock: the first bucket
	}
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, bytes.Repeat([]byte("x"), f.size), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, f.mod, f.mod); err != nil {
			t.Fatal(err)
		}
	}
	s, err := local.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		prefix         string
		objects, bytes int64
		ages           []int64
	}
	for depth, want := range [][]row{
		{{"", 6, 313, []int64{173, 20, 40, 80}}},
		{{"", 1, 3, []int64{3, 0, 0, 0}}, {"curated/", 1, 160, []int64{160, 0, 0, 0}}, {"raw/", 4, 150, []int64{10, 20, 40, 80}}},
		{{"", 1, 3, []int64{3, 0, 0, 0}}, {"curated/", 1, 160, []int64{160, 0, 0, 0}}, {"raw/", 1, 80, []int64{0, 0, 0, 80}},
			{"raw/cust/", 1, 40, []int64{0, 0, 40, 0}}, {"raw/orders/", 2, 30, []int64{10, 20, 0, 0}}},
	} {
		rep, err := usage.Measure(t.Context(), s, usage.Options{Depth: depth, Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Versioned || rep.UploadsListed || !rep.Time.Equal(now) {
			t.Errorf("depth %d: versioned %v, uploads listed %v, time %v", depth, rep.Versioned, rep.UploadsListed, rep.Time)
		}
		var got []row
		for _, p := range rep.Prefixes {
			got = append(got, row{p.Prefix, p.Objects, p.Bytes, p.BytesByAge})
			if !maps.Equal(p.BytesByClass, map[string]int64{"STANDARD": p.Bytes}) || !maps.Equal(p.ObjectsByClass, map[string]int64{"STANDARD": p.Objects}) {
				t.Errorf("depth %d, %q: by class %v %v", depth, p.Prefix, p.ObjectsByClass, p.BytesByClass)
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("depth %d:\n got %v\nwant %v", depth, got, want)
		}
	}
}

// An empty location is measured too, as nothing.
func TestMeasureEmpty(t *testing.T) {
	s, _ := local.New(t.TempDir())
	rep, err := usage.Measure(t.Context(), s, usage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Prefixes) != 1 || rep.Prefixes[0].Prefix != "" || rep.Prefixes[0].Objects != 0 {
		t.Errorf("prefixes %+v", rep.Prefixes)
	}
}

// On MinIO, a versioned bucket: objects in two storage classes, a
// noncurrent version, a delete marker, and a multipart upload left open
// with two parts; what lies outside the store's prefix is not counted; and
// the requests it took.
func TestMeasureS3(t *testing.T) {
	srv := s3test.Require(t)
	bucket := srv.NewBucket(t)
	c := srv.Client()
	ctx := t.Context()
	if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: &bucket,
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	put := func(key string, size int, class types.StorageClass) {
		t.Helper()
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: bytes.NewReader(bytes.Repeat([]byte("x"), size)), StorageClass: class}); err != nil {
			t.Fatal(err)
		}
	}
	put("lake/raw/a.csv", 100, "")
	put("lake/raw/a.csv", 150, "") // a.csv's 100 bytes become noncurrent
	put("lake/raw/b.csv", 30, types.StorageClassReducedRedundancy)
	put("lake/curated/c.csv", 7, "")
	put("lake/curated/gone.csv", 5, "")
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String("lake/curated/gone.csv")}); err != nil {
		t.Fatal(err)
	}
	put("elsewhere/x.csv", 1000, "")

	mp, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: aws.String("lake/raw/big.csv")})
	if err != nil {
		t.Fatal(err)
	}
	for i, size := range []int{5 << 20, 1 << 10} {
		if _, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: &bucket, Key: mp.Key, UploadId: mp.UploadId, PartNumber: aws.Int32(int32(i + 1)),
			Body: bytes.NewReader(make([]byte, size))}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: aws.String("elsewhere/big.csv")}); err != nil {
		t.Fatal(err)
	}

	srv.Setenv(t)
	s, err := lakes3.Open(ctx, bucket, "lake", lakes3.Options{Endpoint: srv.Endpoint})
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Now().Add(100 * 24 * time.Hour) // every object is 90 to 365 days old
	rep, err := usage.Measure(ctx, s, usage.Options{Depth: 1, Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Versioned || !rep.UploadsListed || len(rep.Prefixes) != 2 {
		t.Fatalf("versioned %v, uploads listed %v, prefixes %+v", rep.Versioned, rep.UploadsListed, rep.Prefixes)
	}
	cur, raw := rep.Prefixes[0], rep.Prefixes[1]
	if cur.Prefix != "curated/" || cur.Objects != 1 || cur.Bytes != 7 || cur.DeleteMarkers != 1 || cur.NoncurrentVersions != 1 || cur.NoncurrentBytes != 5 ||
		cur.MultipartUploads != 0 || !cur.OldestMultipart.IsZero() {
		t.Errorf("curated: %+v", cur)
	}
	if raw.Prefix != "raw/" || raw.Objects != 2 || raw.Bytes != 180 || raw.NoncurrentVersions != 1 || raw.NoncurrentBytes != 100 || raw.DeleteMarkers != 0 {
		t.Errorf("raw: %+v", raw)
	}
	if want := map[string]int64{"STANDARD": 150, "REDUCED_REDUNDANCY": 30}; !maps.Equal(raw.BytesByClass, want) {
		t.Errorf("raw bytes by class %v, want %v", raw.BytesByClass, want)
	}
	if want := map[string]int64{"STANDARD": 1, "REDUCED_REDUNDANCY": 1}; !maps.Equal(raw.ObjectsByClass, want) {
		t.Errorf("raw objects by class %v, want %v", raw.ObjectsByClass, want)
	}
	if want := []int64{0, 0, 180, 0}; !reflect.DeepEqual(raw.BytesByAge, want) {
		t.Errorf("raw bytes by age %v, want %v", raw.BytesByAge, want)
	}
	if raw.MultipartUploads != 1 || raw.MultipartBytes != 5<<20+1<<10 || time.Since(raw.OldestMultipart) > time.Minute || time.Since(raw.OldestMultipart) < -time.Minute {
		t.Errorf("raw uploads: %d of %d bytes, oldest %v", raw.MultipartUploads, raw.MultipartBytes, raw.OldestMultipart)
	}
	// One request of each: the listings are a page each, the open
	// upload's parts one page.
	want := map[string]int{"HeadBucket": 1, "GetBucketVersioning": 1, "ListObjectVersions": 1, "ListMultipartUploads": 1, "ListParts": 1}
	if got := s.Requests(); !maps.Equal(got, want) {
		t.Errorf("requests %v, want %v", got, want)
	}
}

// On a bucket that never kept versions, the objects are listed with
// ListObjectsV2 alone.
func TestMeasureS3Unversioned(t *testing.T) {
	srv := s3test.Require(t)
	bucket := srv.NewBucket(t)
	srv.Setenv(t)
	s, err := lakes3.Open(t.Context(), bucket, "", lakes3.Options{Endpoint: srv.Endpoint})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a/1", "a/2", "b/1"} {
		if err := s.Put(t.Context(), k, strings.NewReader("abc")); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := usage.Measure(t.Context(), s, usage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Versioned || len(rep.Prefixes) != 1 || rep.Prefixes[0].Objects != 3 || rep.Prefixes[0].Bytes != 9 || rep.Prefixes[0].NoncurrentVersions != 0 {
		t.Errorf("versioned %v, prefixes %+v", rep.Versioned, rep.Prefixes)
	}
	want := map[string]int{"HeadBucket": 1, "PutObject": 3, "GetBucketVersioning": 1, "ListObjectsV2": 1, "ListMultipartUploads": 1}
	if got := s.Requests(); !maps.Equal(got, want) {
		t.Errorf("requests %v, want %v", got, want)
	}
}

// PrefixOf of any key at any depth is a prefix of the key that is empty or
// ends with "/", with at most depth slashes, and all of them when the key
// has fewer folders than depth.
func FuzzPrefixOf(f *testing.F) {
	f.Fuzz(func(t *testing.T, key string, depth uint8) {
		d := int(depth % 8)
		p := usage.PrefixOf(key, d)
		n := strings.Count(p, "/")
		if !strings.HasPrefix(key, p) || (p != "" && !strings.HasSuffix(p, "/")) || n > d {
			t.Fatalf("PrefixOf(%q, %d) = %q", key, d, p)
		}
		if n < d && strings.Contains(key[len(p):], "/") {
			t.Fatalf("PrefixOf(%q, %d) = %q stops short", key, d, p)
		}
	})
}
