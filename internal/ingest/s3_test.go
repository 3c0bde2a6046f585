package ingest_test

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lakectl/lakectl/internal/ingest"
	"github.com/lakectl/lakectl/internal/storage"
	lakes3 "github.com/lakectl/lakectl/internal/storage/s3"
	"github.com/lakectl/lakectl/internal/storage/s3/s3test"
	"github.com/lakectl/lakectl/internal/storage/storagetest"
)

func minio(t *testing.T) s3test.Server {
	t.Helper()
	srv := s3test.Require(t)
	srv.Setenv(t)
	return srv
}

// putObjects stores objects (a single PUT each) in bucket through the
// store of its root.
func putObjects(t *testing.T, srv s3test.Server, bucket string, objects map[string][]byte) *lakes3.Store {
	t.Helper()
	s, err := lakes3.Open(t.Context(), bucket, "", lakes3.Options{Endpoint: srv.Endpoint, PartSize: 5 << 20})
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range objects {
		if err := s.Put(t.Context(), k, bytes.NewReader(v)); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func s3Source(t *testing.T, uri string, opts lakes3.Options) (*ingest.S3Source, []ingest.RemoteFile) {
	t.Helper()
	src, err := ingest.NewS3Source(t.Context(), uri, opts)
	if err != nil {
		t.Fatal(err)
	}
	return src, list(t, src)
}

func md5hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

// s3://B/P is the object P when there is one, else the folder P/; the
// files are named by their key below it.
func TestS3SourceListsAFolderOrAnObject(t *testing.T) {
	srv := minio(t)
	bucket := srv.NewBucket(t)
	objects := map[string][]byte{
		"in/a.csv": []byte("a\n"), "in/sub/b.csv": []byte("bb\n"), "inbox/c.csv": []byte("ccc\n"), "top.csv": []byte("tttt\n"),
	}
	putObjects(t, srv, bucket, objects)
	marker := "in/sub/"
	if _, err := srv.Client().PutObject(t.Context(), &s3.PutObjectInput{Bucket: &bucket, Key: &marker, Body: strings.NewReader("")}); err != nil {
		t.Fatal(err)
	}
	opts := lakes3.Options{Endpoint: srv.Endpoint}
	for uri, want := range map[string][]string{
		"s3://" + bucket + "/in":         {"a.csv", "sub/b.csv"},
		"s3://" + bucket + "/in/":        {"a.csv", "sub/b.csv"},
		"s3://" + bucket + "/in/a.csv":   {"a.csv"},
		"s3://" + bucket:                 {"in/a.csv", "in/sub/b.csv", "inbox/c.csv", "top.csv"},
		"s3://" + bucket + "/in/*.csv":   {"a.csv"},
		"s3://" + bucket + "/in/*/b.csv": {"sub/b.csv"},
		"s3://" + bucket + "/*.csv":      {"top.csv"},
	} {
		_, files := s3Source(t, uri, opts)
		var rels []string
		for _, f := range files {
			rels = append(rels, f.Rel)
			key := strings.TrimPrefix(f.URI, "s3://"+bucket+"/")
			if !strings.HasSuffix(key, f.Rel) || f.Size != int64(len(objects[key])) || f.ETag != md5hex(objects[key]) || f.ModTime.IsZero() {
				t.Errorf("%s: listed %+v", uri, f)
			}
		}
		if !slices.Equal(rels, want) {
			t.Errorf("%s lists %q, want %q", uri, rels, want)
		}
	}
	// A prefix that holds nothing, or a pattern that matches nothing, is a
	// mistake (fs.ErrInvalid: exit 2), as a missing local path is.
	for _, uri := range []string{"s3://" + bucket + "/nothing", "s3://" + bucket + "/in/*.json"} {
		src, err := ingest.NewS3Source(t.Context(), uri, opts)
		if err != nil {
			t.Fatal(err)
		}
		var lerr error
		for _, err := range src.List(t.Context()) {
			if err != nil {
				lerr = err
				break
			}
		}
		if !errors.Is(lerr, fs.ErrInvalid) || !strings.Contains(lerr.Error(), "no object there") {
			t.Errorf("%s: %v", uri, lerr)
		}
	}
	for _, bad := range []string{"s3://", "s3:///p", "s3://" + bucket + "/in/[", "s3://" + bucket + "/a//b", "s3://" + bucket + "/../x", "https://" + bucket + "/p"} {
		if _, err := ingest.NewS3Source(t.Context(), bad, opts); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// Into a local store an object is streamed: its SHA-256 computed, and its
// MD5 checked against the ETag when the ETag is one (not a multipart
// upload's).
func TestS3SourceStreamsToLocal(t *testing.T) {
	srv := minio(t)
	bucket := srv.NewBucket(t)
	small, big := randomBytes(100_000), randomBytes(11<<20)
	putObjects(t, srv, bucket, map[string][]byte{"d/small.bin": small, "d/big.bin": big})
	src, files := s3Source(t, "s3://"+bucket+"/d", lakes3.Options{Endpoint: srv.Endpoint})
	dst := newStore(t)
	for _, f := range files {
		content, md5 := small, md5hex(small)
		if f.Rel == "big.bin" {
			content, md5 = big, "" // uploaded in parts: the ETag is not an MD5
		}
		got, err := src.Fetch(t.Context(), f, nil, dst, "stage/"+f.Rel)
		if err != nil {
			t.Fatal(err)
		}
		want := ingest.Fetched{Size: int64(len(content)), ModTime: f.ModTime, ETag: f.ETag, SHA256: sha(content), MD5: md5}
		if *got != want {
			t.Errorf("%s: Fetched %+v, want %+v", f.Rel, *got, want)
		}
		if !bytes.Equal(storagetest.Read(t, dst, "stage/"+f.Rel), content) {
			t.Errorf("%s: the landed bytes differ", f.Rel)
		}
		prev := ingest.Seen{URI: f.URI, Size: f.Size, ETag: f.ETag}
		if _, err := src.Fetch(t.Context(), f, &prev, dst, "again/"+f.Rel); !errors.Is(err, ingest.ErrUnchanged) {
			t.Errorf("%s: the same ETag and size fetched again (%v)", f.Rel, err)
		}
	}
}

// Into an S3 store the same credentials reach, an object is copied
// server side (no SHA-256: the bytes never pass through lakectl), in
// parts over the copy threshold.
func TestS3SourceCopiesServerSide(t *testing.T) {
	srv := minio(t)
	bucket, raw := srv.NewBucket(t), srv.NewBucket(t)
	small, big := randomBytes(1000), randomBytes(12<<20)
	putObjects(t, srv, bucket, map[string][]byte{"small.bin": small, "big.bin": big})
	src, files := s3Source(t, "s3://"+bucket, lakes3.Options{Endpoint: srv.Endpoint})
	dst, err := lakes3.Open(t.Context(), raw, "lake/raw", lakes3.Options{Endpoint: srv.Endpoint, CopyThreshold: 5 << 20, CopyPartSize: 5 << 20})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		content, md5 := small, md5hex(small)
		if f.Rel == "big.bin" {
			content, md5 = big, ""
		}
		got, err := src.Fetch(t.Context(), f, nil, dst, "stage/"+f.Rel)
		if err != nil {
			t.Fatal(err)
		}
		want := ingest.Fetched{Size: int64(len(content)), ModTime: f.ModTime, ETag: f.ETag, MD5: md5}
		if *got != want {
			t.Errorf("%s: Fetched %+v, want %+v", f.Rel, *got, want)
		}
		if !bytes.Equal(storagetest.Read(t, dst, "stage/"+f.Rel), content) {
			t.Errorf("%s: the copy differs", f.Rel)
		}
	}
	obj, err := dst.Stat(t.Context(), "stage/big.bin")
	if err != nil || !strings.HasSuffix(obj.ETag, "-3") {
		t.Errorf("big.bin copied as %+v (%v), want a copy in 3 parts", obj, err)
	}
	uploads, err := srv.Client().ListMultipartUploads(t.Context(), &s3.ListMultipartUploadsInput{Bucket: &raw})
	if err != nil || len(uploads.Uploads) != 0 {
		t.Errorf("uploads left open: %v (%v)", uploads, err)
	}
}

// tamper is a proxy in front of MinIO through which a test changes what a
// GET of an object sends back.
type tamper struct {
	mu   sync.Mutex
	gets []http.Header // the object GETs' request headers
	// body changes the n-th GET's response (from 0); nil passes it on.
	body func(n int, resp *http.Response)
}

func newTamper(t *testing.T, srv s3test.Server) (*tamper, string) {
	target, err := url.Parse(srv.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	tp := &tamper{}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Host = r.In.Host // as signed
		},
		ModifyResponse: func(resp *http.Response) error {
			if resp.Request.Method != http.MethodGet || strings.Count(resp.Request.URL.Path, "/") < 2 || resp.StatusCode >= 300 {
				return nil
			}
			tp.mu.Lock()
			n := len(tp.gets)
			tp.gets = append(tp.gets, resp.Request.Header.Clone())
			tp.mu.Unlock()
			if tp.body != nil {
				tp.body(n, resp)
			}
			return nil
		},
		ErrorLog: log.New(io.Discard, "", 0), // the drops tests make
	}
	ts := httptest.NewServer(proxy)
	t.Cleanup(ts.Close)
	return tp, ts.URL
}

func (tp *tamper) requests() []http.Header {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	return tp.gets
}

// cutAfter makes a body fail after n bytes: the proxy drops the
// connection.
func cutAfter(resp *http.Response, n int64) {
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(io.LimitReader(resp.Body, n), errorReader{}), resp.Body}
}

type errorReader struct{}

func (errorReader) Read([]byte) (int, error) { return 0, errors.New("dropped by the test") }

// A streamed download that drops goes on from the byte reached, on the
// same object (If-Match its ETag); one replaced in between starts over
// and lands the new object whole.
func TestS3SourceResumesDroppedDownloads(t *testing.T) {
	srv := minio(t)
	bucket := srv.NewBucket(t)
	content := randomBytes(3 << 20)
	store := putObjects(t, srv, bucket, map[string][]byte{"f.bin": content})
	tp, endpoint := newTamper(t, srv)
	tp.body = func(n int, resp *http.Response) {
		if n < 2 {
			cutAfter(resp, 1<<20)
		}
	}
	src, files := s3Source(t, "s3://"+bucket+"/f.bin", lakes3.Options{Endpoint: endpoint})
	dst := watched{newStore(t), t}
	got, err := src.Fetch(t.Context(), files[0], nil, dst, "f.bin")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(storagetest.Read(t, dst, "f.bin"), content) || got.Resumed != 2 || got.MD5 != md5hex(content) {
		t.Errorf("Fetched %+v: want the object, resumed twice, its MD5 checked", got)
	}
	// Each resume asks for the rest from where the bytes stopped (how many
	// arrive before a cut depends on the reader's buffers: at most the
	// 1 MiB the proxy lets through), of the same object.
	etag := `"` + files[0].ETag + `"`
	reqs := tp.requests()[1:]
	var starts []int
	for _, h := range reqs {
		var start int
		if _, err := fmt.Sscanf(h.Get("Range"), "bytes=%d-", &start); err != nil || h.Get("If-Match") != etag {
			t.Errorf("resumed with Range %q If-Match %q", h.Get("Range"), h.Get("If-Match"))
		}
		starts = append(starts, start)
	}
	if len(starts) != 2 || starts[0] <= 0 || starts[0] > 1<<20 || starts[1] <= starts[0] || starts[1] > starts[0]+1<<20 {
		t.Errorf("resumed at %v: want two resumes, each at most 1 MiB on from where the last began", starts)
	}

	replaced := bytes.Repeat([]byte("v2"), 1<<20)
	tp.mu.Lock()
	tp.gets = nil
	tp.mu.Unlock()
	tp.body = func(n int, resp *http.Response) {
		if n == 0 {
			cutAfter(resp, 1<<20)
			if err := store.Put(t.Context(), "f.bin", bytes.NewReader(replaced)); err != nil {
				t.Error(err)
			}
		}
	}
	dst2 := newStore(t) // its Put fails once: the download starts over
	got, err = src.Fetch(t.Context(), files[0], nil, dst2, "f2.bin")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(storagetest.Read(t, dst2, "f2.bin"), replaced) || got.SHA256 != sha(replaced) || got.ETag != md5hex(replaced) {
		t.Errorf("Fetched %+v: want the replacing object whole", got)
	}
}

// A byte changed on the way (and no checksum of S3's own to catch it)
// fails the MD5 check against the ETag; nothing lands.
func TestS3SourceChecksMD5AgainstETag(t *testing.T) {
	srv := minio(t)
	bucket := srv.NewBucket(t)
	putObjects(t, srv, bucket, map[string][]byte{"f.bin": randomBytes(200_000)})
	tp, endpoint := newTamper(t, srv)
	tp.body = func(_ int, resp *http.Response) {
		for k := range resp.Header {
			if strings.HasPrefix(strings.ToLower(k), "x-amz-checksum") {
				resp.Header.Del(k)
			}
		}
		resp.Body = struct {
			io.Reader
			io.Closer
		}{&flipper{r: resp.Body, at: 150_000}, resp.Body}
	}
	src, files := s3Source(t, "s3://"+bucket+"/f.bin", lakes3.Options{Endpoint: endpoint})
	dst := newStore(t)
	if _, err := src.Fetch(t.Context(), files[0], nil, dst, "f.bin"); !errors.Is(err, ingest.ErrMismatch) {
		t.Errorf("a changed byte: %v, want ErrMismatch", err)
	}
	nothingAt(t, dst, "f.bin")
}

// flipper inverts the byte at offset at.
type flipper struct {
	r   io.Reader
	off int64
	at  int64
}

func (f *flipper) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if i := f.at - f.off; i >= 0 && i < int64(n) {
		p[i] ^= 0xff
	}
	f.off += int64(n)
	return n, err
}

var _ storage.Store = watched{}
