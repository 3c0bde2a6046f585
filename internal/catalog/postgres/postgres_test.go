package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/catalog/catalogtest"
	"github.com/lakectl/lakectl/internal/catalog/postgres"
	"github.com/lakectl/lakectl/internal/testenv"
)

func open(t *testing.T, uri string) *postgres.Catalog {
	t.Helper()
	c, err := postgres.Open(t.Context(), uri)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestConformance(t *testing.T) {
	catalogtest.Run(t, func(t *testing.T) catalog.Catalog {
		return open(t, testenv.PostgresCatalog(t))
	})
}

// Sixteen processes (here: sixteen catalogs, each with connections of its
// own, as processes on different machines would have) edit different
// columns of one table at once: every edit lands, each as a version.
func TestConcurrentWritersEachWithTheirOwnConnections(t *testing.T) {
	const n = 16
	uri := testenv.PostgresCatalog(t)
	first := open(t, uri)
	ctx := t.Context()
	tb := catalog.Table{DatabaseName: "lake", Name: "shared"}
	for i := range n {
		tb.StorageDescriptor.Columns = append(tb.StorageDescriptor.Columns, catalog.Column{Name: fmt.Sprintf("c%02d", i), Type: "string"})
	}
	if err := first.CreateDatabase(ctx, catalog.Database{Name: "lake"}); err != nil {
		t.Fatal(err)
	}
	if err := first.CreateTable(ctx, tb); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		wg.Go(func() {
			c, err := postgres.Open(ctx, uri)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			_, err = catalog.UpdateTableFunc(ctx, c, "lake", "shared", func(t *catalog.Table) error {
				t.Column(fmt.Sprintf("c%02d", i)).Comment = fmt.Sprintf("comment %02d", i)
				return nil
			})
			errs <- err
			errs <- c.CreateTable(ctx, catalog.Table{DatabaseName: "lake", Name: fmt.Sprintf("t%02d", i)})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	got, err := first.GetTable(ctx, "lake", "shared")
	if err != nil {
		t.Fatal(err)
	}
	for i, col := range got.StorageDescriptor.Columns {
		if want := fmt.Sprintf("comment %02d", i); col.Comment != want {
			t.Errorf("column %s: comment %q, want %q (an edit was lost)", col.Name, col.Comment, want)
		}
	}
	versions := 0
	for _, err := range first.ListTableVersions(ctx, "lake", "shared") {
		if err != nil {
			t.Fatal(err)
		}
		versions++
	}
	if got.VersionID != n+1 || versions != n+1 {
		t.Errorf("version %d with %d versions kept, want %d of each", got.VersionID, versions, n+1)
	}
	tables := 0
	for _, err := range first.ListTables(ctx, "lake") {
		if err != nil {
			t.Fatal(err)
		}
		tables++
	}
	if tables != n+1 {
		t.Errorf("%d tables, want %d", tables, n+1)
	}
}

// Several catalogs share a database, each in its schema.
func TestSchemasAreSeparateCatalogs(t *testing.T) {
	a, b := open(t, testenv.PostgresCatalog(t)), open(t, testenv.PostgresCatalog(t))
	if err := a.CreateDatabase(t.Context(), catalog.Database{Name: "only_in_a"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.GetDatabase(t.Context(), "only_in_a"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("catalog b sees a's database: %v", err)
	}
}

// A text PostgreSQL cannot store (a NUL character) is the caller's
// mistake, not a failure of the catalog.
func TestNULIsInvalid(t *testing.T) {
	c := open(t, testenv.PostgresCatalog(t))
	err := c.CreateDatabase(t.Context(), catalog.Database{Name: "d", Description: "a\x00b"})
	if !errors.Is(err, catalog.ErrInvalid) {
		t.Errorf("CreateDatabase with a NUL in its description: %v, want ErrInvalid", err)
	}
}

func TestURIMistakes(t *testing.T) {
	base := testenv.URL(t, "LAKECTL_TEST_POSTGRES_URL")
	for _, tc := range []struct{ query, want string }{
		{"schema=Bad-Name", `schema "Bad-Name": want lowercase letters, digits and _`},
		{"schema=pg_catalog", `schema "pg_catalog"`},
		{"search_path=x", "name the catalog's schema with schema=NAME, not search_path"},
	} {
		_, err := postgres.Open(t.Context(), base+"?"+tc.query)
		if !errors.Is(err, catalog.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("?%s: %v, want ErrInvalid saying %q", tc.query, err, tc.want)
		}
	}
}

// No error says the password, whether the server refuses it or cannot be
// reached.
func TestPasswordIsNeverPrinted(t *testing.T) {
	base := testenv.URL(t, "LAKECTL_TEST_POSTGRES_URL")
	const secret = "Wr0ng-pa55word"
	wrong := strings.Replace(base, "lakectl-test-pw", secret, 1)
	if wrong == base {
		t.Fatalf("LAKECTL_TEST_POSTGRES_URL does not hold the test password")
	}
	_, err := postgres.Open(t.Context(), wrong)
	if !errors.Is(err, postgres.ErrRefused) {
		t.Errorf("a wrong password: %v, want ErrRefused", err)
	}
	if err == nil || strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), "xxxxx") {
		t.Errorf("a wrong password: %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	_, err = postgres.Open(ctx, "postgres://alice:"+secret+"@127.0.0.1:1/db?connect_timeout=2")
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("an unreachable server: %v", err)
	}
	_, err = postgres.Open(ctx, "postgres://alice:"+secret+"@127.0.0.1:1/db?sslmode=nonsense")
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("a bad parameter: %v", err)
	}
}
