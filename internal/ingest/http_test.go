package ingest_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/catalog/sqlite"
	"github.com/lakectl/lakectl/internal/ingest"
	"github.com/lakectl/lakectl/internal/storage"
	"github.com/lakectl/lakectl/internal/storage/local"
	"github.com/lakectl/lakectl/internal/storage/storagetest"
)

// webFile is a file on a local web server that answers as web servers do
// (ETag, Last-Modified, conditional and range requests, by
// http.ServeContent), until a test makes it misbehave: each request is
// handed to answer with its number, from 0.
type webFile struct {
	t       *testing.T
	srv     *httptest.Server
	mu      sync.Mutex
	content []byte
	etag    string
	modTime time.Time
	seen    []http.Header // the requests' headers
	answer  func(n int, w http.ResponseWriter, r *http.Request)
}

func newWebFile(t *testing.T, content []byte) *webFile {
	f := &webFile{t: t}
	f.set(content)
	f.answer = func(_ int, w http.ResponseWriter, r *http.Request) { f.serve(w, r) }
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		n := len(f.seen)
		f.seen = append(f.seen, r.Header.Clone())
		f.mu.Unlock()
		f.answer(n, w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// set replaces the file's content (a new ETag and modification time).
func (f *webFile) set(content []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	sum := sha256.Sum256(content)
	f.content = content
	f.etag = `"` + hex.EncodeToString(sum[:8]) + `"`
	f.modTime = time.Date(2025, 3, 1, 12, 0, len(content)%60, 0, time.UTC)
}

func (f *webFile) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	content, etag, mod := f.content, f.etag, f.modTime
	f.mu.Unlock()
	w.Header().Set("ETag", etag)
	http.ServeContent(w, r, "", mod, bytes.NewReader(content))
}

func (f *webFile) requests() []http.Header {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seen
}

// cut is a ResponseWriter that drops the connection once limit bytes of
// the body are sent, as a network failure would.
type cut struct {
	http.ResponseWriter
	limit int
}

var errCut = errors.New("connection dropped by the test")

func (c *cut) Write(p []byte) (int, error) {
	if len(p) <= c.limit {
		c.limit -= len(p)
		return c.ResponseWriter.Write(p)
	}
	n, _ := c.ResponseWriter.Write(p[:c.limit])
	c.limit = 0
	c.ResponseWriter.(http.Flusher).Flush()
	conn, _, err := c.ResponseWriter.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
	return n, errCut
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{7}).Read(b)
	return b
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func fastOptions() ingest.HTTPOptions {
	return ingest.HTTPOptions{Timeout: 2 * time.Second, MaxAttempts: 4, MaxBackoff: 20 * time.Millisecond, MaxRetryAfter: 5 * time.Second}
}

func newSource(t *testing.T, opts ingest.HTTPOptions, urls ...string) (*ingest.HTTPSource, []ingest.RemoteFile) {
	t.Helper()
	src, err := ingest.NewHTTPSource(urls, opts)
	if err != nil {
		t.Fatal(err)
	}
	return src, list(t, src)
}

// list collects what a source lists.
func list(t *testing.T, src ingest.FileSource) []ingest.RemoteFile {
	t.Helper()
	var files []ingest.RemoteFile
	for f, err := range src.List(t.Context()) {
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return files
}

// watched is a local store whose Put fails the test if the stream it
// reads ever returns an error: a download's drops must not reach it.
type watched struct {
	*local.Store
	t *testing.T
}

func (w watched) Put(ctx context.Context, key string, r io.Reader) error {
	return w.Store.Put(ctx, key, readerFunc(func(p []byte) (int, error) {
		n, err := r.Read(p)
		if err != nil && err != io.EOF {
			w.t.Errorf("Put saw an error: %v", err)
		}
		return n, err
	}))
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

func newStore(t *testing.T) *local.Store {
	s, err := local.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func nothingAt(t *testing.T, s storage.Store, key string) {
	t.Helper()
	if _, err := s.Stat(t.Context(), key); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s: something landed (%v)", key, err)
	}
	for obj, err := range s.List(t.Context(), "") {
		if err != nil {
			t.Fatal(err)
		}
		t.Errorf("%s left in the store", obj.Key)
	}
}

// A file is listed by its URL (secrets hidden) and named by the last
// segment of its path; it lands byte for byte, with its SHA-256, its
// MD5 checked against Content-MD5, and the server's ETag and date.
func TestHTTPFetchLandsTheFile(t *testing.T) {
	content := randomBytes(300_000)
	f := newWebFile(t, content)
	sum := md5.Sum(content)
	f.answer = func(_ int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-MD5", base64.StdEncoding.EncodeToString(sum[:]))
		f.serve(w, r)
	}
	u := strings.Replace(f.srv.URL, "http://", "http://reader:pa55word@", 1) + "/exports/daily%20sales.csv?access_token=t0ken"
	src, files := newSource(t, fastOptions(), u)
	want := ingest.RemoteFile{URI: strings.Replace(strings.Replace(u, "pa55word", "xxxxx", 1), "t0ken", "xxxxx", 1), Rel: "daily sales.csv", Size: -1}
	if len(files) != 1 || files[0] != want {
		t.Fatalf("listed %+v, want %+v", files, want)
	}
	if strings.Contains(src.String(), "pa55word") || strings.Contains(src.String(), "t0ken") {
		t.Errorf("String() shows a secret: %s", src)
	}
	dst := newStore(t)
	got, err := src.Fetch(t.Context(), files[0], nil, dst, "stage/daily sales.csv")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(storagetest.Read(t, dst, "stage/daily sales.csv"), content) {
		t.Fatal("the landed bytes differ from the file's")
	}
	wantGot := ingest.Fetched{Size: int64(len(content)), ModTime: f.modTime, ETag: f.etag, SHA256: sha(content), MD5: hex.EncodeToString(sum[:])}
	if *got != wantGot {
		t.Errorf("Fetched %+v, want %+v", *got, wantGot)
	}
	if h := f.requests()[0]; h.Get("Authorization") == "" || h.Get("Accept-Encoding") != "identity" {
		t.Errorf("request headers %v: want the URL's credentials and the bytes as they are", h)
	}
}

// With what the last run saw, a file is asked for only if it changed: a
// 304 is ErrUnchanged and lands nothing; a changed file lands.
func TestHTTPUnchangedFileIsNotFetched(t *testing.T) {
	f := newWebFile(t, []byte("id,amount\n1,10\n"))
	src, files := newSource(t, fastOptions(), f.srv.URL+"/a.csv")
	dst := newStore(t)
	first, err := src.Fetch(t.Context(), files[0], nil, dst, "run1/a.csv")
	if err != nil {
		t.Fatal(err)
	}
	for _, prev := range []ingest.Seen{
		{URI: files[0].URI, ETag: first.ETag},
		{URI: files[0].URI, ModTime: first.ModTime},
	} {
		if _, err := src.Fetch(t.Context(), files[0], &prev, dst, "run2/a.csv"); !errors.Is(err, ingest.ErrUnchanged) {
			t.Errorf("prev %+v: %v, want ErrUnchanged", prev, err)
		}
	}
	h := f.requests()
	if h[1].Get("If-None-Match") != f.etag || h[2].Get("If-Modified-Since") != "Sat, 01 Mar 2025 12:00:15 GMT" {
		t.Errorf("conditional requests sent %v and %v", h[1], h[2])
	}
	if _, err := dst.Stat(t.Context(), "run2/a.csv"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("an unchanged file landed (%v)", err)
	}
	f.set([]byte("id,amount\n1,10\n2,20\n"))
	prev := ingest.Seen{URI: files[0].URI, ETag: first.ETag, ModTime: first.ModTime}
	if _, err := src.Fetch(t.Context(), files[0], &prev, dst, "run3/a.csv"); err != nil {
		t.Fatal(err)
	}
	if got := string(storagetest.Read(t, dst, "run3/a.csv")); got != "id,amount\n1,10\n2,20\n" {
		t.Errorf("landed %q", got)
	}
}

// A download whose connection drops — three times mid-body, and once the
// server stalls — goes on with range requests from the byte reached, on
// the same file (If-Range), and the store's Put reads one stream that
// never fails.
func TestHTTPDroppedDownloadResumes(t *testing.T) {
	content := randomBytes(1 << 20)
	f := newWebFile(t, content)
	release := make(chan struct{})
	defer close(release)
	f.answer = func(n int, w http.ResponseWriter, r *http.Request) {
		switch n {
		case 0, 1, 2:
			f.serve(&cut{ResponseWriter: w, limit: 200_000 + n*1000}, r)
		case 3: // a stall: some bytes, then nothing
			w.Header().Set("ETag", f.etag)
			w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", 603_000, len(content)-1, len(content)))
			w.WriteHeader(http.StatusPartialContent)
			w.Write(content[603_000:700_000])
			w.(http.Flusher).Flush()
			select {
			case <-release:
			case <-r.Context().Done():
			}
		default:
			f.serve(w, r)
		}
	}
	opts := fastOptions()
	opts.Timeout = time.Second
	src, files := newSource(t, opts, f.srv.URL+"/big.bin")
	dst := watched{newStore(t), t}
	got, err := src.Fetch(t.Context(), files[0], nil, dst, "big.bin")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(storagetest.Read(t, dst, "big.bin"), content) {
		t.Fatal("the landed bytes differ from the file's")
	}
	if got.Resumed != 4 || got.SHA256 != sha(content) || got.Size != int64(len(content)) {
		t.Errorf("Fetched %+v: want 4 resumptions, the file's size and SHA-256", got)
	}
	var ranges []string
	for _, h := range f.requests()[1:] {
		if h.Get("If-Range") != f.etag {
			t.Errorf("a resumption's If-Range is %q, want the ETag %s", h.Get("If-Range"), f.etag)
		}
		ranges = append(ranges, h.Get("Range"))
	}
	if want := []string{"bytes=200000-", "bytes=401000-", "bytes=603000-", "bytes=700000-"}; fmt.Sprint(ranges) != fmt.Sprint(want) {
		t.Errorf("resumed with %v, want %v", ranges, want)
	}
}

// A file replaced while it downloads cannot be resumed (If-Range answers
// the whole new file): the download starts over and lands the new file.
func TestHTTPFileChangedMidDownloadStartsOver(t *testing.T) {
	old, replaced := randomBytes(500_000), bytes.Repeat([]byte("new "), 100_000)
	f := newWebFile(t, old)
	f.answer = func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 0 {
			f.serve(&cut{ResponseWriter: w, limit: 100_000}, r)
			f.set(replaced)
			return
		}
		f.serve(w, r)
	}
	src, files := newSource(t, fastOptions(), f.srv.URL+"/f.bin")
	dst := newStore(t)
	got, err := src.Fetch(t.Context(), files[0], nil, dst, "f.bin")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(storagetest.Read(t, dst, "f.bin"), replaced) || got.SHA256 != sha(replaced) || got.ETag != f.etag {
		t.Errorf("Fetched %+v: want the new file whole", got)
	}
	if h := f.requests(); len(h) != 3 || h[2].Get("Range") != "" {
		t.Errorf("%d requests, want: the first, a resumption answered whole, and the new start", len(h))
	}
}

// A server that ignores ranges sends the same file whole again: what was
// already landed is skipped and the stream goes on.
func TestHTTPServerWithoutRangesResumesBySkipping(t *testing.T) {
	content := randomBytes(400_000)
	f := newWebFile(t, content)
	f.answer = func(n int, w http.ResponseWriter, r *http.Request) {
		r.Header.Del("Range")
		if n == 0 {
			f.serve(&cut{ResponseWriter: w, limit: 123_456}, r)
			return
		}
		f.serve(w, r)
	}
	src, files := newSource(t, fastOptions(), f.srv.URL+"/f.bin")
	dst := watched{newStore(t), t}
	got, err := src.Fetch(t.Context(), files[0], nil, dst, "f.bin")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(storagetest.Read(t, dst, "f.bin"), content) || got.Resumed != 1 {
		t.Errorf("Fetched %+v: want the file, resumed once", got)
	}
}

// 429 and 503 are tried again after the Retry-After the server asks
// (seconds, or a date), capped; other 5xx and dropped connections after
// backoff.
func TestHTTPThrottlingHonoursRetryAfter(t *testing.T) {
	f := newWebFile(t, []byte("ok\n"))
	var times []time.Time
	f.answer = func(n int, w http.ResponseWriter, r *http.Request) {
		times = append(times, time.Now())
		switch n {
		case 0:
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
		case 1:
			w.Header().Set("Retry-After", time.Now().Add(2*time.Second).UTC().Format(http.TimeFormat))
			w.WriteHeader(http.StatusServiceUnavailable)
		case 2:
			w.WriteHeader(http.StatusBadGateway)
		case 3: // the connection closes before an answer
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		default:
			f.serve(w, r)
		}
	}
	opts := fastOptions()
	opts.MaxAttempts = 5
	src, files := newSource(t, opts, f.srv.URL+"/ok.txt")
	dst := newStore(t)
	if _, err := src.Fetch(t.Context(), files[0], nil, dst, "ok.txt"); err != nil {
		t.Fatal(err)
	}
	if len(times) != 5 {
		t.Fatalf("%d requests, want 5", len(times))
	}
	if d := times[1].Sub(times[0]); d < 950*time.Millisecond || d > 3*time.Second {
		t.Errorf("Retry-After: 1 waited %v", d)
	}
	if d := times[2].Sub(times[1]); d < time.Second || d > 4*time.Second {
		t.Errorf("Retry-After of a date 2 s on waited %v", d)
	}
	if d := times[4].Sub(times[2]); d > 3*time.Second {
		t.Errorf("backoff after a 502 and a dropped connection took %v", d)
	}

	// A Retry-After beyond the cap waits the cap.
	f.answer = func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
	}
	opts.MaxAttempts, opts.MaxRetryAfter = 2, 200*time.Millisecond
	src, files = newSource(t, opts, f.srv.URL+"/busy.txt")
	start := time.Now()
	_, err := src.Fetch(t.Context(), files[0], nil, dst, "busy.txt")
	var herr *ingest.HTTPError
	if !errors.As(err, &herr) || herr.StatusCode != http.StatusTooManyRequests || !strings.Contains(err.Error(), "gave up after 2 tries") {
		t.Errorf("a server busy for an hour: %v", err)
	}
	if d := time.Since(start); d < 200*time.Millisecond || d > 5*time.Second {
		t.Errorf("the capped wait took %v, want 200ms", d)
	}
}

// 401, 403 and 404 fail at once, saying what they mean, with the URL
// (without its secrets) to name; a 500 that persists fails once the tries
// are spent. Nothing lands.
func TestHTTPErrors(t *testing.T) {
	for _, c := range []struct {
		status   int
		requests int
		words    string
	}{
		{http.StatusUnauthorized, 1, "401 Unauthorized (the server wants credentials"},
		{http.StatusForbidden, 1, "403 Forbidden (access denied)"},
		{http.StatusNotFound, 1, "404 Not Found (no file at this URL)"},
		{http.StatusGone, 1, "410 Gone"},
		{http.StatusInternalServerError, 4, "500 Internal Server Error (gave up after 4 tries)"},
	} {
		t.Run(fmt.Sprint(c.status), func(t *testing.T) {
			f := newWebFile(t, nil)
			f.answer = func(_ int, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(c.status) }
			u := strings.Replace(f.srv.URL, "http://", "http://svc:hunter22@", 1) + "/x/report.csv?sig=s1gnature&day=3"
			src, files := newSource(t, fastOptions(), u)
			dst := newStore(t)
			_, err := src.Fetch(t.Context(), files[0], nil, dst, "report.csv")
			var herr *ingest.HTTPError
			if !errors.As(err, &herr) || herr.StatusCode != c.status {
				t.Fatalf("err %v, want an HTTPError %d", err, c.status)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, c.words) || strings.Contains(msg, "hunter22") || strings.Contains(msg, "s1gnature") {
				t.Errorf("message %q", msg)
			}
			// Ingest names the file by its URI, which hides the secrets.
			if wantURL := strings.Replace(f.srv.URL, "http://", "http://svc:xxxxx@", 1) + "/x/report.csv?sig=xxxxx&day=3"; herr.URL != wantURL || files[0].URI != wantURL {
				t.Errorf("named %q and listed as %q, want %q", herr.URL, files[0].URI, wantURL)
			}
			if n := len(f.requests()); n != c.requests {
				t.Errorf("%d requests, want %d", n, c.requests)
			}
			nothingAt(t, dst, "report.csv")
		})
	}
}

// A body whose MD5 is not the Content-MD5 the server sent fails the
// fetch, and nothing lands.
func TestHTTPContentMD5Mismatch(t *testing.T) {
	f := newWebFile(t, []byte("the real bytes\n"))
	f.answer = func(_ int, w http.ResponseWriter, r *http.Request) {
		sum := md5.Sum([]byte("other bytes\n"))
		w.Header().Set("Content-MD5", base64.StdEncoding.EncodeToString(sum[:]))
		f.serve(w, r)
	}
	src, files := newSource(t, fastOptions(), f.srv.URL+"/f.txt")
	dst := newStore(t)
	if _, err := src.Fetch(t.Context(), files[0], nil, dst, "f.txt"); !errors.Is(err, ingest.ErrMismatch) {
		t.Errorf("err %v, want ErrMismatch", err)
	}
	nothingAt(t, dst, "f.txt")
}

func TestNewHTTPSourceRefusesBadURLs(t *testing.T) {
	for _, urls := range [][]string{
		nil,
		{"ftp://host/file"},
		{"https:///nohost"},
		{"report.csv"},
		{"https://h/a?token=1", "https://h/a?token=2"}, // the same once secrets are hidden
	} {
		if _, err := ingest.NewHTTPSource(urls, ingest.HTTPOptions{}); !errors.Is(err, fs.ErrInvalid) {
			t.Errorf("%q: %v, want a usage error", urls, err)
		}
	}
}

// Through a run: the files of web servers land once; a re-run asks with
// the ETag or date the last run recorded and lands nothing on 304; a
// changed file lands again; a missing one fails the run, named by its URL
// without secrets.
func TestFilesFromHTTP(t *testing.T) {
	a, b := newWebFile(t, []byte("id\n1\n")), newWebFile(t, []byte("id\n2\n"))
	b.answer = func(_ int, w http.ResponseWriter, r *http.Request) {
		// No ETag: only the date to go by.
		b.mu.Lock()
		content, mod := b.content, b.modTime
		b.mu.Unlock()
		http.ServeContent(w, r, "", mod, bytes.NewReader(content))
	}
	cat, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	ds := newStore(t)
	src, _ := newSource(t, fastOptions(), a.srv.URL+"/exports/a.csv?token=s3cr3t", b.srv.URL+"/b.csv")
	run := func() *ingest.Summary {
		t.Helper()
		sum, err := ingest.Files(t.Context(), cat, ds, "web", src, ingest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return sum
	}
	if sum := run(); len(sum.Landed) != 2 || sum.Landed[0].Source != a.srv.URL+"/exports/a.csv?token=xxxxx" {
		t.Fatalf("first run landed %+v", sum.Landed)
	}
	if sum := run(); len(sum.Landed) != 0 || sum.Unchanged != 2 {
		t.Errorf("re-run: %d landed, %d unchanged, want 0 and 2", len(sum.Landed), sum.Unchanged)
	}
	if h := a.requests()[1]; h.Get("If-None-Match") != a.etag {
		t.Errorf("re-run asked for a.csv with If-None-Match %q, want %s", h.Get("If-None-Match"), a.etag)
	}
	if h := b.requests()[1]; h.Get("If-Modified-Since") == "" {
		t.Error("re-run asked for b.csv without If-Modified-Since")
	}
	a.set([]byte("id\n1\n3\n"))
	if sum := run(); len(sum.Landed) != 1 || sum.Unchanged != 1 || sum.Landed[0].Size != 7 {
		t.Errorf("after a change: landed %+v, %d unchanged", sum.Landed, sum.Unchanged)
	}
	a.answer = func(_ int, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNotFound) }
	_, err = ingest.Files(t.Context(), cat, ds, "web", src, ingest.Options{})
	if err == nil || !strings.Contains(err.Error(), a.srv.URL+"/exports/a.csv?token=xxxxx: 404 Not Found") || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("a missing file: %v", err)
	}
}
