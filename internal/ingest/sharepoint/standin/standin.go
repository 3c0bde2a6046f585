// Package standin is a SharePoint stand-in for tests, not SharePoint: one
// local HTTP server that speaks the wire shapes lakectl reads —
// SharePoint's REST/OData list items in the three paging styles
// (@odata.nextLink, odata.nextLink, verbose d.results with __next), with
// $select, $top and $filter on fields (Modified ge datetime'…'); Microsoft
// Graph's sites, drives, children and file content; and the Microsoft
// identity platform's v2.0 token endpoint (client credentials, AADSTS
// error bodies). It injects what the real services do on a bad day: 429
// and 503 with Retry-After, tokens that expire or are revoked mid-run,
// malformed JSON.
package standin

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Paging is the shape of a list's pages.
type Paging int

const (
	// V4 is OData v4: {"value": [...], "@odata.nextLink": "..."}.
	V4 Paging = iota
	// Light is OData v3 JSON light: {"value": [...], "odata.nextLink": "..."}.
	Light
	// Verbose is odata=verbose: {"d": {"results": [...], "__next": "..."}}.
	Verbose
)

// The app the stand-in knows.
const (
	Tenant       = "00000000-0000-0000-0000-00000000cafe"
	ClientID     = "11111111-2222-3333-4444-555555555555"
	ClientSecret = "stand-in~client~secret"
	SitePath     = "/sites/Finance"
)

// Server is the stand-in.
type Server struct {
	*httptest.Server
	// Site is the site's URL (Server.URL + SitePath); Authority and Graph
	// are the identity platform's and Graph's roots on the same server.
	Site, Authority, Graph string

	mu        sync.Mutex
	paging    Paging
	pageSize  int
	lifetime  time.Duration
	lists     map[string]*list // by lower-case title
	files     map[string]*file // by path below the library root
	tokens    map[string]time.Time
	faults    []fault
	malformed int
	issued    int
	requests  []string
}

type list struct {
	title   string
	columns []string
	rows    [][]any
}

type file struct {
	id       string
	content  []byte
	modified time.Time
	version  int
}

type fault struct {
	status     int
	retryAfter string
}

// New starts a stand-in, closed when the test ends. Lists page as V4, 100
// items a page unless $top says otherwise; tokens live an hour.
func New(t testing.TB) *Server {
	s := &Server{paging: V4, lifetime: time.Hour, lists: map[string]*list{}, files: map[string]*file{}, tokens: map[string]time.Time{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	s.Site, s.Authority, s.Graph = s.URL+SitePath, s.URL, s.URL+"/v1.0"
	return s
}

// SetPaging chooses the shape of list pages, and the page size when $top
// is not given (0 keeps 100).
func (s *Server) SetPaging(p Paging, pageSize int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.paging, s.pageSize = p, pageSize
}

// SetTokenLifetime is the expires_in of the tokens issued from now on.
func (s *Server) SetTokenLifetime(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lifetime = d
}

// AddList holds a list: its fields, and one row of values per item (an
// integer ID field orders the pages; Modified is a time).
func (s *Server) AddList(title string, columns []string, rows ...[]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lists[strings.ToLower(title)] = &list{title: title, columns: columns, rows: rows}
}

// PutFile stores a file in the library "Documents" at path p
// ('/'-separated), a new version when it was there.
func (s *Server) PutFile(p string, content []byte, modified time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p = strings.Trim(p, "/")
	f := s.files[p]
	if f == nil {
		f = &file{id: "01" + strings.ToUpper(randomHex(8))}
		s.files[p] = f
	}
	f.content, f.modified = content, modified.UTC()
	f.version++
}

// Throttle makes the next n requests of SharePoint or Graph (not the token
// endpoint) answer status (429 or 503) with Retry-After: retryAfter (none
// when empty).
func (s *Server) Throttle(n, status int, retryAfter string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, fault{status, retryAfter})
	}
}

// Malform makes the next n JSON answers of SharePoint or Graph cut short.
func (s *Server) Malform(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.malformed = n
}

// RevokeTokens makes every token issued so far expired, as the service
// sees it, whatever the client believes.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.tokens {
		s.tokens[k] = time.Time{}
	}
}

// TokensIssued counts the tokens the token endpoint gave.
func (s *Server) TokensIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issued
}

// Requests are the requests served so far, as "STATUS METHOD PATH?QUERY".
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// recorder notes each answer's status.
type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	rec := &recorder{ResponseWriter: w, status: 200}
	defer func() {
		s.mu.Lock()
		s.requests = append(s.requests, fmt.Sprintf("%d %s %s", rec.status, r.Method, r.URL.RequestURI()))
		s.mu.Unlock()
	}()
	w = rec
	p := r.URL.Path
	switch {
	case strings.HasSuffix(p, "/oauth2/v2.0/token"):
		s.token(w, r)
		return
	case strings.HasPrefix(p, "/download/"):
		s.download(w, r)
		return
	}
	if !s.authorized(w, r) {
		return
	}
	s.mu.Lock()
	if len(s.faults) > 0 {
		f := s.faults[0]
		s.faults = s.faults[1:]
		s.mu.Unlock()
		if f.retryAfter != "" {
			w.Header().Set("Retry-After", f.retryAfter)
		}
		spError(w, f.status, "-2147024860, Microsoft.SharePoint.SPQueryThrottledException", "The request has been throttled.")
		return
	}
	s.mu.Unlock()
	switch {
	case strings.HasPrefix(p, SitePath+"/_api/web/lists/"):
		s.items(w, r)
	case strings.HasPrefix(p, "/v1.0/"):
		s.graph(w, r)
	default:
		spError(w, http.StatusNotFound, "-1, System.IO.FileNotFoundException", "File Not Found.")
	}
}

// token is the identity platform's v2.0 token endpoint.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	tenant := strings.TrimPrefix(strings.TrimSuffix(r.URL.Path, "/oauth2/v2.0/token"), "/")
	if r.Method != http.MethodPost || r.ParseForm() != nil {
		aadError(w, http.StatusBadRequest, "invalid_request", 900144, "AADSTS900144: The request body must contain the following parameter: 'grant_type'.")
		return
	}
	switch {
	case tenant != Tenant:
		aadError(w, http.StatusBadRequest, "invalid_request", 90002, fmt.Sprintf("AADSTS90002: Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.", tenant))
	case r.PostForm.Get("grant_type") != "client_credentials":
		aadError(w, http.StatusBadRequest, "unsupported_grant_type", 70003, "AADSTS70003: The app requested an unsupported grant type.")
	case r.PostForm.Get("client_id") != ClientID:
		aadError(w, http.StatusBadRequest, "unauthorized_client", 700016, fmt.Sprintf("AADSTS700016: Application with identifier '%s' was not found in the directory '%s'.", r.PostForm.Get("client_id"), Tenant))
	case r.PostForm.Get("client_secret") != ClientSecret:
		aadError(w, http.StatusUnauthorized, "invalid_client", 7000215, "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '"+ClientID+"'.")
	case !strings.HasSuffix(r.PostForm.Get("scope"), "/.default"):
		aadError(w, http.StatusBadRequest, "invalid_scope", 1002012, "AADSTS1002012: The provided value for scope "+r.PostForm.Get("scope")+" is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).")
	default:
		s.mu.Lock()
		tok := "eyJ0eXAiOiJKV1QifQ." + randomHex(24)
		s.tokens[tok] = time.Now().Add(s.lifetime)
		s.issued++
		lifetime := s.lifetime
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"token_type": "Bearer", "expires_in": int(lifetime / time.Second), "ext_expires_in": int(lifetime / time.Second), "access_token": tok})
	}
}

func aadError(w http.ResponseWriter, status int, code string, number int, description string) {
	now := time.Now().UTC()
	trace := randomHex(16)
	writeJSON(w, status, map[string]any{
		"error":             code,
		"error_description": description + "\r\nTrace ID: " + trace + "\r\nCorrelation ID: " + randomHex(16) + "\r\nTimestamp: " + now.Format("2006-01-02 15:04:05Z"),
		"error_codes":       []int{number},
		"timestamp":         now.Format("2006-01-02 15:04:05Z"),
		"trace_id":          trace,
		"error_uri":         "https://login.microsoftonline.com/error?code=" + strconv.Itoa(number),
	})
}

// authorized checks the bearer token, answering 401 as SharePoint does
// when it is missing, unknown or expired.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	exp, known := s.tokens[tok]
	s.mu.Unlock()
	if ok && known && time.Now().Before(exp) {
		return true
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="`+Tenant+`",client_id="00000003-0000-0ff1-ce00-000000000000"`)
	msg := "Invalid JWT token. The token is expired."
	if !known {
		msg = "Invalid JWT token. No certificate thumbprint specified in token header."
	}
	if strings.HasPrefix(r.URL.Path, "/v1.0/") {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": map[string]any{"code": "InvalidAuthenticationToken", "message": msg}})
	} else {
		spError(w, http.StatusUnauthorized, "-2147024891, System.UnauthorizedAccessException", msg)
	}
	return false
}

func spError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"odata.error": map[string]any{"code": code, "message": map[string]any{"lang": "en-US", "value": msg}}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json;odata=nometadata;streaming=true;charset=utf-8")
	w.WriteHeader(status)
	w.Write(b)
}

// answer writes a JSON answer of SharePoint or Graph, cut short while
// Malform asks.
func (s *Server) answer(w http.ResponseWriter, b []byte) {
	s.mu.Lock()
	if s.malformed > 0 {
		s.malformed--
		b = b[:len(b)/2]
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json;odata=nometadata;streaming=true;charset=utf-8")
	w.Write(b)
}

// items serves /_api/web/lists/GetByTitle('x')/items.
func (s *Server) items(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, SitePath+"/_api/web/lists/")
	title, ok := strings.CutPrefix(rest, "GetByTitle('")
	title, ok2 := strings.CutSuffix(title, "')/items")
	if !ok || !ok2 {
		spError(w, http.StatusBadRequest, "-1, Microsoft.SharePoint.Client.InvalidClientQueryException", "The expression \""+rest+"\" is not valid.")
		return
	}
	title = strings.ReplaceAll(title, "''", "'")
	s.mu.Lock()
	l := s.lists[strings.ToLower(title)]
	paging, pageSize := s.paging, s.pageSize
	s.mu.Unlock()
	if l == nil {
		spError(w, http.StatusNotFound, "-1, System.ArgumentException", fmt.Sprintf("List '%s' does not exist at site with URL '%s'.", title, s.Site))
		return
	}
	q := r.URL.Query()
	cols := l.columns
	if sel := q.Get("$select"); sel != "" {
		cols = nil
		for _, f := range strings.Split(sel, ",") {
			i := slices.IndexFunc(l.columns, func(c string) bool { return strings.EqualFold(c, strings.TrimSpace(f)) })
			if i < 0 {
				spError(w, http.StatusBadRequest, "-1, Microsoft.SharePoint.SPException", fmt.Sprintf("The field or property '%s' does not exist.", strings.TrimSpace(f)))
				return
			}
			cols = append(cols, l.columns[i])
		}
	}
	keep, err := parseFilter(q.Get("$filter"), l.columns)
	if err != nil {
		spError(w, http.StatusBadRequest, "-1, Microsoft.SharePoint.SPException", err.Error())
		return
	}
	top := 100
	if pageSize > 0 {
		top = pageSize
	}
	if t := q.Get("$top"); t != "" {
		if top, err = strconv.Atoi(t); err != nil || top < 1 {
			spError(w, http.StatusBadRequest, "-1, Microsoft.SharePoint.Client.InvalidClientQueryException", "Invalid $top value.")
			return
		}
	}
	after := int64(-1)
	if skip := q.Get("$skiptoken"); skip != "" {
		v, err := url.ParseQuery(skip)
		if err != nil || v.Get("Paged") != "TRUE" {
			spError(w, http.StatusBadRequest, "-1, Microsoft.SharePoint.Client.InvalidClientQueryException", "Invalid $skiptoken.")
			return
		}
		after, _ = strconv.ParseInt(v.Get("p_ID"), 10, 64)
	}
	idCol := slices.IndexFunc(l.columns, func(c string) bool { return strings.EqualFold(c, "ID") })
	rows := slices.Clone(l.rows)
	sort.SliceStable(rows, func(a, b int) bool { return toInt(rows[a][idCol]) < toInt(rows[b][idCol]) })
	var page []any
	more := false
	lastID := int64(0)
	for _, row := range rows {
		if toInt(row[idCol]) <= after || !keep(row) {
			continue
		}
		if len(page) == top {
			more = true
			break
		}
		lastID = toInt(row[idCol])
		page = append(page, s.item(l, row, cols, paging, lastID))
	}
	var next string
	if more {
		nq := url.Values{}
		for k, v := range q {
			if k != "$skiptoken" {
				nq[k] = v
			}
		}
		nq.Set("$skiptoken", "Paged=TRUE&p_ID="+strconv.FormatInt(lastID, 10))
		next = s.URL + r.URL.Path + "?" + strings.ReplaceAll(nq.Encode(), "+", "%20")
	}
	var body []byte
	switch paging {
	case V4:
		m := ordered{{"@odata.context", s.Site + "/_api/$metadata#Collection(SP.Data." + l.title + "ListItem)"}, {"value", page}}
		if next != "" {
			m = append(m, kv{"@odata.nextLink", next})
		}
		body, _ = json.Marshal(m)
	case Light:
		m := ordered{{"odata.metadata", s.Site + "/_api/$metadata#SP.ListData." + l.title + "ListItems"}, {"value", page}}
		if next != "" {
			m = append(m, kv{"odata.nextLink", next})
		}
		body, _ = json.Marshal(m)
	case Verbose:
		d := ordered{{"results", page}}
		if next != "" {
			d = append(d, kv{"__next", next})
		}
		body, _ = json.Marshal(ordered{{"d", d}})
	}
	s.answer(w, body)
}

// item writes a row as the paging style's item, with that style's
// metadata.
func (s *Server) item(l *list, row []any, cols []string, paging Paging, id int64) ordered {
	var it ordered
	uri := fmt.Sprintf("%s/_api/Web/Lists(guid'3f0c6a8e-0000-4000-8000-00000000%04d')/Items(%d)", s.Site, len(l.title), id)
	switch paging {
	case V4:
		it = append(it, kv{"@odata.etag", `"1"`})
	case Light:
		it = append(it, kv{"odata.type", "SP.Data." + l.title + "ListItem"}, kv{"odata.id", uri}, kv{"odata.etag", `"1"`}, kv{"odata.editLink", fmt.Sprintf("Web/Lists(guid'…')/Items(%d)", id)})
	case Verbose:
		it = append(it, kv{"__metadata", map[string]any{"id": uri, "uri": uri, "etag": `"1"`, "type": "SP.Data." + l.title + "ListItem"}},
			kv{"AttachmentFiles", map[string]any{"__deferred": map[string]any{"uri": uri + "/AttachmentFiles"}}})
	}
	for _, c := range cols {
		i := slices.Index(l.columns, c)
		v := row[i]
		if t, ok := v.(time.Time); ok {
			v = t.UTC().Format("2006-01-02T15:04:05Z")
		}
		it = append(it, kv{c, v})
	}
	return it
}

func toInt(v any) int64 {
	switch v := v.(type) {
	case int:
		return int64(v)
	case int64:
		return v
	}
	return 0
}

// kv and ordered write a JSON object with its members in order.
type kv struct {
	k string
	v any
}

type ordered []kv

func (o ordered) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(m.k)
		v, err := json.Marshal(m.v)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}
