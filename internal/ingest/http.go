package ingest

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"iter"
	"net"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/lakectl/lakectl/internal/redact"
	"github.com/lakectl/lakectl/internal/storage"
)

// HTTPOptions configure an HTTPSource. Zero values take the defaults.
type HTTPOptions struct {
	// Client sends the requests; nil makes one whose connections and
	// answers wait at most Timeout.
	Client *http.Client
	// Timeout bounds connecting, waiting for an answer to start, and a
	// read that gets no data (DefaultHTTPTimeout).
	Timeout time.Duration
	// MaxAttempts is how often a request that failed for a transient
	// reason (a network error, a 5xx, 429 Too Many Requests) is tried in
	// all, and how often a dropped download is resumed without progress
	// in between (DefaultHTTPMaxAttempts).
	MaxAttempts int
	// MaxBackoff caps the wait between tries (DefaultHTTPMaxBackoff);
	// MaxRetryAfter caps the wait a server asks for with Retry-After
	// (DefaultMaxRetryAfter).
	MaxBackoff    time.Duration
	MaxRetryAfter time.Duration
}

// The defaults: a request to a server that never answers fails within
// DefaultHTTPMaxAttempts × DefaultHTTPTimeout plus the backoff.
const (
	DefaultHTTPTimeout     = 30 * time.Second
	DefaultHTTPMaxAttempts = 5
	DefaultHTTPMaxBackoff  = 30 * time.Second
	DefaultMaxRetryAfter   = 5 * time.Minute
)

// HTTPSource lands files from http:// and https:// URLs. A URL may carry
// credentials (user:password@, or a token in its query): they are sent,
// and hidden wherever the URL is named.
type HTTPSource struct {
	urls    []string          // as given
	byURI   map[string]string // the URL by its name without secrets
	client  *http.Client
	timeout time.Duration
	retry   retryPolicy
}

var _ FileSource = (*HTTPSource)(nil)

// NewHTTPSource checks the URLs and makes their source. It sends nothing.
func NewHTTPSource(urls []string, opts HTTPOptions) (*HTTPSource, error) {
	if len(urls) == 0 {
		return nil, badSource("no URL given")
	}
	h := &HTTPSource{
		byURI:   make(map[string]string, len(urls)),
		client:  opts.Client,
		timeout: cmpOr(opts.Timeout, DefaultHTTPTimeout),
		retry: retryPolicy{
			attempts:      cmpOr(opts.MaxAttempts, DefaultHTTPMaxAttempts),
			maxBackoff:    cmpOr(opts.MaxBackoff, DefaultHTTPMaxBackoff),
			maxRetryAfter: cmpOr(opts.MaxRetryAfter, DefaultMaxRetryAfter),
		},
	}
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, badSource("%s: want an http:// or https:// URL", redact.Text(raw))
		}
		name := redact.Text(raw)
		if _, dup := h.byURI[name]; dup {
			return nil, badSource("%s is given twice", name)
		}
		h.byURI[name] = raw
		h.urls = append(h.urls, raw)
	}
	if h.client == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.DialContext = (&net.Dialer{Timeout: h.timeout, KeepAlive: 30 * time.Second}).DialContext
		t.TLSHandshakeTimeout = h.timeout
		t.ResponseHeaderTimeout = h.timeout
		h.client = &http.Client{Transport: t}
	}
	return h, nil
}

func cmpOr[T int | time.Duration](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}

func (h *HTTPSource) String() string {
	s := redact.Text(h.urls[0])
	if n := len(h.urls) - 1; n > 0 {
		s += fmt.Sprintf(" and %d more", n)
	}
	return s
}

// List yields the URLs as files named by their path's last segment; their
// size is unknown (-1) until fetched.
func (h *HTTPSource) List(ctx context.Context) iter.Seq2[RemoteFile, error] {
	return func(yield func(RemoteFile, error) bool) {
		for _, raw := range h.urls {
			u, _ := url.Parse(raw) // checked by NewHTTPSource
			if !yield(RemoteFile{URI: redact.Text(raw), Rel: lastSegment(u), Size: -1}, nil) {
				return
			}
		}
	}
}

// lastSegment is the last non-empty segment of a URL's path, decoded (an
// escaped '/' in it decoded too); the host for a URL without one.
func lastSegment(u *url.URL) string {
	p := strings.TrimRight(u.EscapedPath(), "/")
	if p == "" {
		return u.Hostname()
	}
	seg := path.Base(p)
	if dec, err := url.PathUnescape(seg); err == nil {
		return dec
	}
	return seg
}

// Fetch downloads the file into dst at key. With prev it asks for the file
// only if it changed (If-None-Match, If-Modified-Since): ErrUnchanged when
// the server answers 304 Not Modified. A dropped connection is resumed
// with a range request for the rest, conditional on the file being the
// same (If-Range), so that dst.Put sees one continuous stream; a file that
// changed meanwhile, or a server that cannot resume, starts over. The size
// (Content-Length) and the MD5 (Content-MD5), where the server sends them,
// are checked.
func (h *HTTPSource) Fetch(ctx context.Context, f RemoteFile, prev *Seen, dst storage.Store, key string) (*Fetched, error) {
	raw, ok := h.byURI[f.URI]
	if !ok {
		return nil, fmt.Errorf("not a URL of %s", h)
	}
	for try := 1; ; try++ {
		got, err := h.fetch(ctx, raw, f.URI, prev, dst, key)
		if errors.Is(err, errStartOver) && try < h.retry.attempts {
			continue
		}
		return got, err
	}
}

// errStartOver: a dropped download cannot go on where it stopped (the file
// changed, or the server cannot send a part of it); it starts over.
var errStartOver = errors.New("the download cannot resume where it dropped")

func (h *HTTPSource) fetch(ctx context.Context, raw, name string, prev *Seen, dst storage.Store, key string) (*Fetched, error) {
	header := http.Header{}
	if prev != nil && prev.ETag != "" {
		header.Set("If-None-Match", prev.ETag)
	}
	if prev != nil && !prev.ModTime.IsZero() {
		header.Set("If-Modified-Since", prev.ModTime.UTC().Format(http.TimeFormat))
	}
	resp, err := h.get(ctx, raw, name, header, http.StatusOK, http.StatusNotModified)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusNotModified {
		resp.Body.Close()
		if len(header) == 0 {
			return nil, errors.New("304 Not Modified to a request without conditions")
		}
		return nil, ErrUnchanged
	}
	want := announced{size: resp.ContentLength, md5: ""}
	if v := resp.Header.Get("Content-MD5"); v != "" {
		sum, err := base64.StdEncoding.DecodeString(v)
		if err != nil || len(sum) != 16 {
			resp.Body.Close()
			return nil, fmt.Errorf("Content-MD5 %q is not a base64 MD5", v)
		}
		want.md5 = hex.EncodeToString(sum)
	}
	etag := resp.Header.Get("ETag")
	lastModified := resp.Header.Get("Last-Modified")
	// If-Range takes a strong ETag, or a date.
	validator := lastModified
	if etag != "" && !strings.HasPrefix(etag, "W/") {
		validator = etag
	}
	body := &resumed{
		ctx:   ctx,
		body:  storage.StallGuard(resp.Body, h.timeout),
		size:  resp.ContentLength,
		retry: h.retry,
		reopen: func(ctx context.Context, off int64) (io.ReadCloser, error) {
			return h.resume(ctx, raw, name, off, validator, etag, want.size)
		},
	}
	defer body.Close()
	got, err := landStream(ctx, dst, key, body, want)
	if err != nil {
		return nil, err
	}
	got.ETag = etag
	got.ModTime, _ = http.ParseTime(lastModified)
	got.Resumed = body.count
	return got, nil
}

// resume asks for the file from byte off, if it is still the one
// validator names.
func (h *HTTPSource) resume(ctx context.Context, raw, name string, off int64, validator, etag string, size int64) (io.ReadCloser, error) {
	if validator == "" {
		return nil, fmt.Errorf("%w: the server sent neither ETag nor Last-Modified", errStartOver)
	}
	header := http.Header{}
	header.Set("Range", fmt.Sprintf("bytes=%d-", off))
	header.Set("If-Range", validator)
	resp, err := h.get(ctx, raw, name, header, http.StatusOK, http.StatusPartialContent, http.StatusRequestedRangeNotSatisfiable)
	if err != nil {
		return nil, err
	}
	switch resp.StatusCode {
	case http.StatusPartialContent:
		cr := resp.Header.Get("Content-Range")
		first, _, total, err := parseContentRange(cr)
		if err != nil || first != off || (size >= 0 && total >= 0 && total != size) {
			resp.Body.Close()
			return nil, fmt.Errorf("from byte %d, the server sent Content-Range %q", off, cr)
		}
		return storage.StallGuard(resp.Body, h.timeout), nil
	case http.StatusOK:
		// The whole file again: the same one (a server that ignores
		// ranges) is read on past what was landed; another starts over.
		if etag == "" || strings.HasPrefix(etag, "W/") || resp.Header.Get("ETag") != etag {
			resp.Body.Close()
			return nil, fmt.Errorf("%w: the file changed", errStartOver)
		}
		body := storage.StallGuard(resp.Body, h.timeout)
		if _, err := io.CopyN(io.Discard, body, off); err != nil {
			body.Close()
			return nil, &transientError{err: err}
		}
		return body, nil
	}
	resp.Body.Close()
	return nil, fmt.Errorf("%w: the file is shorter than %d bytes now", errStartOver, off)
}

// get sends a GET with header, retrying transient failures, and returns a
// response of one of the statuses accepted; any other is an *HTTPError.
func (h *HTTPSource) get(ctx context.Context, raw, name string, header http.Header, accept ...int) (*http.Response, error) {
	var resp *http.Response
	err := h.retry.do(ctx, func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
		if err != nil {
			return err
		}
		req.Header = header.Clone()
		// The bytes as the server holds them, not compressed for the trip.
		req.Header.Set("Accept-Encoding", "identity")
		r, err := h.client.Do(req)
		if err != nil {
			return requestError(ctx, err)
		}
		for _, code := range accept {
			if r.StatusCode == code {
				resp = r
				return nil
			}
		}
		io.CopyN(io.Discard, r.Body, 4<<10) // lets the connection be reused
		r.Body.Close()
		herr := &HTTPError{URL: name, StatusCode: r.StatusCode, Status: r.Status}
		switch {
		case r.StatusCode == http.StatusTooManyRequests || r.StatusCode == http.StatusServiceUnavailable:
			after, _ := RetryAfter(r.Header.Get("Retry-After"), time.Now())
			return &transientError{err: herr, after: after}
		case r.StatusCode >= 500:
			return &transientError{err: herr}
		}
		return herr
	})
	return resp, err
}

// requestError is an error of the client without the URL (its message
// would show the URL's secrets), saying whether another try may help.
func requestError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var dns *net.DNSError
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	switch {
	case errors.As(err, &dns) && dns.IsNotFound,
		errors.As(err, &unknownAuthority), errors.As(err, &hostname), errors.As(err, &invalid):
		return err
	}
	return &transientError{err: err}
}

// HTTPError is an answer that is not the file: 401, 403, 404 and other
// 4xx at once, 429 and 5xx once retries are spent. Its message is the
// status and what it means; the URL is the caller's to name (ingest names
// every failed file by its URI).
type HTTPError struct {
	URL        string // without secrets
	StatusCode int
	Status     string // "404 Not Found"
}

func (e *HTTPError) Error() string {
	msg := e.Status
	switch e.StatusCode {
	case http.StatusUnauthorized:
		msg += " (the server wants credentials, or refused those in the URL)"
	case http.StatusForbidden:
		msg += " (access denied)"
	case http.StatusNotFound:
		msg += " (no file at this URL)"
	}
	return msg
}

// parseContentRange reads a 206 answer's Content-Range, "bytes
// FIRST-LAST/TOTAL" (TOTAL "*" when unknown: -1).
func parseContentRange(v string) (first, last, total int64, err error) {
	bad := func() (int64, int64, int64, error) {
		return 0, 0, 0, fmt.Errorf("Content-Range %q: want bytes FIRST-LAST/TOTAL", v)
	}
	rest, ok := strings.CutPrefix(v, "bytes ")
	if !ok {
		return bad()
	}
	span, size, ok := strings.Cut(rest, "/")
	if !ok {
		return bad()
	}
	a, b, ok := strings.Cut(span, "-")
	if !ok {
		return bad()
	}
	if first, err = parseCount(a); err != nil {
		return bad()
	}
	if last, err = parseCount(b); err != nil || last < first {
		return bad()
	}
	total = -1
	if size != "*" {
		if total, err = parseCount(size); err != nil || last >= total {
			return bad()
		}
	}
	return first, last, total, nil
}

// parseCount reads a count of bytes: decimal digits only.
func parseCount(s string) (int64, error) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, strconv.ErrSyntax
	}
	return strconv.ParseInt(s, 10, 64)
}

// RetryAfter reads a Retry-After header: seconds, or an HTTP date (a date
// past is no wait); false when there is none, or it is neither.
func RetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := parseCount(v); err == nil {
		return time.Duration(min(n, int64(365*24*time.Hour/time.Second))) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}
