package secret

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/lakectl/lakectl/internal/awsconfig"
	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/redact"
	"github.com/lakectl/lakectl/internal/secret/ssmtest"
)

func TestParse(t *testing.T) {
	for in, want := range map[string]Ref{
		"env:DB_PASSWORD":      {Env, "DB_PASSWORD"},
		"file:/run/secrets/db": {File, "/run/secrets/db"},
		"file:relative/pw.txt": {File, "relative/pw.txt"},
		"ssm:/DataLake/GlueIngest/SharePoint/client_secret/finance": {SSM, "/DataLake/GlueIngest/SharePoint/client_secret/finance"},
		"ssm:plain-name": {SSM, "plain-name"},
		"ssm:arn:aws:ssm:eu-west-1:123456789012:parameter/x": {SSM, "arn:aws:ssm:eu-west-1:123456789012:parameter/x"},
	} {
		got, err := Parse(in)
		if err != nil || got != want || got.String() != in {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", in, got, err, want)
		}
		if !IsRef(in) {
			t.Errorf("IsRef(%q) = false", in)
		}
	}
	for in, wantMsg := range map[string]string{
		"hunter2":   "want env:VAR, file:PATH or ssm:/path",
		"env:":      "no name after env:",
		"env:1X":    "is not an environment variable's name",
		"env:A-B":   "is not an environment variable's name",
		"vault:/x":  `unknown kind "vault"`,
		"ssm:/a b":  "is not an SSM parameter name",
		"file:/x\n": "a control character at 7",
	} {
		_, err := Parse(in)
		if !errors.Is(err, catalog.ErrInvalid) || !strings.Contains(err.Error(), wantMsg) {
			t.Errorf("Parse(%q): %v, want ErrInvalid saying %q", in, err, wantMsg)
		}
	}
	for _, s := range []string{"hunter2", "env:", "http://x", "s3cret:with colon"} {
		if IsRef(s) {
			t.Errorf("IsRef(%q) = true", s)
		}
	}
}

// fakeParameters counts the reads of an SSM stand-in held in a map.
type fakeParameters struct {
	values map[string]string
	reads  int
}

func (f *fakeParameters) Parameter(_ context.Context, name string) (string, error) {
	f.reads++
	v, ok := f.values[name]
	if !ok {
		return "", fmt.Errorf("%w: no such parameter", ErrUnavailable)
	}
	return v, nil
}

func TestResolve(t *testing.T) {
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwFile, []byte("from-file-Pw7\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	params := &fakeParameters{values: map[string]string{"/app/secret": "from-ssm-Pw7\n"}}
	known := &redact.Secrets{}
	r := &Resolver{
		Getenv:     func(k string) string { return map[string]string{"DB_PW": "from-env-Pw7"}[k] },
		Parameters: params,
		Known:      known,
	}
	ctx := t.Context()
	for ref, want := range map[string]string{
		"env:DB_PW":       "from-env-Pw7",
		"file:" + pwFile:  "from-file-Pw7",
		"ssm:/app/secret": "from-ssm-Pw7",
	} {
		got, err := r.Resolve(ctx, ref)
		if err != nil || got != want {
			t.Errorf("Resolve(%q) = %q, %v; want %q", ref, got, err, want)
		}
	}
	// Read once a run.
	if _, err := r.Resolve(ctx, "ssm:/app/secret"); err != nil || params.reads != 1 {
		t.Errorf("a second resolve read SSM again (%d reads), %v", params.reads, err)
	}
	// Every secret read is known to the redactor.
	msg := known.Text("login failed for from-env-Pw7, from-file-Pw7 and from-ssm-Pw7")
	if strings.Contains(msg, "Pw7") {
		t.Errorf("a resolved secret shows: %s", msg)
	}

	for ref, wantMsg := range map[string]string{
		"env:NOPE":           "secret env:NOPE: secret unavailable: the environment variable NOPE is not set",
		"file:" + empty:      "the file is empty",
		"file:" + dir + "/x": "no such file or directory",
		"ssm:/missing":       "secret ssm:/missing: secret unavailable: no such parameter",
	} {
		_, err := r.Resolve(ctx, ref)
		if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), wantMsg) {
			t.Errorf("Resolve(%q): %v, want ErrUnavailable saying %q", ref, err, wantMsg)
		}
	}
	if _, err := (&Resolver{}).Resolve(ctx, "ssm:/app/secret"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("ssm: without parameters: %v, want ErrUnavailable", err)
	}
}

// TestSSMSecureString puts a SecureString in moto's SSM and reads it back
// through the standard AWS chain, its endpoint given by
// AWS_ENDPOINT_URL_SSM as a user would give it.
func TestSSMSecureString(t *testing.T) {
	cfg := ssmtest.Setup(t)
	ctx := t.Context()
	name := fmt.Sprintf("/DataLake/GlueIngest/SharePoint/client_secret/test-%d", os.Getpid())
	const value = "s3cr3t~Pw7/with=odd&chars"
	ssmtest.PutSecureString(t, cfg, name, value)
	put := ssm.NewFromConfig(cfg)
	// Without decryption SSM returns a SecureString's ciphertext: reading
	// the value back proves WithDecryption was asked.
	raw, err := put.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name)})
	if err != nil || aws.ToString(raw.Parameter.Value) == value {
		t.Fatalf("moto does not encrypt SecureStrings (%v): the test cannot tell decryption", err)
	}

	loader := &awsconfig.Loader{}
	known := &redact.Secrets{}
	r := &Resolver{Parameters: NewSSMParameters(loader.Load), Known: known}
	got, err := r.Resolve(ctx, "ssm:"+name)
	if err != nil || got != value {
		t.Fatalf("Resolve = %q, %v; want %q", got, err, value)
	}
	// An error after the secret was read, which quotes it, prints hidden.
	later := fmt.Errorf("token request: invalid_client: secret %q rejected", got)
	if shown := known.Text(later.Error()); strings.Contains(shown, "Pw7") {
		t.Errorf("the secret shows in a later error: %s", shown)
	}

	_, err = r.Resolve(ctx, "ssm:"+name+"-missing")
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), `no such parameter in SSM (region "eu-west-1")`) {
		t.Errorf("a missing parameter: %v, want ErrUnavailable", err)
	}
}
