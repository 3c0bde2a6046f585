package ingestcmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"time"

	"github.com/google/shlex"
	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/cli/cmdutil"
	"github.com/lakectl/lakectl/internal/commit"
	"github.com/lakectl/lakectl/internal/ingest"
	"github.com/lakectl/lakectl/internal/storage"
)

// Trigger is --then with its conditions: Glue's event batching (a batch
// size and a window), for cron.
type Trigger struct {
	Then     []string
	NewFiles int
	After    time.Duration
}

func (t *Trigger) flags(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringArrayVar(&t.Then, "then", nil, "a lakectl command to run after the run, when its conditions hold (repeatable, run in order)")
	fl.IntVar(&t.NewFiles, "when-new-files", 0, "run --then once this many files were landed since it last ran")
	fl.DurationVar(&t.After, "or-after", 0, "or once this long has passed since the first file it has not seen was landed")
}

func (t *Trigger) check() error {
	if len(t.Then) == 0 && (t.NewFiles != 0 || t.After != 0) {
		return cmdutil.Usagef("--when-new-files and --or-after say when --then runs: give --then")
	}
	if t.NewFiles < 0 || t.After < 0 {
		return cmdutil.Usagef("--when-new-files and --or-after cannot be negative")
	}
	for _, c := range t.Then {
		args, err := shlex.Split(c)
		if err != nil || len(args) == 0 {
			return cmdutil.Usagef("--then %q: want a lakectl command, such as 'crawl s3://lake/raw/orders --database raw'", c)
		}
		if args[0] == "lakectl" {
			args = args[1:]
		}
		if len(args) > 0 && args[0] == "ingest" && !slices.Contains(args, "history") {
			return cmdutil.Usagef("--then %q: an ingest cannot start another ingest", c)
		}
	}
	return nil
}

// after counts what the run landed for --then, and runs it when its
// conditions hold; it says which fired, or why nothing ran.
func (t *Trigger) after(ctx context.Context, f *cmdutil.Factory, ds storage.Store, sum *ingest.Summary) error {
	if len(t.Then) == 0 {
		return nil
	}
	// One trigger at a time per dataset: overlapping runs do not both run
	// --then for the same files.
	lease, err := commit.Take(ctx, ds, sum.Run+"-then", cmdutil.WaitingMessage(f, ds.URI("")))
	if err != nil {
		return err
	}
	if lease != nil {
		defer lease.Release(context.WithoutCancel(ctx))
	}
	fire, why, err := ingest.Due(ctx, ds, ingest.Batch{NewFiles: t.NewFiles, After: t.After}, time.Now())
	if err != nil {
		return err
	}
	say := func(format string, args ...any) {
		if !f.Settings.Quiet {
			cmdutil.Fprintf(f.IO.ErrOut, format+"\n", args...)
		}
	}
	if !fire {
		say("Then: not run (%s)", why)
		return nil
	}
	say("Then: running (%s)", why)
	for _, c := range t.Then {
		if err := runThen(ctx, f, c); err != nil {
			return err // what was pending stays so: the next run tries again
		}
	}
	return ingest.Ran(ctx, ds, time.Now())
}

// runThen runs one lakectl command as its own process, with this one's
// catalog and settings in its environment; its output goes to stderr when
// this command's stdout is JSON or CSV.
func runThen(ctx context.Context, f *cmdutil.Factory, command string) error {
	args, _ := shlex.Split(command)
	if args[0] == "lakectl" {
		args = args[1:]
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, self, args...)
	cmd.Env = append(os.Environ(), childEnv(f.Settings)...)
	cmd.Stdout, cmd.Stderr = f.IO.Out, f.IO.ErrOut
	if f.Settings.Output != "table" {
		cmd.Stdout = f.IO.ErrOut
	}
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code := ee.ExitCode()
			if code != 1 && code != 2 && code != 130 {
				code = 3
			}
			return &cmdutil.ExitError{Code: code, Msg: fmt.Sprintf("then %q: exit status %d; it runs again after the next ingest", command, ee.ExitCode())}
		}
		return fmt.Errorf("then %q: %w", command, err)
	}
	return nil
}

// childEnv passes the settings this command resolved (from flags, the
// environment or the config file) to a lakectl it runs, through their
// environment variables.
func childEnv(s *cmdutil.Settings) []string {
	env := []string{"LAKECTL_HOME=" + s.Home}
	for name, v := range map[string]string{"LAKECTL_CATALOG": s.Catalog, "LAKECTL_PROFILE": s.AWSProfile, "LAKECTL_REGION": s.AWSRegion,
		"LAKECTL_S3_ENDPOINT": s.S3Endpoint, "LAKECTL_S3_REGION": s.S3Region} {
		if v != "" {
			env = append(env, name+"="+v)
		}
	}
	if s.S3Timeout > 0 {
		env = append(env, "LAKECTL_S3_TIMEOUT="+s.S3Timeout.String())
	}
	if s.S3MaxAttempts > 0 {
		env = append(env, fmt.Sprintf("LAKECTL_S3_MAX_ATTEMPTS=%d", s.S3MaxAttempts))
	}
	if s.Quiet {
		env = append(env, "LAKECTL_QUIET=true")
	}
	return env
}
