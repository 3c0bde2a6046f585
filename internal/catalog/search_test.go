package catalog

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseSearchText(t *testing.T) {
	for in, want := range map[string]string{
		"credit rating":         "credit rating",
		`"credit rating" cust*`: `"credit rating" cust*`,
		"customer_id":           `"customer id"`,
		"  Ratings  ":           "ratings",
		"*":                     "",
		`""`:                    "",
	} {
		terms, err := ParseSearchText(in)
		if err != nil {
			t.Errorf("ParseSearchText(%q): %v", in, err)
			continue
		}
		var got []string
		for _, term := range terms {
			got = append(got, term.String())
		}
		if s := strings.Join(got, " "); s != want {
			t.Errorf("ParseSearchText(%q) = %s, want %s", in, s, want)
		}
	}
	for _, in := range []string{`"credit rating`, `a"b`, "cust_id*"} {
		if _, err := ParseSearchText(in); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseSearchText(%q): %v, want ErrInvalid", in, err)
		}
	}
}

func TestMatchSnippets(t *testing.T) {
	terms, _ := ParseSearchText("rating")
	long := strings.Repeat("words before the match ", 4) + "the credit ratings of each agency" + strings.Repeat(" and words after it", 4)
	score, snippets, ok := Match(terms, []SearchField{{"name", "credit_ratings", WeightName}, {"description", long, WeightDescription}, {"owner", "risk", 1}})
	if !ok || score != WeightName+WeightDescription {
		t.Fatalf("Match = %v, %v", score, ok)
	}
	want := []Snippet{{"name", "credit_[ratings]"}, {"description", "…words before the match the credit [ratings] of each agency and words after it and…"}}
	if !reflect.DeepEqual(snippets, want) {
		t.Errorf("snippets %q, want %q", snippets, want)
	}
	terms, _ = ParseSearchText("rating")
	if score, _, _ := Match(terms, []SearchField{{"name", "rating", WeightName}}); score != 2*WeightName {
		t.Errorf("a whole-name match scores %v, want %v", score, 2*WeightName)
	}
}
