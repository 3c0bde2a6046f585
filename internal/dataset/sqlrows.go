package dataset

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/format"
)

// A database source's rows are also read typed, for landing them as they
// are (SQL.ReadRows): each column's database type becomes the catalog type
// that keeps its values whole, and each value the Go value convert's
// writers take. The mapping, for PostgreSQL and MySQL/MariaDB:
//
//	smallint, integer, bigint         smallint, int, bigint (int64); MySQL's unsigned
//	                                  ones one size up, bigint unsigned decimal(20,0)
//	real, double                      float, double (float64)
//	numeric(p,s), decimal(p,s)        decimal(p,s) (json.Number, exact), when p <= 38;
//	                                  wider, or unbounded numeric: string (the exact text)
//	boolean, MySQL tinyint(1)         boolean (bool)
//	date                              date (time.Time, midnight UTC)
//	timestamptz, MySQL TIMESTAMP      timestamp: instants (time.Time in UTC)
//	timestamp, MySQL DATETIME         timestamp with catalog.ParamLocalTime: the wall
//	                                  clock as written (time.Time in UTC holding it)
//	uuid                              string, 8-4-4-4-12 lower-case hex
//	json, jsonb, MySQL JSON           string: the document in one canonical text form
//	                                  (canonicalJSON: compact, keys sorted)
//	bytea, binary, varbinary, blob    binary ([]byte)
//	arrays of the types above         array<...> ([]any)
//	anything else                     string: the database's text of the value
//
// The MySQL types are those of the result's metadata and, for a ?table=
// source, of the table's declared columns (information_schema), which
// alone tell tinyint(1) booleans, MariaDB's JSON (longtext checked by
// json_valid) and unsigned decimals.

// RowsRequest says which rows ReadRows reads.
type RowsRequest struct {
	// Column, when set, reads only the rows whose value of this column is
	// at least From (all of them when From is nil), compared by the
	// database. It names the column as the database spells it, or as its
	// catalog column is named.
	Column string
	// From is a value of the column as the rows hold it (time.Time for a
	// date or timestamp, int64, float64, json.Number for a decimal,
	// string, bool), sent as a bound parameter.
	From any
}

// SQLRows are a database source's typed rows, read ahead by one goroutine
// in batches.
type SQLRows struct {
	cols    []catalog.Column
	batches chan [][]any
	stop    context.CancelFunc
	done    chan struct{}
	err     error // the reader's, once batches is closed
	close   func() error
}

// rowsBatch is the number of rows in a batch.
const rowsBatch = 4096

// Columns are the rows' columns in catalog types.
func (r *SQLRows) Columns() []catalog.Column { return r.cols }

// Next returns the next batch of rows; io.EOF after the last.
func (r *SQLRows) Next(ctx context.Context) ([][]any, error) {
	select {
	case b, ok := <-r.batches:
		if ok {
			return b, nil
		}
		if r.err != nil {
			return nil, r.err
		}
		return nil, io.EOF
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
}

// Close stops reading and closes the connection.
func (r *SQLRows) Close() error {
	r.stop()
	<-r.done
	return r.close()
}

// startRows runs read on its own goroutine, its batches going to Next;
// ctx is the read's, which Close cancels.
func startRows(ctx context.Context, cols []catalog.Column, closeConn func() error, read func(ctx context.Context, emit func([][]any) error) error) *SQLRows {
	r := &SQLRows{cols: cols, batches: make(chan [][]any, 2), done: make(chan struct{}), close: closeConn}
	go func() {
		defer close(r.done)
		defer close(r.batches)
		r.err = read(ctx, func(b [][]any) error {
			select {
			case r.batches <- b:
				return nil
			case <-ctx.Done():
				return context.Cause(ctx)
			}
		})
	}()
	return r
}

// endRows ends a read: with the driver's error (the context's when it was
// cancelled), or with the last batch.
func (s *SQL) endRows(ctx context.Context, err error, batch [][]any, emit func([][]any) error) error {
	switch {
	case err != nil && ctx.Err() != nil:
		return context.Cause(ctx)
	case err != nil:
		return s.redact(err)
	case len(batch) > 0:
		return emit(batch)
	}
	return nil
}

// ReadRows starts reading the source's rows typed (see the mapping above).
// A request for a column the rows do not have is an error naming it
// (catalog.ErrInvalid); failures of the database are ErrDatabase, and
// those trying again may cure ErrTransient too.
func (s *SQL) ReadRows(ctx context.Context, req RowsRequest) (*SQLRows, error) {
	// The queries run in a context Close cancels, which ends a query in
	// flight (a driver would read the rest of the rows otherwise).
	ctx, stop := context.WithCancel(ctx)
	read := s.readMySQL
	if s.Driver == "pgx" {
		read = s.readPostgres
	}
	r, err := read(ctx, req)
	if err != nil {
		stop()
		return nil, err
	}
	r.stop = stop
	return r, nil
}

// sqlColumn is a result column: its names and how its values are typed.
type sqlColumn struct {
	source string // as the database spells it
	hive   string
	local  bool // timestamps without a zone
	// numberText: a number too wide for a decimal, read as its exact text
	// (whose order is not the numbers' order).
	numberText bool
}

// catalogColumns names the columns as the crawler names CSV headers, and
// types them.
func catalogColumns(cols []sqlColumn) []catalog.Column {
	src := make([]string, len(cols))
	for i, c := range cols {
		src[i] = c.source
	}
	names := format.HeaderNames(src)
	out := make([]catalog.Column, len(cols))
	for i, c := range cols {
		out[i] = catalog.Column{Name: names[i], Type: c.hive}
		if names[i] != c.source {
			out[i].Parameters = map[string]string{catalog.ParamSourceName: c.source}
		}
		if c.local {
			if out[i].Parameters == nil {
				out[i].Parameters = map[string]string{}
			}
			out[i].Parameters[catalog.ParamLocalTime] = "true"
		}
	}
	return out
}

// incremental finds the request's column: by its name in the database,
// else by its catalog name (in any case).
func (s *SQL) incremental(cols []sqlColumn, names []catalog.Column, column string) (int, error) {
	found := func(i int) (int, error) {
		if cols[i].numberText {
			return -1, catalog.OptionErrorf("Column", column, "column %s is a number wider than a decimal(38), read as its text, whose order is not the numbers': read it through a query that casts it (numeric(38,s), bigint)", cols[i].source)
		}
		return i, nil
	}
	for i, c := range cols {
		if c.source == column {
			return found(i)
		}
	}
	for i, c := range names {
		if strings.EqualFold(c.Name, column) {
			return found(i)
		}
	}
	all := make([]string, len(names))
	for i, c := range names {
		all[i] = c.Name
	}
	return -1, catalog.OptionErrorf("Column", column, "no such column in %s (its columns: %s)", s.Display, strings.Join(all, ", "))
}

// fromText is the text of an incremental lower bound for a column of that
// type, as the database reads it; an error when the value is not of the
// column's type.
func fromText(c sqlColumn, v any) (string, error) {
	mismatch := func() error {
		return catalog.Invalidf("column %s is a %s: the lower bound %v (%T) is no value of it", c.source, c.hive, v, v)
	}
	switch x := v.(type) {
	case time.Time:
		switch {
		case c.hive == "date":
			return x.UTC().Format(time.DateOnly), nil
		case c.hive == "timestamp" && c.local:
			return x.UTC().Format("2006-01-02 15:04:05.999999"), nil
		case c.hive == "timestamp":
			return x.UTC().Format(time.RFC3339Nano), nil
		}
	case int64:
		if isInteger(c.hive) || strings.HasPrefix(c.hive, "decimal") {
			return strconv.FormatInt(x, 10), nil
		}
	case float64:
		if c.hive == "double" || c.hive == "float" {
			return strconv.FormatFloat(x, 'g', -1, 64), nil
		}
	case json.Number:
		if strings.HasPrefix(c.hive, "decimal") || c.hive == "string" {
			return string(x), nil
		}
	case string:
		if c.hive == "string" {
			return x, nil
		}
	case bool:
		if c.hive == "boolean" {
			return strconv.FormatBool(x), nil
		}
	}
	return "", mismatch()
}

func isInteger(hive string) bool {
	switch hive {
	case "tinyint", "smallint", "int", "bigint":
		return true
	}
	return false
}

// wrapQuery is the query's rows at or above a bound parameter.
func wrapQuery(query, column, param string, q byte) string {
	query = strings.TrimRight(strings.TrimSpace(query), ";")
	return fmt.Sprintf("SELECT * FROM (%s) AS lakectl_q WHERE lakectl_q.%s >= %s", query, quoteName(column, q), param)
}

// quoteName quotes one identifier.
func quoteName(name string, q byte) string {
	return string(q) + strings.ReplaceAll(name, string(q), string(q)+string(q)) + string(q)
}

// canonicalJSON is a JSON document in the one text form lakectl lands
// documents of JSON columns in: compact, object keys sorted (a repeated
// key keeps its last value, as jsonb does), numbers as written, strings
// escaped as encoding/json escapes them but for <, > and &. Documents
// equal as JSON have the same text, whichever database and column type
// (json, jsonb) held them.
func canonicalJSON(doc []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", fmt.Errorf("not a JSON document: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("not one JSON document: text after its end")
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}
