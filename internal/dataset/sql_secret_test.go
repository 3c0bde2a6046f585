package dataset

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/redact"
	"github.com/lakectl/lakectl/internal/secret"
)

type parameters map[string]string

func (p parameters) Parameter(_ context.Context, name string) (string, error) {
	if v, ok := p[name]; ok {
		return v, nil
	}
	return "", fmt.Errorf("%w: no such parameter", secret.ErrUnavailable)
}

// TestDatabasePasswordReferences: a database URI's password=env:VAR,
// file:PATH and ssm:/path read the password where it is kept, as the older
// password_env= and password_file= still do; the password reaches the
// driver's connection string and never the display form, and the
// resolver's redactor learns it.
func TestDatabasePasswordReferences(t *testing.T) {
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwFile, []byte("file-Pw7\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	known := &redact.Secrets{}
	r := &secret.Resolver{
		Getenv:     func(k string) string { return map[string]string{"PGPW": "env-Pw7"}[k] },
		Parameters: parameters{"/lake/db/password": "ssm-Pw7"},
		Known:      known,
	}
	ctx := t.Context()
	for query, want := range map[string]string{
		"password=env:PGPW":              "env-Pw7",
		"password=file:" + pwFile:        "file-Pw7",
		"password=ssm:/lake/db/password": "ssm-Pw7",
		"password_env=PGPW":              "env-Pw7",
		"password_file=" + pwFile:        "file-Pw7",
	} {
		for _, base := range []string{"postgres://ann@db:5432/lake?table=public.orders&", "mysql://ann@tcp(db:3306)/lake?table=orders&"} {
			s, err := ParseDatabaseURI(ctx, base+query, "", r)
			if err != nil {
				t.Errorf("%s: %v", query, err)
				continue
			}
			if !strings.Contains(s.dsn, want) || strings.Contains(s.dsn, "password=") || strings.Contains(s.dsn, "env:") {
				t.Errorf("%s%s: connection string %q, want the password %q", base, query, s.dsn, want)
			}
			if strings.Contains(s.Display, "Pw7") || !strings.Contains(s.Display, ":"+redact.Mask+"@") {
				t.Errorf("%s: display %q", query, s.Display)
			}
			if shown := known.Text("connect: password " + want + " refused"); strings.Contains(shown, "Pw7") {
				t.Errorf("%s: the redactor does not know the password: %s", query, shown)
			}
		}
	}
	// A password= that is no reference is the password, as pgx takes it.
	s, err := ParseDatabaseURI(ctx, "postgres://ann@db/lake?table=t&password=plain-Pw7", "", r)
	if err != nil || !strings.Contains(s.dsn, "password=plain-Pw7") {
		t.Errorf("a literal password=: %v, %v", s, err)
	}

	for uri, wantErr := range map[string]error{
		"postgres://ann@db/lake?table=t&password=env:UNSET":                  secret.ErrUnavailable,
		"postgres://ann@db/lake?table=t&password=ssm:/no/such":               secret.ErrUnavailable,
		"postgres://ann@db/lake?table=t&password=env:1BAD":                   catalog.ErrInvalid,
		"postgres://ann@db/lake?table=t&password=env:PGPW&password_env=PGPW": catalog.ErrInvalid,
	} {
		if _, err := ParseDatabaseURI(ctx, uri, "", r); !errors.Is(err, wantErr) || !strings.Contains(err.Error(), "database URI: password") {
			t.Errorf("%s: %v, want %v", uri, err, wantErr)
		}
	}
}
