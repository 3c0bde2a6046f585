package s3_test

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	lakes3 "github.com/lakectl/lakectl/internal/storage/s3"
	"github.com/lakectl/lakectl/internal/storage/s3/s3test"
	"github.com/lakectl/lakectl/internal/storage/storagetest"
)

// openCopying opens a store that copies objects over 5 MiB in 5 MiB parts
// (MinIO's least part size), as it would copies over 5 GiB.
func openCopying(t *testing.T, srv s3test.Server, bucket, prefix string) *lakes3.Store {
	t.Helper()
	setEnv(t, srv.Env())
	s, err := lakes3.Open(t.Context(), bucket, prefix, lakes3.Options{Endpoint: srv.Endpoint, CopyThreshold: 5 << 20, CopyPartSize: 5 << 20})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{1})
	r.Read(b)
	return b
}

func openUploads(t *testing.T, srv s3test.Server, bucket string) int {
	t.Helper()
	out, err := srv.Client().ListMultipartUploads(t.Context(), &s3.ListMultipartUploadsInput{Bucket: &bucket})
	if err != nil {
		t.Fatal(err)
	}
	return len(out.Uploads)
}

// Copy (the commit protocol's move on S3) copies an object over the
// threshold in parts: the bytes arrive whole, the ETag is a multipart
// one, and no upload is left open.
func TestCopyOverThresholdIsMultipart(t *testing.T) {
	srv := s3test.Require(t)
	bucket := srv.NewBucket(t)
	s := openCopying(t, srv, bucket, "lake")
	data := randomBytes(12<<20 + 7)
	if err := s.Put(t.Context(), "stage/big", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	if err := s.Copy(t.Context(), "stage/big", "final/big"); err != nil {
		t.Fatal(err)
	}
	got := storagetest.Read(t, s, "final/big")
	if !bytes.Equal(got, data) {
		t.Fatalf("copy holds %d bytes, not the %d written", len(got), len(data))
	}
	obj, err := s.Stat(t.Context(), "final/big")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(obj.ETag, "-3") {
		t.Errorf("ETag %q: want a copy in 3 parts", obj.ETag)
	}
	if n := openUploads(t, srv, bucket); n != 0 {
		t.Errorf("%d uploads left open", n)
	}
}

// At the threshold a copy is one CopyObject: the copy keeps the MD5 ETag.
func TestCopyAtThresholdIsOneRequest(t *testing.T) {
	srv := s3test.Require(t)
	s := openCopying(t, srv, srv.NewBucket(t), "")
	data := randomBytes(5 << 20)
	if err := s.Put(t.Context(), "a", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	src, err := s.Stat(t.Context(), "a")
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.CopyFrom(t.Context(), s, "a", "b")
	if err != nil {
		t.Fatal(err)
	}
	dst, err := s.Stat(t.Context(), "b")
	if err != nil {
		t.Fatal(err)
	}
	if dst.ETag != src.ETag || !info.ETagIsMD5 || info.Size != int64(len(data)) {
		t.Errorf("copy ETag %q of source %q (ETagIsMD5 %v, size %d)", dst.ETag, src.ETag, info.ETagIsMD5, info.Size)
	}
}

// CopyFrom copies between buckets the same credentials reach, in parts
// over the threshold.
func TestCopyFromAnotherBucket(t *testing.T) {
	srv := s3test.Require(t)
	src := openCopying(t, srv, srv.NewBucket(t), "in")
	dstBucket := srv.NewBucket(t)
	dst := openCopying(t, srv, dstBucket, "out")
	if !dst.Reaches(t.Context(), src) {
		t.Fatal("a store of the same server and credentials is not reached")
	}
	data := randomBytes(11 << 20)
	if err := src.Put(t.Context(), "x/data.bin", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	info, err := dst.CopyFrom(t.Context(), src, "x/data.bin", "staged/data.bin")
	if err != nil {
		t.Fatal(err)
	}
	if info.Size != int64(len(data)) || info.ETagIsMD5 {
		t.Errorf("info %+v: want size %d, no MD5 vouched for a multipart copy", info, len(data))
	}
	if got := storagetest.Read(t, dst, "staged/data.bin"); !bytes.Equal(got, data) {
		t.Fatalf("copy holds %d bytes, not the %d written", len(got), len(data))
	}
	if n := openUploads(t, srv, dstBucket); n != 0 {
		t.Errorf("%d uploads left open", n)
	}
}
