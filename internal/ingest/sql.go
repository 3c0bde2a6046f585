package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/lakectl/lakectl/internal/dataset"
	"github.com/lakectl/lakectl/internal/secret"
)

// SQLSource is a PostgreSQL or MySQL/MariaDB table or query as a row
// source, read through the one reading layer (dataset.SQL.ReadRows): its
// columns typed to keep their values whole (exact decimals, local and
// zoned timestamps, UUIDs, JSON, bytes, arrays; see dataset's mapping),
// the rows from an incremental lower bound on filtered by the database.
type SQLSource struct {
	db *dataset.SQL
	// Retry says how a read that failed in a way worth trying again
	// (dataset.ErrTransient: a connection refused or lost, a server
	// starting or going down) is tried again, while no row was handed on.
	Retry Retry
}

// Retry is a capped exponential backoff.
type Retry struct {
	// Attempts is the most tries in all (DefaultRetry's when zero).
	Attempts int
	// First is the wait after the first failure; each next wait doubles,
	// up to Max.
	First, Max time.Duration
	// Sleep waits d or until ctx ends (time's own when nil).
	Sleep func(ctx context.Context, d time.Duration) error
}

// DefaultRetry tries 5 times over about 7.5 s: 0.5, 1, 2 and 4 s apart.
var DefaultRetry = Retry{Attempts: 5, First: 500 * time.Millisecond, Max: 10 * time.Second}

// NewSQLSource reads a database URI as dataset.ParseDatabaseURI takes it
// (postgres://… or mysql://…, ?table=T, schema-qualified or not, unless a
// query is given), its password reference (password=env:VAR, file:PATH,
// ssm:/path) read by secrets (nil: the environment and files only).
// Nothing is connected until Read.
func NewSQLSource(ctx context.Context, uri, query string, secrets *secret.Resolver) (*SQLSource, error) {
	db, err := dataset.ParseDatabaseURI(ctx, uri, query, secrets)
	if err != nil {
		return nil, err
	}
	return &SQLSource{db: db, Retry: DefaultRetry}, nil
}

// String names the source with its password hidden.
func (s *SQLSource) String() string { return s.db.String() }

// GoString hides the password from %#v too.
func (s *SQLSource) GoString() string { return fmt.Sprintf("ingest.SQLSource(%q)", s.db.String()) }

// Read starts reading the rows (from req.From on, by req.Column); a
// transient failure before the first batch is tried again as s.Retry
// says. A column the rows lack is a catalog.OptionError of option
// "Column"; a failing query is the database's message, its password
// hidden (dataset.ErrDatabase).
func (s *SQLSource) Read(ctx context.Context, req ReadRequest) (RowReader, error) {
	rt := s.Retry
	if rt.Attempts <= 0 {
		rt = DefaultRetry
	}
	sleep := rt.Sleep
	if sleep == nil {
		sleep = Sleep
	}
	wait := rt.First
	for try := 1; ; try++ {
		r, err := s.start(ctx, req)
		if err == nil {
			return r, nil
		}
		if !errors.Is(err, dataset.ErrTransient) || ctx.Err() != nil {
			return nil, err
		}
		if try == rt.Attempts {
			return nil, fmt.Errorf("%w (tried %d times)", err, try)
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, err
		}
		wait = min(2*wait, rt.Max)
	}
}

// start reads up to the first batch, so that a failure until then can be
// tried again.
func (s *SQLSource) start(ctx context.Context, req ReadRequest) (RowReader, error) {
	rows, err := s.db.ReadRows(ctx, dataset.RowsRequest{Column: req.Column, From: req.From})
	if err != nil {
		return nil, err
	}
	first, err := rows.Next(ctx)
	if err != nil && !errors.Is(err, io.EOF) {
		rows.Close()
		return nil, err
	}
	return &sqlReader{SQLRows: rows, first: first}, nil
}

// sqlReader hands on the batch start read, then the rest.
type sqlReader struct {
	*dataset.SQLRows
	first [][]any
}

func (r *sqlReader) Next(ctx context.Context) ([][]any, error) {
	if b := r.first; b != nil {
		r.first = nil
		return b, nil
	}
	return r.SQLRows.Next(ctx)
}
