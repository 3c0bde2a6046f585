package local

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/lakectl/lakectl/internal/storage"
)

// A version is the SHA-256 of the content, so an object that comes back to
// content it had before has the same version again (the ABA case): what is
// swapped must never repeat — leases and journals carry a time or a run id. A compare-and-swap holds an
// exclusive flock on a hidden lock file beside the object while it reads,
// compares and renames the new content into place (the lock file is named
// like a temporary file, so List never shows it), so that writers of
// other processes on this machine (or on a file system whose locks work
// across machines) take turns; the kernel drops the lock of a process that
// dies.

// ReadVersion reads an object and its version.
func (s *Store) ReadVersion(ctx context.Context, key string) ([]byte, string, error) {
	p, err := s.path(key)
	if err != nil {
		return nil, "", err
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, "", notExist(err)
	}
	return data, version(data), nil
}

// PutIf writes the object only if it is still at version ("": absent).
func (s *Store) PutIf(ctx context.Context, key string, data []byte, want string) (string, error) {
	p, err := s.path(key)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return "", err
	}
	lock, err := os.OpenFile(filepath.Join(filepath.Dir(p), tmpPrefix+"lock-"+filepath.Base(p)), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("lock %s: %w", p, err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	cur, err := os.ReadFile(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if want != "" {
			return "", fmt.Errorf("put %s: %w", key, storage.ErrPrecondition)
		}
	case err != nil:
		return "", err
	case want == "" || version(cur) != want:
		return "", fmt.Errorf("put %s: %w", key, storage.ErrPrecondition)
	}
	if err := s.Put(ctx, key, bytes.NewReader(data)); err != nil {
		return "", err
	}
	return version(data), nil
}

func version(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:16])
}

var _ storage.Swapper = (*Store)(nil)
