package storage

import "context"

// Metadata is what an object says of itself beyond a listing: S3's
// HeadObject (user metadata, encryption, version), or a file's user.*
// extended attributes on local disk.
type Metadata struct {
	// User is the object's user metadata (x-amz-meta-*, keys lowercase as
	// S3 keeps them; a file's user.* attributes without the prefix).
	User map[string]string
	// VersionID is the current version's id, where the store keeps
	// versions.
	VersionID string
	// Encryption is S3 Metadata's encryption_status: SSE-S3, SSE-KMS,
	// DSSE-KMS, SSE-C, or "" where the store does not say.
	Encryption       string
	BucketKeyEnabled bool
	KMSKeyARN        string
}

// MetadataReader reads an object's metadata (one HEAD on S3).
type MetadataReader interface {
	ReadMetadata(ctx context.Context, key string) (*Metadata, error)
}

// TagReader reads an object's tags (one GetObjectTagging on S3).
type TagReader interface {
	ReadTags(ctx context.Context, key string) (map[string]string, error)
}
