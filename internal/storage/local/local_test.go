package local_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/lakectl/lakectl/internal/storage"
	"github.com/lakectl/lakectl/internal/storage/local"
	"github.com/lakectl/lakectl/internal/storage/storagetest"
)

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store {
		s, err := local.New(filepath.Join(t.TempDir(), "root"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// The suite cannot see hidden temporary files; the folder itself must not
// hold any after a failed write either.
func TestFailedPutRemovesTemporaryFile(t *testing.T) {
	dir := t.TempDir()
	s, _ := local.New(dir)
	if err := s.Put(t.Context(), "d/kept", strings.NewReader("kept")); err != nil {
		t.Fatal(err)
	}
	err := s.Put(t.Context(), "d/f", iotest.ErrReader(errors.New("boom")))
	if err == nil {
		t.Fatal("Put of a failing reader succeeded")
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "d"))
	for _, e := range entries {
		if e.Name() != "kept" {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}
