package sharepoint_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/ingest"
	"github.com/lakectl/lakectl/internal/ingest/sharepoint"
	"github.com/lakectl/lakectl/internal/ingest/sharepoint/standin"
	"github.com/lakectl/lakectl/internal/storage/local"
)

// waits records the waits between attempts instead of waiting.
type waits struct {
	mu sync.Mutex
	d  []time.Duration
}

func (w *waits) sleep(_ context.Context, d time.Duration) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.d = append(w.d, d)
	return nil
}

func client(t *testing.T, s *standin.Server, mod func(*sharepoint.Options)) (*sharepoint.Client, *waits) {
	t.Helper()
	w := &waits{}
	opts := sharepoint.Options{
		Credentials:  sharepoint.Credentials{TenantID: standin.Tenant, ClientID: standin.ClientID, ClientSecret: standin.ClientSecret},
		AuthorityURL: s.Authority,
		GraphURL:     s.Graph,
		Sleep:        w.sleep,
	}
	if mod != nil {
		mod(&opts)
	}
	c, err := sharepoint.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c, w
}

var day = time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)

// orders is a list of five items, modified an hour apart.
func orders(s *standin.Server) {
	cols := []string{"ID", "Title", "Amount", "Paid", "Modified", "Due"}
	var rows [][]any
	for i := 1; i <= 5; i++ {
		rows = append(rows, []any{i, "order " + string(rune('a'+i-1)), float64(i) * 2.5, i%2 == 0, day.Add(time.Duration(i) * time.Hour), "2024-04-0" + string(rune('0'+i))})
	}
	rows[2][1] = nil // a null title
	s.AddList("Orders", cols, rows...)
}

// readAll reads every row of a source.
func readAll(t *testing.T, src ingest.RowSource, req ingest.ReadRequest) ([]catalog.Column, [][]any, error) {
	t.Helper()
	r, err := src.Read(t.Context(), req)
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	var rows [][]any
	for {
		batch, err := r.Next(t.Context())
		if err == io.EOF {
			return r.Columns(), rows, nil
		}
		if err != nil {
			return nil, nil, err
		}
		rows = append(rows, batch...)
	}
}

func columnList(cols []catalog.Column) string {
	var s []string
	for _, c := range cols {
		s = append(s, c.Name+":"+c.Type)
	}
	return strings.Join(s, " ")
}

// TestListPaging: a list's items are read whole, page after page, in each
// of the three shapes SharePoint pages in; metadata members are dropped,
// and the columns are typed by the crawler's rules.
func TestListPaging(t *testing.T) {
	for name, paging := range map[string]standin.Paging{"@odata.nextLink": standin.V4, "odata.nextLink": standin.Light, "d.__next": standin.Verbose} {
		t.Run(name, func(t *testing.T) {
			s := standin.New(t)
			s.SetPaging(paging, 2)
			orders(s)
			c, _ := client(t, s, nil)
			src, err := c.List(sharepoint.ListOptions{Site: s.Site, List: "Orders"})
			if err != nil {
				t.Fatal(err)
			}
			cols, rows, err := readAll(t, src, ingest.ReadRequest{})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := columnList(cols), "id:bigint title:string amount:double paid:boolean modified:timestamp due:date"; got != want {
				t.Errorf("columns %s, want %s", got, want)
			}
			if len(rows) != 5 {
				t.Fatalf("%d rows, want 5", len(rows))
			}
			want := []any{int64(2), "order b", 5.0, true, day.Add(2 * time.Hour), time.Date(2024, 4, 2, 0, 0, 0, 0, time.UTC)}
			if !slices.EqualFunc(rows[1], want, func(a, b any) bool { return a == b }) {
				t.Errorf("row 2 = %#v, want %#v", rows[1], want)
			}
			if rows[2][1] != nil {
				t.Errorf("a null title reads %#v", rows[2][1])
			}
			pages := 0
			for _, r := range s.Requests() {
				if strings.Contains(r, "/items") {
					pages++
				}
			}
			if pages != 3 || s.TokensIssued() != 1 {
				t.Errorf("%d pages read with %d tokens, want 3 with 1: %q", pages, s.TokensIssued(), s.Requests())
			}
		})
	}
}

// TestListSelectAndIncremental: $select and $filter reach the service; an
// incremental read asks only for items modified at or after the
// watermark (with the user's filter, and its column added to $select).
func TestListSelectAndIncremental(t *testing.T) {
	s := standin.New(t)
	orders(s)
	c, _ := client(t, s, nil)
	src, err := c.List(sharepoint.ListOptions{Site: s.Site, List: "Orders", Select: []string{"ID", "Title"}, Filter: "Amount gt 3"})
	if err != nil {
		t.Fatal(err)
	}
	from := day.Add(3*time.Hour + 500*time.Millisecond)
	req := ingest.ReadRequest{Column: "Modified", From: from}
	u, err := src.ItemsURL(req)
	if err != nil {
		t.Fatal(err)
	}
	q, _ := url.Parse(u)
	if got := q.Query().Get("$filter"); got != "(Amount gt 3) and Modified ge datetime'2024-03-01T12:00:00Z'" {
		t.Errorf("$filter = %q", got)
	}
	if got := q.Query().Get("$select"); got != "ID,Title,Modified" {
		t.Errorf("$select = %q", got)
	}
	if !strings.Contains(u, "/_api/web/lists/GetByTitle('Orders')/items?") || strings.Contains(u, "+") {
		t.Errorf("items URL %s", u)
	}
	cols, rows, err := readAll(t, src, req)
	if err != nil {
		t.Fatal(err)
	}
	if got := columnList(cols); got != "id:bigint title:string modified:timestamp" {
		t.Errorf("columns %s", got)
	}
	var ids []int64
	for _, r := range rows {
		ids = append(ids, r[0].(int64))
	}
	if !slices.Equal(ids, []int64{3, 4, 5}) {
		t.Errorf("ids %v, want 3 4 5 (modified at or after 12:00, amount over 3)", ids)
	}

	// A title with a quote is an OData string with the quote doubled.
	s.AddList("Bob's list", []string{"ID", "Modified"}, []any{1, day})
	src, _ = c.List(sharepoint.ListOptions{Site: s.Site, List: "Bob's list"})
	if _, rows, err := readAll(t, src, ingest.ReadRequest{}); err != nil || len(rows) != 1 {
		t.Errorf("Bob's list: %d rows, %v", len(rows), err)
	}
	// An incremental column the items lack.
	_, _, err = readAll(t, src, ingest.ReadRequest{Column: "Updated"})
	if err == nil || !strings.Contains(err.Error(), `no column "Updated" in the items`) {
		t.Errorf("a missing incremental column: %v", err)
	}
}

// TestThrottling: 429 and 503 are retried after what Retry-After says
// (seconds or a date, capped), or a growing backoff when it says nothing;
// past the attempts it is ErrThrottled.
func TestThrottling(t *testing.T) {
	s := standin.New(t)
	orders(s)
	c, w := client(t, s, func(o *sharepoint.Options) { o.MaxWait = 30 * time.Second; o.MaxAttempts = 5 })
	src, _ := c.List(sharepoint.ListOptions{Site: s.Site, List: "Orders"})
	s.Throttle(1, http.StatusTooManyRequests, "7")
	s.Throttle(1, http.StatusServiceUnavailable, "")
	s.Throttle(1, http.StatusServiceUnavailable, "3600")
	s.Throttle(1, http.StatusTooManyRequests, time.Now().Add(3*time.Second).UTC().Format(http.TimeFormat))
	_, rows, err := readAll(t, src, ingest.ReadRequest{})
	if err != nil || len(rows) != 5 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
	if len(w.d) != 4 || w.d[0] != 7*time.Second || w.d[1] != 2*time.Second || w.d[2] != 30*time.Second || w.d[3] < time.Second || w.d[3] > 3*time.Second {
		t.Errorf("waits %v, want 7s (Retry-After), 2s (backoff), 30s (capped), ≤3s (a date)", w.d)
	}

	s.Throttle(5, http.StatusTooManyRequests, "1")
	_, _, err = readAll(t, src, ingest.ReadRequest{})
	if !errors.Is(err, sharepoint.ErrThrottled) || !strings.Contains(err.Error(), "429: -2147024860, Microsoft.SharePoint.SPQueryThrottledException: The request has been throttled. (after 5 attempts)") {
		t.Errorf("throttled past the attempts: %v", err)
	}
}

// revoking revokes the stand-in's tokens after the nth request for list
// items has been answered, as a token that expires mid-run.
type revoking struct {
	s     *standin.Server
	after int
	every bool
	n     int
}

func (r *revoking) RoundTrip(req *http.Request) (*http.Response, error) {
	if r.every && strings.Contains(req.URL.Path, "/items") {
		r.s.RevokeTokens()
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if strings.Contains(req.URL.Path, "/items") {
		r.n++
		if r.n == r.after {
			r.s.RevokeTokens()
		}
	}
	return resp, err
}

// TestTokenExpiresMidRun: a token the service refuses mid-run (expired
// early, revoked) is replaced once and the request tried again; a fresh
// token refused too is ErrAccess, with the service's message.
func TestTokenExpiresMidRun(t *testing.T) {
	s := standin.New(t)
	s.SetPaging(standin.Light, 2)
	orders(s)
	c, _ := client(t, s, func(o *sharepoint.Options) { o.HTTP = &http.Client{Transport: &revoking{s: s, after: 1}} })
	src, _ := c.List(sharepoint.ListOptions{Site: s.Site, List: "Orders"})
	_, rows, err := readAll(t, src, ingest.ReadRequest{})
	if err != nil || len(rows) != 5 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
	var statuses []string
	for _, r := range s.Requests() {
		statuses = append(statuses, strings.SplitN(r, " ", 2)[0])
	}
	if got := strings.Join(statuses, " "); got != "200 200 401 200 200 200" || s.TokensIssued() != 2 {
		t.Errorf("requests %s with %d tokens, want a token, a page, a 401, a new token, then the rest", got, s.TokensIssued())
	}

	c, _ = client(t, s, func(o *sharepoint.Options) { o.HTTP = &http.Client{Transport: &revoking{s: s, every: true}} })
	src, _ = c.List(sharepoint.ListOptions{Site: s.Site, List: "Orders"})
	_, _, err = readAll(t, src, ingest.ReadRequest{})
	if !errors.Is(err, sharepoint.ErrAccess) || !strings.Contains(err.Error(), "401: -2147024891, System.UnauthorizedAccessException: Invalid JWT token. The token is expired.") {
		t.Errorf("a refused fresh token: %v", err)
	}
}

// TestErrors: what goes wrong is said clearly, and never with the secret.
func TestErrors(t *testing.T) {
	s := standin.New(t)
	orders(s)
	for _, tc := range []struct {
		name    string
		mod     func(*sharepoint.Options)
		list    string
		sel     []string
		malform int
		want    error
		msg     string
	}{
		{"no such list", nil, "Nope", nil, 0, sharepoint.ErrNotFound, "404: -1, System.ArgumentException: List 'Nope' does not exist at site with URL"},
		{"wrong secret", func(o *sharepoint.Options) { o.ClientSecret = "wrong~Pw7" }, "Orders", nil, 0, sharepoint.ErrAccess, "invalid_client: AADSTS7000215: Invalid client secret provided."},
		{"wrong tenant", func(o *sharepoint.Options) { o.TenantID = "contoso.onmicrosoft.com" }, "Orders", nil, 0, sharepoint.ErrAccess, "invalid_request: AADSTS90002: Tenant 'contoso.onmicrosoft.com' not found."},
		{"unknown client", func(o *sharepoint.Options) { o.ClientID = "nobody" }, "Orders", nil, 0, sharepoint.ErrAccess, "unauthorized_client: AADSTS700016"},
		{"malformed JSON", nil, "Orders", nil, 1, sharepoint.ErrMalformed, "malformed response: not JSON at byte"},
		{"unknown field", nil, "Orders", []string{"Nope"}, 0, nil, "400: -1, Microsoft.SharePoint.SPException: The field or property 'Nope' does not exist."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := client(t, s, tc.mod)
			src, err := c.List(sharepoint.ListOptions{Site: s.Site, List: tc.list, Select: tc.sel})
			if err != nil {
				t.Fatal(err)
			}
			s.Malform(tc.malform)
			_, _, err = readAll(t, src, ingest.ReadRequest{})
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("%v, want %v saying %q", err, tc.want, tc.msg)
			}
			if strings.Contains(err.Error(), "Pw7") || strings.Contains(err.Error(), standin.ClientSecret) || strings.Contains(err.Error(), "\n") {
				t.Errorf("the error shows a secret or spans lines: %q", err)
			}
		})
	}
	if _, err := sharepoint.New(sharepoint.Options{Credentials: sharepoint.Credentials{TenantID: "t", ClientID: "c"}}); err == nil {
		t.Error("a client without a secret was made")
	}
	c, _ := client(t, s, nil)
	for _, site := range []string{"contoso.sharepoint.com/sites/x", "https://u:p@contoso.sharepoint.com/sites/x", "ftp://x/y", "https://h/s?x=1"} {
		if _, err := c.List(sharepoint.ListOptions{Site: site, List: "x"}); err == nil {
			t.Errorf("site %q taken", site)
		}
	}
}

// TestLibraryFiles: a library's files are listed through every folder and
// page, fetched byte for byte with their size, eTag and SHA-256, and not
// fetched again while their eTag is the same.
func TestLibraryFiles(t *testing.T) {
	s := standin.New(t)
	files := map[string]string{
		"Reports/2024/q1.csv":      "region,amount\neu,1\n",
		"Reports/2024/q2.csv":      "region,amount\nus,2\n",
		"Reports/summary.json":     `{"total": 3}`,
		"Reports/odd name ü#?.txt": "odd",
		"Reports/deep/er/file.bin": "\x00\x01\x02",
		"Other/not-in-folder.txt":  "x",
	}
	for p, content := range files {
		s.PutFile(p, []byte(content), day)
	}
	c, _ := client(t, s, nil)
	src, err := c.Library(sharepoint.LibraryOptions{Site: s.Site, Library: "Shared Documents", Folder: "Reports"})
	if err != nil {
		t.Fatal(err)
	}
	dst, err := local.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var rels []string
	var listed []ingest.RemoteFile
	for f, err := range src.List(t.Context()) {
		if err != nil {
			t.Fatal(err)
		}
		rels = append(rels, f.Rel)
		listed = append(listed, f)
	}
	want := []string{"odd name ü#?.txt", "summary.json", "2024/q1.csv", "2024/q2.csv", "deep/er/file.bin"}
	if !slices.Equal(rels, want) {
		t.Fatalf("listed %q, want %q", rels, want)
	}
	for _, f := range listed {
		content := files["Reports/"+f.Rel]
		got, err := src.Fetch(t.Context(), f, nil, dst, "staged/"+f.Rel)
		if err != nil {
			t.Fatalf("%s: %v", f.Rel, err)
		}
		sum := sha256.Sum256([]byte(content))
		if got.Size != int64(len(content)) || got.SHA256 != hex.EncodeToString(sum[:]) || got.ETag != f.ETag || !got.ModTime.Equal(day) {
			t.Errorf("%s: fetched %+v", f.Rel, got)
		}
		rc, err := dst.Get(t.Context(), "staged/"+f.Rel)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if string(b) != content {
			t.Errorf("%s: landed %q, want %q", f.Rel, b, content)
		}
		if !strings.HasPrefix(f.URI, s.Site+"/Shared%20Documents/Reports/") {
			t.Errorf("URI %s", f.URI)
		}
	}

	// Unchanged: not fetched again. Changed: a new eTag, fetched.
	f := listed[2]
	prev := &ingest.Seen{URI: f.URI, Size: f.Size, ETag: f.ETag}
	if _, err := src.Fetch(t.Context(), f, prev, dst, "again"); !errors.Is(err, ingest.ErrUnchanged) {
		t.Errorf("an unchanged file: %v, want ErrUnchanged", err)
	}
	s.PutFile("Reports/2024/q1.csv", []byte("region,amount\neu,10\n"), day.Add(time.Hour))
	got, err := src.Fetch(t.Context(), f, prev, dst, "again")
	if err != nil || got.ETag == prev.ETag || got.Size != 20 {
		t.Errorf("a changed file: %+v, %v", got, err)
	}

	src, _ = c.Library(sharepoint.LibraryOptions{Site: s.Site, Library: "Nope"})
	for _, err := range src.List(t.Context()) {
		if !errors.Is(err, sharepoint.ErrNotFound) || !strings.Contains(err.Error(), `has no document library "Nope" (it has "Documents", "Archive")`) {
			t.Errorf("no such library: %v", err)
		}
	}
	src, _ = c.Library(sharepoint.LibraryOptions{Site: s.Site, Library: "Documents", Folder: "Nope"})
	for _, err := range src.List(t.Context()) {
		if !errors.Is(err, sharepoint.ErrNotFound) {
			t.Errorf("no such folder: %v", err)
		}
	}
	if _, err := c.Library(sharepoint.LibraryOptions{Site: s.Site, Library: "Documents", Folder: "a/../b"}); err == nil {
		t.Error("a folder with .. taken")
	}
}

func TestParsePage(t *testing.T) {
	for body, want := range map[string]string{
		`{"value": [{"a": 1}], "@odata.nextLink": "n4"}`:          "1 n4",
		`{"value": [{"a": 1}, {"b": 2}], "odata.nextLink": "n3"}`: "2 n3",
		`{"d": {"results": [{"a": 1}], "__next": "nv"}}`:          "1 nv",
		`{"d": {"results": []}}`:                                  "0 ",
		`{"value": [], "@odata.nextLink": null}`:                  "0 ",
		`{"@odata.context": "x", "value": [{"__metadata": {}}]}`:  "1 ",
	} {
		p, err := sharepoint.ParsePage([]byte(body))
		if err != nil {
			t.Errorf("%s: %v", body, err)
			continue
		}
		if got := strings.TrimSpace(strings.Join([]string{string(rune('0' + len(p.Items))), p.Next}, " ")); got != strings.TrimSpace(want) {
			t.Errorf("%s: %q, want %q", body, got, want)
		}
	}
	for body, msg := range map[string]string{
		`{"value": [{"a": 1}`:                "not JSON at byte",
		``:                                   "an empty body",
		`null`:                               "found null",
		`{"items": []}`:                      `neither "value" nor "d"."results" holds the items (members: "items")`,
		`{"d": {"__next": "x"}}`:             `"d" has no "results"`,
		`{"value": [1, 2]}`:                  "item 0 is not a JSON object",
		`{"value": {}}`:                      "the items are not a JSON array",
		`{"value": [], "odata.nextLink": 5}`: `"odata.nextLink" is not a string`,
	} {
		_, err := sharepoint.ParsePage([]byte(body))
		if !errors.Is(err, sharepoint.ErrMalformed) || !strings.Contains(err.Error(), msg) {
			t.Errorf("%q: %v, want ErrMalformed saying %q", body, err, msg)
		}
	}
}
