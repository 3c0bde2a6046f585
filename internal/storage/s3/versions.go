package s3

import (
	"context"
	"iter"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/lakectl/lakectl/internal/storage"
)

// ListUploads yields the multipart uploads open under prefix, with the
// parts each holds so far (ListParts: a request per upload and per 1,000
// parts). The bucket's open uploads are listed whole and filtered here, as
// in RemoveFolder: MinIO answers a prefixed listing only for a whole object
// name.
func (s *Store) ListUploads(ctx context.Context, prefix string) iter.Seq2[*storage.Upload, error] {
	return func(yield func(*storage.Upload, error) bool) {
		full := s.prefix + prefix
		p := s3.NewListMultipartUploadsPaginator(s.client, &s3.ListMultipartUploadsInput{Bucket: &s.bucket})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				yield(nil, s.wrap("list uploads", prefix, err))
				return
			}
			for _, u := range page.Uploads {
				if !strings.HasPrefix(aws.ToString(u.Key), full) {
					continue
				}
				up := &storage.Upload{Key: strings.TrimPrefix(aws.ToString(u.Key), s.prefix), ID: aws.ToString(u.UploadId), Initiated: aws.ToTime(u.Initiated)}
				parts := s3.NewListPartsPaginator(s.client, &s3.ListPartsInput{Bucket: &s.bucket, Key: u.Key, UploadId: u.UploadId})
				for parts.HasMorePages() {
					pp, err := parts.NextPage(ctx)
					if status(err) == 404 {
						break // completed or aborted since it was listed
					}
					if err != nil {
						yield(nil, s.wrap("list parts", up.Key, err))
						return
					}
					for _, part := range pp.Parts {
						up.Parts++
						up.Size += aws.ToInt64(part.Size)
					}
				}
				if !yield(up, nil) {
					return
				}
			}
		}
	}
}

// Versioned tells whether the bucket keeps versions: versioning enabled,
// or suspended after it was (the versions kept then remain).
func (s *Store) Versioned(ctx context.Context) (bool, error) {
	out, err := s.client.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: &s.bucket})
	if err != nil {
		return false, s.wrap("get versioning", "", err)
	}
	return out.Status == types.BucketVersioningStatusEnabled || out.Status == types.BucketVersioningStatusSuspended, nil
}

// ListVersions pages through ListObjectVersions (1,000 versions and delete
// markers a request) and yields every version and delete marker under
// prefix, each page's versions before its delete markers.
func (s *Store) ListVersions(ctx context.Context, prefix string) iter.Seq2[*storage.Version, error] {
	return func(yield func(*storage.Version, error) bool) {
		full := s.prefix + prefix
		p := s3.NewListObjectVersionsPaginator(s.client, &s3.ListObjectVersionsInput{Bucket: &s.bucket, Prefix: &full})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				yield(nil, s.wrap("list versions", prefix, err))
				return
			}
			for _, v := range page.Versions {
				key := strings.TrimPrefix(aws.ToString(v.Key), s.prefix)
				if strings.HasSuffix(key, "/") {
					continue // a "folder" marker, as in List
				}
				if !yield(&storage.Version{Key: key, VersionID: aws.ToString(v.VersionId), Size: aws.ToInt64(v.Size), ModTime: aws.ToTime(v.LastModified),
					StorageClass: string(v.StorageClass), IsLatest: aws.ToBool(v.IsLatest)}, nil) {
					return
				}
			}
			for _, d := range page.DeleteMarkers {
				key := strings.TrimPrefix(aws.ToString(d.Key), s.prefix)
				if strings.HasSuffix(key, "/") {
					continue
				}
				if !yield(&storage.Version{Key: key, VersionID: aws.ToString(d.VersionId), ModTime: aws.ToTime(d.LastModified),
					IsLatest: aws.ToBool(d.IsLatest), DeleteMarker: true}, nil) {
					return
				}
			}
		}
	}
}
