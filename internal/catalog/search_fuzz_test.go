package catalog

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseSearchText: whatever ParseSearchText reads, the terms written
// back read as the same terms; every word is lower-case letters and
// digits; a term matches the text it was read from; nothing panics.
func FuzzParseSearchText(f *testing.F) {
	for _, s := range []string{"credit rating", `"credit rating" cust*`, "customer_id", `"unclosed`, `a"b`, "x_y*", "Ärger ÉTÉ", "*", `""`, "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		terms, err := ParseSearchText(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("ParseSearchText(%q): %v does not wrap ErrInvalid", s, err)
			}
			return
		}
		var parts []string
		for _, term := range terms {
			for _, w := range term.Words {
				if w == "" || strings.IndexFunc(w, notWordRune) >= 0 || !utf8.ValidString(w) {
					t.Fatalf("ParseSearchText(%q): word %q", s, w)
				}
			}
			parts = append(parts, term.String())
		}
		back, err := ParseSearchText(strings.Join(parts, " "))
		if err != nil || !reflect.DeepEqual(back, terms) {
			t.Fatalf("ParseSearchText(%q) = %v, written %q, read back %v, %v", s, terms, parts, back, err)
		}
		for _, term := range terms {
			text := strings.Join(term.Words, " ")
			if _, snippets, ok := Match([]SearchTerm{term}, []SearchField{{"f", text, 1}}); !ok || len(snippets) != 1 {
				t.Fatalf("term %v does not match its own text %q", term, text)
			}
		}
	})
}
