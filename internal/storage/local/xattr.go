package local

import (
	"context"
	"errors"
	"io/fs"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/lakectl/lakectl/internal/storage"
)

var _ storage.MetadataReader = (*Store)(nil)

// ReadMetadata reads a file's user.* extended attributes as its user
// metadata (without the prefix). A filesystem without extended
// attributes gives none.
func (s *Store) ReadMetadata(ctx context.Context, key string) (*storage.Metadata, error) {
	p, err := s.path(key)
	if err != nil {
		return nil, err
	}
	m := &storage.Metadata{User: map[string]string{}}
	size, err := unix.Listxattr(p, nil)
	if err != nil {
		if errors.Is(err, unix.ENOTSUP) {
			return m, nil
		}
		return nil, notExist(&fs.PathError{Op: "listxattr", Path: p, Err: err})
	}
	if size == 0 {
		return m, nil
	}
	names := make([]byte, size)
	if size, err = unix.Listxattr(p, names); err != nil {
		return nil, notExist(&fs.PathError{Op: "listxattr", Path: p, Err: err})
	}
	for _, name := range strings.Split(strings.TrimRight(string(names[:size]), "\x00"), "\x00") {
		k, ok := strings.CutPrefix(name, "user.")
		if !ok {
			continue
		}
		v, err := getxattr(p, name)
		if err != nil {
			return nil, notExist(&fs.PathError{Op: "getxattr " + name, Path: p, Err: err})
		}
		m.User[k] = v
	}
	return m, nil
}

func getxattr(path, name string) (string, error) {
	buf := make([]byte, 256)
	for {
		n, err := unix.Getxattr(path, name, buf)
		if errors.Is(err, unix.ERANGE) {
			buf = make([]byte, 2*len(buf))
			continue
		}
		if err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	}
}
