// Package s3 is the storage.Store of a bucket and prefix on Amazon S3 or an
// S3-compatible server, through aws-sdk-go-v2 and its standard credential
// chain.
package s3

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/lakectl/lakectl/internal/awsconfig"
	"github.com/lakectl/lakectl/internal/storage"
)

// Options configure the connection. Zero values take the SDK's defaults.
type Options struct {
	// Config gives the AWS configuration lakectl's AWS clients share
	// (credentials, profile, region); nil loads the standard chain's.
	Config func(context.Context) (aws.Config, error)
	// Region overrides the region of the AWS configuration, for S3 alone.
	Region string
	// Endpoint is the URL of an S3-compatible server; it implies
	// path-style addressing.
	Endpoint string
	// PartSize and Concurrency bound the memory of uploads: multipart
	// uploads hold about PartSize × Concurrency bytes.
	PartSize    int64
	Concurrency int
	// Timeout bounds how long a request waits to connect and for the
	// server's answer to start (DefaultTimeout when zero); MaxAttempts is
	// how often a request that failed for a transient reason (a timeout,
	// a 5xx, throttling) is tried in all (DefaultMaxAttempts when zero),
	// with backoff between tries of at most maxBackoff.
	Timeout     time.Duration
	MaxAttempts int
	// CopyThreshold is the size above which a server-side copy is a
	// multipart copy (DefaultCopyThreshold when zero: S3's CopyObject
	// takes at most 5 GiB), in parts of CopyPartSize bytes
	// (DefaultCopyPartSize when zero; S3 takes 5 MiB to 5 GiB). Tests
	// lower both to copy small objects in parts.
	CopyThreshold int64
	CopyPartSize  int64
}

// The defaults bound a request to an endpoint that accepts connections and
// never answers to DefaultMaxAttempts × DefaultTimeout plus the backoff:
// under a minute.
const (
	DefaultTimeout     = 15 * time.Second
	DefaultMaxAttempts = 3
	maxBackoff         = 2 * time.Second

	DefaultCopyThreshold = 5 << 30
	DefaultCopyPartSize  = 512 << 20
)

// Errors of Open that are the user's configuration rather than a failure.
var (
	ErrNoCredentials  = errors.New("no AWS credentials found (set AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run where a role is attached)")
	ErrBucketNotFound = errors.New("bucket does not exist")
	ErrAccessDenied   = errors.New("access denied")
)

// Store keeps objects under a prefix of a bucket.
type Store struct {
	client   *s3.Client
	uploader *manager.Uploader
	bucket   string
	prefix   string // "" or ends with "/"
	timeout  time.Duration
	endpoint string // "" for AWS
	copy     copyOptions

	requests awsconfig.Requests
}

var (
	_ storage.Store         = (*Store)(nil)
	_ storage.RangeGetter   = (*Store)(nil)
	_ storage.Copier        = (*Store)(nil)
	_ storage.UploadLister  = (*Store)(nil)
	_ storage.VersionLister = (*Store)(nil)
)

// Open connects to the bucket and checks that it can be reached with the
// credentials found.
func Open(ctx context.Context, bucket, prefix string, opts Options) (*Store, error) {
	load := opts.Config
	if load == nil {
		load = func(ctx context.Context) (aws.Config, error) { return awsconfig.Load(ctx, awsconfig.Settings{}) }
	}
	cfg, err := load(ctx)
	if err != nil {
		return nil, fmt.Errorf("s3://%s: %w", bucket, err)
	}
	timeout, attempts := opts.Timeout, opts.MaxAttempts
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if attempts <= 0 {
		attempts = DefaultMaxAttempts
	}
	if opts.Region != "" {
		cfg.Region = opts.Region
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	cfg.HTTPClient = awshttp.NewBuildableClient().
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = timeout }).
		WithTransportOptions(func(t *http.Transport) {
			t.TLSHandshakeTimeout = timeout
			t.ResponseHeaderTimeout = timeout
		})
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = attempts
			o.MaxBackoff = maxBackoff
		})
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return nil, fmt.Errorf("s3://%s: %w", bucket, ErrNoCredentials)
	}
	s := &Store{
		bucket:   bucket,
		timeout:  timeout,
		endpoint: opts.Endpoint,
		copy:     newCopyOptions(opts),
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.APIOptions = append(o.APIOptions, s.requests.Count)
		// S3-compatible servers, and S3 for ranged reads, return no
		// checksum to validate: the SDK would log that on every such GET.
		o.DisableLogOutputChecksumValidationSkipped = true
		if opts.Endpoint != "" {
			o.BaseEndpoint = aws.String(opts.Endpoint)
			o.UsePathStyle = true
		}
	})
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	s.client, s.prefix = client, prefix
	s.uploader = manager.NewUploader(client, func(u *manager.Uploader) {
		if opts.PartSize > 0 {
			u.PartSize = opts.PartSize
		}
		if opts.Concurrency > 0 {
			u.Concurrency = opts.Concurrency
		}
	})
	if _, err := client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &bucket}); err != nil {
		switch status(err) {
		case http.StatusNotFound:
			return nil, fmt.Errorf("s3://%s: %w", bucket, ErrBucketNotFound)
		case http.StatusForbidden:
			return nil, fmt.Errorf("s3://%s: %w", bucket, ErrAccessDenied)
		}
		return nil, fmt.Errorf("s3://%s: %w", bucket, err)
	}
	return s, nil
}

// Client is the underlying S3 client, for tests and for operations the
// Store does not cover.
func (s *Store) Client() *s3.Client { return s.client }

// Requests returns how many requests the store sent so far (the HeadBucket
// of Open included), by operation (ListObjectsV2, GetObject, ...).
func (s *Store) Requests() map[string]int { return s.requests.Counts() }

func (s *Store) URI(key string) string {
	return "s3://" + s.bucket + "/" + s.prefix + key
}

func (s *Store) key(key string) (string, error) {
	if err := storage.CheckKey(key); err != nil {
		return "", err
	}
	return s.prefix + key, nil
}

// status returns the HTTP status of a failed request, or 0.
func status(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// wrap names the object in an error and maps "no such key" to
// fs.ErrNotExist.
func (s *Store) wrap(op, key string, err error) error {
	if err == nil {
		return nil
	}
	var ae smithy.APIError
	if status(err) == http.StatusNotFound || errors.As(err, &ae) && (ae.ErrorCode() == "NoSuchKey" || ae.ErrorCode() == "NotFound") {
		err = fmt.Errorf("%w (%v)", fs.ErrNotExist, err)
	}
	return &fs.PathError{Op: op, Path: s.URI(key), Err: err}
}

func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	return s.GetRange(ctx, key, 0, -1)
}

func (s *Store) GetRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	k, err := s.key(key)
	if err != nil {
		return nil, err
	}
	in := &s3.GetObjectInput{Bucket: &s.bucket, Key: &k}
	switch {
	case length == 0:
		// S3 has no empty range; read one byte at most and return none.
		in.Range = aws.String(fmt.Sprintf("bytes=%d-%d", offset, offset))
	case length > 0:
		in.Range = aws.String(fmt.Sprintf("bytes=%d-%d", offset, offset+length-1))
	case offset > 0:
		in.Range = aws.String(fmt.Sprintf("bytes=%d-", offset))
	}
	out, err := s.client.GetObject(ctx, in)
	if err != nil {
		if status(err) == http.StatusRequestedRangeNotSatisfiable {
			return io.NopCloser(strings.NewReader("")), nil
		}
		return nil, s.wrap("get", key, err)
	}
	if length == 0 {
		out.Body.Close()
		return io.NopCloser(strings.NewReader("")), nil
	}
	return storage.StallGuard(out.Body, s.timeout), nil
}

// Info is an object as a download or a copy found it.
type Info struct {
	storage.Object
	// ETagIsMD5: the ETag is the MD5 of the object's bytes. It is for an
	// object stored by a single PUT (a multipart ETag has a '-') without
	// SSE-KMS or SSE-C encryption (which make the ETag something else).
	ETagIsMD5 bool
}

// GetIf downloads an object from offset to its end, and says what the
// object is. With ifMatch (an ETag) set it reads only that object: one
// that changed since fails with storage.ErrPrecondition, so that a
// download resumed at an offset reads on in the same bytes.
func (s *Store) GetIf(ctx context.Context, key string, offset int64, ifMatch string) (io.ReadCloser, *Info, error) {
	k, err := s.key(key)
	if err != nil {
		return nil, nil, err
	}
	in := &s3.GetObjectInput{Bucket: &s.bucket, Key: &k}
	if offset > 0 {
		in.Range = aws.String(fmt.Sprintf("bytes=%d-", offset))
	}
	if ifMatch != "" {
		in.IfMatch = aws.String(`"` + ifMatch + `"`)
	}
	out, err := s.client.GetObject(ctx, in)
	if err != nil {
		if status(err) == http.StatusPreconditionFailed {
			return nil, nil, fmt.Errorf("get %s: %w", s.URI(key), storage.ErrPrecondition)
		}
		return nil, nil, s.wrap("get", key, err)
	}
	etag := strings.Trim(aws.ToString(out.ETag), `"`)
	d := &Info{
		Object:    storage.Object{Key: key, Size: offset + aws.ToInt64(out.ContentLength), ModTime: aws.ToTime(out.LastModified), ETag: etag},
		ETagIsMD5: etagIsMD5(etag, out.ServerSideEncryption, out.SSECustomerAlgorithm),
	}
	return storage.StallGuard(out.Body, s.timeout), d, nil
}

// etagIsMD5 tells whether S3 made an object's ETag as the MD5 of its bytes.
func etagIsMD5(etag string, sse types.ServerSideEncryption, customerKey *string) bool {
	if len(etag) != 32 || customerKey != nil || sse == types.ServerSideEncryptionAwsKms || sse == types.ServerSideEncryptionAwsKmsDsse {
		return false
	}
	_, err := hex.DecodeString(etag)
	return err == nil
}

// Put uploads in one PUT, or as a multipart upload for large streams; a
// multipart upload becomes visible only when completed and is aborted on
// failure.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) error {
	k, err := s.key(key)
	if err != nil {
		return err
	}
	_, err = s.uploader.Upload(ctx, &s3.PutObjectInput{Bucket: &s.bucket, Key: &k, Body: r})
	return s.wrap("put", key, err)
}

func (s *Store) Stat(ctx context.Context, key string) (*storage.Object, error) {
	k, err := s.key(key)
	if err != nil {
		return nil, err
	}
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: &k})
	if err != nil {
		return nil, s.wrap("stat", key, err)
	}
	return &storage.Object{Key: key, Size: aws.ToInt64(out.ContentLength), ModTime: aws.ToTime(out.LastModified), ETag: strings.Trim(aws.ToString(out.ETag), `"`)}, nil
}

func (s *Store) Delete(ctx context.Context, key string) error {
	k, err := s.key(key)
	if err != nil {
		return err
	}
	_, err = s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: &k})
	return s.wrap("delete", key, err)
}

// RemoveFolder deletes the objects under the folder and aborts the
// multipart uploads still open there (what a killed writer leaves; S3
// keeps their parts, and bills them, until aborted).
func (s *Store) RemoveFolder(ctx context.Context, folder string) error {
	if _, err := s.key(folder); err != nil {
		return err
	}
	if err := storage.DeleteListed(ctx, s, folder+"/"); err != nil {
		return err
	}
	// The bucket's open uploads are listed whole and filtered here: MinIO
	// answers a prefixed listing only for a whole object name. A bucket
	// has few open uploads (each is an interrupted write).
	full := s.prefix + folder + "/"
	p := s3.NewListMultipartUploadsPaginator(s.client, &s3.ListMultipartUploadsInput{Bucket: &s.bucket})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return s.wrap("list uploads", folder, err)
		}
		for _, u := range page.Uploads {
			if !strings.HasPrefix(aws.ToString(u.Key), full) {
				continue
			}
			_, err := s.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: &s.bucket, Key: u.Key, UploadId: u.UploadId})
			if err != nil && status(err) != 404 {
				return s.wrap("abort upload", strings.TrimPrefix(aws.ToString(u.Key), s.prefix), err)
			}
		}
	}
	return nil
}

// List pages through ListObjectsV2 (1,000 keys a request) and yields as it
// goes, so a listing of any size runs in constant memory.
func (s *Store) List(ctx context.Context, prefix string) iter.Seq2[*storage.Object, error] {
	return func(yield func(*storage.Object, error) bool) {
		full := s.prefix + prefix
		p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: &s.bucket, Prefix: &full})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				yield(nil, s.wrap("list", prefix, err))
				return
			}
			for _, o := range page.Contents {
				key := strings.TrimPrefix(aws.ToString(o.Key), s.prefix)
				if strings.HasSuffix(key, "/") {
					continue // a "folder" marker made by a console, not an object
				}
				obj := &storage.Object{Key: key, Size: aws.ToInt64(o.Size), ModTime: aws.ToTime(o.LastModified), ETag: strings.Trim(aws.ToString(o.ETag), `"`),
					StorageClass: string(o.StorageClass)}
				if !yield(obj, nil) {
					return
				}
			}
		}
	}
}
