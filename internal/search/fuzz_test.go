package search

import (
	"strings"
	"testing"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/lakectl/lakectl/internal/dataset"
)

// The key prefix a glob is pruned by must begin every key the glob
// matches, and a row group holding such a key must never be skipped.
func FuzzGlobPrefix(f *testing.F) {
	for _, seed := range [][2]string{{"uploads/acme/**", "uploads/acme/x/y.csv"}, {"a\\*b*", "a*bc"}, {"k00[0-9]?", "k005x"},
		{"{a,b}/*", "b/c"}, {"x?", "xé"}, {"", ""}, {"\\", "\\"}} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, pattern, key string) {
		m, err := compile(Query{Pattern: pattern, MinSize: -1, MaxSize: -1})
		if err != nil {
			return
		}
		if !m.key(key) {
			return
		}
		if !strings.HasPrefix(key, m.prefix) {
			t.Fatalf("glob %q matches %q, which does not start with its prefix %q", pattern, key, m.prefix)
		}
		str := func(s string) dataset.Value { return dataset.Value{Kind: dataset.KindString, S: s} }
		b := make([]dataset.Bounds, colDate)
		b[colKey] = dataset.Bounds{Min: str(key), Max: str(key), Known: true}
		if !m.rowGroup(b) {
			t.Fatalf("glob %q: a row group holding only %q was skipped", pattern, key)
		}
		if ok, _ := doublestar.Match(pattern, key); !ok && pattern != "" { // "" matches every key
			t.Fatalf("glob %q: matched %q that doublestar does not", pattern, key)
		}
	})
}

// An anchored regular expression prunes by its literal prefix: never a
// key it matches.
func FuzzRegexPrefix(f *testing.F) {
	for _, seed := range [][2]string{{"^uploads/a", "uploads/abc"}, {"^a|b", "b"}, {"^(ab|c)", "c"}, {"^a*", ""}, {"^\\Qa.b\\E", "a.b"}} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, pattern, key string) {
		m, err := compile(Query{Pattern: pattern, Regex: true, MinSize: -1, MaxSize: -1})
		if err != nil || !m.key(key) {
			return
		}
		if !strings.HasPrefix(key, m.prefix) {
			t.Fatalf("regex %q matches %q, which does not start with its prefix %q", pattern, key, m.prefix)
		}
	})
}

func FuzzParsePair(f *testing.F) {
	for _, seed := range []string{"customer=acme", "k=", "=v", "k=v=w", "", "noequals"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, v, err := ParsePair(s)
		if err != nil {
			return
		}
		if k == "" || k+"="+v != s {
			t.Fatalf("ParsePair(%q) = %q, %q", s, k, v)
		}
	})
}
