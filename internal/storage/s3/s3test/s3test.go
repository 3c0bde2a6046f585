// Package s3test connects tests to the S3-compatible server (MinIO) that
// scripts/with-services.sh starts on 127.0.0.1.
package s3test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Server describes the test server.
type Server struct {
	Endpoint, AccessKey, SecretKey string
}

// Require returns the test server. Without one the test is skipped, except
// under CI=true, where it fails: CI must run every test.
func Require(t testing.TB) Server {
	t.Helper()
	s := Server{
		Endpoint:  os.Getenv("LAKECTL_TEST_S3_ENDPOINT"),
		AccessKey: os.Getenv("LAKECTL_TEST_S3_ACCESS_KEY"),
		SecretKey: os.Getenv("LAKECTL_TEST_S3_SECRET_KEY"),
	}
	if s.Endpoint == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("LAKECTL_TEST_S3_ENDPOINT is not set: run the tests with `make test`, which starts MinIO")
		}
		t.Skip("no S3 test server: run `make test` (LAKECTL_TEST_S3_ENDPOINT is not set)")
	}
	return s
}

// Env is the environment under which the AWS SDK reaches the server with
// its standard credential chain.
func (s Server) Env() []string {
	return []string{
		"AWS_ACCESS_KEY_ID=" + s.AccessKey,
		"AWS_SECRET_ACCESS_KEY=" + s.SecretKey,
		"AWS_REGION=us-east-1",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=" + os.DevNull,
		"AWS_SHARED_CREDENTIALS_FILE=" + os.DevNull,
	}
}

// Setenv sets Env for the rest of a test (or benchmark).
func (s Server) Setenv(t testing.TB) {
	for _, kv := range s.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
}

// Client is a plain S3 client of the server.
func (s Server) Client() *s3.Client {
	return s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(s.Endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, ""),
	})
}

// NewBucket creates an empty bucket with a fresh name; it is emptied and
// removed when the test ends.
func (s Server) NewBucket(t testing.TB) string {
	t.Helper()
	name, remove, err := s.CreateBucket(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(remove)
	return name
}

// CreateBucket creates an empty bucket with a fresh name and returns a
// function that empties and removes it.
func (s Server) CreateBucket(ctx context.Context) (string, func(), error) {
	name := fmt.Sprintf("lakectl-test-%016x", rand.Uint64())
	c := s.Client()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &name}); err != nil {
		return "", nil, fmt.Errorf("create bucket %s at %s: %w", name, s.Endpoint, err)
	}
	remove := func() {
		ctx := context.Background()
		// Every version and delete marker (a versioned bucket's too: an
		// unversioned one lists its objects as version "null"), and the
		// multipart uploads left open: a bucket is removed only empty.
		p := s3.NewListObjectVersionsPaginator(c, &s3.ListObjectVersionsInput{Bucket: &name})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				break
			}
			for _, v := range page.Versions {
				c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &name, Key: v.Key, VersionId: v.VersionId})
			}
			for _, d := range page.DeleteMarkers {
				c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &name, Key: d.Key, VersionId: d.VersionId})
			}
		}
		if out, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: &name}); err == nil {
			for _, u := range out.Uploads {
				c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: &name, Key: u.Key, UploadId: u.UploadId})
			}
		}
		c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &name})
	}
	return name, remove, nil
}
