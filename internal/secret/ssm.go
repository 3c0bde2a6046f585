package secret

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"
)

// SSMParameters reads AWS Systems Manager Parameter Store with the one
// AWS configuration of the run (the standard chain: profiles, environment,
// roles; the endpoint from AWS_ENDPOINT_URL_SSM or AWS_ENDPOINT_URL, as
// the SDK reads them). The client is made on first use, so that a run with
// no ssm: reference never loads the configuration.
type SSMParameters struct {
	config func(context.Context) (aws.Config, error)

	once   sync.Once
	client *ssm.Client
	err    error
}

// NewSSMParameters reads parameters with the configuration config gives
// (awsconfig.Loader's Load).
func NewSSMParameters(config func(context.Context) (aws.Config, error)) *SSMParameters {
	return &SSMParameters{config: config}
}

// Parameter returns a parameter's value, a SecureString decrypted.
func (p *SSMParameters) Parameter(ctx context.Context, name string) (string, error) {
	p.once.Do(func() {
		cfg, err := p.config(ctx)
		if err != nil {
			p.err = err
			return
		}
		if cfg.Region == "" {
			p.err = fmt.Errorf("%w: no AWS region to read SSM parameters in (set --region, AWS_REGION or the profile's region)", ErrUnavailable)
			return
		}
		if cfg.Credentials == nil {
			p.err = fmt.Errorf("%w: no AWS credentials found to read SSM parameters with", ErrUnavailable)
			return
		}
		if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
			p.err = fmt.Errorf("%w: no AWS credentials found to read SSM parameters with (set AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run where a role is attached)", ErrUnavailable)
			return
		}
		p.client = ssm.NewFromConfig(cfg)
	})
	if p.err != nil {
		return "", p.err
	}
	out, err := p.client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(true)})
	if err != nil {
		return "", ssmError(err, p.client.Options().Region)
	}
	if out.Parameter == nil || out.Parameter.Value == nil {
		return "", fmt.Errorf("%w: SSM returned no value", ErrUnavailable)
	}
	return *out.Parameter.Value, nil
}

// ssmError tells a parameter that cannot be read as the configuration's
// fault (ErrUnavailable) from a failure to reach SSM.
func ssmError(err error, region string) error {
	var notFound *types.ParameterNotFound
	var version *types.ParameterVersionNotFound
	switch {
	case errors.As(err, &notFound), errors.As(err, &version):
		return fmt.Errorf("%w: no such parameter in SSM (region %q)", ErrUnavailable, region)
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "AccessDeniedException", "UnrecognizedClientException", "InvalidSignatureException",
			"ExpiredTokenException", "InvalidKeyId", "KMSAccessDeniedException":
			return fmt.Errorf("%w: SSM refused: %s: %s", ErrUnavailable, api.ErrorCode(), api.ErrorMessage())
		}
		return fmt.Errorf("SSM: %s: %s", api.ErrorCode(), api.ErrorMessage())
	}
	return fmt.Errorf("SSM: %w", err)
}
