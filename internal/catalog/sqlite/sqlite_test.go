package sqlite_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
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
	path := filepath.Join(t.TempDir(), "catalog.db")
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

func TestMissingFolderIsNotCreated(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "typo")
	_, err := sqlite.Open(t.Context(), filepath.Join(dir, "catalog.db"))
	if !errors.Is(err, sqlite.ErrNoFolder) {
		t.Fatalf("Open in a missing folder = %v, want ErrNoFolder", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the folder was created")
	}
}

// Damage that SQLite detects is reported as such, and the file is not
// written to.
func TestDamagedCatalogIsReported(t *testing.T) {
	path := filepath.Join(t.TempDir(), "catalog.db")
	c, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a", "b", "c"} {
		if err := c.CreateDatabase(t.Context(), catalog.Database{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	c.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const page = 4096
	if len(data) < 2*page {
		t.Fatalf("catalog is only %d bytes", len(data))
	}
	for i := page; i < len(data); i++ {
		data[i] = 0xff // every page but the first (the schema)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	c, err = sqlite.Open(t.Context(), path)
	if err == nil {
		defer c.Close()
		for _, err = range c.ListDatabases(t.Context()) {
			if err != nil {
				break
			}
		}
		if werr := c.CreateDatabase(t.Context(), catalog.Database{Name: "d"}); !errors.Is(werr, sqlite.ErrNotCatalog) {
			t.Errorf("CreateDatabase on a damaged catalog = %v", werr)
		}
	}
	if !errors.Is(err, sqlite.ErrNotCatalog) || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("reading a damaged catalog: %v, want ErrNotCatalog saying it is damaged", err)
	}
	after, _ := os.ReadFile(path)
	if string(after) != string(data) {
		t.Error("the damaged file was modified")
	}
}

// TestSearchByScan: the search of a catalog without an index of its own
// (catalog.SearchTables reads every table and ranks them in Go, as it
// ranks Glue's answers) passes the same search cases.
func TestSearchByScan(t *testing.T) {
	catalogtest.Run(t, func(t *testing.T) catalog.Catalog {
		c, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "catalog.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return struct{ catalog.Catalog }{c} // hides SearchTables
	})
}

// A catalog file left empty (a process killed while it made the catalog)
// reads as no catalog yet, and the next command that writes makes the
// catalog there.
func TestEmptyCatalogFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "catalog.db")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := sqlite.OpenReadOnly(t.Context(), path)
	if !errors.Is(err, sqlite.ErrNotCatalog) || !strings.Contains(err.Error(), "no catalog there yet: the file is empty") {
		t.Fatalf("reading an empty file: %v", err)
	}
	c, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CreateDatabase(t.Context(), catalog.Database{Name: "d"}); err != nil {
		t.Fatal(err)
	}
	c.Close()
	r, err := sqlite.OpenReadOnly(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.GetDatabase(t.Context(), "d"); err != nil {
		t.Fatal(err)
	}
}
