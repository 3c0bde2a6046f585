// Package local is the storage.Store of a folder on local disk.
package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/lakectl/lakectl/internal/storage"
)

// tmpPrefix starts the names of files being written; List never shows them.
const tmpPrefix = ".lakectl-tmp-"

// Store keeps objects as files under a root folder.
type Store struct {
	root string
}

var (
	_ storage.Store       = (*Store)(nil)
	_ storage.RangeGetter = (*Store)(nil)
	_ storage.Renamer     = (*Store)(nil)
)

// New returns the store rooted at dir (made absolute). The folder is
// created on the first Put.
func New(dir string) (*Store, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	return &Store{root: abs}, nil
}

func (s *Store) path(key string) (string, error) {
	if err := storage.CheckKey(key); err != nil {
		return "", err
	}
	return filepath.Join(s.root, filepath.FromSlash(key)), nil
}

// URI returns file:// followed by the absolute path of key.
func (s *Store) URI(key string) string {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Join(s.root, filepath.FromSlash(key)))}
	if key == "" || strings.HasSuffix(key, "/") {
		u.Path += "/"
	}
	return u.String()
}

// KeyOf reads a file:// URI under the store back into its key (see
// storage.KeyOf): URI escapes the path.
func (s *Store) KeyOf(uri string) (string, bool) {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "file" || u.Host != "" {
		return "", false
	}
	root := filepath.ToSlash(s.root)
	if u.Path == root || u.Path == root+"/" {
		return "", true
	}
	return strings.CutPrefix(u.Path, strings.TrimSuffix(root, "/")+"/")
}

func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	p, err := s.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, notExist(err)
	}
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
	}
	return f, nil
}

func (s *Store) GetRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	rc, err := s.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	f := rc.(*os.File)
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	if length < 0 {
		return f, nil
	}
	return struct {
		io.Reader
		io.Closer
	}{io.LimitReader(f, length), f}, nil
}

// Put writes to a hidden temporary file beside the target, syncs it and
// renames it into place, so a reader sees the old file or the new one.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) (err error) {
	p, err := s.path(key)
	if err != nil {
		return err
	}
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, tmpPrefix+"*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	// 1 MiB at a time (io.Copy's 32 KiB costs a large file half its rate).
	if _, err := io.CopyBuffer(struct{ io.Writer }{tmp}, ctxReader{ctx, r}, make([]byte, 1<<20)); err != nil {
		return fmt.Errorf("put %s: %w", p, err)
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), p)
}

// notExist reports a path through a file ("a/b" when "a" is a file) as
// missing, as S3 would.
func notExist(err error) error {
	var pe *fs.PathError
	if errors.Is(err, syscall.ENOTDIR) && errors.As(err, &pe) {
		return &fs.PathError{Op: pe.Op, Path: pe.Path, Err: fs.ErrNotExist}
	}
	return err
}

// Rename moves a file into place with one rename (atomic on one file
// system), making the destination's folders first.
func (s *Store) Rename(ctx context.Context, src, dst string) error {
	sp, err := s.path(src)
	if err != nil {
		return err
	}
	dp, err := s.path(dst)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dp), 0o755); err != nil {
		return err
	}
	if err := os.Rename(sp, dp); err != nil {
		return notExist(err)
	}
	for dir := filepath.Dir(sp); dir != s.root && strings.HasPrefix(dir, s.root); dir = filepath.Dir(dir) {
		if os.Remove(dir) != nil {
			break
		}
	}
	return nil
}

// ctxReader stops a copy when the context is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func (s *Store) Stat(ctx context.Context, key string) (*storage.Object, error) {
	p, err := s.path(key)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(p)
	if err != nil {
		return nil, notExist(err)
	}
	if fi.IsDir() {
		return nil, &fs.PathError{Op: "stat", Path: p, Err: fs.ErrNotExist}
	}
	return &storage.Object{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}, nil
}

// Delete removes the file and then the folders it leaves empty, so that
// folders come and go with their objects as prefixes do on S3.
func (s *Store) Delete(ctx context.Context, key string) error {
	p, err := s.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	s.prune(filepath.Dir(p))
	return nil
}

// prune removes dir and its parents up to the root while they are empty.
func (s *Store) prune(dir string) {
	for ; dir != s.root && strings.HasPrefix(dir, s.root); dir = filepath.Dir(dir) {
		if os.Remove(dir) != nil {
			break
		}
	}
}

// RemoveFolder removes the folder's tree, hidden temporary files of
// interrupted Puts included.
func (s *Store) RemoveFolder(ctx context.Context, folder string) error {
	p, err := s.path(folder)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(p); err != nil {
		return err
	}
	s.prune(filepath.Dir(p))
	return nil
}

// List walks the folders under the prefix. Entries of each folder are
// sorted as their keys sort (a folder "a" as "a/"), so objects come in
// the byte order of their keys, as on S3, while only one folder's entries
// are held at a time.
func (s *Store) List(ctx context.Context, prefix string) iter.Seq2[*storage.Object, error] {
	return func(yield func(*storage.Object, error) bool) {
		dirKey := ""
		if i := strings.LastIndex(prefix, "/"); i >= 0 {
			dirKey = prefix[:i+1]
		}
		err := s.walk(ctx, dirKey, prefix, yield)
		if err != nil && !errors.Is(err, errStop) {
			yield(nil, fmt.Errorf("list %s: %w", s.URI(prefix), err))
		}
	}
}

var errStop = errors.New("stop")

func (s *Store) walk(ctx context.Context, dirKey, prefix string, yield func(*storage.Object, error) bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	entries, err := os.ReadDir(filepath.Join(s.root, filepath.FromSlash(dirKey)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	type entry struct {
		key string
		de  fs.DirEntry
	}
	list := make([]entry, 0, len(entries))
	for _, de := range entries {
		if strings.HasPrefix(de.Name(), tmpPrefix) {
			continue
		}
		k := dirKey + de.Name()
		if de.IsDir() {
			k += "/"
		}
		list = append(list, entry{k, de})
	}
	slices.SortFunc(list, func(a, b entry) int { return strings.Compare(a.key, b.key) })
	for _, e := range list {
		// Skip what cannot match: a folder matches when the prefix starts
		// with its key or its key starts with the prefix.
		if !strings.HasPrefix(e.key, prefix) && !strings.HasPrefix(prefix, e.key) {
			continue
		}
		if strings.HasSuffix(e.key, "/") {
			if err := s.walk(ctx, e.key, prefix, yield); err != nil {
				return err
			}
			continue
		}
		fi, err := e.de.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted while we walked
		}
		if err != nil {
			return err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			if fi, err = os.Stat(filepath.Join(s.root, filepath.FromSlash(e.key))); err != nil || fi.IsDir() {
				continue // dangling links and links to folders are not objects
			}
		}
		if !yield(&storage.Object{Key: e.key, Size: fi.Size(), ModTime: fi.ModTime()}, nil) {
			return errStop
		}
	}
	return nil
}
