package backends

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go/logging"
)

// AWSOptions are the settings of one AWS configuration, shared by every
// AWS service lakectl talks to (S3, Glue). Empty fields leave the standard
// configuration chain (environment, shared config and credentials files,
// SSO, roles) to decide.
type AWSOptions struct {
	Profile     string
	Region      string
	Endpoint    string
	RetryMode   string // "standard" or "adaptive"
	MaxAttempts int
}

// ErrAWSConfig: the AWS configuration cannot be used (an unknown profile,
// an unknown retry mode). It is the user's configuration to fix.
var ErrAWSConfig = errors.New("AWS configuration")

// LoadAWSConfig loads the AWS configuration with the options applied. The
// SDK's own log lines are never printed: they are no message for users.
func LoadAWSConfig(ctx context.Context, o AWSOptions) (aws.Config, error) {
	loads := []func(*config.LoadOptions) error{config.WithLogger(logging.Nop{})}
	if o.Profile != "" {
		loads = append(loads, config.WithSharedConfigProfile(o.Profile))
	}
	if o.Region != "" {
		loads = append(loads, config.WithRegion(o.Region))
	}
	switch o.RetryMode {
	case "":
	case "standard", "adaptive":
		loads = append(loads, config.WithRetryMode(aws.RetryMode(o.RetryMode)))
	default:
		return aws.Config{}, fmt.Errorf("%w: retry mode %q: want standard or adaptive", ErrAWSConfig, o.RetryMode)
	}
	if o.MaxAttempts > 0 {
		loads = append(loads, config.WithRetryMaxAttempts(o.MaxAttempts))
	}
	cfg, err := config.LoadDefaultConfig(ctx, loads...)
	if err != nil {
		var missing config.SharedConfigProfileNotExistError
		if errors.As(err, &missing) {
			return aws.Config{}, fmt.Errorf("%w: profile %q is not in the AWS config or credentials files", ErrAWSConfig, missing.Profile)
		}
		return aws.Config{}, fmt.Errorf("%w: %v", ErrAWSConfig, err)
	}
	return cfg, nil
}
