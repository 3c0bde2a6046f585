package postgres

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/catalog/catalogtest"
	"github.com/lakectl/lakectl/internal/testenv"
)

// A table's vector holds its fields' words at the fields' weights (A name;
// B columns, description; C comments, classification, database; D the
// database's description, parameters), stemmed and as written; and the
// query a search sends the server asks for both.
func TestSearchVectorWeights(t *testing.T) {
	c := open(t, testenv.PostgresCatalog(t), migrations)
	catalogtest.FillSearch(t, c, func(s string) string { return s })
	rows, err := server(t).Query(t.Context(), c.sql(`SELECT l.lexeme || ':' || array_to_string(l.weights, '')
		FROM {s}.tables t, unnest(t.search) l WHERE t.db = 'finance' AND t.name = 'credit_ratings' ORDER BY 1`))
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	weights := map[string]string{}
	for _, l := range got {
		lexeme, w, _ := strings.Cut(l, ":")
		weights[lexeme] = w
	}
	for lexeme, w := range map[string]string{
		"credit": "A", "rate": "A", "ratings": "A", // the name, stemmed and as written
		"counterparti": "B", "counterparty": "B", "agency": "B", // columns, the description
		"moody": "C", "parquet": "C", "finance": "C", // a comment, the classification, the database
		"lent": "D", "owner": "D", "risk": "D", // the database's description, a parameter
	} {
		if !strings.Contains(weights[lexeme], w) {
			t.Errorf("the vector has %s at weights %q, want %s among them: %v", lexeme, weights[lexeme], w, got)
		}
	}
	terms, err := catalog.ParseSearchText(`"credit ratings" agen*`)
	if err != nil {
		t.Fatal(err)
	}
	q, err := c.tsquery(t.Context(), terms)
	if want := `( 'credit' <-> 'rate' | 'credit' <-> 'ratings' ) & 'agen':*`; err != nil || q != want {
		t.Errorf("tsquery = %q, %v; want %q", q, err, want)
	}
	if q, err := c.tsquery(t.Context(), nil); err != nil || q != "" {
		t.Errorf("the tsquery of no terms = %q, %v", q, err)
	}
	hits, err := c.SearchTables(t.Context(), catalog.SearchQuery{Text: `"credit ratings" agen*`})
	if err != nil || len(hits) != 1 || hits[0].Table != "credit_ratings" || !strings.Contains(hits[0].Snippets[0].Text, "[credit_ratings]") {
		t.Errorf("search = %+v, %v", hits, err)
	}
}
