package s3

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/lakectl/lakectl/internal/storage"
)

// maxParts is the most parts a multipart upload may have.
const maxParts = 10000

// copyOptions size server-side copies.
type copyOptions struct {
	threshold, partSize int64
	concurrency         int
}

func newCopyOptions(o Options) copyOptions {
	c := copyOptions{threshold: o.CopyThreshold, partSize: o.CopyPartSize, concurrency: o.Concurrency}
	if c.threshold <= 0 {
		c.threshold = DefaultCopyThreshold
	}
	if c.partSize <= 0 {
		c.partSize = DefaultCopyPartSize
	}
	if c.concurrency <= 0 {
		c.concurrency = 4
	}
	return c
}

// Copy copies an object within the store, server side (see CopyFrom).
func (s *Store) Copy(ctx context.Context, src, dst string) error {
	_, err := s.CopyFrom(ctx, s, src, dst)
	return err
}

// Reaches tells whether this store's client can read src's objects, to
// copy them server side: both stores speak to the same endpoint with the
// same credentials.
func (s *Store) Reaches(ctx context.Context, src *Store) bool {
	if s.endpoint != src.endpoint {
		return false
	}
	a, err := s.client.Options().Credentials.Retrieve(ctx)
	if err != nil {
		return false
	}
	b, err := src.client.Options().Credentials.Retrieve(ctx)
	return err == nil && a.AccessKeyID == b.AccessKeyID
}

// CopyFrom copies the object srcKey of src (this store, or one whose
// bucket this store's client reaches: see Reaches) to dstKey, server side:
// one CopyObject up to the copy threshold, and above it a multipart copy
// (UploadPartCopy), which becomes visible only when complete and is
// aborted on failure. It copies the object its first request finds: one
// replaced meanwhile fails the copy with storage.ErrPrecondition. It
// returns the source object; its ETagIsMD5 says that S3 vouches the copy
// has that MD5 (a single CopyObject whose new ETag is the source's MD5).
func (s *Store) CopyFrom(ctx context.Context, src *Store, srcKey, dstKey string) (*Info, error) {
	sk, err := src.key(srcKey)
	if err != nil {
		return nil, err
	}
	dk, err := s.key(dstKey)
	if err != nil {
		return nil, err
	}
	head, err := src.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &src.bucket, Key: &sk})
	if err != nil {
		return nil, src.wrap("copy", srcKey, err)
	}
	etag := strings.Trim(aws.ToString(head.ETag), `"`)
	info := &Info{
		Object:    storage.Object{Key: srcKey, Size: aws.ToInt64(head.ContentLength), ModTime: aws.ToTime(head.LastModified), ETag: etag},
		ETagIsMD5: etagIsMD5(etag, head.ServerSideEncryption, head.SSECustomerAlgorithm),
	}
	source := url.PathEscape(src.bucket) + "/" + strings.ReplaceAll(url.PathEscape(sk), "%2F", "/")
	if info.Size <= s.copy.threshold {
		out, err := s.client.CopyObject(ctx, &s3.CopyObjectInput{Bucket: &s.bucket, Key: &dk, CopySource: &source, CopySourceIfMatch: head.ETag})
		if err != nil {
			return nil, s.copyError(src, srcKey, err)
		}
		if out.CopyObjectResult == nil || strings.Trim(aws.ToString(out.CopyObjectResult.ETag), `"`) != etag {
			info.ETagIsMD5 = false
		}
		return info, nil
	}
	info.ETagIsMD5 = false // a multipart copy's ETag is not an MD5
	if err := s.multipartCopy(ctx, source, dk, head); err != nil {
		return nil, s.copyError(src, srcKey, err)
	}
	return info, nil
}

func (s *Store) copyError(src *Store, srcKey string, err error) error {
	if status(err) == http.StatusPreconditionFailed {
		return fmt.Errorf("copy %s: %w", src.URI(srcKey), storage.ErrPrecondition)
	}
	return src.wrap("copy", srcKey, err)
}

// multipartCopy copies the object head describes in parts of at least
// the copy part size (more when 10,000 parts would not hold it), several
// at once.
func (s *Store) multipartCopy(ctx context.Context, source, dk string, head *s3.HeadObjectOutput) (err error) {
	size := aws.ToInt64(head.ContentLength)
	partSize := max(s.copy.partSize, (size+maxParts-1)/maxParts)
	up, err := s.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: &s.bucket, Key: &dk,
		ContentType: head.ContentType, ContentEncoding: head.ContentEncoding, ContentDisposition: head.ContentDisposition,
		ContentLanguage: head.ContentLanguage, CacheControl: head.CacheControl, Metadata: head.Metadata,
	})
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			// Even when ctx is cancelled: S3 keeps (and bills) the parts
			// of an upload until it is aborted.
			s.client.AbortMultipartUpload(context.WithoutCancel(ctx), &s3.AbortMultipartUploadInput{Bucket: &s.bucket, Key: &dk, UploadId: up.UploadId})
		}
	}()
	n := int((size + partSize - 1) / partSize)
	parts := make([]types.CompletedPart, n)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	work := make(chan int)
	for range min(s.copy.concurrency, n) {
		wg.Go(func() {
			for i := range work {
				first := int64(i) * partSize
				last := min(first+partSize, size) - 1
				out, err := s.client.UploadPartCopy(ctx, &s3.UploadPartCopyInput{
					Bucket: &s.bucket, Key: &dk, UploadId: up.UploadId, PartNumber: aws.Int32(int32(i + 1)),
					CopySource: &source, CopySourceRange: aws.String(fmt.Sprintf("bytes=%d-%d", first, last)),
					CopySourceIfMatch: head.ETag,
				})
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					cancel()
					continue
				}
				parts[i] = types.CompletedPart{ETag: out.CopyPartResult.ETag, PartNumber: aws.Int32(int32(i + 1))}
			}
		})
	}
feed:
	for i := range n {
		select {
		case work <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err = s.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: &s.bucket, Key: &dk, UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
	})
	return err
}
