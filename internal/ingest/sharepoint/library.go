package sharepoint

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/lakectl/lakectl/internal/format"
	"github.com/lakectl/lakectl/internal/ingest"
	"github.com/lakectl/lakectl/internal/storage"
)

// LibraryOptions name a document library and a folder of it.
type LibraryOptions struct {
	// Site is the site's URL: https://contoso.sharepoint.com/sites/Finance.
	Site string
	// Library is the library's name as the site shows it ("Documents",
	// "Shared Documents" is the same library's older name).
	Library string
	// Folder is a folder below the library's root ('/'-separated); the
	// whole library when empty. Files in its subfolders are listed too.
	Folder string
}

// LibrarySource is a library's files (an ingest.FileSource), read through
// Microsoft Graph.
type LibrarySource struct {
	c      *Client
	opts   LibraryOptions
	site   *url.URL
	folder string

	once    sync.Once
	driveID string
	err     error
}

// Library is the source of a document library's files.
func (c *Client) Library(opts LibraryOptions) (*LibrarySource, error) {
	site, err := siteURL(opts.Site)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(opts.Library) == "" {
		return nil, fmt.Errorf("sharepoint: name a document library")
	}
	folder := strings.Trim(opts.Folder, "/")
	for _, part := range strings.Split(folder, "/") {
		if part == "." || part == ".." {
			return nil, fmt.Errorf("sharepoint: folder %q: no . or .. parts", opts.Folder)
		}
	}
	return &LibrarySource{c: c, opts: opts, site: site, folder: folder}, nil
}

// String names the library's folder.
func (s *LibrarySource) String() string {
	return strings.TrimSuffix(s.site.String()+"/"+s.opts.Library+"/"+s.folder, "/")
}

// graphURL is Graph's root and a path below it; each segment of rel is
// escaped by the caller.
func (s *LibrarySource) graphURL(rel string) string {
	return s.c.graph.String() + rel
}

// graphAccept is Graph's own JSON.
const graphAccept = "application/json"

// drive finds the library's drive: the site by its host and path, then
// the drive of that name.
func (s *LibrarySource) drive(ctx context.Context) (string, error) {
	s.once.Do(func() {
		sitePath := s.site.Host
		if p := strings.Trim(s.site.Path, "/"); p != "" {
			sitePath += ":/" + escapePath(p) + ":"
		}
		body, err := s.c.getJSON(ctx, s.graphURL("/sites/"+sitePath), graphAccept)
		if err != nil {
			s.err = err
			return
		}
		var site struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(body, &site); err != nil || site.ID == "" {
			s.err = fmt.Errorf("sharepoint: site %s: no id in Graph's answer: %w", s.site, ErrMalformed)
			return
		}
		var names []string
		err = s.c.pages(ctx, s.graphURL("/sites/"+url.PathEscape(site.ID)+"/drives"), graphAccept, func(p *Page) error {
			for _, raw := range p.Items {
				var d struct {
					ID   string `json:"id"`
					Name string `json:"name"`
				}
				if err := json.Unmarshal(raw, &d); err != nil {
					return fmt.Errorf("sharepoint: drives of %s: %w: %v", s.site, ErrMalformed, err)
				}
				if s.driveID == "" && (strings.EqualFold(d.Name, s.opts.Library) ||
					strings.EqualFold(s.opts.Library, "Shared Documents") && strings.EqualFold(d.Name, "Documents")) {
					s.driveID = d.ID
				}
				names = append(names, fmt.Sprintf("%q", d.Name))
			}
			return nil
		})
		if err != nil {
			s.err = err
			return
		}
		if s.driveID == "" {
			s.err = fmt.Errorf("sharepoint: site %s has no document library %q (it has %s): %w", s.site, s.opts.Library, strings.Join(names, ", "), ErrNotFound)
		}
	})
	return s.driveID, s.err
}

func escapePath(p string) string {
	parts := strings.Split(p, "/")
	for i, part := range parts {
		parts[i] = url.PathEscape(part)
	}
	return strings.Join(parts, "/")
}

// driveItem is what Graph tells of a file or folder.
type driveItem struct {
	ID                   string    `json:"id"`
	Name                 string    `json:"name"`
	Size                 int64     `json:"size"`
	ETag                 string    `json:"eTag"`
	LastModifiedDateTime time.Time `json:"lastModifiedDateTime"`
	WebURL               string    `json:"webUrl"`
	Folder               *struct{} `json:"folder"`
	File                 *struct {
		Hashes struct {
			SHA256 string `json:"sha256Hash"`
		} `json:"hashes"`
	} `json:"file"`
}

// List yields the files of the folder and of its subfolders, depth first;
// Rel is a file's path below the folder.
func (s *LibrarySource) List(ctx context.Context) iter.Seq2[ingest.RemoteFile, error] {
	return func(yield func(ingest.RemoteFile, error) bool) {
		drive, err := s.drive(ctx)
		if err != nil {
			yield(ingest.RemoteFile{}, err)
			return
		}
		root := "/drives/" + url.PathEscape(drive) + "/root"
		if s.folder != "" {
			root += ":/" + escapePath(s.folder) + ":"
		}
		stop := fmt.Errorf("stopped")
		var walk func(children, rel string) error
		walk = func(children, rel string) error {
			var folders []driveItem
			err := s.c.pages(ctx, s.graphURL(children), graphAccept, func(p *Page) error {
				for _, raw := range p.Items {
					var it driveItem
					if err := json.Unmarshal(raw, &it); err != nil {
						return fmt.Errorf("sharepoint: %s: an item of %s: %w: %v", s, path.Join("/", rel), ErrMalformed, err)
					}
					switch {
					case it.Folder != nil:
						folders = append(folders, it)
					case it.File != nil:
						r := path.Join(rel, it.Name)
						f := ingest.RemoteFile{URI: s.site.String() + "/" + escapePath(s.opts.Library+"/"+path.Join(s.folder, r)),
							Rel: r, Size: it.Size, ModTime: it.LastModifiedDateTime, ETag: it.ETag}
						if !yield(f, nil) {
							return stop
						}
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
			for _, d := range folders {
				if err := walk("/drives/"+url.PathEscape(drive)+"/items/"+url.PathEscape(d.ID)+"/children", path.Join(rel, d.Name)); err != nil {
					return err
				}
			}
			return nil
		}
		if err := walk(root+"/children", ""); err != nil && err != stop {
			yield(ingest.RemoteFile{}, err)
		}
	}
}

// Fetch streams a file into dst at key, checking its size against the
// listing and, where Graph gives one, its SHA-256. With prev, the file is
// asked for only if its eTag changed (If-None-Match): ErrUnchanged when
// it did not.
func (s *LibrarySource) Fetch(ctx context.Context, f ingest.RemoteFile, prev *ingest.Seen, dst storage.Store, key string) (*ingest.Fetched, error) {
	drive, err := s.drive(ctx)
	if err != nil {
		return nil, err
	}
	itemPath := "/drives/" + url.PathEscape(drive) + "/root:/" + escapePath(path.Join(s.folder, f.Rel)) + ":"
	meta, err := s.c.getJSON(ctx, s.graphURL(itemPath), graphAccept)
	if err != nil {
		return nil, err
	}
	var it driveItem
	if err := json.Unmarshal(meta, &it); err != nil || it.ID == "" {
		return nil, fmt.Errorf("sharepoint: %s: %w", f.URI, ErrMalformed)
	}
	h := http.Header{}
	if prev != nil && prev.ETag != "" {
		h.Set("If-None-Match", prev.ETag)
	}
	content := s.graphURL("/drives/" + url.PathEscape(drive) + "/items/" + url.PathEscape(it.ID) + "/content")
	resp, err := s.c.do(ctx, request{method: http.MethodGet, url: content, header: h})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified {
		return nil, ingest.ErrUnchanged
	}
	sum := sha256.New()
	counted := &format.CountingReader{R: io.TeeReader(resp.Body, sum)}
	if err := dst.Put(ctx, key, counted); err != nil {
		return nil, fmt.Errorf("sharepoint: %s: %w", f.URI, err)
	}
	got := &ingest.Fetched{Size: counted.N, ModTime: it.LastModifiedDateTime, ETag: it.ETag, SHA256: hex.EncodeToString(sum.Sum(nil))}
	var bad string
	switch {
	case it.Size != counted.N:
		bad = fmt.Sprintf("%d bytes arrived, Graph says the file has %d", counted.N, it.Size)
	case resp.ContentLength >= 0 && resp.ContentLength != counted.N:
		bad = fmt.Sprintf("%d bytes arrived of the %d sent", counted.N, resp.ContentLength)
	case it.File != nil && it.File.Hashes.SHA256 != "" && !strings.EqualFold(it.File.Hashes.SHA256, got.SHA256):
		bad = "its SHA-256 differs from Graph's"
	}
	if bad != "" {
		dst.Delete(ctx, key)
		return nil, fmt.Errorf("sharepoint: %s: %s", f.URI, bad)
	}
	return got, nil
}
