package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// PostgresCatalog is the URI of a new, empty catalog on the test
// PostgreSQL server: a schema no one else uses, dropped when the test ends.
func PostgresCatalog(t testing.TB) string {
	t.Helper()
	uri, drop := NewPostgresSchema(URL(t, "LAKECTL_TEST_POSTGRES_URL"))
	t.Cleanup(func() {
		if err := drop(); err != nil {
			t.Errorf("dropping the test catalog's schema: %v", err)
		}
	})
	return uri
}

// NewPostgresSchema names a new schema on the server at base (a
// postgres:// URI), as the URI of a catalog in it, and returns a function
// that drops that schema with all it holds. Nothing is made until the
// catalog is opened.
func NewPostgresSchema(base string) (uri string, drop func() error) {
	b := make([]byte, 6)
	rand.Read(b)
	schema := "test_" + hex.EncodeToString(b)
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "schema=" + schema, func() error {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
		return err
	}
}
