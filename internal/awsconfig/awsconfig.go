// Package awsconfig is the one AWS configuration that every AWS client of
// lakectl shares (the S3 stores, the Glue catalog): the standard chain of
// the AWS SDK (environment, shared config and credentials files, SSO,
// container and instance roles) with the profile and region the user chose.
package awsconfig

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go/logging"
)

// Settings are the user's choices; empty ones are left to the standard
// chain.
type Settings struct {
	// Profile names a profile of the shared config files (--profile).
	// Chosen so, it outranks credentials in the environment, as the aws
	// CLI's --profile does. Empty: AWS_PROFILE, else "default", with the
	// environment's credentials first.
	Profile string
	// Region (--region) outranks AWS_REGION and the profile's region.
	Region string
}

// ErrConfig: the AWS configuration cannot be used as it is (a profile that
// does not exist, a config file that does not parse). It is the user's to
// fix, not a failure of a service.
var ErrConfig = errors.New("AWS configuration")

// Load loads the configuration for the settings. Its logger is silent: the
// SDK's own log lines (a fallback from the instance metadata service, a
// response checksum it did not validate) are no message for lakectl's
// users, and every failure reaches them as an error.
func Load(ctx context.Context, s Settings) (aws.Config, error) {
	opts := []func(*config.LoadOptions) error{config.WithLogger(logging.Nop{})}
	if s.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(s.Profile))
	}
	if s.Region != "" {
		opts = append(opts, config.WithRegion(s.Region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		var missing config.SharedConfigProfileNotExistError
		if errors.As(err, &missing) {
			files := "the AWS config files (AWS_CONFIG_FILE, by default ~/.aws/config, and AWS_SHARED_CREDENTIALS_FILE, by default ~/.aws/credentials)"
			if len(missing.Filename) > 0 {
				files = strings.Join(missing.Filename, " or ")
			}
			return aws.Config{}, fmt.Errorf("%w: profile %q is not in %s", ErrConfig, missing.Profile, files)
		}
		return aws.Config{}, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	return cfg, nil
}

// Loader loads the configuration once, on first use, and gives each
// caller its own copy; it is safe for concurrent use. A command that never
// talks to AWS never reads the configuration.
type Loader struct {
	Settings Settings

	once sync.Once
	cfg  aws.Config
	err  error
}

// Load returns a copy of the configuration, loading it the first time.
func (l *Loader) Load(ctx context.Context) (aws.Config, error) {
	l.once.Do(func() { l.cfg, l.err = Load(ctx, l.Settings) })
	if l.err != nil {
		return aws.Config{}, l.err
	}
	return l.cfg.Copy(), nil
}
