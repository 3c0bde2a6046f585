// Package gluetest connects tests to the Glue that scripts/with-services.sh
// starts: moto's server, an independent emulator of AWS APIs, on 127.0.0.1
// (LAKECTL_TEST_GLUE_ENDPOINT).
//
// moto leaves out three things the Glue API documents, and Proxy adds them
// in front of it, so that lakectl's code for them runs against a server:
//   - paging: moto answers GetDatabases, GetTables, GetTableVersions and
//     GetPartitions with everything at once; Proxy pages by MaxResults with
//     NextToken;
//   - segments: moto ignores GetPartitions' Segment; Proxy gives each
//     partition to exactly one segment;
//   - optimistic updates: moto ignores UpdateTable's VersionId; Proxy
//     answers ConcurrentModificationException when it is not the table's
//     current version, as Glue does.
//
// moto answers an operation it lacks (SearchTables) with an HTML page and
// status 500; Proxy answers UnknownOperationException instead, as the
// service does for an operation it does not know.
//
// Proxy also records every request, so that tests can check them against
// Glue's service model (servicemodel.go).
package gluetest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/lakectl/lakectl/internal/testenv"
)

// Endpoint is moto's address; under CI=true a test fails without it.
func Endpoint(t testing.TB) string {
	return testenv.URL(t, "LAKECTL_TEST_GLUE_ENDPOINT")
}

// Config is an AWS configuration for moto: a region and made-up keys.
func Config() aws.Config {
	return aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("lakectl-test", "lakectl-test-secret", ""),
	}
}

// Request is one request sent through the proxy.
type Request struct {
	Operation string
	Body      map[string]any
}

// Proxy stands in front of moto (see the package comment).
type Proxy struct {
	URL string

	moto string
	mu   sync.Mutex
	reqs []Request
	// updates serializes UpdateTable, so that checking the version and
	// writing are one step, as in Glue.
	updates sync.Mutex
	// listings holds the listings being paged, by number.
	listings map[int]savedListing
	next     int
	wholes   map[string][]byte
	// failures answers the next requests of an operation with an error.
	failures map[string][]string
}

// FailNext answers the next n requests of operation op with the error
// code (ThrottlingException, InternalServiceException, …), as Glue
// answers when it throttles or fails for a moment.
func (p *Proxy) FailNext(op, code string, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for range n {
		p.failures[op] = append(p.failures[op], code)
	}
}

type savedListing struct {
	items  []json.RawMessage
	answer map[string]json.RawMessage
}

// NewProxy starts a proxy in front of moto at endpoint, closed when the
// test ends.
func NewProxy(t testing.TB, endpoint string) *Proxy {
	p := &Proxy{moto: strings.TrimSuffix(endpoint, "/"), listings: map[int]savedListing{}, wholes: map[string][]byte{}, failures: map[string][]string{}}
	srv := httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// Requests returns the requests sent so far.
func (p *Proxy) Requests() []Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Request(nil), p.reqs...)
}

// listKey is the member that holds the items of each paged listing.
var listKey = map[string]string{
	"GetDatabases":     "DatabaseList",
	"GetTables":        "TableList",
	"GetTableVersions": "TableVersions",
	"GetPartitions":    "Partitions",
}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AWSGlue.")
	var in map[string]any
	if err := json.Unmarshal(body, &in); err != nil {
		in = nil
	}
	p.mu.Lock()
	p.reqs = append(p.reqs, Request{Operation: op, Body: in})
	if !strings.HasPrefix(op, "Get") {
		clear(p.wholes) // a write: whole listings asked before are stale
	}
	var fail string
	if f := p.failures[op]; len(f) > 0 {
		fail, p.failures[op] = f[0], f[1:]
	}
	p.mu.Unlock()
	if fail != "" {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("X-Amzn-ErrorType", fail)
		status := http.StatusBadRequest
		if fail == "InternalServiceException" {
			status = http.StatusInternalServerError
		}
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"__type": fail, "message": "injected by the test proxy"})
		return
	}

	switch {
	case listKey[op] != "" && in != nil:
		p.page(w, r, op, in)
	case op == "UpdateTable" && in != nil:
		p.updates.Lock()
		defer p.updates.Unlock()
		if msg := p.staleVersion(r, in); msg != "" {
			writeError(w, "ConcurrentModificationException", msg)
			return
		}
		p.forward(w, r, body)
	default:
		p.forward(w, r, body)
	}
	if !strings.HasPrefix(op, "Get") {
		// A listing asked while the write was under way may hold the
		// state before it.
		p.mu.Lock()
		clear(p.wholes)
		p.mu.Unlock()
	}
}

func writeError(w http.ResponseWriter, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(http.StatusBadRequest)
	json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": msg})
}

// call sends a request to moto and returns its answer.
func (p *Proxy) call(r *http.Request, body []byte) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(r.Context(), r.Method, p.moto+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	for k, v := range r.Header {
		if k != "Content-Length" {
			req.Header[k] = v
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp, out, err
}

func (p *Proxy) forward(w http.ResponseWriter, r *http.Request, body []byte) {
	resp, out, err := p.call(r, body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	if resp.StatusCode == http.StatusInternalServerError && strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		// moto's answer (its server's HTML page, its log saying
		// NotImplementedError) to an operation it lacks, as Glue's service
		// answers one it does not know.
		writeError(w, "UnknownOperationException", "moto cannot answer "+r.Header.Get("X-Amz-Target")+" (status 500, an HTML page)")
		return
	}
	for k, v := range resp.Header {
		if k != "Content-Length" {
			w.Header()[k] = v
		}
	}
	w.WriteHeader(resp.StatusCode)
	w.Write(out)
}

// page asks moto for the whole listing and answers one page of it.
func (p *Proxy) page(w http.ResponseWriter, r *http.Request, op string, in map[string]any) {
	max, _ := in["MaxResults"].(float64)
	token, _ := in["NextToken"].(string)
	segment, _ := in["Segment"].(map[string]any)
	whole := map[string]any{}
	for k, v := range in {
		if k != "MaxResults" && k != "NextToken" && k != "Segment" {
			whole[k] = v
		}
	}
	// The first page asks moto for the whole listing; later pages read it
	// from the proxy's memory, named by the token.
	var items []json.RawMessage
	var answer map[string]json.RawMessage
	listing, start := 0, 0
	if token != "" {
		b, _ := base64.StdEncoding.DecodeString(token)
		l, s, _ := strings.Cut(string(b), ":")
		var err1, err2 error
		listing, err1 = strconv.Atoi(l)
		start, err2 = strconv.Atoi(s)
		p.mu.Lock()
		saved, ok := p.listings[listing]
		p.mu.Unlock()
		if err1 != nil || err2 != nil || !ok || start < 0 || start > len(saved.items) {
			writeError(w, "InvalidInputException", "bad NextToken")
			return
		}
		items, answer = saved.items, saved.answer
	} else {
		body, _ := json.Marshal(whole)
		// The segments of one listing ask for the same whole listing: it
		// is asked of moto once until something is written.
		key := op + string(body)
		p.mu.Lock()
		out, cached := p.wholes[key]
		p.mu.Unlock()
		if !cached {
			resp, o, err := p.call(r, body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			if resp.StatusCode != http.StatusOK {
				for k, v := range resp.Header {
					if k != "Content-Length" {
						w.Header()[k] = v
					}
				}
				w.WriteHeader(resp.StatusCode)
				w.Write(o)
				return
			}
			out = o
			p.mu.Lock()
			p.wholes[key] = out
			p.mu.Unlock()
		}
		if err := json.Unmarshal(out, &answer); err != nil {
			http.Error(w, "moto's answer: "+err.Error(), http.StatusBadGateway)
			return
		}
		if raw := answer[listKey[op]]; raw != nil {
			json.Unmarshal(raw, &items)
		}
		if segment != nil {
			n, _ := segment["SegmentNumber"].(float64)
			total, _ := segment["TotalSegments"].(float64)
			var mine []json.RawMessage
			for _, it := range items {
				var part struct{ Values []string }
				json.Unmarshal(it, &part)
				h := fnv.New32a()
				fmt.Fprintf(h, "%q", part.Values)
				if total > 0 && int(h.Sum32()%uint32(total)) == int(n) {
					mine = append(mine, it)
				}
			}
			items = mine
		}
		p.mu.Lock()
		p.next++
		listing = p.next
		p.listings[listing] = savedListing{items: items, answer: answer}
		p.mu.Unlock()
	}
	end := len(items)
	if max > 0 && start+int(max) < end {
		end = start + int(max)
	}
	page := make(map[string]json.RawMessage, len(answer))
	for k, v := range answer {
		page[k] = v
	}
	page[listKey[op]], _ = json.Marshal(items[start:end])
	delete(page, "NextToken")
	if end < len(items) {
		page["NextToken"], _ = json.Marshal(base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "%d:%d", listing, end)))
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	json.NewEncoder(w).Encode(page)
}

// staleVersion asks moto for the table and reports why an UpdateTable
// would overwrite a newer version ("" when it would not).
func (p *Proxy) staleVersion(r *http.Request, in map[string]any) string {
	want, ok := in["VersionId"].(string)
	if !ok {
		return ""
	}
	name, _ := in["Name"].(string)
	if ti, ok := in["TableInput"].(map[string]any); ok && name == "" {
		name, _ = ti["Name"].(string)
	}
	q := map[string]any{"DatabaseName": in["DatabaseName"], "Name": name}
	if id, ok := in["CatalogId"]; ok {
		q["CatalogId"] = id
	}
	body, _ := json.Marshal(q)
	get := r.Clone(r.Context())
	get.Header = r.Header.Clone()
	get.Header.Set("X-Amz-Target", "AWSGlue.GetTable")
	resp, out, err := p.call(get, body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return "" // moto answers the update with the same error
	}
	var answer struct{ Table struct{ VersionId string } }
	json.Unmarshal(out, &answer)
	if answer.Table.VersionId != want {
		return fmt.Sprintf("Update table failed due to concurrent modifications: version %s is not the current version %s", want, answer.Table.VersionId)
	}
	return ""
}
