package sharepoint_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/internal/awsconfig"
	"github.com/lakectl/lakectl/internal/ingest"
	"github.com/lakectl/lakectl/internal/ingest/sharepoint"
	"github.com/lakectl/lakectl/internal/ingest/sharepoint/standin"
	"github.com/lakectl/lakectl/internal/redact"
	"github.com/lakectl/lakectl/internal/secret"
	"github.com/lakectl/lakectl/internal/secret/ssmtest"
)

// TestClientSecretFromSSM: the app's client secret is kept where
// SharePoint's setup keeps it, an SSM SecureString under
// /DataLake/GlueIngest/SharePoint/client_secret/ (moto's server stands in
// for SSM); read with ssm:/path, it gets the token that reads the list,
// and a token error after it was read does not show it.
func TestClientSecretFromSSM(t *testing.T) {
	cfg := ssmtest.Setup(t)
	ctx := t.Context()
	name := fmt.Sprintf("/DataLake/GlueIngest/SharePoint/client_secret/finance-%d", os.Getpid())
	ssmtest.PutSecureString(t, cfg, name, standin.ClientSecret)

	s := standin.New(t)
	orders(s)
	read := func() error {
		known := &redact.Secrets{}
		loader := &awsconfig.Loader{}
		r := &secret.Resolver{Parameters: secret.NewSSMParameters(loader.Load), Known: known}
		clientSecret, err := r.Resolve(ctx, "ssm:"+name)
		if err != nil {
			return err
		}
		c, err := sharepoint.New(sharepoint.Options{Credentials: sharepoint.Credentials{TenantID: standin.Tenant, ClientID: standin.ClientID, ClientSecret: clientSecret},
			AuthorityURL: s.Authority, GraphURL: s.Graph})
		if err != nil {
			return err
		}
		src, _ := c.List(sharepoint.ListOptions{Site: s.Site, List: "Orders"})
		_, rows, err := readAll(t, src, ingest.ReadRequest{})
		if err == nil && len(rows) != 5 {
			t.Errorf("%d rows", len(rows))
		}
		if err != nil {
			// What lakectl would print: the error, quoting the secret for
			// the test's sake, through the redactor.
			shown := known.Text(fmt.Sprintf("%v (secret was %s)", err, clientSecret))
			if strings.Contains(shown, clientSecret) {
				t.Errorf("the secret shows: %s", shown)
			}
		}
		return err
	}
	if err := read(); err != nil {
		t.Fatal(err)
	}
	ssmtest.PutSecureString(t, cfg, name, "rotated-but-not-in-Entra")
	if err := read(); err == nil || !strings.Contains(err.Error(), "AADSTS7000215") {
		t.Errorf("a wrong secret from SSM: %v", err)
	}
}
