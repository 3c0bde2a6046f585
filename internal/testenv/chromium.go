package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

// Chromium is the path of the Chromium that browser tests drive:
// $LAKECTL_TEST_CHROMIUM, or chromium on the PATH (Debian's package, which
// scripts/with-services.sh installs when it is missing). Under CI=true a
// missing browser fails the test; elsewhere the test is skipped.
func Chromium(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("LAKECTL_TEST_CHROMIUM"); p != "" {
		return p
	}
	p, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium is not installed: run the tests with make test, which installs it")
		}
		t.Skipf("chromium is not installed (apt-get install chromium, or run make test)")
	}
	return p
}

// Artifact keeps data a test made for people to look at (a screenshot, a
// PDF) as name under $LAKECTL_TEST_ARTIFACTS, by default bin/test-artifacts
// in the repository, prefixed with the test's name, and logs where.
func Artifact(t testing.TB, name string, data []byte) string {
	t.Helper()
	dir := os.Getenv("LAKECTL_TEST_ARTIFACTS")
	if dir == "" {
		root, err := repoRoot()
		if err != nil {
			t.Fatalf("test artifacts: %v", err)
		}
		dir = filepath.Join(root, "bin", "test-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("test artifacts: %v", err)
	}
	path := filepath.Join(dir, unsafeName.ReplaceAllString(t.Name(), "_")+"-"+name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatalf("test artifacts: %v", err)
	}
	t.Logf("kept %s (%d bytes)", path, len(data))
	return path
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// repoRoot is the folder of the go.mod above the test's working folder.
func repoRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", fmt.Errorf("no go.mod in %s or above it", wd)
		}
		dir = up
	}
}
