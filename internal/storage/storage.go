// Package storage is lakectl's object store: a small interface over local
// disk and S3. Keys are '/'-separated paths relative to the store's root.
// Missing objects are reported with errors that wrap fs.ErrNotExist.
//
// Optional capabilities (ranged reads, server-side copy) are separate
// one-method interfaces, found by type assertion.
package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"strings"
	"time"
)

// Store is implemented by every backend; each passes storagetest.
type Store interface {
	// Get streams an object.
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	// Put stores an object atomically: readers see the whole object or
	// none of it, and a failed Put leaves nothing behind.
	Put(ctx context.Context, key string, r io.Reader) error
	Stat(ctx context.Context, key string) (*Object, error)
	// List yields the objects whose keys start with prefix, in key order,
	// reading them a page at a time.
	List(ctx context.Context, prefix string) iter.Seq2[*Object, error]
	// Delete removes an object; deleting a missing object is not an error.
	Delete(ctx context.Context, key string) error
	// URI names a key for people and for catalog locations
	// (s3://bucket/prefix/key, file:///abs/path/key).
	URI(key string) string
}

// KeyOf is the key a URI names in a store — the reverse of s.URI — and
// whether the URI is under the store at all: a catalog location is a URI,
// and a writer needs its key. A store whose URIs escape their keys
// (file:// URIs spell '%' as %25) reads them back with a KeyOf method of
// its own.
func KeyOf(s Store, uri string) (string, bool) {
	if k, ok := s.(interface{ KeyOf(string) (string, bool) }); ok {
		return k.KeyOf(uri)
	}
	return strings.CutPrefix(uri, s.URI(""))
}

// Object describes a stored object.
type Object struct {
	Key     string
	Size    int64
	ModTime time.Time
	// ETag is the server's entity tag where the store has one (S3).
	ETag string
	// StorageClass is S3's storage class as a listing gives it
	// (STANDARD, STANDARD_IA, GLACIER, ...); "" where the store has none
	// (local disk) or did not say.
	StorageClass string
}

// Upload is a multipart upload begun and neither completed nor aborted: S3
// keeps its parts, and bills them, until it is aborted.
type Upload struct {
	Key       string
	ID        string
	Initiated time.Time
	// Parts and Size are the parts uploaded so far and their bytes.
	Parts int
	Size  int64
}

// UploadLister lists the multipart uploads open under a prefix, with the
// parts each holds.
type UploadLister interface {
	ListUploads(ctx context.Context, prefix string) iter.Seq2[*Upload, error]
}

// Version is one version of an object in a store that keeps versions, or a
// delete marker (DeleteMarker, with no size).
type Version struct {
	Key          string
	VersionID    string
	Size         int64
	ModTime      time.Time
	StorageClass string
	// IsLatest: the current version of its key; a key whose latest
	// version is a delete marker has no current object.
	IsLatest     bool
	DeleteMarker bool
}

// VersionLister lists every version of the objects under a prefix, where
// the store keeps versions (an S3 bucket with versioning enabled or
// suspended).
type VersionLister interface {
	// Versioned tells whether the store keeps versions at all: when not,
	// List says everything and ListVersions need not be asked.
	Versioned(ctx context.Context) (bool, error)
	ListVersions(ctx context.Context, prefix string) iter.Seq2[*Version, error]
}

// RangeGetter reads part of an object: length bytes from offset, or to the
// end when length < 0. Parquet footers are read this way.
type RangeGetter interface {
	GetRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error)
}

// Copier copies an object inside the store without streaming it through
// lakectl.
type Copier interface {
	Copy(ctx context.Context, srcKey, dstKey string) error
}

// Renamer moves an object within the store without copying it.
type Renamer interface {
	Rename(ctx context.Context, srcKey, dstKey string) error
}

// ErrPrecondition: a conditional write found the object other than the
// writer last saw it; nothing was written.
var ErrPrecondition = errors.New("the object changed since it was read (precondition failed)")

// Swapper reads and writes small objects that several processes change —
// leases, commit journals — with compare-and-swap: of two writers that
// saw the same version, exactly one wins. Content written must never repeat
// an earlier content (on local disk a version is a hash of the content).
type Swapper interface {
	// ReadVersion reads an object and its version (an opaque tag); a
	// missing object is an error wrapping fs.ErrNotExist.
	ReadVersion(ctx context.Context, key string) (data []byte, version string, err error)
	// PutIf writes the object only if it is still at version (absent,
	// when version is ""), and returns its new version; otherwise it
	// writes nothing and returns ErrPrecondition.
	PutIf(ctx context.Context, key string, data []byte, version string) (string, error)
}

// FolderRemover removes a folder whole, including what an interrupted
// writer left that List does not show: a half-written temporary file on
// local disk, an unfinished multipart upload on S3.
type FolderRemover interface {
	RemoveFolder(ctx context.Context, folder string) error
}

// RemoveFolder removes every object under folder (a key prefix without
// the trailing slash), and where the store can, the remains of
// interrupted writes there too.
func RemoveFolder(ctx context.Context, s Store, folder string) error {
	if err := CheckKey(folder); err != nil {
		return err
	}
	if r, ok := s.(FolderRemover); ok {
		return r.RemoveFolder(ctx, folder)
	}
	return DeleteListed(ctx, s, folder+"/")
}

// DeleteListed deletes every object List yields under prefix.
func DeleteListed(ctx context.Context, s Store, prefix string) error {
	for obj, err := range s.List(ctx, prefix) {
		if err != nil {
			return err
		}
		if err := s.Delete(ctx, obj.Key); err != nil {
			return err
		}
	}
	return nil
}

// Move moves an object: renamed where the store can, else copied (server
// side where it can) and then deleted. The destination appears whole.
func Move(ctx context.Context, s Store, src, dst string) error {
	if r, ok := s.(Renamer); ok {
		return r.Rename(ctx, src, dst)
	}
	if err := Copy(ctx, s, src, dst); err != nil {
		return err
	}
	return s.Delete(ctx, src)
}

// CheckKey rejects keys that cannot name an object the same way on every
// backend: empty, absolute, with empty, "." or ".." segments, or a NUL.
func CheckKey(key string) error {
	bad := key == "" || strings.HasPrefix(key, "/") || strings.HasSuffix(key, "/") || strings.ContainsRune(key, 0)
	for seg := range strings.SplitSeq(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			bad = true
		}
	}
	if bad {
		return &fs.PathError{Op: "check", Path: key, Err: fmt.Errorf("%w: keys are relative paths without empty, . or .. parts", fs.ErrInvalid)}
	}
	return nil
}

// GetRange reads part of an object, ranged when the store can and by
// skipping otherwise.
func GetRange(ctx context.Context, s Store, key string, offset, length int64) (io.ReadCloser, error) {
	if rg, ok := s.(RangeGetter); ok {
		return rg.GetRange(ctx, key, offset, length)
	}
	rc, err := s.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	if _, err := io.CopyN(io.Discard, rc, offset); err != nil && err != io.EOF {
		rc.Close()
		return nil, err
	}
	if length < 0 {
		return rc, nil
	}
	return struct {
		io.Reader
		io.Closer
	}{io.LimitReader(rc, length), rc}, nil
}

// ReaderAt reads an object at offsets (ranged reads where the store can),
// for formats such as Parquet that read parts of a file.
func ReaderAt(ctx context.Context, s Store, key string) io.ReaderAt {
	return &readerAt{ctx: ctx, s: s, key: key}
}

type readerAt struct {
	ctx context.Context
	s   Store
	key string
}

func (r *readerAt) ReadAt(p []byte, off int64) (int, error) {
	rc, err := GetRange(r.ctx, r.s, r.key, off, int64(len(p)))
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	n, err := io.ReadFull(rc, p)
	if err == io.ErrUnexpectedEOF {
		err = io.EOF
	}
	return n, err
}

// Copy copies an object, server-side when the store can.
func Copy(ctx context.Context, s Store, src, dst string) error {
	if c, ok := s.(Copier); ok {
		return c.Copy(ctx, src, dst)
	}
	rc, err := s.Get(ctx, src)
	if err != nil {
		return err
	}
	defer rc.Close()
	return s.Put(ctx, dst, rc)
}
