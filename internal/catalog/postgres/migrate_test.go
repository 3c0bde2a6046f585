package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/catalog/migrate"
	"github.com/lakectl/lakectl/internal/testenv"
)

// v1 is a catalog as the first lakectl with a PostgreSQL catalog made it,
// written out by hand ({s} is its schema): a catalog made by that lakectl
// must open in every later one.
var v1 = []string{
	`CREATE SCHEMA {s}`,
	`CREATE TABLE {s}.lakectl_migrations (
		version    integer PRIMARY KEY,
		name       text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`,
	`CREATE TABLE {s}.databases (name text COLLATE "C" PRIMARY KEY, doc jsonb NOT NULL)`,
	`CREATE TABLE {s}.tables (
		db text COLLATE "C" NOT NULL REFERENCES {s}.databases (name) ON DELETE CASCADE,
		name text COLLATE "C" NOT NULL, version bigint NOT NULL, doc jsonb NOT NULL,
		PRIMARY KEY (db, name))`,
	`CREATE TABLE {s}.table_versions (
		db text COLLATE "C" NOT NULL, name text COLLATE "C" NOT NULL, version bigint NOT NULL, doc jsonb NOT NULL,
		PRIMARY KEY (db, name, version),
		FOREIGN KEY (db, name) REFERENCES {s}.tables (db, name) ON DELETE CASCADE)`,
	`CREATE TABLE {s}.partitions (
		db text COLLATE "C" NOT NULL, tbl text COLLATE "C" NOT NULL, vals text COLLATE "C" NOT NULL, doc jsonb NOT NULL,
		PRIMARY KEY (db, tbl, vals),
		FOREIGN KEY (db, tbl) REFERENCES {s}.tables (db, name) ON DELETE CASCADE)`,
	`INSERT INTO {s}.lakectl_migrations (version, name) VALUES (1, 'databases, tables, table versions, partitions')`,
	`INSERT INTO {s}.databases VALUES ('sales', '{"Name":"sales","Description":"made by the first lakectl","CreateTime":"2025-01-02T03:04:05Z"}')`,
	`INSERT INTO {s}.tables VALUES ('sales', 'orders', 2, '{"Name":"orders","DatabaseName":"sales","CreateTime":"2025-01-02T03:04:05Z","UpdateTime":"2025-01-03T00:00:00Z","Retention":0,"StorageDescriptor":{"Columns":[{"Name":"id","Type":"bigint"}],"Compressed":false},"PartitionKeys":[{"Name":"day","Type":"string"}],"TableType":"EXTERNAL_TABLE","VersionId":"2"}')`,
	`INSERT INTO {s}.table_versions VALUES ('sales', 'orders', 1, '{"Name":"orders","DatabaseName":"sales","CreateTime":"2025-01-02T03:04:05Z","UpdateTime":"2025-01-02T03:04:05Z","Retention":0,"StorageDescriptor":{"Columns":[],"Compressed":false},"PartitionKeys":[{"Name":"day","Type":"string"}],"TableType":"EXTERNAL_TABLE","VersionId":"1"}')`,
	`INSERT INTO {s}.partitions VALUES ('sales', 'orders', '["2025-01-02"]', '{"DatabaseName":"sales","TableName":"orders","Values":["2025-01-02"],"CreationTime":"2025-01-02T03:04:05Z","StorageDescriptor":{"Columns":null,"Compressed":false}}')`,
}

// server connects to the test server, to make and inspect schemas by hand.
func server(t *testing.T) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), testenv.URL(t, "LAKECTL_TEST_POSTGRES_URL"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// handMade makes a schema with the statements given and returns its
// catalog URI and name.
func handMade(t *testing.T, stmts ...string) (uri, schema string) {
	t.Helper()
	uri = testenv.PostgresCatalog(t)
	schema = uri[strings.LastIndex(uri, "schema=")+len("schema="):]
	conn := server(t)
	for _, s := range stmts {
		if _, err := conn.Exec(t.Context(), strings.ReplaceAll(s, "{s}", schema)); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	return uri, schema
}

// dump is a schema's tables, columns, constraints, indexes and recorded
// migrations as text, its name replaced by S, to compare two schemas.
func dump(t *testing.T, schema string) string {
	t.Helper()
	rows, err := server(t).Query(t.Context(), `
		SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || coalesce(collation_name, '-') || ' ' || is_nullable
		FROM information_schema.columns WHERE table_schema = $1
		UNION ALL
		SELECT 'constraint ' || conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
		FROM pg_constraint WHERE connamespace = $1::regnamespace
		UNION ALL
		SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = $1
		UNION ALL
		SELECT 'relation ' || relname || ' ' || relkind::text FROM pg_class WHERE relnamespace = $1::regnamespace
		UNION ALL
		SELECT 'trigger ' || pg_get_triggerdef(oid) FROM pg_trigger
		WHERE NOT tgisinternal AND tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace = $1::regnamespace)
		UNION ALL
		SELECT 'function ' || oid::regprocedure::text || ' ' || md5(replace(prosrc, $1, 'S')) FROM pg_proc WHERE pronamespace = $1::regnamespace
		ORDER BY 1`, schema)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	var versions []string
	var recorded bool
	if err := server(t).QueryRow(t.Context(), `SELECT to_regclass($1) IS NOT NULL`, schema+".lakectl_migrations").Scan(&recorded); err != nil {
		t.Fatal(err)
	}
	if recorded {
		rows, err = server(t).Query(t.Context(), fmt.Sprintf(`SELECT version || ' ' || name FROM %s.lakectl_migrations ORDER BY version`, schema))
		if err == nil {
			versions, err = pgx.CollectRows(rows, pgx.RowTo[string])
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return strings.ReplaceAll(strings.Join(append(lines, versions...), "\n"), schema, "S")
}

// A catalog the first lakectl made opens, to read and to write, its
// objects read as they were, and its schema ends as a new catalog's is.
func TestVersion1CatalogOpens(t *testing.T) {
	ctx := t.Context()
	uri, schema := handMade(t, v1...)
	r, err := OpenExisting(ctx, uri)
	if err != nil {
		t.Fatalf("reading a version 1 catalog: %v", err)
	}
	tb, err := r.GetTable(ctx, "sales", "orders")
	r.Close()
	if err != nil || tb.VersionID != 2 || tb.StorageDescriptor.Columns[0].Name != "id" {
		t.Fatalf("GetTable = %+v, %v", tb, err)
	}
	c, err := Open(ctx, uri)
	if err != nil {
		t.Fatalf("opening a version 1 catalog: %v", err)
	}
	defer c.Close()
	if db, err := c.GetDatabase(ctx, "sales"); err != nil || db.Description != "made by the first lakectl" {
		t.Fatalf("GetDatabase = %+v, %v", db, err)
	}
	if _, err := c.GetPartition(ctx, "sales", "orders", []string{"2025-01-02"}); err != nil {
		t.Errorf("GetPartition: %v", err)
	}
	// Its tables are indexed for search by the migration, the database's
	// description with them.
	for _, text := range []string{"orders", "first lakectl", "day", "ord*"} {
		hits, err := catalog.SearchTables(ctx, c, catalog.SearchQuery{Text: text})
		if err != nil || len(hits) != 1 || hits[0].Table != "orders" {
			t.Errorf("search %q in a version 1 catalog: %+v, %v", text, hits, err)
		}
	}
	if _, err := catalog.UpdateTableFunc(ctx, c, "sales", "orders", func(t *catalog.Table) error { t.Description = "now"; return nil }); err != nil {
		t.Errorf("updating a table of a version 1 catalog: %v", err)
	}
	n := 0
	for _, err := range c.ListTableVersions(ctx, "sales", "orders") {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 3 {
		t.Errorf("%d versions, want 3", n)
	}

	fresh := testenv.PostgresCatalog(t)
	f := open(t, fresh, migrations)
	if got, want := dump(t, schema), dump(t, f.schema); got != want {
		t.Errorf("an upgraded catalog differs from a new one:\nupgraded:\n%s\nnew:\n%s", got, want)
	}
}

func open(t *testing.T, uri string, steps []migrate.Step) *Catalog {
	t.Helper()
	c, err := openWith(t.Context(), uri, false, steps)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func openWith(ctx context.Context, uri string, mustExist bool, steps []migrate.Step) (*Catalog, error) {
	return openSteps(ctx, uri, mustExist, steps)
}

// A catalog a newer lakectl wrote is refused, to write and to read, and
// left as it was.
func TestNewerCatalogIsRefused(t *testing.T) {
	future := migrate.Latest(migrations) + 1
	uri, schema := handMade(t, append(append([]string{}, v1...), fmt.Sprintf(`INSERT INTO {s}.lakectl_migrations (version, name) VALUES (%d, 'from the future')`, future))...)
	before := dump(t, schema)
	for name, mustExist := range map[string]bool{"Open": false, "OpenExisting": true} {
		c, err := openWith(t.Context(), uri, mustExist, migrations)
		if err == nil {
			c.Close()
		}
		if want := fmt.Sprintf("written by a newer lakectl (schema version %d; this one knows up to %d)", future, future-1); !errors.Is(err, migrate.ErrTooNew) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s of a newer catalog: %v, want ErrTooNew naming both versions", name, err)
		}
	}
	if after := dump(t, schema); after != before {
		t.Errorf("the newer catalog was changed:\n%s\nnow:\n%s", before, after)
	}
}

// Sixteen processes open a catalog at once: one that does not exist yet,
// and one an older lakectl made that needs a later step (one made up for
// the test). Each step runs once; no process fails.
func TestConcurrentOpensMigrateOnce(t *testing.T) {
	const n = 16
	later := append(append([]migrate.Step{}, migrations...), migrate.Step{Version: migrate.Latest(migrations) + 1, Name: "test: a table of notes", SQL: []string{
		`CREATE TABLE {s}.notes (text text NOT NULL)`,
		`INSERT INTO {s}.notes VALUES ('migrated')`,
	}})
	newURI := testenv.PostgresCatalog(t)
	oldURI, oldSchema := handMade(t, v1...)
	for _, tc := range []struct {
		name  string
		uri   string
		steps []migrate.Step
	}{{"new", newURI, migrations}, {"old", oldURI, later}} {
		t.Run(tc.name, func(t *testing.T) {
			var wg sync.WaitGroup
			errs := make(chan error, n)
			for range n {
				wg.Go(func() {
					c, err := openWith(t.Context(), tc.uri, false, tc.steps)
					if err == nil {
						err = c.CreateDatabase(t.Context(), catalog.Database{Name: "d"})
						if errors.Is(err, catalog.ErrAlreadyExists) {
							err = nil
						}
						c.Close()
					}
					errs <- err
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
	newSchema := newURI[strings.LastIndex(newURI, "=")+1:]
	last := migrations[len(migrations)-1]
	if got := dump(t, newSchema); !strings.HasSuffix(got, fmt.Sprintf("\n%d %s", last.Version, last.Name)) {
		t.Errorf("the new catalog's migrations:\n%s", got)
	}
	var notes int
	if err := server(t).QueryRow(t.Context(), fmt.Sprintf(`SELECT count(*) FROM %s.notes`, oldSchema)).Scan(&notes); err != nil || notes != 1 {
		t.Errorf("the later step ran %d times (%v), want once", notes, err)
	}
}

// A schema an administrator made for the catalog, empty, is used; one
// that holds other tables is refused and left alone; a reader never makes
// one.
func TestExistingSchemas(t *testing.T) {
	emptyURI, _ := handMade(t, `CREATE SCHEMA {s}`)
	open(t, emptyURI, migrations)

	otherURI, other := handMade(t, `CREATE SCHEMA {s}`, `CREATE TABLE {s}.invoices (id int)`)
	before := dump(t, other)
	_, err := Open(t.Context(), otherURI)
	if !errors.Is(err, ErrNotCatalog) || !strings.Contains(err.Error(), "holds tables that are not a lakectl catalog's (invoices)") {
		t.Errorf("a schema of other tables: %v, want ErrNotCatalog", err)
	}
	if after := dump(t, other); after != before {
		t.Errorf("the other schema was changed:\n%s", after)
	}

	missingURI := testenv.PostgresCatalog(t)
	missing := missingURI[strings.LastIndex(missingURI, "=")+1:]
	_, err = OpenExisting(t.Context(), missingURI)
	if !errors.Is(err, ErrNotCatalog) || !strings.Contains(err.Error(), "no catalog there yet") {
		t.Errorf("reading a catalog that is not there: %v", err)
	}
	var exists bool
	if err := server(t).QueryRow(t.Context(), `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, missing).Scan(&exists); err != nil || exists {
		t.Errorf("a reader made schema %s (%v)", missing, err)
	}
}
