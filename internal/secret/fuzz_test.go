package secret

import (
	"errors"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/internal/catalog"
)

// FuzzParse: any text either reads as a reference that prints back as the
// same text and IsRef agrees with, or is refused as invalid input — never
// a panic, never a reference of an unknown kind or without a name.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"env:DB_PASSWORD", "file:/run/secrets/pw", "ssm:/DataLake/GlueIngest/SharePoint/client_secret/x",
		"ssm:arn:aws:ssm:eu-west-1:1:parameter/x", "env:", "vault:/x", "hunter2", "env:1A", "file:a\x00b", "ssm:/a b", ":", "file:\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ref, err := Parse(s)
		if err != nil {
			if !errors.Is(err, catalog.ErrInvalid) {
				t.Fatalf("Parse(%q): %v is not ErrInvalid", s, err)
			}
			return
		}
		if ref.String() != s || !IsRef(s) || ref.Name == "" {
			t.Fatalf("Parse(%q) = %+v (IsRef %v)", s, ref, IsRef(s))
		}
		switch ref.Kind {
		case Env, File, SSM:
		default:
			t.Fatalf("Parse(%q): kind %q", s, ref.Kind)
		}
		if strings.ContainsFunc(ref.Name, func(r rune) bool { return r < ' ' || r == 0x7f }) {
			t.Fatalf("Parse(%q): a control character in the name", s)
		}
	})
}
