package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
)

var _ catalog.TableSearcher = (*Catalog)(nil)

// bm25Weights are the weights of table_search's columns, in their order
// (name, description, columns, comments, classification, parameters,
// database, database_description): catalog's field weights.
var bm25Weights = []float64{
	catalog.WeightName, catalog.WeightDescription, catalog.WeightColumn, catalog.WeightComment,
	catalog.WeightClassification, catalog.WeightParameter, catalog.WeightDatabase, catalog.WeightDBDescription,
}

// SearchTables searches the FTS5 index (table_search): BM25 with the
// fields' weights picks the candidates, which catalog.RankTables scores
// and cuts to the limit, so that scores are those of every backend.
func (c *Catalog) SearchTables(ctx context.Context, q catalog.SearchQuery) ([]catalog.SearchHit, error) {
	terms, err := catalog.ParseSearchText(q.Text)
	if err != nil {
		return nil, err
	}
	var where []string
	var args []any
	from := `tables t`
	score := `0`
	if len(terms) > 0 {
		ws := make([]string, len(bm25Weights))
		for i, w := range bm25Weights {
			ws[i] = fmt.Sprint(w)
		}
		// bm25 is lower for better matches.
		score = `-bm25(table_search, ` + strings.Join(ws, ", ") + `)`
		from = `table_search JOIN table_search_keys k ON k.id = table_search.rowid JOIN tables t ON t.db = k.db AND t.name = k.name`
		where = append(where, `table_search MATCH ?`)
		args = append(args, matchExpression(terms))
	}
	if q.Database != "" {
		where = append(where, `t.db = ?`)
		args = append(args, q.Database)
	}
	for k, v := range q.Parameters {
		where = append(where, `EXISTS (SELECT 1 FROM json_each(t.doc, '$.Parameters') p WHERE p.key = ? AND p.value = ?)`)
		args = append(args, k, v)
	}
	if !q.UpdatedSince.IsZero() {
		where = append(where, `julianday(json_extract(t.doc, '$.UpdateTime')) >= julianday(?)`)
		args = append(args, q.UpdatedSince.UTC().Format(time.RFC3339Nano))
	}
	stmt := `SELECT t.doc, d.doc, ` + score + ` AS score FROM ` + from + ` JOIN databases d ON d.name = t.db`
	if len(where) > 0 {
		stmt += ` WHERE ` + strings.Join(where, ` AND `)
	}
	stmt += ` ORDER BY score DESC, t.db, t.name LIMIT ?`
	args = append(args, catalog.Candidates(q))
	rows, err := c.db.QueryContext(ctx, stmt, args...)
	if err != nil {
		return nil, c.fail("search tables", err)
	}
	defer rows.Close()
	var found catalog.Found
	for rows.Next() {
		var tdoc, ddoc string
		var s float64
		if err := rows.Scan(&tdoc, &ddoc, &s); err != nil {
			return nil, c.fail("search tables", err)
		}
		if err := found.Add([]byte(tdoc), []byte(ddoc)); err != nil {
			return nil, c.fail("search tables", err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, c.fail("search tables", err)
	}
	return found.Rank(q)
}

// matchExpression writes the terms as an FTS5 query: each a quoted phrase
// (its words are letters and digits only), prefixes starred, all of them
// required.
func matchExpression(terms []catalog.SearchTerm) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = `"` + strings.Join(t.Words, " ") + `"`
		if t.Prefix {
			parts[i] += "*"
		}
	}
	return strings.Join(parts, " AND ")
}
