package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/catalog/migrate"
)

// v1 is the catalog file as the first lakectl made it, written out by
// hand: a catalog made by that lakectl must open in every later one.
var v1 = []string{
	`PRAGMA journal_mode = WAL`,
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
	`PRAGMA application_id = 1280000852`,
	`PRAGMA user_version = 1`,
	`INSERT INTO databases VALUES ('sales', '{"Name":"sales","Description":"made by lakectl 1","CreateTime":"2025-01-02T03:04:05Z"}')`,
	`INSERT INTO tables VALUES ('sales', 'orders', 2, '{"Name":"orders","DatabaseName":"sales","CreateTime":"2025-01-02T03:04:05Z","UpdateTime":"2025-01-03T00:00:00Z","Retention":0,"StorageDescriptor":{"Columns":[{"Name":"id","Type":"bigint"}],"Compressed":false},"PartitionKeys":[{"Name":"day","Type":"string"}],"TableType":"EXTERNAL_TABLE","VersionId":"2"}')`,
	`INSERT INTO table_versions VALUES ('sales', 'orders', 1, '{"Name":"orders","DatabaseName":"sales","CreateTime":"2025-01-02T03:04:05Z","UpdateTime":"2025-01-02T03:04:05Z","Retention":0,"StorageDescriptor":{"Columns":[],"Compressed":false},"PartitionKeys":[{"Name":"day","Type":"string"}],"TableType":"EXTERNAL_TABLE","VersionId":"1"}')`,
	`INSERT INTO partitions VALUES ('sales', 'orders', '["2025-01-02"]', '{"DatabaseName":"sales","TableName":"orders","Values":["2025-01-02"],"CreationTime":"2025-01-02T03:04:05Z","StorageDescriptor":{"Columns":null,"Compressed":false}}')`,
}

func handMade(t *testing.T, stmts []string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "catalog.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	return path
}

// schemaOf is the file's schema as SQLite keeps it, and its version.
func schemaOf(t *testing.T, path string) (string, int) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT type, name, coalesce(sql, '') FROM sqlite_master ORDER BY type, name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var typ, name, text string
		if err := rows.Scan(&typ, &name, &text); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s %s: %s\n", typ, name, strings.Join(strings.Fields(text), " "))
	}
	var version int
	if err := db.QueryRow(`PRAGMA user_version`).Scan(&version); err != nil {
		t.Fatal(err)
	}
	return b.String(), version
}

// A catalog the first lakectl made opens, its objects read as they were,
// it takes changes, and its schema ends as a new catalog's is.
func TestVersion1CatalogOpens(t *testing.T) {
	ctx := t.Context()
	old := handMade(t, v1)
	r, err := OpenReadOnly(ctx, old)
	if err != nil {
		t.Fatalf("reading a version 1 catalog: %v", err)
	}
	tb, err := r.GetTable(ctx, "sales", "orders")
	r.Close()
	if err != nil || tb.VersionID != 2 || tb.StorageDescriptor.Columns[0].Name != "id" {
		t.Fatalf("GetTable = %+v, %v", tb, err)
	}

	c, err := Open(ctx, old)
	if err != nil {
		t.Fatalf("opening a version 1 catalog: %v", err)
	}
	defer c.Close()
	db, err := c.GetDatabase(ctx, "sales")
	if err != nil || db.Description != "made by lakectl 1" {
		t.Fatalf("GetDatabase = %+v, %v", db, err)
	}
	var versions []int64
	for v, err := range c.ListTableVersions(ctx, "sales", "orders") {
		if err != nil {
			t.Fatal(err)
		}
		versions = append(versions, v.VersionID)
	}
	if !reflect.DeepEqual(versions, []int64{2, 1}) {
		t.Errorf("versions %v, want [2 1]", versions)
	}
	if _, err := c.GetPartition(ctx, "sales", "orders", []string{"2025-01-02"}); err != nil {
		t.Errorf("GetPartition: %v", err)
	}
	// Its tables are in the search index the upgrade made.
	if hits, err := c.SearchTables(ctx, catalog.SearchQuery{Text: "orders"}); err != nil || len(hits) != 1 || hits[0].Table != "orders" {
		t.Errorf("search of an upgraded catalog: %+v, %v", hits, err)
	}
	if hits, err := c.SearchTables(ctx, catalog.SearchQuery{Text: "lakectl"}); err != nil || len(hits) != 1 {
		t.Errorf("search by the database's description in an upgraded catalog: %+v, %v", hits, err)
	}
	if _, err := catalog.UpdateTableFunc(ctx, c, "sales", "orders", func(t *catalog.Table) error { t.Description = "now"; return nil }); err != nil {
		t.Errorf("updating a table of a version 1 catalog: %v", err)
	}
	if err := c.DeleteDatabase(ctx, "sales"); err != nil {
		t.Errorf("deleting: %v", err)
	}

	fresh, err := Open(ctx, filepath.Join(t.TempDir(), "fresh.db"))
	if err != nil {
		t.Fatal(err)
	}
	fresh.Close()
	gotSchema, gotVersion := schemaOf(t, old)
	wantSchema, wantVersion := schemaOf(t, fresh.path)
	if gotSchema != wantSchema || gotVersion != wantVersion {
		t.Errorf("an upgraded catalog differs from a new one:\nupgraded (version %d):\n%s\nnew (version %d):\n%s", gotVersion, gotSchema, wantVersion, wantSchema)
	}
}

// A catalog written by a newer lakectl is refused, to write and to read,
// and its file is left as it was.
func TestNewerCatalogIsRefused(t *testing.T) {
	newer := handMade(t, append(append([]string{}, v1...), fmt.Sprintf(`PRAGMA user_version = %d`, migrate.Latest(migrations)+1)))
	before, _ := os.ReadFile(newer)
	for name, open := range map[string]func(context.Context, string) (*Catalog, error){"Open": Open, "OpenReadOnly": OpenReadOnly} {
		c, err := open(t.Context(), newer)
		if err == nil {
			c.Close()
		}
		if !errors.Is(err, migrate.ErrTooNew) || !strings.Contains(err.Error(), fmt.Sprintf("written by a newer lakectl (schema version %d; this one knows up to %d)", migrate.Latest(migrations)+1, migrate.Latest(migrations))) {
			t.Errorf("%s of a newer catalog: %v, want ErrTooNew naming both versions", name, err)
		}
	}
	if after, _ := os.ReadFile(newer); string(after) != string(before) {
		t.Error("the newer catalog was changed")
	}
}

// A later step (here one made up for the test) is applied to a catalog
// an older lakectl made, once, by a writer or by a reader that may write
// the file; a reader that may not write it says why it cannot read it.
func TestLaterStepUpgradesOldCatalog(t *testing.T) {
	ctx := t.Context()
	steps := laterSteps()
	check := func(path string) {
		t.Helper()
		schema, version := schemaOf(t, path)
		if version != migrate.Latest(migrations)+1 || !strings.Contains(schema, "table notes") {
			t.Errorf("after the upgrade: version %d, schema\n%s", version, schema)
		}
	}

	path := handMade(t, v1)
	c, err := openReadOnly(ctx, path, steps)
	if err != nil {
		t.Fatalf("reading an old catalog: %v", err)
	}
	if _, err := c.GetTable(ctx, "sales", "orders"); err != nil {
		t.Error(err)
	}
	c.Close()
	check(path)
	for range 2 { // the second open finds nothing to do
		c, err := openBusy(ctx, path, DefaultBusyTimeout, steps)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := c.db.QueryRowContext(ctx, `SELECT count(*) FROM notes`).Scan(&n); err != nil || n != 1 {
			t.Errorf("notes: %d rows, %v: the step ran %d times", n, err, n)
		}
		c.Close()
	}
	check(path)

}

// laterSteps are the catalog's migrations and one more, made up for the
// tests.
func laterSteps() []migrate.Step {
	return append(append([]migrate.Step{}, migrations...), migrate.Step{Version: migrate.Latest(migrations) + 1, Name: "test: a table of notes", SQL: []string{
		`CREATE TABLE notes (text TEXT NOT NULL)`,
		`INSERT INTO notes VALUES ('migrated')`,
	}})
}

// A reader that may not write an old catalog cannot upgrade it, and says
// so, leaving it as it was. Run as another user (nobody), which needs root.
func TestOldCatalogLakectlMayNotWrite(t *testing.T) {
	if path := os.Getenv("LAKECTL_OLD_READONLY_CATALOG"); path != "" {
		if _, err := openReadOnly(t.Context(), path, laterSteps()); !errors.Is(err, ErrReadOnly) || !strings.Contains(err.Error(), "written by an older lakectl (schema version 1") {
			t.Errorf("reading an old catalog lakectl may not write: %v", err)
		}
		return
	}
	if os.Geteuid() != 0 {
		t.Skip("running a part as another user needs root (CI runs as root)")
	}
	path := handMade(t, v1)
	dir := filepath.Dir(path)
	os.Chmod(filepath.Dir(dir), 0o755)
	os.Chmod(dir, 0o755)
	os.Chmod(path, 0o644)
	before, _ := os.ReadFile(path)
	bin := filepath.Join(dir, "sqlite.test")
	copyFile(t, os.Args[0], bin)
	cmd := exec.Command(bin, "-test.run=^TestOldCatalogLakectlMayNotWrite$", "-test.v")
	cmd.Env = append(os.Environ(), "LAKECTL_OLD_READONLY_CATALOG="+path)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("as nobody: %v\n%s", err, out)
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Error("the old catalog was changed")
	}
}
