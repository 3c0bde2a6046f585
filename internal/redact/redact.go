// Package redact is the one place that hides secrets in text lakectl
// prints: passwords in URIs (postgres://alice:PASSWORD@host/db) and known
// secrets in every form a driver may echo them.
package redact

import (
	"net/url"
	"strings"
)

// Mask replaces a secret.
const Mask = "xxxxx"

// Text hides the password of every URI in s that has one
// (scheme://user:password@...). The password ends at the last '@' before
// the URI's next space, as URL parsers read it, so an '@' or a space
// encoded in it does not let a part through.
func Text(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "://")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i+3])
		rest := s[i+3:]
		end := strings.IndexAny(rest, " \t\r\n\"'`<>")
		if end < 0 {
			end = len(rest)
		}
		uri := rest[:end]
		// The authority ends at the first '/', '?' or '#' after the
		// userinfo's last '@'.
		at := strings.LastIndex(uri, "@")
		if slash := strings.IndexAny(uri, "/?#"); slash >= 0 && slash < at {
			// A '/' before the '@': take the '@' before the first '/'
			// (a path may hold '@' too).
			at = strings.LastIndex(uri[:slash], "@")
		}
		if at >= 0 {
			if colon := strings.Index(uri[:at], ":"); colon >= 0 {
				uri = uri[:colon+1] + Mask + uri[at:]
			}
		}
		b.WriteString(uri)
		s = rest[end:]
	}
}

// Secret hides a known secret in s, as written and as URLs and connection
// strings encode it.
func Secret(s, secret string) string {
	if secret == "" {
		return s
	}
	userinfo := strings.TrimPrefix(url.UserPassword("", secret).String(), ":")
	for _, form := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret), userinfo} {
		s = strings.ReplaceAll(s, form, Mask)
	}
	return s
}
