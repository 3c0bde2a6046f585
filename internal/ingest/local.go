package ingest

import (
	"context"
	"fmt"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"strings"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/storage"
)

// Local is a file source on local disk: a file, a folder (every file below
// it, but for names starting with '.'), or a glob pattern
// (path/filepath.Match syntax) of files and folders.
type Local struct {
	arg   string
	roots []localRoot
}

type localRoot struct {
	path string // a file or folder
	base string // what Rel is relative to
}

// NewLocal resolves a local path or glob; a path that does not exist, or a
// glob that matches nothing, is an error (catalog.ErrInvalid, exit 2).
func NewLocal(arg string) (*Local, error) {
	l := &Local{arg: arg}
	abs, err := filepath.Abs(strings.TrimPrefix(arg, "file://"))
	if err != nil {
		return nil, err
	}
	if strings.ContainsAny(abs, "*?[") {
		matches, err := filepath.Glob(abs)
		if err != nil {
			return nil, catalog.Invalidf("%s: %v", arg, err)
		}
		if len(matches) == 0 {
			return nil, catalog.Invalidf("%s: no file matches", arg)
		}
		// Rel is relative to the pattern's folder without wildcards.
		base := abs
		for strings.ContainsAny(base, "*?[") {
			base = filepath.Dir(base)
		}
		for _, m := range matches {
			l.roots = append(l.roots, localRoot{path: m, base: base})
		}
		return l, nil
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, catalog.Invalidf("%s: %v", arg, unwrapPath(err))
	}
	base := abs
	if !st.IsDir() {
		base = filepath.Dir(abs)
	}
	l.roots = []localRoot{{path: abs, base: base}}
	return l, nil
}

func unwrapPath(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

func (l *Local) String() string { return l.arg }

// List walks the roots in name order.
func (l *Local) List(ctx context.Context) iter.Seq2[RemoteFile, error] {
	return func(yield func(RemoteFile, error) bool) {
		seen := map[string]bool{}
		for _, root := range l.roots {
			err := filepath.WalkDir(root.path, func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if p != root.path && strings.HasPrefix(d.Name(), ".") {
					if d.IsDir() {
						return filepath.SkipDir
					}
					return nil
				}
				if d.IsDir() || !d.Type().IsRegular() || seen[p] {
					return nil
				}
				seen[p] = true
				info, err := d.Info()
				if err != nil {
					return err
				}
				rel, _ := filepath.Rel(root.base, p)
				if !yield(RemoteFile{URI: "file://" + filepath.ToSlash(p), Rel: filepath.ToSlash(rel), Size: info.Size(), ModTime: info.ModTime().UTC()}, nil) {
					return fs.SkipAll
				}
				return ctx.Err()
			})
			if err != nil {
				yield(RemoteFile{}, err)
				return
			}
		}
	}
}

// Fetch copies the file, hashing it as it streams, and checks that it did
// not change while it was read.
func (l *Local) Fetch(ctx context.Context, f RemoteFile, prev *Seen, dst storage.Store, key string) (*Fetched, error) {
	p := filepath.FromSlash(strings.TrimPrefix(f.URI, "file://"))
	in, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	before, err := in.Stat()
	if err != nil {
		return nil, err
	}
	got, err := landStream(ctx, dst, key, in, announced{size: -1})
	if err != nil {
		return nil, err
	}
	after, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if after.Size() != before.Size() || !after.ModTime().Equal(before.ModTime()) || got.Size != before.Size() {
		dst.Delete(ctx, key)
		return nil, fmt.Errorf("changed while it was read (%d bytes then %d): not landed, the next run lands it", before.Size(), after.Size())
	}
	got.ModTime = before.ModTime().UTC()
	return got, nil
}
