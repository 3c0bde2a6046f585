package validate

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/internal/dataset"
)

func TestSuggest(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,region,score,note,flag\n")
	for i := range 100 {
		note := ""
		if i%4 != 0 {
			note = "n"
		}
		region := []string{"eu", "us", "asia"}[i%3]
		b.WriteString(strings.Join([]string{strconv.Itoa(i), region, strconv.Itoa(i % 7), note, []string{"true", "false"}[i%2]}, ",") + "\n")
	}
	dir := writeFiles(t, map[string]string{"a.csv": b.String()})
	p, err := ProfileInput(t.Context(), dataset.Input{Table: table(dir, "csv", "id:bigint", "region:string", "score:bigint", "note:string", "flag:boolean"), Store: openLocal}, ProfileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, s := range Suggest(p) {
		got[s.Column] = append(got[s.Column], s.Rule)
	}
	want := map[string][]string{
		"id":     {"isComplete", "hasDataType", "isNonNegative", "isUnique"},
		"region": {"isComplete", "isContainedIn"},
		"score":  {"isComplete", "hasDataType", "isContainedIn", "isNonNegative"},
		"note":   {"hasCompleteness", "isContainedIn"}, // one value, none seen once: categorical
		"flag":   {"isComplete", "hasDataType"},
	}
	for col, rules := range want {
		if !slices.Equal(got[col], rules) {
			t.Errorf("%s: %v, want %v", col, got[col], rules)
		}
	}
	yaml := SuggestedRules("test", Suggest(p))
	// note: completeness 0.75 over 100 rows: 0.75 - 1.96*sqrt(0.75*0.25/100) = 0.665..., floored 0.66.
	if !strings.Contains(string(yaml), "hasCompleteness: note\n        assertion: \">= 0.66\"") {
		t.Errorf("suggested rules:\n%s", yaml)
	}
	// The suggestions are a rules file that check accepts, and that the
	// data it came from passes.
	rules, err := ParseRules("suggested.yaml", yaml)
	if err != nil {
		t.Fatalf("%v\n%s", err, yaml)
	}
	rep, err := CheckInput(t.Context(), dataset.Input{Table: table(dir, "csv", "id:bigint", "region:string", "score:bigint", "note:string", "flag:boolean"), Store: openLocal}, rules, 2)
	if err != nil || rep.Status != Success {
		t.Errorf("the data fails its own suggestions: %v %+v", err, rep)
	}
}
