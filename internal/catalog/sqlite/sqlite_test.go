package sqlite_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/catalog/catalogtest"
	"github.com/lakectl/lakectl/internal/catalog/sqlite"
)

func TestConformance(t *testing.T) {
	catalogtest.Run(t, func(t *testing.T) catalog.Catalog {
		c, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "catalog.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	})
}

func TestReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "dir", "catalog.db")
	c, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CreateDatabase(t.Context(), catalog.Database{Name: "kept"}); err != nil {
		t.Fatal(err)
	}
	c.Close()
	c, err = sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.GetDatabase(t.Context(), "kept"); err != nil {
		t.Fatal(err)
	}
}

func TestForeignFilesAreLeftAlone(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.db")
	content := []byte("this is not a database\n")
	os.WriteFile(junk, content, 0o600)

	// A SQLite database of some other program.
	other := filepath.Join(dir, "other.db")
	c, err := sqlite.Open(t.Context(), filepath.Join(dir, "seed.db"))
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	seed, _ := os.ReadFile(filepath.Join(dir, "seed.db"))
	// Clear the application id (bytes 68..71 of the header) to make it foreign.
	copy(seed[68:72], []byte{0, 0, 0, 1})
	os.WriteFile(other, seed, 0o600)

	for _, path := range []string{junk, other} {
		before, _ := os.ReadFile(path)
		_, err := sqlite.Open(t.Context(), path)
		if !errors.Is(err, sqlite.ErrNotCatalog) {
			t.Errorf("Open(%s) = %v, want ErrNotCatalog", filepath.Base(path), err)
		}
		after, _ := os.ReadFile(path)
		if string(before) != string(after) {
			t.Errorf("%s was modified", filepath.Base(path))
		}
	}
}
