package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/lakectl/lakectl/internal/catalog"
)

var _ catalog.TableSearcher = (*Catalog)(nil)

// rankWeights are ts_rank's weights of the vector's classes D, C, B, A
// (see migration 2): about catalog's field weights, the name heaviest.
const rankWeights = `'{0.1, 0.3, 0.5, 1.0}'`

// SearchTables searches the tables' tsvectors (migration 2, a GIN index):
// ts_rank picks the candidates, which catalog.RankTables scores and cuts
// to the limit, so that scores and snippets are those of every backend.
//
// A term is matched by its stemmed words (english) or its words as they
// are (simple), a prefix by the words as they are: a superset of what
// catalog.Match keeps, which RankTables then decides.
func (c *Catalog) SearchTables(ctx context.Context, q catalog.SearchQuery) ([]catalog.SearchHit, error) {
	terms, err := catalog.ParseSearchText(q.Text)
	if err != nil {
		return nil, err
	}
	query, err := c.tsquery(ctx, terms)
	if err != nil {
		return nil, c.fail("search tables", err)
	}
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	order := `t.db, t.name`
	if query != "" {
		p := arg(query)
		where = append(where, `t.search @@ `+p+`::tsquery`)
		order = `ts_rank(` + rankWeights + `, t.search, ` + p + `::tsquery) DESC, ` + order
	}
	if q.Database != "" {
		where = append(where, `t.db = `+arg(q.Database))
	}
	for k, v := range q.Parameters {
		where = append(where, `t.doc->'Parameters'->>`+arg(k)+`::text = `+arg(v)+`::text`)
	}
	if !q.UpdatedSince.IsZero() {
		where = append(where, `(t.doc->>'UpdateTime')::timestamptz >= `+arg(q.UpdatedSince.UTC()))
	}
	stmt := `SELECT t.doc, d.doc FROM {s}.tables t JOIN {s}.databases d ON d.name = t.db`
	if len(where) > 0 {
		stmt += ` WHERE ` + strings.Join(where, ` AND `)
	}
	stmt += ` ORDER BY ` + order + ` LIMIT ` + arg(catalog.Candidates(q))
	rows, err := c.pool.Query(ctx, c.sql(stmt), args...)
	if err != nil {
		return nil, c.fail("search tables", err)
	}
	defer rows.Close()
	var found catalog.Found
	for rows.Next() {
		var tdoc, ddoc []byte
		if err := rows.Scan(&tdoc, &ddoc); err != nil {
			return nil, c.fail("search tables", err)
		}
		if err := found.Add(tdoc, ddoc); err != nil {
			return nil, c.fail("search tables", err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, c.fail("search tables", err)
	}
	return found.Rank(q)
}

// tsquery writes the terms as one tsquery, by the server's own splitting
// and stemming (those the vectors were made with): each term required; a
// word or phrase as stemmed words or as written, a prefix as written. It
// is "" when no term has a word the server indexes (all match).
func (c *Catalog) tsquery(ctx context.Context, terms []catalog.SearchTerm) (string, error) {
	if len(terms) == 0 {
		return "", nil
	}
	parts := make([]string, len(terms))
	args := make([]any, len(terms))
	for i, t := range terms {
		p := fmt.Sprintf("$%d::text", i+1)
		args[i] = strings.Join(t.Words, " ")
		if t.Prefix {
			first := `split_part(trim({s}.search_words(` + p + `)), ' ', 1)`
			parts[i] = `CASE WHEN ` + first + ` = '' THEN ''::tsquery ELSE to_tsquery('simple', quote_literal(` + first + `) || ':*') END`
		} else {
			parts[i] = `(phraseto_tsquery('english', {s}.search_words(` + p + `)) || phraseto_tsquery('simple', {s}.search_words(` + p + `)))`
		}
	}
	var query string
	var nodes int
	err := c.pool.QueryRow(ctx, c.sql(`SELECT q::text, numnode(q) FROM (SELECT `+strings.Join(parts, ` && `)+` AS q) s`), args...).Scan(&query, &nodes)
	if nodes == 0 {
		query = ""
	}
	return query, err
}
