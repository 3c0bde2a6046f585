package glue

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/smithy-go"

	"github.com/lakectl/lakectl/internal/catalog"
)

var _ catalog.TableSearcher = (*Catalog)(nil)

// MaxSearchResults is SearchTables' largest MaxResults.
const MaxSearchResults = 1000

// SearchTables asks Glue's SearchTables for the candidates, which
// catalog.RankTables scores, filters exactly and cuts to the limit, so that
// scores and snippets are those of every backend:
//   - SearchText is the query's words and phrases (their words, unquoted:
//     Glue's quotes ask for a whole value); a prefix (word*) is left to
//     RankTables, as Glue has none;
//   - Filters: the database and each parameter k=v (Key k, Value v), where
//     the value is letters and digits only (Glue compares the tokens of a
//     value split at punctuation), and UpdateTime GREATER_THAN_EQUALS the
//     time;
//   - ResourceShareType is left out: the tables of the catalog itself, as
//     its listings read;
//   - pages of MaxResults by NextToken, up to catalog.Candidates when there
//     is text Glue ranks by, all of them when there is none.
//
// Glue does not search databases' descriptions, and it matches words as
// it does (not by lakectl's stems): a table those alone would find is not
// among Glue's answers. A Glue that lacks SearchTables (moto answers that
// it is not implemented) is searched by reading every table.
func (c *Catalog) SearchTables(ctx context.Context, q catalog.SearchQuery) ([]catalog.SearchHit, error) {
	terms, err := catalog.ParseSearchText(q.Text)
	if err != nil {
		return nil, err
	}
	in := searchInput(c.catalogID, terms, q)
	in.MaxResults = c.page(MaxSearchResults)
	want := -1
	if in.SearchText != nil {
		want = catalog.Candidates(q)
	}
	var tables []*catalog.Table
	dbs := map[string]*catalog.Database{}
	p := glue.NewSearchTablesPaginator(c.client, in)
	for p.HasMorePages() && (want < 0 || len(tables) < want) {
		out, err := p.NextPage(ctx)
		if notImplemented(err) && len(tables) == 0 {
			return catalog.SearchTables(ctx, scanOnly{c}, q)
		}
		if err != nil {
			return nil, wrap("search tables", err)
		}
		for i := range out.TableList {
			t, err := fromTable(&out.TableList[i], nil)
			if err != nil {
				return nil, err
			}
			tables = append(tables, t)
			dbs[t.DatabaseName] = nil
		}
	}
	// The databases' descriptions, for their fields' scores and snippets.
	for name := range dbs {
		db, err := c.GetDatabase(ctx, name)
		if err != nil && !errors.Is(err, catalog.ErrNotFound) {
			return nil, err
		}
		dbs[name] = db
	}
	return catalog.RankTables(q, tables, func(name string) *catalog.Database { return dbs[name] })
}

// searchInput is the SearchTables request for a query (see SearchTables).
func searchInput(catalogID *string, terms []catalog.SearchTerm, q catalog.SearchQuery) *glue.SearchTablesInput {
	in := &glue.SearchTablesInput{CatalogId: catalogID}
	var words []string
	for _, t := range terms {
		if !t.Prefix {
			words = append(words, t.Words...)
		}
	}
	if len(words) > 0 {
		in.SearchText = aws.String(strings.Join(words, " "))
	}
	if q.Database != "" && plainValue(q.Database) {
		in.Filters = append(in.Filters, types.PropertyPredicate{Key: aws.String("DatabaseName"), Value: aws.String(q.Database), Comparator: types.ComparatorEquals})
	}
	for k, v := range q.Parameters {
		if plainValue(v) {
			in.Filters = append(in.Filters, types.PropertyPredicate{Key: aws.String(k), Value: aws.String(v), Comparator: types.ComparatorEquals})
		}
	}
	if !q.UpdatedSince.IsZero() {
		in.Filters = append(in.Filters, types.PropertyPredicate{Key: aws.String("UpdateTime"),
			Value: aws.String(q.UpdatedSince.UTC().Format(time.RFC3339)), Comparator: types.ComparatorGreaterThanEquals})
	}
	return in
}

// plainValue: letters and digits only, a value Glue's filters compare as
// it is (Glue splits values at punctuation, then compares the tokens).
func plainValue(v string) bool {
	return v != "" && strings.IndexFunc(v, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) < 0
}

// notImplemented: the server has no such operation (moto answers
// SearchTables so).
func notImplemented(err error) bool {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return false
	}
	code := api.ErrorCode()
	return code == "NotImplementedException" || code == "NotImplemented" || code == "UnknownOperationException" ||
		strings.Contains(strings.ToLower(api.ErrorMessage()), "not yet implemented") || strings.Contains(strings.ToLower(api.ErrorMessage()), "not implemented")
}

// scanOnly is the catalog without its SearchTables: catalog.SearchTables
// reads every table of it.
type scanOnly struct{ catalog.Catalog }
