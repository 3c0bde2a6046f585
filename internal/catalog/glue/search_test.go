package glue_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	awsglue "github.com/aws/aws-sdk-go-v2/service/glue"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/catalog/glue"
	"github.com/lakectl/lakectl/internal/catalog/glue/gluetest"
)

// searchStub answers SearchTables with the two pages recorded in
// testdata/search_tables_{1,2}.json (by NextToken) and GetDatabase with
// finance's description, checks each answer against Glue's service model,
// and records the requests.
func searchStub(t *testing.T) (*glue.Catalog, func() []gluetest.Request) {
	m := loadModel(t)
	var mu sync.Mutex
	var reqs []gluetest.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AWSGlue.")
		b, _ := io.ReadAll(r.Body)
		var in map[string]any
		json.Unmarshal(b, &in)
		mu.Lock()
		reqs = append(reqs, gluetest.Request{Operation: op, Body: in})
		mu.Unlock()
		var out []byte
		switch op {
		case "SearchTables":
			file := "testdata/search_tables_1.json"
			if in["NextToken"] == "page-2" {
				file = "testdata/search_tables_2.json"
			}
			var err error
			if out, err = os.ReadFile(file); err != nil {
				t.Error(err)
			}
		case "GetDatabase":
			out = []byte(`{"Database": {"Name": "finance", "Description": "money lent and owed", "CreateTime": 1735787045.0, "CatalogId": "123456789012"}}`)
		default:
			t.Errorf("unexpected %s", op)
		}
		var doc any
		if err := json.Unmarshal(out, &doc); err != nil {
			t.Fatal(err)
		}
		for _, problem := range m.validate(doc, m.Operations[op].Output.Shape, op) {
			t.Errorf("the stub's answer breaks Glue's model: %s", problem)
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Write(out)
	}))
	t.Cleanup(srv.Close)
	c, err := glue.New(gluetest.Config(), glue.Options{}, func(o *awsglue.Options) { o.BaseEndpoint = &srv.URL })
	if err != nil {
		t.Fatal(err)
	}
	return c, func() []gluetest.Request {
		mu.Lock()
		defer mu.Unlock()
		r := reqs
		reqs = nil
		return r
	}
}

// SearchTables sends Glue's SearchTables (text, filters, pages by
// NextToken), each request valid by Glue's service model, and ranks what
// Glue answers (a recorded answer of two pages) as every backend does: the
// tables that do not match every term are dropped, the rest scored, with
// snippets and the database's description.
func TestSearchTablesRequestsAndAnswers(t *testing.T) {
	c, requests := searchStub(t)
	since := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	hits, err := catalog.SearchTables(t.Context(), c, catalog.SearchQuery{Text: `"credit rating" agenc*`, Database: "finance", UpdatedSince: since, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 1 || hits[0].Table != "credit_ratings" {
		t.Errorf("hits %+v, want finance.credit_ratings alone", hits)
	}
	reqs := requests()
	checkRequests(t, reqs)
	var ops []string
	for _, r := range reqs {
		ops = append(ops, r.Operation)
	}
	if !slices.Equal(ops, []string{"SearchTables", "SearchTables", "GetDatabase"}) {
		t.Fatalf("requests %v, want two pages of SearchTables and finance's GetDatabase", ops)
	}
	first, _ := json.Marshal(reqs[0].Body)
	if want := `{"Filters":[{"Comparator":"EQUALS","Key":"DatabaseName","Value":"finance"},{"Comparator":"GREATER_THAN_EQUALS","Key":"UpdateTime","Value":"2025-01-01T00:00:00Z"}],"MaxResults":1000,"SearchText":"credit rating"}`; string(first) != want {
		t.Errorf("first request\n%s\nwant\n%s", first, want)
	}
	if reqs[1].Body["NextToken"] != "page-2" {
		t.Errorf("second request %v, want NextToken page-2", reqs[1].Body)
	}

	// Two of the three tables Glue answers match both words: the one named
	// for them first; the database's description is searched too.
	hits, err = catalog.SearchTables(t.Context(), c, catalog.SearchQuery{Text: "credit rating"})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 2 || hits[0].Table != "credit_ratings" || hits[1].Table != "loans" || hits[0].Score <= hits[1].Score {
		t.Fatalf("hits %+v, want credit_ratings then loans", hits)
	}
	if got := hits[1].Snippets[0]; got.Field != "column borrower_score comment" || got.Text != "[credit] [rating] of the borrower at origination" {
		t.Errorf("loans' snippet %+v", got)
	}
	hits, err = catalog.SearchTables(t.Context(), c, catalog.SearchQuery{Text: "owed"})
	if err != nil || len(hits) != 3 || hits[0].Snippets[0].Field != "database description" {
		t.Errorf("search by the database's description: %+v, %v", hits, err)
	}
	requests()

	// A prefix alone sends no text; a parameter whose value Glue would
	// split at its punctuation is not sent, only applied.
	hits, err = catalog.SearchTables(t.Context(), c, catalog.SearchQuery{Text: "borrow*", Parameters: map[string]string{"owner": "lending", "classification": "csv"}})
	if err != nil || len(hits) != 1 || hits[0].Table != "loans" {
		t.Errorf("search borrow* owner=lending: %+v, %v", hits, err)
	}
	hits, err = catalog.SearchTables(t.Context(), c, catalog.SearchQuery{Parameters: map[string]string{"owner": "risk-team"}})
	if err != nil || len(hits) != 0 {
		t.Errorf("search owner=risk-team: %+v, %v", hits, err)
	}
	reqs = requests()
	checkRequests(t, reqs)
	for _, r := range reqs {
		if r.Operation != "SearchTables" {
			continue
		}
		if _, ok := r.Body["SearchText"]; ok {
			t.Errorf("a search without words sent SearchText: %v", r.Body)
		}
		b, _ := json.Marshal(r.Body["Filters"])
		if strings.Contains(string(b), "risk-team") {
			t.Errorf("a value with punctuation was sent as a filter: %s", b)
		}
	}
}
