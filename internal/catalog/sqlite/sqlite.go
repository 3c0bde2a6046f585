// Package sqlite is the embedded catalog: one SQLite file (pure Go, through
// modernc.org/sqlite) in WAL mode with a busy timeout, so that many lakectl
// processes (cron jobs) can use it at once.
//
// Each database, table, version and partition is stored as its Glue-shaped
// JSON document beside the keys it is looked up by. Writes run in
// BEGIN IMMEDIATE transactions: a writer takes the write lock before it
// reads, so read-modify-write sequences cannot interleave.
package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/catalog/migrate"

	sqlitedriver "modernc.org/sqlite" // also registers the "sqlite" database/sql driver
	sqlite3 "modernc.org/sqlite/lib"
)

const (
	// applicationID marks a SQLite file as a lakectl catalog ("LKCT").
	applicationID = 0x4c4b4354
	// DefaultBusyTimeout is how long a writer waits for another process's
	// write transaction before it gives up.
	DefaultBusyTimeout = 60 * time.Second
	pageSize           = 500
)

// Catalog is the SQLite-backed catalog.Catalog.
type Catalog struct {
	db   *sql.DB
	path string
	// Now returns the time stamped on changes; tests replace it.
	Now func() time.Time
	// PageSize is how many rows one query of a listing reads.
	PageSize int
	readOnly bool
	steps    []migrate.Step // the schema's migrations (tests add some)
}

var _ catalog.Catalog = (*Catalog)(nil)

// migrations make the catalog's schema, step by step; the file's
// user_version is the last step applied. A released step is never edited:
// a change is a new step at the end (see package migrate).
var migrations = []migrate.Step{
	{Version: 1, Name: "databases, tables, table versions, partitions", SQL: []string{
		`CREATE TABLE databases (
			name TEXT PRIMARY KEY,
			doc  TEXT NOT NULL
		)`,
		`CREATE TABLE tables (
			db      TEXT NOT NULL REFERENCES databases(name) ON DELETE CASCADE,
			name    TEXT NOT NULL,
			version INTEGER NOT NULL,
			doc     TEXT NOT NULL,
			PRIMARY KEY (db, name)
		)`,
		`CREATE TABLE table_versions (
			db      TEXT NOT NULL,
			name    TEXT NOT NULL,
			version INTEGER NOT NULL,
			doc     TEXT NOT NULL,
			PRIMARY KEY (db, name, version),
			FOREIGN KEY (db, name) REFERENCES tables(db, name) ON DELETE CASCADE
		)`,
		`CREATE TABLE partitions (
			db   TEXT NOT NULL,
			tbl  TEXT NOT NULL,
			vals TEXT NOT NULL,
			doc  TEXT NOT NULL,
			PRIMARY KEY (db, tbl, vals),
			FOREIGN KEY (db, tbl) REFERENCES tables(db, name) ON DELETE CASCADE
		)`,
	}},
	{Version: 2, Name: "table search: an FTS5 index of tables, kept in step by triggers", SQL: []string{
		// The texts a table is searched by (catalog.SearchFields, field
		// by field), read from the documents.
		`CREATE VIEW table_search_docs AS
		SELECT t.db, t.name,
			coalesce(json_extract(t.doc, '$.Description'), '') AS description,
			(SELECT coalesce(group_concat(json_extract(c.value, '$.Name'), ' '), '') FROM (
				SELECT value FROM json_each(t.doc, '$.StorageDescriptor.Columns')
				UNION ALL SELECT value FROM json_each(t.doc, '$.PartitionKeys')) c) AS columns,
			(SELECT coalesce(group_concat(json_extract(c.value, '$.Comment'), ' '), '') FROM (
				SELECT value FROM json_each(t.doc, '$.StorageDescriptor.Columns')
				UNION ALL SELECT value FROM json_each(t.doc, '$.PartitionKeys')) c) AS comments,
			trim(coalesce(json_extract(t.doc, '$.Parameters.classification'), '') || ' ' || (
				SELECT coalesce(group_concat(json_extract(c.value, '$.Parameters."lakectl.classification"'), ' '), '') FROM (
					SELECT value FROM json_each(t.doc, '$.StorageDescriptor.Columns')
					UNION ALL SELECT value FROM json_each(t.doc, '$.PartitionKeys')) c)) AS classification,
			(SELECT coalesce(group_concat(p.key || '=' || p.value, ' '), '') FROM json_each(t.doc, '$.Parameters') p
				WHERE p.key <> 'classification') AS parameters,
			coalesce(json_extract(d.doc, '$.Description'), '') AS database_description
		FROM tables t JOIN databases d ON d.name = t.db`,
		// The index's rowid of each table (a table's own rowid may change
		// when the file is vacuumed).
		`CREATE TABLE table_search_keys (
			id   INTEGER PRIMARY KEY,
			db   TEXT NOT NULL,
			name TEXT NOT NULL,
			UNIQUE (db, name)
		)`,
		`CREATE VIRTUAL TABLE table_search USING fts5 (
			name, description, columns, comments, classification, parameters, database, database_description,
			tokenize = 'porter unicode61 remove_diacritics 2'
		)`,
		`CREATE TRIGGER table_search_insert AFTER INSERT ON tables BEGIN
			INSERT INTO table_search_keys (db, name) VALUES (new.db, new.name);
			` + tableSearchFill + ` WHERE d.db = new.db AND d.name = new.name;
		END`,
		`CREATE TRIGGER table_search_update AFTER UPDATE OF doc ON tables BEGIN
			DELETE FROM table_search WHERE rowid = (SELECT id FROM table_search_keys WHERE db = old.db AND name = old.name);
			` + tableSearchFill + ` WHERE d.db = new.db AND d.name = new.name;
		END`,
		`CREATE TRIGGER table_search_delete AFTER DELETE ON tables BEGIN
			DELETE FROM table_search WHERE rowid = (SELECT id FROM table_search_keys WHERE db = old.db AND name = old.name);
			DELETE FROM table_search_keys WHERE db = old.db AND name = old.name;
		END`,
		`CREATE TRIGGER table_search_database AFTER UPDATE OF doc ON databases BEGIN
			DELETE FROM table_search WHERE rowid IN (SELECT id FROM table_search_keys WHERE db = new.name);
			` + tableSearchFill + ` WHERE d.db = new.name;
		END`,
		// Catalogs made before search get their index now.
		`INSERT INTO table_search_keys (db, name) SELECT db, name FROM tables`,
		tableSearchFill,
	}},
}

// tableSearchFill indexes the tables a WHERE clause appended to it names.
const tableSearchFill = `INSERT INTO table_search (rowid, name, description, columns, comments, classification, parameters, database, database_description)
	SELECT k.id, d.name, d.description, d.columns, d.comments, d.classification, d.parameters, d.db, d.database_description
	FROM table_search_docs d JOIN table_search_keys k ON k.db = d.db AND k.name = d.name`

// Errors about the catalog file that are the user's to fix.
var (
	// ErrNotCatalog: the file exists but is not a lakectl catalog, or is
	// damaged. The file is left untouched.
	ErrNotCatalog = errors.New("not a lakectl catalog")
	// ErrNoFolder: the folder the catalog file should be in does not exist.
	ErrNoFolder = errors.New("folder does not exist")
)

// Open opens the catalog file at path, creating it when it does not exist
// (its folder must exist). A file that is not a SQLite database, or is one
// that lakectl did not create, is reported and never written to.
func Open(ctx context.Context, path string) (*Catalog, error) {
	return OpenBusy(ctx, path, DefaultBusyTimeout)
}

// OpenBusy is Open with a busy timeout of its own: how long a write waits
// for another process's write transaction before it fails.
func OpenBusy(ctx context.Context, path string, busy time.Duration) (*Catalog, error) {
	return openBusy(ctx, path, busy, migrations)
}

func openBusy(ctx context.Context, path string, busy time.Duration, steps []migrate.Step) (*Catalog, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("catalog %s: %w", path, err)
	}
	if err := checkHeader(abs); err != nil {
		return nil, err
	}
	if err := writable(abs); err != nil {
		return nil, err
	}
	if fi, err := os.Stat(filepath.Dir(abs)); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("catalog %s: %w: %s", path, ErrNoFolder, filepath.Dir(abs))
	}
	db, err := sql.Open("sqlite", dsn(abs, busy))
	if err != nil {
		return nil, fmt.Errorf("catalog %s: %w", path, err)
	}
	c := &Catalog{db: db, path: abs, Now: time.Now, PageSize: pageSize, steps: steps}
	if err := c.init(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return c, nil
}

func dsn(path string, busy time.Duration) string {
	return fmt.Sprintf("file:%s?_pragma=busy_timeout(%d)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_txlock=immediate",
		escapePath(path), busy.Milliseconds())
}

func escapePath(path string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(filepath.ToSlash(path))
}

// emptyError is a catalog file that holds no catalog yet (an empty file:
// what a process killed while it made the catalog leaves), to a reader;
// the next command that writes makes the catalog there. It is an
// ErrNotCatalog.
type emptyError string

func (e emptyError) Error() string {
	return fmt.Sprintf("catalog %s: no catalog there yet: the file is empty (commands that write make one there: crawl, convert --register, catalog create-database)", string(e))
}

func (e emptyError) Is(target error) bool { return target == ErrNotCatalog }

// ErrReadOnly: the catalog can be read, not written (a file or folder
// without write permission, a read-only mount).
var ErrReadOnly = errors.New("read-only: lakectl may read it but not change it")

// OpenReadOnly opens an existing catalog to read it, changing nothing: for
// commands that only read, so that a catalog on a read-only mount, in a
// shared image or owned by another user can be read. Writes through it fail
// with ErrReadOnly.
func OpenReadOnly(ctx context.Context, path string) (*Catalog, error) {
	return openReadOnly(ctx, path, migrations)
}

func openReadOnly(ctx context.Context, path string, steps []migrate.Step) (*Catalog, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("catalog %s: %w", path, err)
	}
	if err := checkHeader(abs); err != nil {
		return nil, err
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("catalog %s: %w", path, err)
	}
	// A WAL database is read with the WAL index beside it; where that
	// cannot be made (no write permission on the folder), the file is read
	// as immutable, as it is on read-only media.
	var lastErr error
	for _, extra := range []string{"", "&immutable=1"} {
		db, err := sql.Open("sqlite", fmt.Sprintf("file:%s?mode=ro&_pragma=busy_timeout(%d)%s", escapePath(abs), DefaultBusyTimeout.Milliseconds(), extra))
		if err != nil {
			return nil, fmt.Errorf("catalog %s: %w", path, err)
		}
		c := &Catalog{db: db, path: abs, Now: time.Now, PageSize: pageSize, readOnly: true, steps: steps}
		version, err := c.checkSchema(ctx, db)
		if err == nil && version == 0 {
			err = emptyError(path)
		}
		if err == nil && version < migrate.Latest(steps) {
			db.Close()
			return upgradeThenRead(ctx, path, version, steps)
		}
		if err == nil {
			return c, nil
		}
		db.Close()
		if errors.Is(err, ErrNotCatalog) {
			return nil, err
		}
		lastErr = err
		// Immutable reading ignores the -wal file: only where it holds
		// nothing would the catalog read be complete.
		if fi, err := os.Stat(abs + "-wal"); err == nil && fi.Size() > 0 {
			return nil, fmt.Errorf("catalog %s: cannot be read without write permission on its folder while its -wal file holds changes not yet checkpointed (run any lakectl command that writes it where it may, once): %w", path, lastErr)
		}
	}
	return nil, lastErr
}

// upgradeThenRead brings a catalog an older lakectl wrote up to date, as
// any command that writes it would, and opens it to read.
func upgradeThenRead(ctx context.Context, path string, version int, steps []migrate.Step) (*Catalog, error) {
	w, err := openBusy(ctx, path, DefaultBusyTimeout, steps)
	if errors.Is(err, ErrReadOnly) {
		return nil, fmt.Errorf("catalog %s: written by an older lakectl (schema version %d; this one reads %d once it has upgraded the file, which it may not write): run lakectl once as a user who may write it: %w",
			path, version, migrate.Latest(steps), err)
	}
	if err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, w.fail("close", err)
	}
	return openReadOnly(ctx, path, steps)
}

// writable says why lakectl may not write the catalog file at path (nil
// when it may, or when the file does not exist yet).
func writable(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS) {
			return fmt.Errorf("catalog %s: %w (%v)", path, ErrReadOnly, err)
		}
		return nil // let SQLite say what is wrong
	}
	return f.Close()
}

// checkHeader refuses a non-empty file that does not start like a SQLite
// database, before SQLite gets a chance to touch it.
func checkHeader(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("catalog %s: %w", path, err)
	}
	defer f.Close()
	head := make([]byte, 16)
	n, err := io.ReadFull(f, head)
	if n == 0 && (err == io.EOF || err == nil) {
		return nil
	}
	if !bytes.Equal(head[:n], []byte("SQLite format 3\x00")) {
		return fmt.Errorf("catalog %s: %w: the file is not a SQLite database (left untouched)", path, ErrNotCatalog)
	}
	return nil
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// init checks that the file is a lakectl catalog and brings its schema up
// to date: all of it in a new (empty) file, the missing steps in one an
// older lakectl wrote. The common case, an up-to-date catalog, takes no
// write lock.
func (c *Catalog) init(ctx context.Context) error {
	version, err := c.checkSchema(ctx, c.db)
	if err != nil || version == migrate.Latest(c.steps) {
		return err
	}
	return c.write(ctx, func(tx *sql.Tx) error {
		// Another process may have migrated it since we looked.
		version, err := c.checkSchema(ctx, tx)
		if err != nil {
			return err
		}
		if version == 0 {
			if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA application_id = %d`, applicationID)); err != nil {
				return c.fail("create schema", err)
			}
		}
		_, err = migrate.Apply(ctx, c.steps, version,
			func(ctx context.Context, stmt string) error {
				_, err := tx.ExecContext(ctx, stmt)
				return err
			},
			func(ctx context.Context, s migrate.Step) error {
				_, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, s.Version))
				return err
			})
		return c.fail("migrate schema", err)
	})
}

// checkSchema returns the version of the catalog's schema (0 for a new,
// empty file), and an error when the file belongs to something else or to
// a newer lakectl.
func (c *Catalog) checkSchema(ctx context.Context, q querier) (int, error) {
	// One statement, so that the three are read from one snapshot: read
	// one by one, another process's creation committed in between made a
	// catalog look like another program's database (objects, no id yet).
	var appID, version, objects int
	if err := q.QueryRowContext(ctx, `SELECT (SELECT application_id FROM pragma_application_id), (SELECT user_version FROM pragma_user_version), (SELECT count(*) FROM sqlite_master)`).Scan(&appID, &version, &objects); err != nil {
		return 0, c.fail("open", err)
	}
	switch {
	case appID == applicationID:
		if _, err := migrate.Pending(c.steps, version); err != nil {
			return 0, fmt.Errorf("catalog %s: %w", c.path, err)
		}
		return version, nil
	case appID != 0 || objects > 0:
		return 0, fmt.Errorf("catalog %s: %w: it is a SQLite database of another program (left untouched)", c.path, ErrNotCatalog)
	}
	return 0, nil
}

// fail wraps an error of the SQLite layer with the catalog path; nil stays
// nil. Damage SQLite detects is reported as such.
func (c *Catalog) fail(op string, err error) error {
	if err == nil {
		return nil
	}
	var se *sqlitedriver.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
			return fmt.Errorf("catalog %s: %s: %w: the file is damaged (%v); restore it from a backup", c.path, op, ErrNotCatalog, err)
		}
	}
	return fmt.Errorf("catalog %s: %s: %w", c.path, op, err)
}

// Close releases the database handle.
func (c *Catalog) Close() error { return c.db.Close() }

func (c *Catalog) now() time.Time { return c.Now().UTC().Truncate(time.Second) }

// write runs fn in one write transaction (BEGIN IMMEDIATE, see dsn) and
// commits when fn succeeds.
func (c *Catalog) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if c.readOnly {
		return fmt.Errorf("catalog %s: %w", c.path, ErrReadOnly)
	}
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return c.fail("begin", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return c.fail("commit", tx.Commit())
}
