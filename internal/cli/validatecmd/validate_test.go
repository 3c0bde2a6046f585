package validatecmd

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClip(t *testing.T) {
	cases := map[string]string{
		"short":                  "short",
		"exactly10!":             "exactly10!",
		"eleven char":            "eleven ch…",
		"héllo wörld, long":      "héllo wör…",
		"a\nb\tc":                `a\nb\tc`,
		"line\nline\nline\nline": `line\nlin…`,
		"abcdefgh\x00":           `abcdefgh…`, // \x00 is cut whole
		"abcdef\x00":             `abcdef\x00`,
	}
	for in, want := range cases {
		if got := clip(in, 10); got != want {
			t.Errorf("clip(%q, 10) = %q, want %q", in, got, want)
		}
	}
	// A nested value of a megabyte shows as one short line.
	huge := strings.Repeat(`{"a":[1,2,3],"b":"x"}`+"\n", 50_000)
	if got := clip(huge, maxBinValue); utf8.RuneCountInString(got) != maxBinValue || strings.Contains(got, "\n") {
		t.Errorf("clip of %d bytes: %q", len(huge), got)
	}
}
