package catalog

import (
	"strings"
	"unicode/utf8"
)

// Limits of the Glue Data Catalog.
const (
	MaxNameLength       = 128
	MaxCommentBytes     = 255
	MaxDescriptionBytes = 2048
	nameRule            = "names are lowercase letters, digits and _, at most 128 characters"
)

// NormalizeName folds a user-given name to lower case, as Glue does, and
// checks it against Glue's rules. kind ("database", "table", "column")
// appears in the error, which wraps ErrInvalid.
func NormalizeName(kind, name string) (string, error) {
	n := strings.ToLower(name)
	if n == "" {
		return "", Invalidf("%s name is empty: %s", kind, nameRule)
	}
	if len(n) > MaxNameLength {
		return "", Invalidf("%s name %q is %d characters long: %s", kind, name, len(n), nameRule)
	}
	for _, r := range n {
		if !isNameRune(r) {
			return "", Invalidf("%s name %q has %q: %s", kind, name, r, nameRule)
		}
	}
	return n, nil
}

// SanitizeName turns a name derived from data (a folder name, a CSV header)
// into a valid one: lower case, every other character becomes _, and the
// result is cut at 128 characters. It never fails; an empty input gives "_".
func SanitizeName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if b.Len() >= MaxNameLength {
			break
		}
		if isNameRune(r) {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "_"
	}
	return b.String()
}

func isNameRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_'
}

// ParseTableName splits "db.table" and normalizes both parts.
func ParseTableName(s string) (db, table string, err error) {
	d, t, ok := strings.Cut(s, ".")
	if !ok {
		return "", "", Invalidf("table %q: want DATABASE.TABLE", s)
	}
	if db, err = NormalizeName("database", d); err != nil {
		return "", "", err
	}
	if table, err = NormalizeName("table", t); err != nil {
		return "", "", err
	}
	return db, table, nil
}

func checkText(what, s string, max int) error {
	if len(s) > max {
		return Invalidf("%s is %d bytes; at most %d are allowed", what, len(s), max)
	}
	if !utf8.ValidString(s) {
		return Invalidf("%s is not valid UTF-8", what)
	}
	return nil
}
