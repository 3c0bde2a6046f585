package ingest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/commit"
	"github.com/lakectl/lakectl/internal/progress"
	"github.com/lakectl/lakectl/internal/storage"
)

// Files lands what is new in a file source in the dataset's folder ds: the
// files no run landed before, or that changed since (by size and ETag, else
// modification time, else content hash), byte for byte and checked, in one
// commit with the run's record. name names the dataset.
func Files(ctx context.Context, cat catalog.Catalog, ds storage.Store, name string, src FileSource, opts Options) (*Summary, error) {
	r, err := begin(ctx, ds, cat, name, src.String(), &opts)
	if err != nil {
		return nil, err
	}
	return r.finish(ctx, r.files(ctx, src))
}

func (r *run) files(ctx context.Context, src FileSource) error {
	landed, err := commit.ReadSources(ctx, r.ds)
	if err != nil {
		return err
	}
	r.prog.Stage("list")
	var todo []RemoteFile
	for f, err := range src.List(ctx) {
		if err != nil {
			return err
		}
		r.sum.Listed++
		r.prog.Add(progress.Counts{Files: 1})
		if !r.opts.Since.IsZero() && !f.ModTime.IsZero() && f.ModTime.Before(r.opts.Since) {
			r.sum.Older++
			continue
		}
		if prev, ok := landed[f.URI]; ok && !r.opts.Again && f.Size >= 0 && prev.Same(commit.Source{URI: f.URI, Size: f.Size, ModTime: f.ModTime, ETag: f.ETag}) {
			r.sum.Unchanged++
			continue
		}
		todo = append(todo, f)
	}
	r.prog.Stage("land")
	var total int64
	for _, f := range todo {
		total += max(f.Size, 0)
	}
	r.prog.Expect(progress.Counts{Files: int64(len(todo)), Bytes: total})
	names := map[string]bool{}
	for i, f := range todo {
		var prev *Seen
		if p, ok := landed[f.URI]; ok && !r.opts.Again {
			prev = &Seen{URI: p.URI, Size: p.Size, ModTime: p.ModTime, ETag: p.ETag, SHA256: p.SHA256}
		}
		staged := r.stage(i)
		got, err := src.Fetch(ctx, f, prev, r.ds, staged)
		if errors.Is(err, ErrUnchanged) {
			r.sum.Unchanged++
			r.prog.Add(progress.Counts{Files: 1})
			continue
		}
		if err != nil {
			return fmt.Errorf("%s: %w", f.URI, err)
		}
		// What was landed is what the source said it was.
		o, err := r.ds.Stat(ctx, staged)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return fmt.Errorf("%s: landed nothing at %s", f.URI, r.ds.URI(staged))
		case err != nil:
			return err
		case o.Size != got.Size || (f.Size >= 0 && f.Size != got.Size):
			return fmt.Errorf("%s: the source listed %d bytes, %d were read and %d landed: not landed", f.URI, f.Size, got.Size, o.Size)
		}
		// A file touched but not changed (another time, the same bytes)
		// is not landed again.
		if prev != nil && prev.SHA256 != "" && got.SHA256 == prev.SHA256 && got.Size == prev.Size {
			r.ds.Delete(ctx, staged)
			r.sum.Unchanged++
			r.prog.Add(progress.Counts{Files: 1, Bytes: got.Size})
			// The index learns its new time or ETag, so that the next run
			// passes it over from its listing alone.
			if src := (commit.Source{URI: f.URI, Size: got.Size, ModTime: firstTime(got.ModTime, f.ModTime), ETag: firstString(got.ETag, f.ETag),
				SHA256: got.SHA256, Landed: landed[f.URI].Landed}); !src.Same(landed[f.URI]) {
				r.journal.Record.Sources = append(r.journal.Record.Sources, src)
			}
			continue
		}
		safe := SafeName(f.Rel)
		file := r.opts.RunID + "_" + safe
		for n := 2; names[file]; n++ {
			file = fmt.Sprintf("%s_%d_%s", r.opts.RunID, n, safe)
		}
		names[file] = true
		r.place(staged, file, Landed{Source: f.URI, Size: got.Size, SHA256: got.SHA256, MD5: got.MD5,
			Renamed: safe != strings.Trim(f.Rel, "/"), Resumed: got.Resumed})
		r.journal.Record.Sources = append(r.journal.Record.Sources, commit.Source{URI: f.URI, Size: got.Size,
			ModTime: firstTime(got.ModTime, f.ModTime), ETag: firstString(got.ETag, f.ETag), SHA256: got.SHA256,
			Landed: r.part + "/" + file})
		r.prog.Add(progress.Counts{Files: 1, Bytes: got.Size})
		if err := r.opts.Failpoint.At(Command + ".fetched"); err != nil {
			return err
		}
	}
	return nil
}

func firstString(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func firstTime(a, b time.Time) time.Time {
	if !a.IsZero() {
		return a
	}
	return b
}
