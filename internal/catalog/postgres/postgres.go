// Package postgres is the PostgreSQL catalog, for teams that share one
// catalog without AWS: postgres://USER@HOST:PORT/DB?schema=NAME.
//
// Its objects live in one schema of their own (lakectl unless ?schema=
// names another), so that several catalogs can share a database. Each
// database, table, version and partition is stored as its Glue-shaped JSON
// document (jsonb) beside the keys it is looked up by. Updates of a table
// lock its row (SELECT ... FOR UPDATE) and compare its version before
// they write, so an update based on a stale version fails with
// catalog.ErrConflict however many processes on however many machines
// write at once.
//
// The schema is made and upgraded by versioned migrations (package
// migrate), recorded in lakectl_migrations and applied in one transaction
// under an advisory lock: processes that open a new catalog at once wait
// for the first one's.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/catalog/migrate"
	"github.com/lakectl/lakectl/internal/redact"
)

const (
	// defaultSchema holds the catalog when the URI names no schema.
	defaultSchema = "lakectl"
	pageSize      = 500
	// lockClass is the first key of the advisory lock migrations take
	// ("LKCT"); the second is a hash of the schema's name.
	lockClass = 0x4c4b4354
)

// Defaults of the session, unless the URI sets them: how long a write
// waits for another's row lock, and how long the server lets a session sit
// in a transaction (a process that vanished mid-transaction holds its
// locks no longer).
var sessionDefaults = map[string]string{
	"lock_timeout":                        "60s",
	"idle_in_transaction_session_timeout": "60s",
	"application_name":                    "lakectl",
}

// migrations make the catalog's schema, step by step; {s} stands for the
// catalog's schema. A released step is never edited: a change is a new
// step at the end. Text keys are compared byte by byte (COLLATE "C"), so
// that listings come in the same order whatever the database's locale.
var migrations = []migrate.Step{
	{Version: 1, Name: "databases, tables, table versions, partitions", SQL: []string{
		`CREATE TABLE {s}.databases (
			name text COLLATE "C" PRIMARY KEY,
			doc  jsonb NOT NULL
		)`,
		`CREATE TABLE {s}.tables (
			db      text COLLATE "C" NOT NULL REFERENCES {s}.databases (name) ON DELETE CASCADE,
			name    text COLLATE "C" NOT NULL,
			version bigint NOT NULL,
			doc     jsonb NOT NULL,
			PRIMARY KEY (db, name)
		)`,
		`CREATE TABLE {s}.table_versions (
			db      text COLLATE "C" NOT NULL,
			name    text COLLATE "C" NOT NULL,
			version bigint NOT NULL,
			doc     jsonb NOT NULL,
			PRIMARY KEY (db, name, version),
			FOREIGN KEY (db, name) REFERENCES {s}.tables (db, name) ON DELETE CASCADE
		)`,
		`CREATE TABLE {s}.partitions (
			db   text COLLATE "C" NOT NULL,
			tbl  text COLLATE "C" NOT NULL,
			vals text COLLATE "C" NOT NULL,
			doc  jsonb NOT NULL,
			PRIMARY KEY (db, tbl, vals),
			FOREIGN KEY (db, tbl) REFERENCES {s}.tables (db, name) ON DELETE CASCADE
		)`,
	}},
	{Version: 2, Name: "table search: a weighted tsvector of each table, kept in step by triggers, and its GIN index", SQL: []string{
		// The words of a text as catalog.SearchWords splits it: runs of
		// letters and digits (customer_id is customer id).
		`CREATE FUNCTION {s}.search_words(x text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
		AS $$ SELECT regexp_replace(lower(coalesce(x, '')), '[^[:alnum:]]+', ' ', 'g') $$`,
		// A text's words, stemmed (english, its stop words kept by the
		// simple half) and as they are (simple, for prefixes), at one
		// weight.
		`CREATE FUNCTION {s}.search_vector(x text, w "char") RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE
		AS $$ SELECT setweight(to_tsvector('english', {s}.search_words(x)) || to_tsvector('simple', {s}.search_words(x)), w) $$`,
		// The texts a table is searched by (catalog.SearchFields), at the
		// weights of their fields: A name; B columns, description; C
		// comments, classification, database; D database description,
		// parameters.
		`CREATE FUNCTION {s}.table_search_vector(doc jsonb, db text, db_description text) RETURNS tsvector LANGUAGE sql STABLE PARALLEL SAFE
		AS $$ SELECT {s}.search_vector(doc->>'Name', 'A')
			|| {s}.search_vector(c.names, 'B') || {s}.search_vector(doc->>'Description', 'B')
			|| {s}.search_vector(c.comments, 'C')
			|| {s}.search_vector(concat_ws(' ', doc->'Parameters'->>'classification', c.classes), 'C')
			|| {s}.search_vector(db, 'C')
			|| {s}.search_vector(db_description, 'D')
			|| {s}.search_vector((SELECT string_agg(p.key || '=' || p.value, ' ') FROM jsonb_each_text(
				CASE WHEN jsonb_typeof(doc->'Parameters') = 'object' THEN doc->'Parameters' ELSE '{}' END) p
				WHERE p.key <> 'classification'), 'D')
		FROM (SELECT string_agg(col->>'Name', ' ') AS names, string_agg(col->>'Comment', ' ') AS comments,
				string_agg(col->'Parameters'->>'lakectl.classification', ' ') AS classes
			FROM (SELECT jsonb_path_query(doc, 'lax $.StorageDescriptor.Columns[*]') AS col
				UNION ALL SELECT jsonb_path_query(doc, 'lax $.PartitionKeys[*]')) cols) c $$`,
		`ALTER TABLE {s}.tables ADD COLUMN search tsvector`,
		`CREATE FUNCTION {s}.tables_search() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			NEW.search := {s}.table_search_vector(NEW.doc, NEW.db, (SELECT d.doc->>'Description' FROM {s}.databases d WHERE d.name = NEW.db));
			RETURN NEW;
		END $$`,
		`CREATE TRIGGER tables_search BEFORE INSERT OR UPDATE OF doc ON {s}.tables
		FOR EACH ROW EXECUTE FUNCTION {s}.tables_search()`,
		// A database's description is in each of its tables' vectors.
		`CREATE FUNCTION {s}.databases_search() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			UPDATE {s}.tables SET search = {s}.table_search_vector(doc, db, NEW.doc->>'Description') WHERE db = NEW.name;
			RETURN NULL;
		END $$`,
		`CREATE TRIGGER databases_search AFTER UPDATE OF doc ON {s}.databases
		FOR EACH ROW WHEN (OLD.doc->'Description' IS DISTINCT FROM NEW.doc->'Description') EXECUTE FUNCTION {s}.databases_search()`,
		// Catalogs made before search get their vectors now.
		`UPDATE {s}.tables t SET search = {s}.table_search_vector(t.doc, t.db, d.doc->>'Description') FROM {s}.databases d WHERE d.name = t.db`,
		`CREATE INDEX tables_search ON {s}.tables USING gin (search)`,
	}},
}

// Errors that are the user's to fix (exit status 2).
var (
	// ErrNotCatalog: there is no catalog in the schema (for a command that
	// only reads), or the schema holds tables of another program.
	ErrNotCatalog = errors.New("not a lakectl catalog")
	// ErrRefused: the server refused the login, has no such database, or
	// the role lacks a permission the catalog needs.
	ErrRefused = errors.New("refused by PostgreSQL")
)

// Catalog is the PostgreSQL-backed catalog.Catalog.
type Catalog struct {
	pool    *pgxpool.Pool
	schema  string // its name
	quoted  string // as SQL names it
	display string // the URI, its password hidden
	secret  string
	steps   []migrate.Step
	// Now returns the time stamped on changes; tests replace it.
	Now func() time.Time
	// PageSize is how many rows one query of a listing reads.
	PageSize int
}

var _ catalog.Catalog = (*Catalog)(nil)

// Open opens the catalog a postgres:// URI names, making its schema when
// it does not exist and upgrading one an older lakectl made.
func Open(ctx context.Context, uri string) (*Catalog, error) {
	return openSteps(ctx, uri, false, migrations)
}

// OpenExisting opens a catalog that must exist already, for a command that
// only reads: a schema with no catalog in it is an error, never made.
func OpenExisting(ctx context.Context, uri string) (*Catalog, error) {
	return openSteps(ctx, uri, true, migrations)
}

func openSteps(ctx context.Context, uri string, mustExist bool, steps []migrate.Step) (*Catalog, error) {
	cfg, schema, secret, err := parseURI(uri)
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	c := &Catalog{pool: pool, schema: schema, quoted: pgx.Identifier{schema}.Sanitize(), display: redact.Secret(redact.Text(uri), secret),
		secret: secret, steps: steps, Now: time.Now, PageSize: pageSize}
	if err != nil {
		return nil, c.fail("connect", err)
	}
	if err := c.init(ctx, mustExist); err != nil {
		pool.Close()
		return nil, err
	}
	return c, nil
}

var schemaName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// parseURI reads postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?schema=NAME&...]:
// schema= is lakectl's; the other parameters are PostgreSQL's (sslmode,
// connect_timeout, ...), and PG* variables and ~/.pgpass apply as they do
// for psql.
func parseURI(uri string) (*pgxpool.Config, string, string, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return nil, "", "", catalog.Invalidf("%s", redact.Text(fmt.Sprintf("catalog %s: %v (a password's special characters must be percent-encoded; or leave it out and set PGPASSWORD or ~/.pgpass)", uri, err)))
	}
	secret, _ := u.User.Password()
	show := redact.Secret(redact.Text(uri), secret)
	q := u.Query()
	if q.Has("search_path") {
		return nil, "", "", catalog.Invalidf("catalog %s: name the catalog's schema with schema=NAME, not search_path", show)
	}
	schema := defaultSchema
	if q.Has("schema") {
		schema = q.Get("schema")
		q.Del("schema")
	}
	if !schemaName.MatchString(schema) || strings.HasPrefix(schema, "pg_") || schema == "information_schema" {
		return nil, "", "", catalog.Invalidf("catalog %s: schema %q: want lowercase letters, digits and _, at most 63, not starting with pg_", show, schema)
	}
	if !q.Has("connect_timeout") && os.Getenv("PGCONNECT_TIMEOUT") == "" {
		q.Set("connect_timeout", "15")
	}
	u.RawQuery = q.Encode()
	cfg, err := pgxpool.ParseConfig(u.String())
	if err != nil {
		return nil, "", "", catalog.Invalidf("%s", redact.Secret(redact.Text(fmt.Sprintf("catalog %s: %v", show, err)), secret))
	}
	for k, v := range sessionDefaults {
		if _, set := cfg.ConnConfig.RuntimeParams[k]; !set {
			cfg.ConnConfig.RuntimeParams[k] = v
		}
	}
	return cfg, schema, secret, nil
}

// Close releases the connections.
func (c *Catalog) Close() error {
	c.pool.Close()
	return nil
}

func (c *Catalog) now() time.Time { return c.Now().UTC().Truncate(time.Second) }

// sql puts the catalog's schema into a statement.
func (c *Catalog) sql(stmt string) string { return strings.ReplaceAll(stmt, "{s}", c.quoted) }

// init checks that the schema is a lakectl catalog and brings it up to
// date: all of it in a new schema, the missing steps in one an older
// lakectl made. An up-to-date catalog, the common case, is checked with one
// query and no lock.
func (c *Catalog) init(ctx context.Context, mustExist bool) error {
	var version int
	err := c.pool.QueryRow(ctx, c.sql(`SELECT coalesce(max(version), 0) FROM {s}.lakectl_migrations`)).Scan(&version)
	var pe *pgconn.PgError
	switch {
	case errors.As(err, &pe) && (pe.Code == "42P01" || pe.Code == "3F000"): // no such table, no such schema
		version = -1
	case err != nil:
		return c.fail("open", err)
	}
	if version < 0 && mustExist {
		return c.noCatalog()
	}
	if version >= 0 {
		if _, err := migrate.Pending(c.steps, version); err != nil {
			return fmt.Errorf("catalog %s: %w", c.display, err)
		}
		if version == migrate.Latest(c.steps) {
			return nil
		}
	}
	return c.write(ctx, "migrate schema", func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, lockClass, c.schema); err != nil {
			return err
		}
		// Another process may have made or upgraded it since we looked.
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, c.quoted+".lakectl_migrations").Scan(&exists); err != nil {
			return err
		}
		version := 0
		if exists {
			if err := tx.QueryRow(ctx, c.sql(`SELECT coalesce(max(version), 0) FROM {s}.lakectl_migrations`)).Scan(&version); err != nil {
				return err
			}
		} else if mustExist {
			return c.noCatalog()
		} else if err := c.makeSchema(ctx, tx); err != nil {
			return err
		}
		_, err := migrate.Apply(ctx, c.steps, version,
			func(ctx context.Context, stmt string) error {
				_, err := tx.Exec(ctx, c.sql(stmt))
				return err
			},
			func(ctx context.Context, s migrate.Step) error {
				_, err := tx.Exec(ctx, c.sql(`INSERT INTO {s}.lakectl_migrations (version, name) VALUES ($1, $2)`), s.Version, s.Name)
				return err
			})
		if errors.Is(err, migrate.ErrTooNew) {
			return fmt.Errorf("catalog %s: %w", c.display, err)
		}
		return err
	})
}

func (c *Catalog) noCatalog() error {
	return &dbError{msg: fmt.Sprintf("catalog %s: no catalog there yet in schema %s (commands that write make one: crawl, convert --register, catalog create-database)", c.display, c.schema), kind: ErrNotCatalog}
}

// makeSchema makes the schema, or takes an existing one that holds
// nothing (one an administrator made for lakectl), and the table of
// migrations.
func (c *Catalog) makeSchema(ctx context.Context, tx pgx.Tx) error {
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, c.schema).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		if _, err := tx.Exec(ctx, c.sql(`CREATE SCHEMA {s}`)); err != nil {
			return err
		}
	} else {
		rows, err := tx.Query(ctx, `SELECT relname FROM pg_class
			WHERE relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
			ORDER BY relname LIMIT 5`, c.schema)
		if err != nil {
			return err
		}
		others, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		if len(others) > 0 {
			return &dbError{msg: fmt.Sprintf("catalog %s: schema %s holds tables that are not a lakectl catalog's (%s): name a schema of its own with ?schema=NAME (left untouched)",
				c.display, c.schema, strings.Join(others, ", ")), kind: ErrNotCatalog}
		}
	}
	_, err := tx.Exec(ctx, c.sql(`CREATE TABLE {s}.lakectl_migrations (
		version    integer PRIMARY KEY,
		name       text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`))
	return err
}

// write runs fn in one transaction and commits when fn succeeds. A
// transaction PostgreSQL aborted to break a deadlock is run again.
func (c *Catalog) write(ctx context.Context, op string, fn func(tx pgx.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := pgx.BeginTxFunc(ctx, c.pool, pgx.TxOptions{}, fn)
		var pe *pgconn.PgError
		if attempt < 5 && errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001") {
			continue
		}
		return c.fail(op, err)
	}
}

// dbError is an error of the catalog, its message free of the password;
// it matches kind (when set) and what it wraps.
type dbError struct {
	msg  string
	kind error
	err  error
}

func (e *dbError) Error() string        { return e.msg }
func (e *dbError) Unwrap() error        { return e.err }
func (e *dbError) Is(target error) bool { return e.kind != nil && target == e.kind }

// fail wraps an error of PostgreSQL or the connection with the catalog's
// URI and what was being done; nil stays nil, and the errors of the
// catalog's rules (already made with their context) pass as they are. No
// message holds the password.
func (c *Catalog) fail(op string, err error) error {
	var de *dbError
	if err == nil || errors.As(err, &de) || errors.Is(err, catalog.ErrNotFound) || errors.Is(err, catalog.ErrAlreadyExists) ||
		errors.Is(err, catalog.ErrConflict) || errors.Is(err, catalog.ErrInvalid) || errors.Is(err, migrate.ErrTooNew) {
		return err
	}
	var kind error
	hint := ""
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case strings.HasPrefix(pe.Code, "28"), pe.Code == "3D000": // login refused, no such database
			kind = ErrRefused
		case pe.Code == "42501": // insufficient privilege
			kind = ErrRefused
			hint = " (docs/catalog.md lists the permissions the catalog needs)"
		case pe.Code == "55P03": // lock_not_available
			hint = " (another process held the lock longer than lock_timeout; set ?lock_timeout=... on the URI to wait longer)"
		case pe.Code == "22P05", pe.Code == "22021": // a NUL character, or one the encoding lacks
			return catalog.Invalidf("%s", redact.Secret(redact.Text(fmt.Sprintf("catalog %s: %s: a text holds a character PostgreSQL cannot store (%s)", c.display, op, pe.Message)), c.secret))
		}
	}
	msg := redact.Secret(redact.Text(fmt.Sprintf("catalog %s: %s: %s%s", c.display, op, oneLine(err.Error()), hint)), c.secret)
	return &dbError{msg: msg, kind: kind, err: err}
}

// oneLine joins the lines of a message (pgx lists each address it tried
// on a line of its own).
func oneLine(s string) string {
	lines := strings.Split(s, "\n")
	var b strings.Builder
	for i, l := range lines {
		l = strings.TrimSpace(l)
		if i > 0 {
			if strings.HasSuffix(lines[i-1], ":") {
				b.WriteString(" ")
			} else {
				b.WriteString("; ")
			}
		}
		b.WriteString(l)
	}
	return b.String()
}
