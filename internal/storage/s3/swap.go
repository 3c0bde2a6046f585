package s3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/lakectl/lakectl/internal/storage"
)

// A version is the object's ETag; PutIf is S3's conditional write
// (If-None-Match: * to create, If-Match: ETAG to replace), which AWS S3 and
// MinIO decide atomically.

// ReadVersion reads an object and its ETag.
func (s *Store) ReadVersion(ctx context.Context, key string) ([]byte, string, error) {
	k, err := s.key(key)
	if err != nil {
		return nil, "", err
	}
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.bucket, Key: &k})
	if err != nil {
		return nil, "", s.wrap("get", key, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(storage.StallGuard(out.Body, s.timeout))
	if err != nil {
		return nil, "", s.wrap("get", key, err)
	}
	return data, aws.ToString(out.ETag), nil
}

// PutIf writes the object only if it is still at version ("": absent).
func (s *Store) PutIf(ctx context.Context, key string, data []byte, version string) (string, error) {
	k, err := s.key(key)
	if err != nil {
		return "", err
	}
	in := &s3.PutObjectInput{Bucket: &s.bucket, Key: &k, Body: bytes.NewReader(data), ContentLength: aws.Int64(int64(len(data)))}
	if version == "" {
		in.IfNoneMatch = aws.String("*")
	} else {
		in.IfMatch = aws.String(version)
	}
	out, err := s.client.PutObject(ctx, in)
	if err != nil {
		var ae smithy.APIError
		if st := status(err); st == http.StatusPreconditionFailed || st == http.StatusConflict ||
			errors.As(err, &ae) && (ae.ErrorCode() == "PreconditionFailed" || ae.ErrorCode() == "ConditionalRequestConflict") {
			return "", fmt.Errorf("put %s: %w", s.URI(key), storage.ErrPrecondition)
		}
		return "", s.wrap("put", key, err)
	}
	return aws.ToString(out.ETag), nil
}

var _ storage.Swapper = (*Store)(nil)
