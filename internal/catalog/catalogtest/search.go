package catalogtest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
)

// SearchCatalogTables is how many tables FillSearch makes.
const SearchCatalogTables = 300

// FillSearch makes a catalog of a few hundred tables with descriptions
// and column comments, in databases named by name ("finance", "crm",
// "events"), where a few tables are the known answers of the queries
// testSearch asks: finance.credit_ratings (the table of credit ratings,
// by name), finance.loans (a column comment mentions a credit rating),
// crm.customers (the customers, by name), and the event tables, every
// 50th of which has a column referring to a customer.
func FillSearch(t testing.TB, c catalog.Catalog, name func(string) string) {
	t.Helper()
	ctx := t.Context()
	for _, db := range []catalog.Database{
		{Name: name("finance"), Description: "money lent and owed"},
		{Name: name("crm"), Description: "who buys from us"},
		{Name: name("events"), Description: "what happened on the web site"},
	} {
		if err := c.CreateDatabase(ctx, db); err != nil {
			t.Fatal(err)
		}
	}
	col := func(n, typ, comment string) catalog.Column {
		return catalog.Column{Name: n, Type: typ, Comment: comment}
	}
	tables := []catalog.Table{
		{DatabaseName: name("finance"), Name: "credit_ratings", Description: "Ratings of counterparties by agency",
			Parameters: map[string]string{"classification": "parquet", "owner": "risk"},
			StorageDescriptor: catalog.StorageDescriptor{Columns: []catalog.Column{
				col("counterparty_id", "bigint", "the rated counterparty"), col("agency", "string", "Moody's, S&P or Fitch"), col("grade", "string", "AAA to D")}}},
		{DatabaseName: name("finance"), Name: "loans", Description: "One row per loan",
			Parameters: map[string]string{"classification": "csv", "owner": "lending"},
			StorageDescriptor: catalog.StorageDescriptor{Columns: []catalog.Column{
				col("loan_id", "bigint", ""), col("borrower_score", "int", "credit rating of the borrower at origination"), col("amount", "decimal(12,2)", "in EUR")}},
			PartitionKeys: []catalog.Column{col("dt", "date", "day the loan was granted")}},
		{DatabaseName: name("crm"), Name: "customers", Description: "Every customer with their contact details",
			Parameters: map[string]string{"classification": "parquet", "owner": "sales"},
			StorageDescriptor: catalog.StorageDescriptor{Columns: []catalog.Column{
				col("customer_id", "bigint", "primary key"), col("contact", "string", ""), col("country", "string", "ISO 3166 code")}}},
	}
	tables[2].StorageDescriptor.Columns[1].Parameters = map[string]string{catalog.ParamColumnClassification: "email"}
	for i := range SearchCatalogTables - len(tables) {
		tb := catalog.Table{DatabaseName: name("events"), Name: fmt.Sprintf("clicks_%04d", i), Description: fmt.Sprintf("Page views of site section %d", i),
			Parameters: map[string]string{"classification": "json", "owner": "web"},
			StorageDescriptor: catalog.StorageDescriptor{Columns: []catalog.Column{
				col("event_id", "string", "unique per event"), col("ts", "timestamp", "when the page was viewed"), col("url", "string", "page address")}}}
		if i%50 == 0 {
			tb.StorageDescriptor.Columns = append(tb.StorageDescriptor.Columns, col("visitor_ref", "string", "the customer who viewed the page, when logged in"))
		}
		tables = append(tables, tb)
	}
	for _, tb := range tables {
		if err := c.CreateTable(ctx, tb); err != nil {
			t.Fatal(err)
		}
	}
}

func testSearch(t *testing.T, c catalog.Catalog, n names) {
	FillSearch(t, c, n.db)
	search := func(q catalog.SearchQuery) []catalog.SearchHit {
		t.Helper()
		if q.Limit == 0 {
			q.Limit = 1000
		}
		hits, err := catalog.SearchTables(ctx(t), c, q)
		if err != nil {
			t.Fatalf("search %+v: %v", q, err)
		}
		var mine []catalog.SearchHit
		for _, h := range hits {
			if db, ok := strings.CutPrefix(h.Database, n.prefix); ok {
				h.Database = db
				mine = append(mine, h)
			}
		}
		return mine
	}
	names := func(hits []catalog.SearchHit) []string {
		var out []string
		for _, h := range hits {
			out = append(out, h.Database+"."+h.Table)
		}
		return out
	}
	wantFirst := func(q string, want ...string) []catalog.SearchHit {
		t.Helper()
		hits := search(catalog.SearchQuery{Text: q})
		if got := names(hits); len(got) < len(want) || !slices.Equal(got[:len(want)], want) {
			t.Errorf("search %q ranks %v first, want %v", q, got[:min(len(got), len(want)+2)], want)
		}
		return hits
	}
	snippet := func(h catalog.SearchHit, field string) string {
		for _, s := range h.Snippets {
			if s.Field == field {
				return s.Text
			}
		}
		t.Errorf("%s.%s: no snippet of %q in %+v", h.Database, h.Table, field, h.Snippets)
		return ""
	}

	// The table named for it ranks above the one whose column comment
	// mentions it; each hit shows where it matched.
	hits := wantFirst("credit rating", "finance.credit_ratings", "finance.loans")
	if len(hits) != 2 {
		t.Errorf("search %q found %v, want 2 tables", "credit rating", names(hits))
	}
	if len(hits) == 2 {
		if hits[0].Score <= hits[1].Score {
			t.Errorf("scores %v, %v do not fall", hits[0].Score, hits[1].Score)
		}
		if got, want := snippet(hits[1], "column borrower_score comment"), "[credit] [rating] of the borrower at origination"; got != want {
			t.Errorf("snippet %q, want %q", got, want)
		}
		if got := snippet(hits[0], "name"); got != "[credit]_[ratings]" {
			t.Errorf("name snippet %q", got)
		}
	}
	// The customers table first, then the event tables whose column
	// comment names a customer (every 50th of them).
	hits = wantFirst("customer", "crm.customers")
	if got, want := len(hits), 1+(SearchCatalogTables-3+49)/50; got != want {
		t.Errorf("search customer found %d tables, want %d: %v", got, want, names(hits))
	}
	// A phrase, a prefix, a classification, a database description.
	wantFirst(`"credit rating of"`, "finance.loans")
	wantFirst("agenc*", "finance.credit_ratings")
	hits = wantFirst("email", "crm.customers")
	if len(hits) > 0 {
		snippet(hits[0], "column contact classification")
	}
	if got := names(search(catalog.SearchQuery{Text: "lent owed"})); !slices.Equal(got, []string{"finance.credit_ratings", "finance.loans"}) {
		t.Errorf("search by the database's description found %v", got)
	}
	// Every term must match.
	if got := search(catalog.SearchQuery{Text: "credit zebra"}); len(got) != 0 {
		t.Errorf("search %q found %v", "credit zebra", names(got))
	}

	// Filters, as SearchTables' Filters: database, parameter, time.
	if got := names(search(catalog.SearchQuery{Text: "customer", Database: n.db("crm")})); !slices.Equal(got, []string{"crm.customers"}) {
		t.Errorf("search customer in crm found %v", got)
	}
	if got := names(search(catalog.SearchQuery{Parameters: map[string]string{"owner": "risk"}})); !slices.Equal(got, []string{"finance.credit_ratings"}) {
		t.Errorf("search owner=risk found %v", got)
	}
	if got := search(catalog.SearchQuery{Text: "customer", UpdatedSince: time.Now().Add(time.Hour)}); len(got) != 0 {
		t.Errorf("search of tables updated in an hour found %v", names(got))
	}
	if got := len(search(catalog.SearchQuery{Text: "customer", UpdatedSince: time.Now().Add(-time.Hour)})); got != 1+(SearchCatalogTables-3+49)/50 {
		t.Errorf("search of tables updated in the last hour found %d", got)
	}
	if got := len(search(catalog.SearchQuery{Text: "page", Limit: 7})); got != 7 {
		t.Errorf("search with limit 7 found %d", got)
	}

	// The index follows every change.
	_, err := catalog.UpdateTableFunc(ctx(t), c, n.db("crm"), "customers", func(tb *catalog.Table) error {
		tb.Description = "buyers and their loyalty tier"
		return nil
	})
	must(t, err)
	wantFirst("loyalty", "crm.customers")
	db, err := c.GetDatabase(ctx(t), n.db("events"))
	must(t, err)
	db.Description = "clickstream of the shop"
	must(t, c.UpdateDatabase(ctx(t), *db))
	if got := len(search(catalog.SearchQuery{Text: "clickstream"})); got != SearchCatalogTables-3 {
		t.Errorf("search by a new database description found %d tables", got)
	}
	must(t, c.DeleteTable(ctx(t), n.db("finance"), "loans"))
	if got := names(search(catalog.SearchQuery{Text: "credit rating"})); !slices.Equal(got, []string{"finance.credit_ratings"}) {
		t.Errorf("after loans was dropped, search found %v", got)
	}
	must(t, c.DeleteDatabase(ctx(t), n.db("events")))
	if got := search(catalog.SearchQuery{Text: "page"}); len(got) != 0 {
		t.Errorf("after events was dropped, search found %d tables", len(got))
	}
}
