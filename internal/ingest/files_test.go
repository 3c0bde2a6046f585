package ingest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/catalog/sqlite"
	"github.com/lakectl/lakectl/internal/commit"
	"github.com/lakectl/lakectl/internal/storage"
	"github.com/lakectl/lakectl/internal/storage/local"
)

func write(t *testing.T, p, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func dataFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() && strings.HasPrefix(d.Name(), "_") {
			return filepath.SkipDir
		}
		if !d.IsDir() && !strings.HasPrefix(d.Name(), "_") && !strings.HasPrefix(d.Name(), ".") {
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	return out
}

func TestFilesLandsOnlyWhatIsNew(t *testing.T) {
	ctx := context.Background()
	src, dest := t.TempDir(), t.TempDir()
	write(t, filepath.Join(src, "a.csv"), "id\n1\n")
	write(t, filepath.Join(src, "sub", "b c.csv"), "id\n2\n")
	write(t, filepath.Join(src, ".hidden"), "x")
	cat, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	ds, err := local.New(filepath.Join(dest, "orders"))
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	run := func(opts Options) *Summary {
		t.Helper()
		l, err := NewLocal(src)
		if err != nil {
			t.Fatal(err)
		}
		opts.Now = func() time.Time { return day }
		opts.RunID = commit.NewRunID(day)
		sum, err := Files(ctx, cat, ds, "orders", l, opts)
		if err != nil {
			t.Fatal(err)
		}
		return sum
	}
	s1 := run(Options{})
	if s1.Outcome != Committed || len(s1.Landed) != 2 || s1.Listed != 2 {
		t.Fatalf("first run: %+v", s1)
	}
	for _, l := range s1.Landed {
		if !strings.HasPrefix(l.Key, "ingest_date=2026-11-29/"+s1.Run+"_") {
			t.Errorf("landed at %s", l.Key)
		}
		if l.SHA256 == "" || l.Size == 0 {
			t.Errorf("no checksum or size: %+v", l)
		}
	}
	if got := s1.Landed[1]; !strings.HasSuffix(got.Key, "_sub_b_c.csv") || !got.Renamed {
		t.Errorf("sub/b c.csv landed as %+v", got)
	}
	// Nothing new: nothing landed, and the run is in the history.
	s2 := run(Options{})
	if s2.Outcome != NothingNew || len(s2.Landed) != 0 || s2.Unchanged != 2 {
		t.Fatalf("second run: %+v", s2)
	}
	// Touched but the same bytes: not landed. Changed: landed.
	later := time.Now().Add(time.Hour)
	os.Chtimes(filepath.Join(src, "a.csv"), later, later)
	write(t, filepath.Join(src, "sub", "b c.csv"), "id\n2\n3\n")
	s3 := run(Options{})
	if len(s3.Landed) != 1 || !strings.HasSuffix(s3.Landed[0].Key, "sub_b_c.csv") || s3.Unchanged != 1 {
		t.Fatalf("third run: %+v", s3)
	}
	if got := dataFiles(t, filepath.Join(dest, "orders")); len(got) != 3 {
		t.Fatalf("data files %v", got)
	}
	// The touched file's new time is in the index now: the next run
	// passes it over from the listing, fetching nothing.
	l, _ := NewLocal(src)
	counting := &countingSource{FileSource: l}
	s3run, err := Files(ctx, cat, ds, "orders", counting, Options{})
	if err != nil || counting.fetched != 0 || s3run.Unchanged != 2 || s3run.Outcome != NothingNew {
		t.Fatalf("after the touch: %v, %d fetched, %+v", err, counting.fetched, s3run)
	}
	// Again lands everything anew.
	if s4 := run(Options{Again: true}); len(s4.Landed) != 2 {
		t.Fatalf("again: %+v", s4)
	}
	runs, err := History(ctx, ds, "orders")
	if err != nil {
		t.Fatal(err)
	}
	var outcomes []string
	for _, r := range runs {
		outcomes = append(outcomes, r.Outcome)
	}
	if strings.Join(outcomes, ",") != "committed,nothing new,committed,committed,nothing new" {
		t.Errorf("history %v", outcomes)
	}
}

func TestSafeName(t *testing.T) {
	for in, want := range map[string]string{
		"a.csv":              "a.csv",
		"../../etc/passwd":   "etc_passwd",
		"/abs/x.csv":         "abs_x.csv",
		"..":                 "file",
		"dir/./ü name?.csv":  "dir___name_.csv",
		`..\..\win\evil.csv`: "win_evil.csv",
		"_hidden":            "_hidden",
		"a/b/c.json":         "a_b_c.json",
	} {
		got := SafeName(in)
		if got != want {
			t.Errorf("SafeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzSafeName(f *testing.F) {
	for _, s := range []string{"a.csv", "../x", "/", "a\x00b", strings.Repeat("x", 300) + ".csv"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, rel string) {
		n := SafeName(rel)
		if n == "" || len(n) > 200 || n == "." || n == ".." || strings.ContainsAny(n, "/\\\x00") {
			t.Fatalf("SafeName(%q) = %q", rel, n)
		}
		for _, c := range n {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
				t.Fatalf("SafeName(%q) = %q keeps %q", rel, n, c)
			}
		}
	})
}

// countingSource counts the files a source fetched.
type countingSource struct {
	FileSource
	fetched int
}

func (c *countingSource) Fetch(ctx context.Context, f RemoteFile, prev *Seen, dst storage.Store, key string) (*Fetched, error) {
	c.fetched++
	return c.FileSource.Fetch(ctx, f, prev, dst, key)
}
