package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// s3Store: destinations in one bucket of the S3 server lakectl writes to
// (LAKECTL_S3_ENDPOINT, path-style), read with the AWS_* credentials of
// the environment; files are downloaded for DuckDB to read.
type s3Store struct {
	client *s3.Client
	bucket string
}

func newS3Store(bucket string) (*s3Store, error) {
	ctx := context.Background()
	endpoint := os.Getenv("LAKECTL_S3_ENDPOINT")
	if endpoint == "" {
		return nil, errors.New("-s3: set LAKECTL_S3_ENDPOINT (and the AWS_* credentials)")
	}
	region := os.Getenv("AWS_REGION")
	if region == "" {
		region = "us-east-1"
	}
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(region))
	if err != nil {
		return nil, err
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		o.UsePathStyle = true
	})
	_, err = client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)})
	var owned *types.BucketAlreadyOwnedByYou
	var exists *types.BucketAlreadyExists
	if err != nil && !errors.As(err, &owned) && !errors.As(err, &exists) {
		return nil, fmt.Errorf("create bucket %s: %w", bucket, err)
	}
	return &s3Store{client: client, bucket: bucket}, nil
}

// key is the key of an s3://bucket/key URI of the store's bucket.
func (s *s3Store) key(uri string) (string, error) {
	rest, ok := strings.CutPrefix(uri, "s3://"+s.bucket+"/")
	if !ok {
		return "", fmt.Errorf("%s is not in bucket %s", uri, s.bucket)
	}
	return rest, nil
}

func (s *s3Store) list(prefix string) ([]string, error) {
	var keys []string
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: aws.String(s.bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			return nil, err
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	return keys, nil
}

func (s *s3Store) data(folder string) ([]string, error) {
	prefix, err := s.key(folder)
	if err != nil {
		return nil, err
	}
	keys, err := s.list(prefix)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, k := range keys {
		hidden := false
		for _, seg := range strings.Split(strings.TrimPrefix(k, prefix), "/") {
			hidden = hidden || strings.HasPrefix(seg, "_") || strings.HasPrefix(seg, ".")
		}
		if !hidden && strings.HasSuffix(k, ".parquet") {
			files = append(files, "s3://"+s.bucket+"/"+k)
		}
	}
	slices.Sort(files)
	return files, nil
}

func (s *s3Store) exists(uri string) (bool, error) {
	key, err := s.key(uri)
	if err != nil {
		return false, err
	}
	_, err = s.client.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	var nf *types.NotFound
	if errors.As(err, &nf) {
		return false, nil
	}
	return err == nil, err
}

func (s *s3Store) read(uri string) ([]byte, error) {
	key, err := s.key(uri)
	if err != nil {
		return nil, err
	}
	out, err := s.client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	if err != nil {
		return nil, err
	}
	defer out.Body.Close()
	return io.ReadAll(out.Body)
}

// fetch downloads the files into cache (a fresh folder each time: a key
// read again may have changed).
func (s *s3Store) fetch(files []string, cache string) ([]string, error) {
	os.RemoveAll(cache)
	var local []string
	for _, uri := range files {
		data, err := s.read(uri)
		if err != nil {
			return nil, err
		}
		key, _ := s.key(uri)
		p := filepath.Join(cache, filepath.FromSlash(key))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return nil, err
		}
		local = append(local, p)
	}
	return local, nil
}

func (s *s3Store) removeAll(prefix string) error {
	key, err := s.key(prefix)
	if err != nil {
		return err
	}
	keys, err := s.list(key)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if _, err := s.client.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(k)}); err != nil {
			return err
		}
	}
	return nil
}
