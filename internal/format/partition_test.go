package format

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestPartitionValueEscaping(t *testing.T) {
	cases := []struct{ value, folder string }{
		{"2024", "2024"},
		{"a=b", "a%3Db"},
		{"x/y", "x%2Fy"},
		{"50%", "50%25"},
		{"a b", "a b"},
		{"é", "é"},
		{"10:30", "10%3A30"},
		{`"#%'*/:=?\{[]^`, "%22%23%25%27%2A%2F%3A%3D%3F%5C%7B%5B%5D%5E"},
		{"tab\there\x7f", "tab%09here%7F"},
		{"", DefaultPartition},
	}
	for _, c := range cases {
		if got := EscapePartitionValue(c.value); got != c.folder {
			t.Errorf("EscapePartitionValue(%q) = %q, want %q", c.value, got, c.folder)
		}
		v, isNull := PartitionValue(c.folder)
		if isNull != (c.value == "") || v != c.value {
			t.Errorf("PartitionValue(%q) = %q, %v; want %q, %v", c.folder, v, isNull, c.value, c.value == "")
		}
	}
	// Hive leaves a % that starts no two-digit hex escape as it is.
	for in, want := range map[string]string{"50%": "50%", "%4": "%4", "%zz1": "%zz1", "%41%42": "AB", "%e2%82%ac": "€"} {
		if got := UnescapePartitionValue(in); got != want {
			t.Errorf("UnescapePartitionValue(%q) = %q, want %q", in, got, want)
		}
	}
	if v, isNull := CatalogPartitionValue(DefaultPartition); !isNull || v != "" {
		t.Errorf("CatalogPartitionValue(default) = %q, %v; want null", v, isNull)
	}
	if v, isNull := CatalogPartitionValue("a%3Db"); isNull || v != "a%3Db" {
		t.Errorf("CatalogPartitionValue unescaped a catalog value: %q, %v", v, isNull)
	}
}

func TestPartitionPath(t *testing.T) {
	keys, values := []string{"year", "k"}, []string{"2024", "a=b/c"}
	p := PartitionPath(keys, values)
	if p != "year=2024/k=a%3Db%2Fc" {
		t.Fatalf("PartitionPath = %q", p)
	}
	k, v, err := ParsePartitionPath(p)
	if err != nil || !slices.Equal(k, keys) || !slices.Equal(v, values) {
		t.Errorf("ParsePartitionPath(%q) = %q, %q, %v", p, k, v, err)
	}
	_, v, _ = ParsePartitionPath(PartitionPath([]string{"k"}, []string{""}))
	if !slices.Equal(v, []string{DefaultPartition}) {
		t.Errorf("a null value reads back as %q, want the default partition", v)
	}
	if _, _, err := ParsePartitionPath("year=2024/loose"); err == nil {
		t.Error("a segment without = was accepted")
	}
	// A catalog written by hand may give a partition fewer values than
	// keys, or more: only the pairs are named.
	if p := PartitionPath(keys, values[:1]); p != "year=2024" {
		t.Errorf("fewer values than keys: %q", p)
	}
	if p := PartitionPath(keys[:1], values); p != "year=2024" {
		t.Errorf("more values than keys: %q", p)
	}
}

// FuzzPartitionCodec: any value survives a trip through a folder name;
// the folder name holds no byte Hive escapes, so neither '/' nor '='; and
// a path of key=value segments reads back as its pairs.
func FuzzPartitionCodec(f *testing.F) {
	for _, s := range []string{"2024", "a=b", "x/y", "50%", "%41", "a b", "é", "\x00", "\xff\xfe", "%", "%%25", DefaultPartition, "__HIVE_DEFAULT_PARTITION__x"} {
		f.Add(s, "k")
	}
	f.Fuzz(func(t *testing.T, v, key string) {
		esc := EscapePartitionValue(v)
		for i := 0; i < len(esc); i++ {
			if c := esc[i]; c < 0x80 && escapedInPath[c] && c != '%' {
				t.Fatalf("EscapePartitionValue(%q) = %q holds %q", v, esc, c)
			}
		}
		if strings.ContainsAny(esc, "/=") {
			t.Fatalf("EscapePartitionValue(%q) = %q holds / or =", v, esc)
		}
		got, isNull := PartitionValue(esc)
		switch {
		case v == "" || v == DefaultPartition:
			if !isNull {
				t.Fatalf("%q does not read back as null", v)
			}
		case isNull || got != v:
			t.Fatalf("PartitionValue(EscapePartitionValue(%q)) = %q, %v", v, got, isNull)
		}
		if utf8.ValidString(v) != utf8.ValidString(esc) {
			t.Fatalf("escaping %q changed its UTF-8 validity", v)
		}
		if key == "" {
			return
		}
		keys, values := []string{key, "k2"}, []string{v, "2"}
		k, vals, err := ParsePartitionPath(PartitionPath(keys, values))
		if err != nil {
			t.Fatal(err)
		}
		if v == "" {
			values[0] = DefaultPartition
		}
		if !slices.Equal(k, keys) || !slices.Equal(vals, values) {
			t.Fatalf("path of %q=%q read back as %q=%q", keys, values, k, vals)
		}
	})
}
