// Package sharepoint reads SharePoint Online as an ingest source: the
// items of a list through SharePoint's REST/OData API
// (/_api/web/lists/GetByTitle('x')/items), and the files of a document
// library through Microsoft Graph (/drives/{id}), as an app registered in
// Microsoft Entra ID with a client secret (OAuth2 client credentials).
//
// Files come through Graph rather than SharePoint's REST API
// (GetFolderByServerRelativeUrl(...)/Files) because SharePoint Online's
// REST API refuses app-only tokens obtained with a client secret ("Unsupported
// app only token"), where Graph takes them; Graph also lists a folder tree
// with one paging style and gives each file's eTag and size. See
// docs/sharepoint.md for the permissions the app needs.
package sharepoint

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/lakectl/lakectl/internal/ingest"
)

// Errors a caller tells apart (with errors.Is); each message says more.
var (
	// ErrAccess: the identity platform refused the credentials, or the
	// service refused the token (401 after a fresh token, 403).
	ErrAccess = errors.New("access refused")
	// ErrNotFound: no such site, list, library or folder (404).
	ErrNotFound = errors.New("not found")
	// ErrThrottled: still 429 or 503 after every attempt.
	ErrThrottled = errors.New("throttled")
	// ErrMalformed: an answer that is not what the API sends (malformed
	// JSON, a collection without items).
	ErrMalformed = errors.New("malformed response")
)

// Credentials are an app's, registered in Microsoft Entra ID.
type Credentials struct {
	TenantID string
	ClientID string
	// ClientSecret is the secret itself (read from env:, file: or ssm: by
	// the caller): it is sent only to the token endpoint and never shown.
	ClientSecret string
}

// Options configure a Client. Only Credentials are required.
type Options struct {
	Credentials
	// AuthorityURL is the Microsoft identity platform
	// (https://login.microsoftonline.com when empty); tokens come from
	// AuthorityURL/{tenant}/oauth2/v2.0/token.
	AuthorityURL string
	// GraphURL is Microsoft Graph's root (https://graph.microsoft.com/v1.0
	// when empty).
	GraphURL string
	// HTTP sends the requests (a client with a 5-minute timeout when nil).
	HTTP *http.Client
	// MaxAttempts bounds the tries of one request that is throttled (429,
	// 503) or fails in transit (a dropped connection, 500, 502, 504): 6
	// when 0.
	MaxAttempts int
	// MaxWait caps one wait, whatever Retry-After asks: 2 minutes when 0.
	MaxWait time.Duration
	// Sleep waits between attempts (a timer honouring ctx when nil); tests
	// record the waits instead.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Client talks to SharePoint and Graph for one app. It is safe for
// concurrent use.
type Client struct {
	opts  Options
	graph *url.URL

	mu     sync.Mutex
	tokens map[string]*oauth2.Token // by scope
}

// New makes a client.
func New(opts Options) (*Client, error) {
	if opts.TenantID == "" || opts.ClientID == "" || opts.ClientSecret == "" {
		return nil, fmt.Errorf("sharepoint: a tenant id, a client id and a client secret are all needed")
	}
	if strings.ContainsAny(opts.TenantID, "/?#% ") {
		return nil, fmt.Errorf("sharepoint: tenant %q: want a tenant id (a GUID) or a domain name", opts.TenantID)
	}
	if opts.AuthorityURL == "" {
		opts.AuthorityURL = "https://login.microsoftonline.com"
	}
	if opts.GraphURL == "" {
		opts.GraphURL = "https://graph.microsoft.com/v1.0"
	}
	g, err := url.Parse(strings.TrimSuffix(opts.GraphURL, "/"))
	if err != nil || g.Host == "" || (g.Scheme != "https" && g.Scheme != "http") {
		return nil, fmt.Errorf("sharepoint: Graph URL %q: want https://HOST[/PATH]", opts.GraphURL)
	}
	if opts.HTTP == nil {
		opts.HTTP = &http.Client{Timeout: 5 * time.Minute}
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 6
	}
	if opts.MaxWait <= 0 {
		opts.MaxWait = 2 * time.Minute
	}
	if opts.Sleep == nil {
		opts.Sleep = ingest.Sleep
	}
	return &Client{opts: opts, graph: g, tokens: map[string]*oauth2.Token{}}, nil
}

// scope is the token scope of a resource: its origin and /.default (the
// app's granted application permissions).
func scope(u *url.URL) string { return u.Scheme + "://" + u.Host + "/.default" }

// token returns a token for scope, fetching one when none is held or the
// held one expires within the next seconds (oauth2.Token.Valid), or when
// fresh asks for a new one (the service refused the held one).
func (c *Client) token(ctx context.Context, scope string, fresh bool) (*oauth2.Token, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t := c.tokens[scope]; t != nil && t.Valid() && !fresh {
		return t, nil
	}
	cfg := clientcredentials.Config{
		ClientID:     c.opts.ClientID,
		ClientSecret: c.opts.ClientSecret,
		TokenURL:     strings.TrimSuffix(c.opts.AuthorityURL, "/") + "/" + url.PathEscape(c.opts.TenantID) + "/oauth2/v2.0/token",
		Scopes:       []string{scope},
		AuthStyle:    oauth2.AuthStyleInParams,
	}
	t, err := cfg.Token(context.WithValue(ctx, oauth2.HTTPClient, c.opts.HTTP))
	if err != nil {
		return nil, c.tokenError(cfg.TokenURL, err)
	}
	c.tokens[scope] = t
	return t, nil
}

// tokenError says why the identity platform gave no token: its AADSTS
// code and description, never the secret.
func (c *Client) tokenError(tokenURL string, err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		what := re.ErrorCode
		if re.ErrorDescription != "" {
			what += ": " + firstLine(re.ErrorDescription)
		}
		if what == "" && re.Response != nil {
			what = re.Response.Status
		}
		wrap := ErrAccess
		if re.Response != nil && (re.Response.StatusCode >= 500 || re.Response.StatusCode == 429) {
			wrap = ErrThrottled
		}
		return fmt.Errorf("sharepoint: token for client %s from %s: %s: %w", c.opts.ClientID, tokenURL, what, wrap)
	}
	return fmt.Errorf("sharepoint: token for client %s from %s: %w", c.opts.ClientID, tokenURL, err)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	return strings.TrimSpace(s)
}

// request says what to send; do sends it.
type request struct {
	method string
	url    string
	accept string
	header http.Header
}

// do sends a request with a bearer token for the URL's own origin and
// returns a 2xx or 304 response. A 401 gets one new token and one more
// try; 429 and 503 wait as Retry-After says (capped at MaxWait) and try
// again, as do failures in transit and 500, 502 and 504, up to
// MaxAttempts; 401 again, 403 and 404 are errors at once.
func (c *Client) do(ctx context.Context, r request) (*http.Response, error) {
	u, err := url.Parse(r.url)
	if err != nil {
		return nil, fmt.Errorf("sharepoint: %s: %v", r.url, err)
	}
	sc := scope(u)
	refreshed := false
	for attempt := 1; ; attempt++ {
		tok, err := c.token(ctx, sc, false)
		if err != nil {
			return nil, err
		}
		req, err := http.NewRequestWithContext(ctx, r.method, r.url, nil)
		if err != nil {
			return nil, err
		}
		for k, v := range r.header {
			req.Header[k] = v
		}
		if r.accept != "" {
			req.Header.Set("Accept", r.accept)
		}
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		resp, err := c.opts.HTTP.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if attempt >= c.opts.MaxAttempts {
				return nil, fmt.Errorf("sharepoint: %s %s: %w (after %d attempts)", r.method, r.url, err, attempt)
			}
			if err := c.opts.Sleep(ctx, c.backoff(attempt)); err != nil {
				return nil, err
			}
			continue
		}
		switch code := resp.StatusCode; {
		case code >= 200 && code < 300, code == http.StatusNotModified:
			return resp, nil
		case code == http.StatusUnauthorized && !refreshed:
			// The token expired or was revoked before its time: one new
			// token, one more try.
			drain(resp)
			if _, err := c.token(ctx, sc, true); err != nil {
				return nil, err
			}
			refreshed = true
			attempt--
			continue
		case code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable ||
			code == http.StatusInternalServerError || code == http.StatusBadGateway || code == http.StatusGatewayTimeout:
			wait, said := ingest.RetryAfter(resp.Header.Get("Retry-After"), time.Now())
			if !said {
				wait = c.backoff(attempt)
			}
			if attempt >= c.opts.MaxAttempts {
				err := c.statusError(r, resp)
				if code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable {
					return nil, fmt.Errorf("%w (after %d attempts): %w", err, attempt, ErrThrottled)
				}
				return nil, fmt.Errorf("%w (after %d attempts)", err, attempt)
			}
			drain(resp)
			if err := c.opts.Sleep(ctx, min(wait, c.opts.MaxWait)); err != nil {
				return nil, err
			}
			continue
		default:
			err := c.statusError(r, resp)
			switch code {
			case http.StatusUnauthorized, http.StatusForbidden:
				return nil, fmt.Errorf("%w: %w", err, ErrAccess)
			case http.StatusNotFound:
				return nil, fmt.Errorf("%w: %w", err, ErrNotFound)
			}
			return nil, err
		}
	}
}

// backoff is the wait before attempt+1 when the server named none: 1 s,
// 2 s, 4 s, … capped at MaxWait.
func (c *Client) backoff(attempt int) time.Duration {
	d := time.Second << min(attempt-1, 16)
	return min(d, c.opts.MaxWait)
}

func drain(resp *http.Response) {
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}

// statusError describes a refused request with the service's own message
// (SharePoint's odata.error or Graph's error), and closes the body.
func (c *Client) statusError(r request, resp *http.Response) error {
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	msg := serviceMessage(body)
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	if resp.StatusCode == http.StatusUnauthorized && strings.Contains(strings.ToLower(msg), "unsupported app only token") {
		msg += " (SharePoint's REST API takes app-only tokens from a certificate, not a client secret: see docs/sharepoint.md)"
	}
	return fmt.Errorf("sharepoint: %s %s: %d: %s", r.method, r.url, resp.StatusCode, msg)
}

// serviceMessage finds the message of an error body: SharePoint's
// {"odata.error": {"code", "message": {"value"}}} (verbose: "error"),
// Graph's {"error": {"code", "message"}}.
func serviceMessage(body []byte) string {
	var e map[string]struct {
		Code    string          `json:"code"`
		Message json.RawMessage `json:"message"`
	}
	if json.Unmarshal(body, &e) != nil {
		return firstLine(string(body[:min(len(body), 200)]))
	}
	for _, k := range []string{"odata.error", "error"} {
		v, ok := e[k]
		if !ok {
			continue
		}
		var text string
		if json.Unmarshal(v.Message, &text) != nil {
			var m struct {
				Value string `json:"value"`
			}
			json.Unmarshal(v.Message, &m)
			text = m.Value
		}
		if v.Code != "" {
			return v.Code + ": " + firstLine(text)
		}
		return firstLine(text)
	}
	return ""
}

// getJSON fetches a JSON document (at most 64 MiB) and returns its bytes.
func (c *Client) getJSON(ctx context.Context, u, accept string) ([]byte, error) {
	resp, err := c.do(ctx, request{method: http.MethodGet, url: u, accept: accept})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20+1))
	if err != nil {
		return nil, fmt.Errorf("sharepoint: GET %s: %w", u, err)
	}
	if len(body) > 64<<20 {
		return nil, fmt.Errorf("sharepoint: GET %s: an answer over 64 MiB: %w", u, ErrMalformed)
	}
	return body, nil
}

// pages follows a collection's pages from first. A next link must stay on
// the first page's host: the token is never sent elsewhere.
func (c *Client) pages(ctx context.Context, first, accept string, each func(*Page) error) error {
	base, err := url.Parse(first)
	if err != nil {
		return err
	}
	next := first
	seen := map[string]bool{}
	for next != "" {
		if seen[next] {
			return fmt.Errorf("sharepoint: GET %s: the next link points to a page already read: %w", next, ErrMalformed)
		}
		seen[next] = true
		body, err := c.getJSON(ctx, next, accept)
		if err != nil {
			return err
		}
		p, err := ParsePage(body)
		if err != nil {
			return fmt.Errorf("sharepoint: GET %s: %w", next, err)
		}
		if err := each(p); err != nil {
			return err
		}
		if p.Next == "" {
			return nil
		}
		cur, _ := url.Parse(next)
		n, err := cur.Parse(p.Next)
		if err != nil || n.Host != base.Host || n.Scheme != base.Scheme {
			return fmt.Errorf("sharepoint: GET %s: the next link %q leaves %s: %w", next, p.Next, base.Host, ErrMalformed)
		}
		next = n.String()
	}
	return nil
}
