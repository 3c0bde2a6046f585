package redact

import (
	"net/url"
	"strings"
	"testing"
)

func TestText(t *testing.T) {
	for in, want := range map[string]string{
		`catalog "postgres://alice:s3cret@db:5432/lake": unknown scheme`:              `catalog "postgres://alice:xxxxx@db:5432/lake": unknown scheme`,
		"mysql://bob:p%40ss@tcp(h:3306)/x?table=t":                                    "mysql://bob:xxxxx@tcp(h:3306)/x?table=t",
		"s3://bucket/key@1 and file:///a:b@c":                                         "s3://bucket/key@1 and file:///a:b@c",
		"no uri here":                                                                 "no uri here",
		"postgres://carol@host/db":                                                    "postgres://carol@host/db",
		"x postgres://u:a@b@host/db y":                                                "x postgres://u:xxxxx@host/db y",
		"postgres://alice:se#cret@host/db":                                            "postgres://alice:xxxxx@host/db",
		"postgres://alice:p/w?x@host/db: refused":                                     "postgres://alice:xxxxx@host/db: refused",
		"postgres://alice:p w@host/db":                                                "postgres://alice:xxxxx@host/db",
		"http://127.0.0.1:9000/bucket":                                                "http://127.0.0.1:9000/bucket",
		"postgres://u@h:1/db?password=s3cretpw&schema=Bad":                            "postgres://u@h:1/db?password=xxxxx&schema=Bad",
		"postgres://u@h/db?schema=a&PASSWORD=pw%20x":                                  "postgres://u@h/db?schema=a&PASSWORD=xxxxx",
		"host=h sslpassword=k&x":                                                      "host=h sslpassword=k&x",
		"GET https://h/a.csv?access_token=abc&v=2: 404":                               "GET https://h/a.csv?access_token=xxxxx&v=2: 404",
		"https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIA%2F1&X-Amz-Signature=f00d": "https://b.s3.amazonaws.com/k?X-Amz-Credential=xxxxx&X-Amz-Signature=xxxxx",
		"https://a.blob.core.windows.net/c/f?sv=2022&sig=Zm9v%3D":                     "https://a.blob.core.windows.net/c/f?sv=2022&sig=xxxxx",
		"https://h/f?key=k1&id=7&api_key=k2&client_secret=s":                          "https://h/f?key=xxxxx&id=7&api_key=xxxxx&client_secret=xxxxx",
		"https://h/f?monkey=1&keyword=x":                                              "https://h/f?monkey=1&keyword=x",
	} {
		if got := Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzText: a password put in a URI — escaped the way pgx and net/url
// write it (url.UserPassword), or raw as a user types it — never survives
// Text, whatever surrounds it; nor a secret in a URL's query.
func FuzzText(f *testing.F) {
	f.Add("alice", "s3cret", "host:5432/db", "catalog ", ": unknown scheme")
	f.Add("u", "p@ss word/?#", "h/d?x=1", "", "")
	f.Add("u", "with space", "h", "(", ")")
	f.Add("alice", "se#cret/?x", "h", "", ": refused")
	f.Fuzz(func(t *testing.T, user, password, rest, before, after string) {
		if len(password) < 4 || strings.ContainsAny(before+after, "@") || strings.Contains(Mask, password) {
			return // too short to tell from other text, or the mask itself
		}
		u := url.URL{Scheme: "postgres", User: url.UserPassword(user, password), Host: "h"}
		uri := strings.TrimSuffix(u.String(), "h") + url.PathEscape(rest)
		msg := before + " " + uri + " " + after
		got := Text(msg)
		enc := strings.TrimPrefix(url.UserPassword("", password).String(), ":")
		if strings.Contains(got, ":"+enc+"@") {
			t.Errorf("the password survives: %q", got)
		}
		for _, param := range []string{"password", "access_token", "X-Amz-Signature", "sig", "api_key"} {
			q := before + " https://h/f?id=1&" + param + "=" + url.QueryEscape(password) + "&v=2 " + after
			if got := Text(q); strings.Contains(got, param+"="+url.QueryEscape(password)) {
				t.Errorf("the %s survives: %q", param, got)
			}
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
