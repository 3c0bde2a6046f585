package s3_test

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lakectl/lakectl/internal/storage"
	lakes3 "github.com/lakectl/lakectl/internal/storage/s3"
	"github.com/lakectl/lakectl/internal/storage/s3/s3test"
	"github.com/lakectl/lakectl/internal/storage/storagetest"
)

func setEnv(t *testing.T, env []string) {
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
}

func open(t *testing.T, srv s3test.Server, bucket, prefix string) *lakes3.Store {
	t.Helper()
	setEnv(t, srv.Env())
	s, err := lakes3.Open(t.Context(), bucket, prefix, lakes3.Options{Endpoint: srv.Endpoint, PartSize: 5 << 20, Concurrency: 2})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	srv := s3test.Require(t)
	storagetest.Run(t, func(t *testing.T) storage.Store {
		return open(t, srv, srv.NewBucket(t), "lake/raw")
	})
}

func TestConformanceAtBucketRoot(t *testing.T) {
	srv := s3test.Require(t)
	storagetest.Run(t, func(t *testing.T) storage.Store {
		return open(t, srv, srv.NewBucket(t), "")
	})
}

func TestFailedMultipartUploadIsAborted(t *testing.T) {
	srv := s3test.Require(t)
	bucket := srv.NewBucket(t)
	s := open(t, srv, bucket, "p")
	src := io.MultiReader(io.LimitReader(zeros{}, 11<<20), errReader{})
	if err := s.Put(t.Context(), "big", src); err == nil {
		t.Fatal("Put succeeded")
	}
	out, err := srv.Client().ListMultipartUploads(t.Context(), &s3.ListMultipartUploadsInput{Bucket: &bucket})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Uploads) != 0 {
		t.Errorf("%d multipart uploads left open", len(out.Uploads))
	}
}

// A writer killed mid-upload leaves an open multipart upload, invisible to
// List; RemoveFolder aborts it with the folder's objects.
func TestRemoveFolderAbortsOpenUploads(t *testing.T) {
	srv := s3test.Require(t)
	bucket := srv.NewBucket(t)
	s := open(t, srv, bucket, "p")
	if err := s.Put(t.Context(), "stage/run/a", strings.NewReader("a")); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"p/stage/run/b", "p/stage/other/c"} {
		if _, err := srv.Client().CreateMultipartUpload(t.Context(), &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: &key}); err != nil {
			t.Fatal(err)
		}
	}
	if err := storage.RemoveFolder(t.Context(), s, "stage/run"); err != nil {
		t.Fatal(err)
	}
	out, err := srv.Client().ListMultipartUploads(t.Context(), &s3.ListMultipartUploadsInput{Bucket: &bucket})
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, u := range out.Uploads {
		left = append(left, *u.Key)
	}
	if len(left) != 1 || left[0] != "p/stage/other/c" {
		t.Errorf("uploads left open: %v, want only p/stage/other/c", left)
	}
	if _, err := s.Stat(t.Context(), "stage/run/a"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stage/run/a still there (%v)", err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("source broke") }

func TestOpenErrors(t *testing.T) {
	srv := s3test.Require(t)
	setEnv(t, srv.Env())
	opts := lakes3.Options{Endpoint: srv.Endpoint}

	_, err := lakes3.Open(t.Context(), "no-such-bucket-here", "", opts)
	if !errors.Is(err, lakes3.ErrBucketNotFound) {
		t.Errorf("missing bucket: %v", err)
	}

	bucket := srv.NewBucket(t)
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wrong")
	_, err = lakes3.Open(t.Context(), bucket, "", opts)
	if !errors.Is(err, lakes3.ErrAccessDenied) {
		t.Errorf("wrong secret: %v", err)
	}

	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	_, err = lakes3.Open(t.Context(), bucket, "", opts)
	if !errors.Is(err, lakes3.ErrNoCredentials) {
		t.Errorf("no credentials: %v", err)
	}
}
