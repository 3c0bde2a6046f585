package local_test

import (
	"errors"
	"io/fs"
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

// A process killed mid-Put leaves a hidden temporary file that List does
// not show; RemoveFolder removes it with the folder.
func TestRemoveFolderTakesHiddenTemporaryFiles(t *testing.T) {
	dir := t.TempDir()
	s, _ := local.New(dir)
	if err := s.Put(t.Context(), "stage/run/a.parquet", strings.NewReader("a")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "stage", "run", ".lakectl-tmp-123"), []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := storage.RemoveFolder(t.Context(), s, "stage/run"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "stage")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stage/ still there (%v)", err)
	}
}
