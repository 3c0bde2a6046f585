package s3

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/lakectl/lakectl/internal/storage"
)

var (
	_ storage.MetadataReader = (*Store)(nil)
	_ storage.TagReader      = (*Store)(nil)
)

// ReadMetadata is one HeadObject.
func (s *Store) ReadMetadata(ctx context.Context, key string) (*storage.Metadata, error) {
	k, err := s.key(key)
	if err != nil {
		return nil, err
	}
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: &k})
	if err != nil {
		return nil, s.wrap("head", key, err)
	}
	m := &storage.Metadata{User: out.Metadata, VersionID: aws.ToString(out.VersionId),
		BucketKeyEnabled: aws.ToBool(out.BucketKeyEnabled), KMSKeyARN: aws.ToString(out.SSEKMSKeyId)}
	if m.User == nil {
		m.User = map[string]string{}
	}
	if m.VersionID == "null" {
		m.VersionID = "" // an object written before versioning, or without it
	}
	m.Encryption = encryptionStatus(out.ServerSideEncryption, aws.ToString(out.SSECustomerAlgorithm))
	return m, nil
}

// encryptionStatus spells an object's encryption as S3 Metadata does.
func encryptionStatus(sse types.ServerSideEncryption, customer string) string {
	if customer != "" {
		return "SSE-C"
	}
	switch sse {
	case types.ServerSideEncryptionAes256:
		return "SSE-S3"
	case types.ServerSideEncryptionAwsKms:
		return "SSE-KMS"
	case types.ServerSideEncryptionAwsKmsDsse:
		return "DSSE-KMS"
	}
	return ""
}

// ReadTags is one GetObjectTagging.
func (s *Store) ReadTags(ctx context.Context, key string) (map[string]string, error) {
	k, err := s.key(key)
	if err != nil {
		return nil, err
	}
	out, err := s.client.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: &s.bucket, Key: &k})
	if err != nil {
		return nil, s.wrap("tags", key, err)
	}
	tags := make(map[string]string, len(out.TagSet))
	for _, t := range out.TagSet {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return tags, nil
}
