// Package ssmtest points tests at moto's server as AWS Systems Manager
// (scripts/with-services.sh starts it; LAKECTL_TEST_GLUE_ENDPOINT), the
// way a user points lakectl at an endpoint: AWS_ENDPOINT_URL_SSM.
package ssmtest

import (
	"context"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/lakectl/lakectl/internal/awsconfig"
	"github.com/lakectl/lakectl/internal/testenv"
)

// Setup sets the test's AWS environment to reach moto for SSM (test
// credentials, region eu-west-1, no config files) and returns the
// configuration the standard chain loads from it. Without moto the test
// is skipped, or fails under CI=true.
func Setup(t *testing.T) aws.Config {
	t.Helper()
	endpoint := testenv.URL(t, "LAKECTL_TEST_GLUE_ENDPOINT") // moto speaks SSM too
	for k, v := range map[string]string{"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "eu-west-1",
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull,
		"AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_SSM": endpoint, "AWS_PROFILE": ""} {
		t.Setenv(k, v)
	}
	cfg, err := awsconfig.Load(t.Context(), awsconfig.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// PutSecureString stores a SecureString parameter, deleted when the test
// ends.
func PutSecureString(t *testing.T, cfg aws.Config, name, value string) {
	t.Helper()
	client := ssm.NewFromConfig(cfg)
	if _, err := client.PutParameter(t.Context(), &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String(value),
		Type: types.ParameterTypeSecureString, Overwrite: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		client.DeleteParameter(context.Background(), &ssm.DeleteParameterInput{Name: aws.String(name)})
	})
}
