package search_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/lakectl/lakectl/internal/search"
	"github.com/lakectl/lakectl/internal/storage"
	lakes3 "github.com/lakectl/lakectl/internal/storage/s3"
	"github.com/lakectl/lakectl/internal/storage/s3/s3test"
)

// A MinIO bucket with user metadata and tags: after one object's content
// changes, one's metadata is replaced in place, one is added and one
// deleted, the re-index journals exactly those four changes and HEADs
// and reads the tags of the three objects that exist, no other.
func TestIndexS3Reindex(t *testing.T) {
	srv := s3test.Require(t)
	bucket := srv.NewBucket(t)
	srv.Setenv(t)
	ctx := context.Background()
	c := srv.Client()
	putObj := func(key, body string, meta map[string]string, tags string) {
		t.Helper()
		in := &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: strings.NewReader(body), Metadata: meta}
		if tags != "" {
			in.Tagging = &tags
		}
		if _, err := c.PutObject(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	putObj("uploads/acme/a.csv", "a", map[string]string{"customer": "acme"}, "category=invoice")
	putObj("uploads/acme/b.csv", "b", map[string]string{"customer": "acme"}, "category=report")
	putObj("uploads/globex/c.csv", "c", map[string]string{"customer": "globex"}, "")
	putObj("uploads/globex/d.csv", "d", nil, "")
	putObj("uploads/initech/e.csv", "e", nil, "")

	s, err := lakes3.Open(ctx, bucket, "uploads", lakes3.Options{Endpoint: srv.Endpoint})
	if err != nil {
		t.Fatal(err)
	}
	res, err := search.Index(ctx, []storage.Store{s}, nil, search.IndexOptions{Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Inventory) != 5 || res.Created != 5 {
		t.Fatalf("first index: %+v", res)
	}
	a := res.Inventory[0]
	if a.Bucket != bucket || a.Key != "uploads/acme/a.csv" || a.UserMetadata["customer"] != "acme" || a.Tags["category"] != "invoice" || a.ETag == "" || a.StorageClass == "" {
		t.Fatalf("first record: %+v", a)
	}
	before := s.Requests()

	// S3 keeps LastModified to the second: let the changes land in
	// another second so that a copy in place shows in the listing.
	time.Sleep(1100 * time.Millisecond)
	putObj("uploads/acme/b.csv", "b, corrected", map[string]string{"customer": "acme"}, "category=report")
	src := bucket + "/uploads/globex/c.csv"
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: &bucket, Key: aws.String("uploads/globex/c.csv"), CopySource: &src,
		Metadata: map[string]string{"customer": "globex", "reviewed": "yes"}, MetadataDirective: types.MetadataDirectiveReplace}); err != nil {
		t.Fatal(err)
	}
	putObj("uploads/initech/f.csv", "f", map[string]string{"customer": "initech"}, "category=invoice")
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String("uploads/globex/d.csv")}); err != nil {
		t.Fatal(err)
	}

	res2, err := search.Index(ctx, []storage.Store{s}, res.Inventory, search.IndexOptions{Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"CREATE uploads/acme/b.csv", "UPDATE_METADATA uploads/globex/c.csv", "DELETE uploads/globex/d.csv", "CREATE uploads/initech/f.csv"}
	if got := changes(res2.Journal); !slices.Equal(got, want) {
		t.Errorf("journal %q, want %q", got, want)
	}
	after := s.Requests()
	if heads, tags := after["HeadObject"]-before["HeadObject"], after["GetObjectTagging"]-before["GetObjectTagging"]; heads != 3 || tags != 3 {
		t.Errorf("re-index sent %d HeadObject and %d GetObjectTagging, want 3 of each (b, c, f)", heads, tags)
	}
	for _, r := range res2.Inventory {
		if r.Key == "uploads/globex/c.csv" && r.UserMetadata["reviewed"] != "yes" {
			t.Errorf("c.csv's metadata after the copy in place: %v", r.UserMetadata)
		}
	}
}
