package crawl

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/lakectl/lakectl/internal/format"
	"github.com/lakectl/lakectl/internal/progress"
	"github.com/lakectl/lakectl/internal/storage"
)

// glob is an include or exclude pattern.
type glob string

func newGlob(p string) (glob, error) {
	if !doublestar.ValidatePattern(p) {
		return "", fmt.Errorf("not a valid glob")
	}
	return glob(p), nil
}

func (g glob) match(key string) bool {
	ok, _ := doublestar.Match(string(g), key)
	return ok
}

// fileEntry is one listed object.
type fileEntry struct {
	obj  *storage.Object
	info *format.File // nil when not read
	// used: the file counts towards its folder's table.
	used bool
}

// folder is a node of a target's folder tree.
type folder struct {
	target   *Target
	key      string // "" for the target itself, else "a/b/"
	name     string
	depth    int // 0 for the target itself
	children map[string]*folder
	files    []*fileEntry
	data     *folderData // what the files directly here hold, once read
}

func (f *folder) child(name string) *folder {
	if c, ok := f.children[name]; ok {
		return c
	}
	c := &folder{target: f.target, key: f.key + name + "/", name: name, depth: f.depth + 1, children: map[string]*folder{}}
	f.children[name] = c
	return c
}

func (f *folder) sortedChildren() []*folder {
	out := make([]*folder, 0, len(f.children))
	for _, c := range f.children {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b *folder) int { return strings.Compare(a.name, b.name) })
	return out
}

func (f *folder) uri() string { return f.target.Store.URI(f.key) }

// list reads a target's objects into a folder tree, applying the include
// and exclude globs; hidden files are reported as skipped.
func list(ctx context.Context, t *Target, opts *Options, rep *Report) (*folder, error) {
	root := &folder{target: t, children: map[string]*folder{}}
	var includes, excludes []glob
	for _, g := range opts.Include {
		includes = append(includes, glob(g))
	}
	for _, g := range opts.Exclude {
		excludes = append(excludes, glob(g))
	}
	for obj, err := range t.Store.List(ctx, "") {
		if err != nil {
			return nil, fmt.Errorf("crawl %s: %w", t.URI, err)
		}
		if len(includes) > 0 && !slices.ContainsFunc(includes, func(g glob) bool { return g.match(obj.Key) }) {
			continue
		}
		if slices.ContainsFunc(excludes, func(g glob) bool { return g.match(obj.Key) }) || format.Bookkeeping(obj.Key) {
			continue
		}
		rep.Files.Listed++
		rep.Files.BytesTotal += obj.Size
		opts.Progress.Add(progress.Counts{Files: 1, Bytes: obj.Size})
		if format.Hidden(obj.Key) {
			rep.skip(t.Store.URI(obj.Key), "hidden or marker file (name starts with _ or .)")
			continue
		}
		dir := root
		segs := strings.Split(obj.Key, "/")
		for _, seg := range segs[:len(segs)-1] {
			dir = dir.child(seg)
		}
		dir.files = append(dir.files, &fileEntry{obj: obj})
	}
	return root, nil
}

func (r *Report) skip(uri, reason string) {
	r.Skipped = append(r.Skipped, Skipped{File: uri, Reason: reason})
	r.Files.Skipped++
}

// walk visits every folder of a tree, parents first.
func walk(f *folder, visit func(*folder)) {
	visit(f)
	for _, c := range f.sortedChildren() {
		walk(c, visit)
	}
}

// fingerprint identifies the files of a folder by name, size, time and
// ETag, so that a re-crawl can tell an unchanged folder without reading it.
func fingerprint(files []*fileEntry) string {
	h := sha256.New()
	for _, f := range files {
		fmt.Fprintf(h, "%s\x00%d\x00%d\x00%s\n", f.obj.Key, f.obj.Size, f.obj.ModTime.UnixNano(), f.obj.ETag)
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// readFiles samples the chosen files concurrently.
func readFiles(ctx context.Context, jobs []*readJob, opts *Options) {
	opts.Progress.Expect(progress.Counts{Files: int64(len(jobs))})
	var wg sync.WaitGroup
	next := make(chan *readJob)
	for range min(opts.Concurrency, max(len(jobs), 1)) {
		wg.Go(func() {
			for j := range next {
				j.file.info = format.Sniff(ctx, j.store, j.file.obj, opts.Format)
				opts.Progress.Add(progress.Counts{Files: 1, Bytes: j.file.info.BytesRead})
			}
		})
	}
	for _, j := range jobs {
		if ctx.Err() != nil {
			break
		}
		next <- j
	}
	close(next)
	wg.Wait()
}

type readJob struct {
	store storage.Store
	file  *fileEntry
}
