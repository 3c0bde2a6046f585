package glue_test

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/lakectl/lakectl/internal/catalog/glue"
	"github.com/lakectl/lakectl/internal/catalog/glue/gluetest"
)

// Glue's official service model, as botocore (the aws CLI's library) ships
// it: the operations, the shapes of their requests with their limits, and
// the errors each can return. moto is one reading of the API; the model is
// AWS's own, so lakectl's requests and limits are checked against it too.

type modelRef struct {
	Shape string `json:"shape"`
}

type modelShape struct {
	Type     string              `json:"type"`
	Members  map[string]modelRef `json:"members"`
	Required []string            `json:"required"`
	Member   modelRef            `json:"member"`
	Key      modelRef            `json:"key"`
	Value    modelRef            `json:"value"`
	Min      *float64            `json:"min"`
	Max      *float64            `json:"max"`
	Enum     []string            `json:"enum"`
	Pattern  string              `json:"pattern"`
}

type serviceModel struct {
	Operations map[string]struct {
		Input  modelRef   `json:"input"`
		Output modelRef   `json:"output"`
		Errors []modelRef `json:"errors"`
	} `json:"operations"`
	Shapes map[string]modelShape `json:"shapes"`
}

// loadModel reads glue's service-2.json(.gz) from the botocore of the
// machine's Python (the aws CLI's).
func loadModel(t *testing.T) *serviceModel {
	t.Helper()
	out, err := exec.Command("python3", "-c", "import botocore, os; print(os.path.dirname(botocore.__file__))").Output()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("botocore not found (python3 -c 'import botocore'): %v", err)
		}
		t.Skipf("botocore not found: %v", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "data", "glue", "2017-03-31")
	var r io.Reader
	if f, err := os.Open(filepath.Join(dir, "service-2.json.gz")); err == nil {
		defer f.Close()
		if r, err = gzip.NewReader(f); err != nil {
			t.Fatal(err)
		}
	} else if f, err := os.Open(filepath.Join(dir, "service-2.json")); err == nil {
		defer f.Close()
		r = f
	} else {
		t.Fatalf("no Glue service model in %s", dir)
	}
	var m serviceModel
	if err := json.NewDecoder(r).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return &m
}

// validate checks a request's JSON against a shape and returns what breaks
// it.
func (m *serviceModel) validate(v any, shape, path string) []string {
	s, ok := m.Shapes[shape]
	if !ok {
		return []string{path + ": unknown shape " + shape}
	}
	bound := func(n int) []string {
		if s.Min != nil && float64(n) < *s.Min || s.Max != nil && float64(n) > *s.Max {
			return []string{fmt.Sprintf("%s: size %d outside %s's limits [%v, %v]", path, n, shape, deref(s.Min), deref(s.Max))}
		}
		return nil
	}
	var bad []string
	switch s.Type {
	case "structure":
		obj, ok := v.(map[string]any)
		if !ok {
			return []string{path + ": want an object"}
		}
		for k, x := range obj {
			ref, ok := s.Members[k]
			if !ok {
				bad = append(bad, path+"."+k+": not a member of "+shape)
				continue
			}
			bad = append(bad, m.validate(x, ref.Shape, path+"."+k)...)
		}
		for _, k := range s.Required {
			if _, ok := obj[k]; !ok {
				bad = append(bad, path+"."+k+": required by "+shape)
			}
		}
	case "list":
		list, ok := v.([]any)
		if !ok {
			return []string{path + ": want a list"}
		}
		bad = append(bad, bound(len(list))...)
		for i, x := range list {
			bad = append(bad, m.validate(x, s.Member.Shape, fmt.Sprintf("%s[%d]", path, i))...)
		}
	case "map":
		obj, ok := v.(map[string]any)
		if !ok {
			return []string{path + ": want an object"}
		}
		bad = append(bad, bound(len(obj))...)
		for k, x := range obj {
			bad = append(bad, m.validate(k, s.Key.Shape, path+" key "+k)...)
			bad = append(bad, m.validate(x, s.Value.Shape, path+"."+k)...)
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			return []string{path + ": want a string"}
		}
		bad = append(bad, bound(utf8.RuneCountInString(str))...)
		if len(s.Enum) > 0 && !slices.Contains(s.Enum, str) {
			bad = append(bad, fmt.Sprintf("%s: %q is not one of %v", path, str, s.Enum))
		}
		// Patterns written for Java (\uD800 surrogates) do not compile in
		// Go; those are left to the other checks.
		if re, err := regexp.Compile("^(?:" + s.Pattern + ")$"); s.Pattern != "" && err == nil && !re.MatchString(str) {
			bad = append(bad, fmt.Sprintf("%s: %q does not match %s's pattern %s", path, str, shape, s.Pattern))
		}
	case "integer", "long":
		n, ok := v.(float64)
		if !ok {
			return []string{path + ": want a number"}
		}
		if s.Min != nil && n < *s.Min || s.Max != nil && n > *s.Max {
			bad = append(bad, fmt.Sprintf("%s: %v outside [%v, %v]", path, n, deref(s.Min), deref(s.Max)))
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			bad = append(bad, path+": want a boolean")
		}
	case "timestamp":
		switch v.(type) {
		case float64, string:
		default:
			bad = append(bad, path+": want a timestamp")
		}
	}
	return bad
}

func deref(p *float64) any {
	if p == nil {
		return "-"
	}
	return *p
}

// checkRequests checks every request lakectl sent against the model.
func checkRequests(t *testing.T, reqs []gluetest.Request) {
	t.Helper()
	if len(reqs) == 0 {
		t.Fatal("no requests recorded")
	}
	m := loadModel(t)
	used := map[string]int{}
	for _, r := range reqs {
		used[r.Operation]++
		op, ok := m.Operations[r.Operation]
		if !ok {
			t.Errorf("operation %s is not in Glue's service model", r.Operation)
			continue
		}
		for _, problem := range m.validate(r.Body, op.Input.Shape, r.Operation) {
			t.Errorf("request breaks Glue's model: %s", problem)
		}
	}
	t.Logf("requests checked against Glue's service model: %v", used)
}

// TestLimitsAreGlues: the batch sizes lakectl uses are the model's limits.
func TestLimitsAreGlues(t *testing.T) {
	m := loadModel(t)
	limit := func(op, member string) int {
		in := m.Shapes[m.Operations[op].Input.Shape]
		s := m.Shapes[in.Members[member].Shape]
		if s.Max == nil {
			t.Fatalf("%s.%s has no limit in the model", op, member)
		}
		return int(*s.Max)
	}
	for _, c := range []struct {
		op, member string
		ours       int
	}{
		{"BatchCreatePartition", "PartitionInputList", glue.MaxCreatePartitions},
		{"BatchDeletePartition", "PartitionsToDelete", glue.MaxDeletePartitions},
		{"BatchUpdatePartition", "Entries", glue.MaxUpdatePartitions},
	} {
		if got := limit(c.op, c.member); got != c.ours {
			t.Errorf("%s.%s: Glue's limit is %d, lakectl uses %d", c.op, c.member, got, c.ours)
		}
	}
	seg := m.Shapes[m.Shapes["Segment"].Members["TotalSegments"].Shape]
	if seg.Max == nil || int(*seg.Max) != glue.MaxSegments {
		t.Errorf("Segment.TotalSegments: Glue's limit is %v, lakectl uses %d", deref(seg.Max), glue.MaxSegments)
	}
}

// TestErrorsAreGlues: the errors lakectl maps to its sentinels are the ones
// the model says each operation returns. ConcurrentModificationException
// from UpdateTable is what makes optimistic updates work: moto never sends
// it, so this and the proxy's stand-in are what test it.
func TestErrorsAreGlues(t *testing.T) {
	m := loadModel(t)
	for op, want := range map[string][]string{
		"UpdateTable":          {"ConcurrentModificationException", "EntityNotFoundException", "InvalidInputException"},
		"CreateTable":          {"AlreadyExistsException", "EntityNotFoundException", "InvalidInputException"},
		"CreateDatabase":       {"AlreadyExistsException"},
		"GetTable":             {"EntityNotFoundException"},
		"GetPartitions":        {"EntityNotFoundException"},
		"BatchCreatePartition": {"EntityNotFoundException"},
		"DeleteDatabase":       {"EntityNotFoundException"},
	} {
		var have []string
		for _, e := range m.Operations[op].Errors {
			have = append(have, e.Shape)
		}
		for _, w := range want {
			if !slices.Contains(have, w) {
				t.Errorf("%s: the model lists no %s (it lists %v)", op, w, have)
			}
		}
	}
}

// TestModelCheckCatchesBadRequests: the check above can fail.
func TestModelCheckCatchesBadRequests(t *testing.T) {
	m := loadModel(t)
	parts := make([]any, 101)
	for i := range parts {
		parts[i] = map[string]any{"Values": []any{fmt.Sprint(i)}}
	}
	for name, c := range map[string]struct {
		op   string
		body map[string]any
		want string
	}{
		"too many":          {"BatchCreatePartition", map[string]any{"DatabaseName": "db", "TableName": "t", "PartitionInputList": parts}, "size 101"},
		"unknown member":    {"GetTable", map[string]any{"DatabaseName": "db", "Name": "t", "Version": "1"}, "not a member"},
		"missing member":    {"GetTable", map[string]any{"DatabaseName": "db"}, "required"},
		"too many segments": {"GetPartitions", map[string]any{"DatabaseName": "db", "TableName": "t", "Segment": map[string]any{"SegmentNumber": 0.0, "TotalSegments": 11.0}}, "outside"},
	} {
		got := strings.Join(m.validate(c.body, m.Operations[c.op].Input.Shape, c.op), "; ")
		if !strings.Contains(got, c.want) {
			t.Errorf("%s: got %q, want a problem with %q", name, got, c.want)
		}
	}
}
