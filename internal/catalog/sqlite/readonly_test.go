package sqlite

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/lakectl/lakectl/internal/catalog"
)

// A catalog lakectl may not write — another user's file in a folder it
// may not write either, as on a shared image or a read-only mount — can
// be read; writing it fails with ErrReadOnly, and nothing changes. The
// reading part runs as another user (nobody), which needs root.
func TestReadOnlyCatalogAsAnotherUser(t *testing.T) {
	if path := os.Getenv("LAKECTL_READONLY_CATALOG"); path != "" {
		readOnlyChecks(t, path)
		return
	}
	if os.Geteuid() != 0 {
		t.Skip("running a part as another user needs root (CI runs as root)")
	}
	dir := t.TempDir()
	os.Chmod(filepath.Dir(dir), 0o755) // t.TempDir makes its folders for the owner alone
	os.Chmod(dir, 0o755)
	path := filepath.Join(dir, "catalog.db")
	c, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CreateDatabase(t.Context(), catalog.Database{Name: "raw"}); err != nil {
		t.Fatal(err)
	}
	c.Close()
	os.Chmod(path, 0o644)
	before, _ := os.ReadFile(path)
	// The test binary, where nobody may run it.
	bin := filepath.Join(dir, "sqlite.test")
	copyFile(t, os.Args[0], bin)
	cmd := exec.Command(bin, "-test.run=^TestReadOnlyCatalogAsAnotherUser$", "-test.v")
	cmd.Env = append(os.Environ(), "LAKECTL_READONLY_CATALOG="+path)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("as nobody: %v\n%s", err, out)
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Error("reading changed the catalog file")
	}
}

func readOnlyChecks(t *testing.T, path string) {
	ctx := t.Context()
	if _, err := Open(ctx, path); !errors.Is(err, ErrReadOnly) {
		t.Errorf("opening to write: %v, want ErrReadOnly", err)
	}
	c, err := OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatalf("opening to read: %v", err)
	}
	defer c.Close()
	if db, err := c.GetDatabase(ctx, "raw"); err != nil || db.Name != "raw" {
		t.Errorf("reading: %v %+v", err, db)
	}
	if err := c.CreateDatabase(ctx, catalog.Database{Name: "more"}); !errors.Is(err, ErrReadOnly) {
		t.Errorf("writing: %v, want ErrReadOnly", err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
