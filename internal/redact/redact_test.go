package redact

import (
	"net/url"
	"strings"
	"testing"
)

func TestText(t *testing.T) {
	for in, want := range map[string]string{
		`catalog "postgres://alice:s3cret@db:5432/lake": unknown scheme`: `catalog "postgres://alice:xxxxx@db:5432/lake": unknown scheme`,
		"mysql://bob:p%40ss@tcp(h:3306)/x?table=t":                       "mysql://bob:xxxxx@tcp(h:3306)/x?table=t",
		"s3://bucket/key@1 and file:///a:b@c":                            "s3://bucket/key@1 and file:///a:b@c",
		"no uri here":                                                    "no uri here",
		"postgres://carol@host/db":                                       "postgres://carol@host/db",
		"x postgres://u:a@b@host/db y":                                   "x postgres://u:xxxxx@host/db y",
		"postgres://alice:se#cret@host/db":                               "postgres://alice:xxxxx@host/db",
		"postgres://alice:p/w?x@host/db: refused":                        "postgres://alice:xxxxx@host/db: refused",
		"postgres://alice:p w@host/db":                                   "postgres://alice:xxxxx@host/db",
		"http://127.0.0.1:9000/bucket":                                   "http://127.0.0.1:9000/bucket",
		"postgres://u@h:1/db?password=s3cretpw&schema=Bad":               "postgres://u@h:1/db?password=xxxxx&schema=Bad",
		"postgres://u@h/db?schema=a&PASSWORD=pw%20x":                     "postgres://u@h/db?schema=a&PASSWORD=xxxxx",
		"host=h sslpassword=k&x":                                         "host=h sslpassword=k&x",
	} {
		if got := Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzText: a password put in a URI — escaped the way pgx and net/url
// write it (url.UserPassword), or raw as a user types it — never survives
// Text, whatever surrounds it.
func FuzzText(f *testing.F) {
	f.Add("alice", "s3cret", "host:5432/db", "catalog ", ": unknown scheme")
	f.Add("u", "p@ss word/?#", "h/d?x=1", "", "")
	f.Add("u", "with space", "h", "(", ")")
	f.Add("alice", "se#cret/?x", "h", "", ": refused")
	f.Fuzz(func(t *testing.T, user, password, rest, before, after string) {
		if len(password) < 4 || strings.ContainsAny(before+after, "@") {
			return // too short to tell from other text
		}
		u := url.URL{Scheme: "postgres", User: url.UserPassword(user, password), Host: "h"}
		uri := strings.TrimSuffix(u.String(), "h") + url.PathEscape(rest)
		msg := before + " " + uri + " " + after
		got := Text(msg)
		enc := strings.TrimPrefix(url.UserPassword("", password).String(), ":")
		if strings.Contains(got, ":"+enc+"@") {
			t.Errorf("the password survives: %q", got)
		}
		if strings.ContainsAny(password, "@\r\n") || strings.Contains(password, "://") || strings.ContainsAny(user, ":/@ \t\r\n\"'`<>") || user == "" {
			return
		}
		raw := before + " postgres://" + user + ":" + password + "@h/db " + after
		if got := Text(raw); strings.Contains(got, ":"+password+"@") {
			t.Errorf("the raw password survives: %q", got)
		}
	})
}
