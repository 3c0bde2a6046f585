package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/kljensen/snowball/english"
)

// Catalog search: text across database and table names and descriptions,
// column names and comments, table parameters and classification, with
// filters on parameters and time, as Glue's SearchTables; and, beyond it,
// a score and snippets that show where each table matched.

// ParamColumnClassification is the entity type a column's values were
// found to hold (a column parameter).
const ParamColumnClassification = "lakectl.classification"

// SearchQuery is what to search for. Text is read by ParseSearchText;
// empty Text selects every table the filters keep.
type SearchQuery struct {
	Text string
	// Database keeps the tables of that database only.
	Database string
	// Parameters keeps the tables whose parameter k is exactly v, for each.
	Parameters map[string]string
	// UpdatedSince keeps the tables updated at or after it (zero: all).
	UpdatedSince time.Time
	// Limit is how many hits at most (0: DefaultSearchLimit).
	Limit int
}

// DefaultSearchLimit is the number of hits a search returns unless told.
const DefaultSearchLimit = 50

// SearchHit is one table found, best first.
type SearchHit struct {
	Database string    `json:"Database"`
	Table    string    `json:"Table"`
	Score    float64   `json:"Score"`
	Snippets []Snippet `json:"Snippets"`
}

// Snippet shows one match: the field it is in (name, description,
// "column customer_id", "column customer_id comment", "parameter owner",
// classification, database, "database description") and the text around
// it, each match [marked].
type Snippet struct {
	Field string `json:"Field"`
	Text  string `json:"Text"`
}

// TableSearcher is implemented by backends that search their tables
// themselves (an FTS index, PostgreSQL's text search, Glue's
// SearchTables). SearchTables uses it.
type TableSearcher interface {
	SearchTables(ctx context.Context, q SearchQuery) ([]SearchHit, error)
}

// SearchTables searches the catalog: through its own index where the
// backend has one, by reading every table otherwise.
func SearchTables(ctx context.Context, c Catalog, q SearchQuery) ([]SearchHit, error) {
	if _, err := ParseSearchText(q.Text); err != nil {
		return nil, err
	}
	if s, ok := c.(TableSearcher); ok {
		return s.SearchTables(ctx, q)
	}
	return scanSearch(ctx, c, q)
}

// scanSearch reads every table and ranks it in Go.
func scanSearch(ctx context.Context, c Catalog, q SearchQuery) ([]SearchHit, error) {
	var tables []*Table
	dbs := map[string]*Database{}
	for db, err := range c.ListDatabases(ctx) {
		if err != nil {
			return nil, err
		}
		if q.Database != "" && db.Name != q.Database {
			continue
		}
		dbs[db.Name] = db
		for t, err := range c.ListTables(ctx, db.Name) {
			if err != nil {
				return nil, err
			}
			tables = append(tables, t)
		}
	}
	return RankTables(q, tables, func(name string) *Database { return dbs[name] })
}

// ---- the query text

// SearchTerm is one term of a query: a word, a "quoted phrase" (words
// that follow each other), or a prefix (word*). Words are lower case.
type SearchTerm struct {
	Words  []string
	Prefix bool
}

// ParseSearchText reads a query: terms separated by spaces, all of which
// must match; "double quotes" make a phrase; a trailing * a prefix.
// Punctuation separates words, as it does in the text searched
// (customer_id is the phrase "customer id").
func ParseSearchText(s string) ([]SearchTerm, error) {
	var terms []SearchTerm
	rest := s
	for {
		rest = strings.TrimLeftFunc(rest, unicode.IsSpace)
		if rest == "" {
			return terms, nil
		}
		var chunk string
		quoted := rest[0] == '"'
		if quoted {
			end := strings.IndexByte(rest[1:], '"')
			if end < 0 {
				return nil, fmt.Errorf("%w: search text %q: the quote at character %d is not closed", ErrInvalid, s, len(s)-len(rest)+1)
			}
			chunk, rest = rest[1:end+1], rest[end+2:]
		} else {
			end := strings.IndexFunc(rest, unicode.IsSpace)
			if end < 0 {
				end = len(rest)
			}
			chunk, rest = rest[:end], rest[end:]
			if strings.Contains(chunk, `"`) {
				return nil, fmt.Errorf("%w: search text %q: a quote inside the word %q (quote whole words: \"a b\")", ErrInvalid, s, chunk)
			}
		}
		prefix := !quoted && strings.HasSuffix(chunk, "*")
		words := SearchWords(strings.TrimRight(chunk, "*"))
		if len(words) == 0 {
			continue
		}
		if prefix && len(words) > 1 {
			return nil, fmt.Errorf("%w: search text %q: a prefix (%s) is one word", ErrInvalid, s, chunk)
		}
		terms = append(terms, SearchTerm{Words: words, Prefix: prefix})
	}
}

// String writes the term as ParseSearchText reads it.
func (t SearchTerm) String() string {
	switch {
	case t.Prefix:
		return t.Words[0] + "*"
	case len(t.Words) == 1:
		return t.Words[0]
	}
	return `"` + strings.Join(t.Words, " ") + `"`
}

// SearchWords splits text into the lower-case words search compares:
// runs of letters and digits.
func SearchWords(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), notWordRune)
}

func notWordRune(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }

// ---- the fields searched

// SearchField is one piece of text a table is searched by, and its
// weight in the score.
type SearchField struct {
	Field  string
	Text   string
	Weight float64
}

// Field weights: a table's name says most, a parameter least.
const (
	WeightName           = 10
	WeightColumn         = 5
	WeightDescription    = 4
	WeightComment        = 3
	WeightClassification = 3
	WeightDatabase       = 2
	WeightDBDescription  = 1
	WeightParameter      = 1
)

// SearchFields are the texts a table is found by, in the order snippets
// are shown: by weight, heaviest first.
func SearchFields(db *Database, t *Table) []SearchField {
	f := []SearchField{{"name", t.Name, WeightName}}
	cols := append(slices.Clip(t.StorageDescriptor.Columns), t.PartitionKeys...)
	for _, c := range cols {
		f = append(f, SearchField{"column " + c.Name, c.Name, WeightColumn})
	}
	if t.Description != "" {
		f = append(f, SearchField{"description", t.Description, WeightDescription})
	}
	for _, c := range cols {
		if c.Comment != "" {
			f = append(f, SearchField{"column " + c.Name + " comment", c.Comment, WeightComment})
		}
	}
	if v := t.Parameters[ParamClassification]; v != "" {
		f = append(f, SearchField{"classification", v, WeightClassification})
	}
	for _, c := range cols {
		if v := c.Parameters[ParamColumnClassification]; v != "" {
			f = append(f, SearchField{"column " + c.Name + " classification", v, WeightClassification})
		}
	}
	f = append(f, SearchField{"database", t.DatabaseName, WeightDatabase})
	if db != nil && db.Description != "" {
		f = append(f, SearchField{"database description", db.Description, WeightDBDescription})
	}
	for _, k := range slices.Sorted(maps.Keys(t.Parameters)) {
		if k != ParamClassification {
			f = append(f, SearchField{"parameter " + k, k + "=" + t.Parameters[k], WeightParameter})
		}
	}
	return f
}

// ---- matching, scoring, snippets

// stem is the English stem of a lower-case word, as the indexes compare
// words (ratings and rating are one word).
func stem(w string) string { return english.Stem(w, false) }

type wordSpan struct {
	word       string
	start, end int // byte offsets in the text
}

func wordSpans(text string) []wordSpan {
	var spans []wordSpan
	start := -1
	for i, r := range text + " " {
		if notWordRune(r) {
			if start >= 0 {
				spans = append(spans, wordSpan{strings.ToLower(text[start:i]), start, i})
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	return spans
}

func termMatchesWord(t SearchTerm, i int, w string) bool {
	if t.Prefix {
		return strings.HasPrefix(w, t.Words[0])
	}
	// A stem is its word less a suffix (and a final y made i), so words
	// of one stem start alike: the cheap test first.
	q := t.Words[i]
	return w == q || w[0] == q[0] && stem(w) == stem(q)
}

// matches returns the spans of text where term matches.
func matches(t SearchTerm, spans []wordSpan) [][2]int {
	var out [][2]int
	for i := 0; i+len(t.Words) <= len(spans); i++ {
		ok := true
		for j := range t.Words {
			if !termMatchesWord(t, j, spans[i+j].word) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, [2]int{spans[i].start, spans[i+len(t.Words)-1].end})
		}
	}
	return out
}

// snippetContext is how many bytes of text a snippet keeps on each side of
// its first match.
const snippetContext = 40

// Match scores a table against the query terms: the sum, over the fields
// where a term matches, of the field's weight (a whole-name match counts
// double), and the snippets of the fields that matched. ok is false when
// some term matches nowhere. No terms match every table with score 0.
func Match(terms []SearchTerm, fields []SearchField) (score float64, snippets []Snippet, ok bool) {
	found := make([]bool, len(terms))
	for _, f := range fields {
		spans := wordSpans(f.Text)
		var marks [][2]int
		for i, t := range terms {
			m := matches(t, spans)
			if len(m) == 0 {
				continue
			}
			found[i] = true
			w := f.Weight
			if len(t.Words) == len(spans) {
				w *= 2
			}
			score += w
			marks = append(marks, m...)
		}
		if len(marks) > 0 {
			snippets = append(snippets, Snippet{Field: f.Field, Text: markText(f.Text, marks)})
		}
	}
	for _, f := range found {
		if !f {
			return 0, nil, false
		}
	}
	return score, snippets, true
}

// markText marks the matches in text with [ and ], keeping up to
// snippetContext bytes of whole words either side of the matches.
func markText(text string, marks [][2]int) string {
	slices.SortFunc(marks, func(a, b [2]int) int { return a[0] - b[0] })
	from, to := max(marks[0][0]-snippetContext, 0), min(marks[len(marks)-1][1]+snippetContext, len(text))
	// Cut between words, not inside one.
	if from > 0 {
		if i := strings.IndexByte(text[from:marks[0][0]], ' '); i >= 0 {
			from += i + 1
		} else {
			from = marks[0][0]
		}
	}
	if to < len(text) {
		end := marks[len(marks)-1][1]
		if i := strings.LastIndexByte(text[end:to], ' '); i >= 0 {
			to = end + i
		} else {
			to = end
		}
	}
	var b strings.Builder
	if from > 0 {
		b.WriteString("…")
	}
	at := from
	for _, m := range marks {
		if m[0] < at {
			continue // overlaps the one before
		}
		b.WriteString(text[at:m[0]])
		b.WriteString("[" + text[m[0]:m[1]] + "]")
		at = m[1]
	}
	b.WriteString(text[at:to])
	if to < len(text) {
		b.WriteString("…")
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// RankTables keeps the tables the query selects (text and filters), with
// their scores and snippets, best first (ties by database and name), at
// most q.Limit of them. db gives a table's database (nil when unknown).
func RankTables(q SearchQuery, tables []*Table, db func(string) *Database) ([]SearchHit, error) {
	terms, err := ParseSearchText(q.Text)
	if err != nil {
		return nil, err
	}
	var hits []SearchHit
	for _, t := range tables {
		if !q.Keeps(t) {
			continue
		}
		score, snippets, ok := Match(terms, SearchFields(db(t.DatabaseName), t))
		if !ok {
			continue
		}
		hits = append(hits, SearchHit{Database: t.DatabaseName, Table: t.Name, Score: score, Snippets: snippets})
	}
	SortHits(hits)
	return hits[:min(len(hits), q.Max())], nil
}

// SortHits orders hits best first, ties by database and table name.
func SortHits(hits []SearchHit) {
	slices.SortStableFunc(hits, func(a, b SearchHit) int {
		if a.Score != b.Score {
			if a.Score > b.Score {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Database+"\x00"+a.Table, b.Database+"\x00"+b.Table)
	})
}

// Keeps says whether the query's filters keep the table.
func (q SearchQuery) Keeps(t *Table) bool {
	if q.Database != "" && t.DatabaseName != q.Database {
		return false
	}
	for k, v := range q.Parameters {
		if got, ok := t.Parameters[k]; !ok || got != v {
			return false
		}
	}
	return q.UpdatedSince.IsZero() || !t.UpdateTime.Before(q.UpdatedSince)
}

// Max is the number of hits the query asks for at most.
func (q SearchQuery) Max() int {
	if q.Limit <= 0 {
		return DefaultSearchLimit
	}
	return q.Limit
}

// Candidates is how many tables a backend's index gives RankTables to
// score, best first by its own measure, for the query's limit: a few
// times the limit, so that RankTables' order of the top hits is the one
// it would give over every table.
func Candidates(q SearchQuery) int { return max(4*q.Max(), 200) }

// Found gathers the tables a backend's search picked, from the JSON
// documents it keeps of each table and its database, for RankTables.
type Found struct {
	tables []*Table
	dbs    map[string]*Database
}

// Add decodes one table's document and its database's.
func (f *Found) Add(tableDoc, dbDoc []byte) error {
	var t Table
	var db Database
	if err := json.Unmarshal(tableDoc, &t); err != nil {
		return err
	}
	if err := json.Unmarshal(dbDoc, &db); err != nil {
		return err
	}
	if f.dbs == nil {
		f.dbs = map[string]*Database{}
	}
	f.tables, f.dbs[db.Name] = append(f.tables, &t), &db
	return nil
}

// Rank is RankTables over the tables added.
func (f *Found) Rank(q SearchQuery) ([]SearchHit, error) {
	return RankTables(q, f.tables, func(name string) *Database { return f.dbs[name] })
}
