package awsconfig

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func awsFiles(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	config := filepath.Join(dir, "config")
	err := os.WriteFile(config, []byte("[profile dev]\nregion = eu-west-1\naws_access_key_id = AKIDDEV\naws_secret_access_key = dev-secret\n"), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONFIG_FILE", config)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials")) // none
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for _, k := range []string{"AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDENV")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
}

func TestLoad(t *testing.T) {
	awsFiles(t)
	ctx := t.Context()

	// A chosen profile gives its region and outranks the environment's
	// credentials, as the aws CLI's --profile does.
	cfg, err := Load(ctx, Settings{Profile: "dev"})
	if err != nil {
		t.Fatal(err)
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil || creds.AccessKeyID != "AKIDDEV" || cfg.Region != "eu-west-1" {
		t.Errorf("profile dev: key %q, region %q, %v", creds.AccessKeyID, cfg.Region, err)
	}
	cfg, err = Load(ctx, Settings{Profile: "dev", Region: "ap-south-1"})
	if err != nil || cfg.Region != "ap-south-1" {
		t.Errorf("--region: %q, %v", cfg.Region, err)
	}

	// No profile chosen: the environment's credentials come first.
	cfg, err = Load(ctx, Settings{})
	if err != nil {
		t.Fatal(err)
	}
	if creds, err := cfg.Credentials.Retrieve(ctx); err != nil || creds.AccessKeyID != "AKIDENV" {
		t.Errorf("no profile: key %q, %v", creds.AccessKeyID, err)
	}

	_, err = Load(ctx, Settings{Profile: "nosuch"})
	if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), `profile "nosuch" is not in`) {
		t.Errorf("unknown profile: %v, want ErrConfig naming it", err)
	}
	t.Setenv("AWS_PROFILE", "nosuch-either")
	if _, err := Load(ctx, Settings{}); !errors.Is(err, ErrConfig) {
		t.Errorf("unknown AWS_PROFILE: %v, want ErrConfig", err)
	}
}

func TestLoaderLoadsOnceAndCopies(t *testing.T) {
	awsFiles(t)
	l := &Loader{Settings: Settings{Profile: "dev"}}
	a, err := l.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	a.Region = "changed"
	b, _ := l.Load(t.Context())
	if b.Region != "eu-west-1" {
		t.Errorf("a caller's change reached the next: region %q", b.Region)
	}
	os.Remove(os.Getenv("AWS_CONFIG_FILE"))
	if _, err := l.Load(t.Context()); err != nil {
		t.Errorf("loaded again: %v", err)
	}
}
