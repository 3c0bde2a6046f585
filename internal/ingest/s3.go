package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/lakectl/lakectl/internal/storage"
	lakes3 "github.com/lakectl/lakectl/internal/storage/s3"
)

// S3Source lands the objects under a prefix of a bucket, or one object.
type S3Source struct {
	store  *lakes3.Store // the bucket, at its root
	bucket string
	prefix string // "" for the whole bucket
	// glob, when the prefix has wildcards (path.Match: *, ?, [...]), is
	// the pattern keys must match; the prefix is then its folder without
	// wildcards, listed whole.
	glob string
}

var _ FileSource = (*S3Source)(nil)

// s3Resume is how often a dropped S3 download is resumed without progress
// (each request is retried by the S3 client as well).
var s3Resume = retryPolicy{attempts: 5, maxBackoff: 2 * time.Second}

// NewS3Source opens the bucket of uri, s3://BUCKET[/PREFIX], with the
// options S3 stores are opened with (backends.StoreOptions.S3): the source
// is the object named PREFIX if there is one, else the objects under
// PREFIX/ (PREFIX/ with its slash names a folder alone), or the whole
// bucket.
func NewS3Source(ctx context.Context, uri string, opts lakes3.Options) (*S3Source, error) {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "s3" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, badSource("%s: want s3://BUCKET/PREFIX", uri)
	}
	prefix := strings.TrimPrefix(u.Path, "/")
	glob := ""
	if strings.ContainsAny(prefix, "*?[") {
		if _, err := path.Match(prefix, ""); err != nil {
			return nil, badSource("%s: %v", uri, err)
		}
		glob = prefix
		prefix = prefix[:strings.LastIndex(prefix[:strings.IndexAny(prefix, "*?[")], "/")+1]
	}
	if prefix != "" {
		if err := storage.CheckKey(strings.TrimSuffix(prefix, "/")); err != nil {
			return nil, badSource("%s: the prefix has an empty, . or .. part", uri)
		}
	}
	store, err := lakes3.Open(ctx, u.Host, "", opts)
	if err != nil {
		return nil, err
	}
	return &S3Source{store: store, bucket: u.Host, prefix: prefix, glob: glob}, nil
}

func (s *S3Source) String() string {
	if s.glob != "" {
		return "s3://" + s.bucket + "/" + s.glob
	}
	return "s3://" + s.bucket + "/" + s.prefix
}

// List yields the one object PREFIX names, or the objects under PREFIX/
// (Rel their key below it), a page of 1,000 at a time.
func (s *S3Source) List(ctx context.Context) iter.Seq2[RemoteFile, error] {
	return func(yield func(RemoteFile, error) bool) {
		listed := 0
		defer func() {
			// A prefix that holds nothing, or a pattern that matches
			// nothing, is a mistake as a missing local path is: S3 has
			// no folder that could exist empty.
			if listed == 0 && ctx.Err() == nil {
				yield(RemoteFile{}, badSource("%s: no object there", s))
			}
		}()
		folder := s.prefix
		if s.glob == "" && folder != "" && !strings.HasSuffix(folder, "/") {
			obj, err := s.store.Stat(ctx, folder)
			if err == nil {
				listed++
				yield(s.file(obj, path.Base(folder)), nil)
				return
			}
			if !errors.Is(err, fs.ErrNotExist) {
				listed = -1
				yield(RemoteFile{}, fmt.Errorf("list %s: %w", s, err))
				return
			}
			folder += "/"
		}
		for obj, err := range s.store.List(ctx, folder) {
			if err != nil {
				listed = -1
				yield(RemoteFile{}, fmt.Errorf("list %s: %w", s, err))
				return
			}
			if s.glob != "" {
				if ok, _ := path.Match(s.glob, obj.Key); !ok {
					continue
				}
			}
			listed++
			if !yield(s.file(obj, strings.TrimPrefix(obj.Key, folder)), nil) {
				listed = -1 // the caller stopped: not "nothing there"
				return
			}
		}
	}
}

func (s *S3Source) file(obj *storage.Object, rel string) RemoteFile {
	return RemoteFile{URI: s.store.URI(obj.Key), Rel: rel, Size: obj.Size, ModTime: obj.ModTime, ETag: obj.ETag}
}

// Fetch lands an object at key in dst: copied server side when dst is an
// S3 store whose client reaches this bucket (a multipart copy over 5 GiB),
// otherwise streamed, its SHA-256 computed, and its size and (where its
// ETag is one) MD5 checked. A download that drops is resumed from where
// it stopped, on the same object; one replaced meanwhile starts over. An
// object whose ETag and size are still prev's is ErrUnchanged.
func (s *S3Source) Fetch(ctx context.Context, f RemoteFile, prev *Seen, dst storage.Store, key string) (*Fetched, error) {
	k, ok := strings.CutPrefix(f.URI, s.store.URI(""))
	if !ok {
		return nil, fmt.Errorf("not an object of %s", s)
	}
	if prev != nil && prev.ETag != "" && prev.ETag == f.ETag && prev.Size == f.Size {
		return nil, ErrUnchanged
	}
	if d, ok := dst.(*lakes3.Store); ok && d.Reaches(ctx, s.store) {
		info, err := d.CopyFrom(ctx, s.store, k, key)
		if err != nil {
			return nil, err
		}
		got := &Fetched{Size: info.Size, ModTime: modTime(f, info.ETag, info.ModTime), ETag: info.ETag}
		if info.ETagIsMD5 {
			got.MD5 = info.ETag
		}
		return got, nil
	}
	for try := 1; ; try++ {
		got, err := s.stream(ctx, k, dst, key)
		if err == nil {
			got.ModTime = modTime(f, got.ETag, got.ModTime)
		}
		if errors.Is(err, storage.ErrPrecondition) && try < s3Resume.attempts {
			continue // replaced while it was read: read the new one
		}
		return got, err
	}
}

// modTime is the listing's modification time of an object (S3 lists it to
// the millisecond) when the object fetched is the one listed, else the
// fetch's (to the second).
func modTime(listed RemoteFile, etag string, fetched time.Time) time.Time {
	if etag == listed.ETag && !listed.ModTime.IsZero() {
		return listed.ModTime
	}
	return fetched
}

// stream downloads the object k into dst, resuming on the same object.
func (s *S3Source) stream(ctx context.Context, k string, dst storage.Store, key string) (*Fetched, error) {
	body, info, err := s.store.GetIf(ctx, k, 0, "")
	if err != nil {
		return nil, err
	}
	r := &resumed{
		ctx:   ctx,
		body:  body,
		size:  info.Size,
		retry: s3Resume,
		reopen: func(ctx context.Context, off int64) (io.ReadCloser, error) {
			rc, _, err := s.store.GetIf(ctx, k, off, info.ETag)
			return rc, err
		},
	}
	defer r.Close()
	want := announced{size: info.Size}
	if info.ETagIsMD5 {
		want.md5 = info.ETag
	}
	got, err := landStream(ctx, dst, key, r, want)
	if err != nil {
		return nil, err
	}
	got.ModTime, got.ETag, got.Resumed = info.ModTime, info.ETag, r.count
	return got, nil
}
