// Package redact is the one place that hides secrets in text lakectl
// prints: passwords in URIs (postgres://alice:PASSWORD@host/db) and known
// secrets in every form a driver may echo them.
package redact

import (
	"net/url"
	"regexp"
	"strings"
)

// Mask replaces a secret.
const Mask = "xxxxx"

// Text hides the password of every URI in s that has one
// (scheme://user:password@..., or ?password=... in its query), and the
// other secrets a query may carry (token=, key=, sig=, X-Amz-Signature=...). A password may be written raw, as users
// mistype URIs, holding '/', '?', '#' or spaces: it runs from the ':' after
// the user name to the last '@' before the end of the line (or the next
// URI). Hiding too much is the lesser harm.
func Text(s string) string {
	return passwordParam.ReplaceAllString(userinfo(s), "${1}"+Mask)
}

// passwordParam is a secret given as a URI's query parameter: a password
// (postgres://alice@host/db?password=…, as pgx and libpq take it), a token,
// an API key, or a signature (an S3 presigned URL's X-Amz-Signature, an
// Azure SAS's sig).
var passwordParam = regexp.MustCompile(`(?i)([?&](?:[\w.-]*(?:password|passwd|pwd|token|secret|signature|credential|api_?key|api-key)|sig|key|code|auth)=)[^&\s"'#]*`)

// userinfo hides the passwords of URIs' user information.
func userinfo(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "://")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i+3])
		rest := s[i+3:]
		u := strings.IndexAny(rest, ":/@ \t\r\n\"'`<>")
		if u < 0 || rest[u] != ':' {
			s = rest
			continue
		}
		line := rest[u+1:]
		if nl := strings.IndexAny(line, "\r\n"); nl >= 0 {
			line = line[:nl]
		}
		if next := strings.Index(line, "://"); next >= 0 {
			line = line[:next]
		}
		at := strings.LastIndex(line, "@")
		if at < 0 { // host:port, no credentials
			s = rest
			continue
		}
		b.WriteString(rest[:u+1])
		b.WriteString(Mask)
		s = rest[u+1+at:]
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
