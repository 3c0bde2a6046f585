package validate

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/internal/convert"
	"github.com/lakectl/lakectl/internal/dataset"
	"github.com/lakectl/lakectl/internal/storage/local"
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
	rep, err := CheckInput(t.Context(), dataset.Input{Table: table(dir, "csv", "id:bigint", "region:string", "score:bigint", "note:string", "flag:boolean"), Store: openLocal}, rules, CheckOptions{Workers: 2})
	if err != nil || rep.Status != Success {
		t.Errorf("the data fails its own suggestions: %v %+v", err, rep)
	}
}

// suggestThenCheck suggests rules from the data and checks the same data
// with them: every suggested constraint must pass.
func suggestThenCheck(t *testing.T, name string, in dataset.Input) []Suggestion {
	t.Helper()
	p, sug, err := SuggestInput(t.Context(), in, ProfileOptions{Workers: 2})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	yaml := SuggestedRules(name, sug)
	rules, err := ParseRules(name+".yaml", yaml)
	if len(sug) == 0 {
		return sug // a rules file without constraints is not one
	}
	if err != nil {
		t.Fatalf("%s: the suggestions are no rules file: %v\n%s", name, err, yaml)
	}
	rep, err := CheckInput(t.Context(), in, rules, CheckOptions{Workers: 2})
	if err != nil {
		t.Fatalf("%s: %v\n%s", name, err, yaml)
	}
	if rep.Rows != p.Rows {
		t.Errorf("%s: check read %d rows, the profile %d", name, rep.Rows, p.Rows)
	}
	for _, c := range rep.Checks[0].Constraints {
		if c.Status != Success {
			t.Errorf("%s: the data fails its own suggestion %s: %s", name, c.Constraint, c.Message)
		}
	}
	return sug
}

// Suggestions made from data pass on that data, however tricky the data.
func TestSuggestionsPassOnTheirData(t *testing.T) {
	long := strings.Repeat("x", 5000)
	datasets := map[string]struct {
		csv  string
		cols []string
	}{
		"duplicates": {"id,code\n1,a\n2,b\n3,c\n4,d\n5,e\n6,f\n7,g\n8,h\n9,i\n10,j\n11,k\n12,l\n13,m\n14,n\n15,o\n16,p\n17,q\n18,r\n19,s\n20,s\n",
			[]string{"id:bigint", "code:string"}},
		"nulls":          {"a,b\n1,\n,x\n3,y\n4,\n5,z\n", []string{"a:bigint", "b:string"}},
		"single row":     {"a,b,c\n-1,x,2.5\n", []string{"a:bigint", "b:string", "c:double"}},
		"all null":       {"a,b\n1,\n2,\n3,\n", []string{"a:bigint", "b:string"}},
		"NaN as text":    {"x\nNaN\n1\nInfinity\n-Infinity\n", []string{"x:string"}},
		"negatives":      {"x,y\n-1,-0.5\n-2,0\n-3,1e3\n0,4\n", []string{"x:bigint", "y:double"}},
		"long strings":   {"s,t\n" + long + ",a\n" + long + "y,a\n" + long + ",b\n", []string{"s:string", "t:string"}},
		"no rows":        {"a,b\n", []string{"a:bigint", "b:string"}},
		"zeros and sign": {"z\n007\n7\n+ 3\n0\n007\n7\n+ 3\n0\n", []string{"z:string"}},
		"yaml-like values": {"v\n\"a: b\"\n#x\n\" lead\"\n'q'\nnull\ntrue\n- d\n[x]\n\"a,b\"\nyes\n~\n%p\n\"é\"\n" +
			"\"a: b\"\n#x\n\" lead\"\n'q'\nnull\ntrue\n- d\n[x]\n\"a,b\"\nyes\n~\n%p\n\"é\"\n", []string{"v:string"}},
		"booleans": {"b,c\ntrue,1\nfalse,0\ntrue,1\n", []string{"b:boolean", "c:bigint"}},
	}
	for name, d := range datasets {
		in := csvInput(t, d.csv, d.cols...)
		suggestThenCheck(t, name, in)
		// The same data as Parquet, typed.
		dest, _ := local.New(t.TempDir())
		if _, err := convert.Run(t.Context(), nil, in, dest, convert.Options{}); err != nil {
			t.Fatalf("%s: convert: %v", name, err)
		}
		suggestThenCheck(t, name+" (parquet)", dataset.Input{Table: table(strings.TrimPrefix(strings.TrimSuffix(dest.URI(""), "/"), "file://"), "parquet", d.cols...), Store: openLocal})
	}
	// Typed doubles with NaN and infinities.
	nan := csvInput(t, "x,y,z\n1.5,1,NaN\nNaN,2,1\nInfinity,3,Infinity\n-Infinity,4,NaN\n0,5,0\n", "x:double", "y:double", "z:double")
	dest, _ := local.New(t.TempDir())
	if _, err := convert.Run(t.Context(), nil, nan, dest, convert.Options{}); err != nil {
		t.Fatal(err)
	}
	suggestThenCheck(t, "NaN (parquet)", dataset.Input{Table: table(strings.TrimPrefix(strings.TrimSuffix(dest.URI(""), "/"), "file://"), "parquet", "x:double", "y:double", "z:double"), Store: openLocal})

	// A duplicate in a column counted exactly is no isUnique.
	for _, s := range suggestThenCheck(t, "duplicates again", csvInput(t, datasets["duplicates"].csv, datasets["duplicates"].cols...)) {
		if s.Column == "code" && s.Rule == "isUnique" {
			t.Errorf("isUnique suggested for a column with a duplicate: %+v", s)
		}
	}
}

// Beyond the exact distinct count, an isUnique that the estimate suggests
// is kept only when an exact count finds no duplicate.
func TestSuggestUniqueBeyondExactCount(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,dup\n")
	const n = exactDistinct + 20_000
	for i := range n {
		dup := i
		if i%40 == 39 {
			dup = i - 1 // 2.5% of the rows repeat the row before: within Deequ's 8%
		}
		fmt.Fprintf(&b, "%d,%d\n", i, dup)
	}
	sug := suggestThenCheck(t, "large", csvInput(t, b.String(), "id:bigint", "dup:bigint"))
	var unique []string
	for _, s := range sug {
		if s.Rule == "isUnique" {
			unique = append(unique, s.Column)
		}
	}
	if !slices.Equal(unique, []string{"id"}) {
		t.Errorf("isUnique for %v, want [id]", unique)
	}
}
