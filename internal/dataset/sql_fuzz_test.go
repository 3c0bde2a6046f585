package dataset

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/internal/secret"
)

// FuzzDatabaseURIRedaction: a password given in a database URI (as
// written or percent-encoded) or through password=env:VAR or password_env never shows in the
// parsed source's display form, in its formatted value, in a parse error,
// or in a driver error redacted by the source — not even in the encoded
// form the connection string carries.
func FuzzDatabaseURIRedaction(f *testing.F) {
	f.Add("postgres", "ann", "s3cret", "db.example.com:5432", "public.orders", false, false)
	f.Add("postgresql", "ann", "p@ss:w/rd?x=1#y", "localhost", "orders", true, false)
	f.Add("postgres", "ann", "with space+plus", "localhost", "orders", true, false)
	f.Add("postgres", "ann", "100%sure", "localhost", "orders", false, false)
	f.Add("mysql", "root", "hunter2;", "tcp(localhost:3306)", "orders", false, false)
	f.Add("mysql", "root", "from-env", "tcp(localhost:3306)", "orders", false, true)
	f.Add("postgres", "ann", "héllo wörld", "localhost", "", false, false)
	f.Add("mysql", "ann", "a&b=c", "tcp(h:1)", "t", true, false)
	f.Fuzz(func(t *testing.T, scheme, user, password, host, table string, encode, fromEnv bool) {
		if scheme != "postgres" && scheme != "postgresql" && scheme != "mysql" {
			scheme = "postgres"
		}
		// The password carries a mark no other part of the URI holds, so
		// that finding it anywhere is a leak, not a user or host that
		// happens to spell it.
		password = "Pw7" + password
		if strings.Contains(user+host+table, "Pw7") || strings.ContainsAny(user, ":@/?") || strings.ContainsAny(host, "@/?") || strings.ContainsAny(table, "&#") {
			return
		}
		uri := scheme + "://" + user + ":"
		switch {
		case fromEnv && len(password)%2 == 0:
			uri += "@" + host + "/db?password=env:DB_PASSWORD&table=" + url.QueryEscape(table)
		case fromEnv:
			uri += "@" + host + "/db?password_env=DB_PASSWORD&table=" + url.QueryEscape(table)
		case encode:
			uri += url.PathEscape(password) + "@" + host + "/db?table=" + url.QueryEscape(table)
		default:
			uri += password + "@" + host + "/db?table=" + url.QueryEscape(table)
		}
		getenv := func(k string) string {
			if k == "DB_PASSWORD" {
				return password
			}
			return ""
		}
		leaks := func(what, s string) {
			t.Helper()
			quoted := strconv.Quote(password)
			for _, form := range []string{password, url.QueryEscape(password), url.PathEscape(password), strings.TrimPrefix(url.UserPassword("", password).String(), ":"), quoted[1 : len(quoted)-1]} {
				if strings.Contains(s, form) {
					t.Fatalf("%s of %q shows the password %q: %s", what, uri, password, s)
				}
			}
		}
		s, err := ParseDatabaseURI(t.Context(), uri, "", &secret.Resolver{Getenv: getenv})
		if err != nil {
			leaks("the parse error", err.Error())
			return
		}
		if !strings.Contains(s.dsn, password) && !strings.Contains(s.dsn, strings.TrimPrefix(url.UserPassword("", password).String(), ":")) {
			return // the URI did not read as holding this password
		}
		leaks("the display form", s.Display)
		leaks("the formatted source", fmt.Sprintf("%v %+v %s %#v", s, s, s, s))
		leaks("a redacted driver error", s.Redact(fmt.Errorf("cannot connect to %s (password %s)", s.dsn, password)).Error())
		if !errors.Is(s.Redact(errors.New("x")), ErrDatabase) {
			t.Fatal("a redacted error is not ErrDatabase")
		}
	})
}
