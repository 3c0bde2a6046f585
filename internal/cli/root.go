// Package cli wires lakectl's commands: the root command, the global flags
// and the one place where errors become exit codes.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"runtime/pprof"
	"slices"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/awsconfig"
	"github.com/lakectl/lakectl/internal/backends"
	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/catalog/migrate"
	"github.com/lakectl/lakectl/internal/catalog/postgres"
	"github.com/lakectl/lakectl/internal/catalog/sqlite"
	"github.com/lakectl/lakectl/internal/cli/catalogcmd"
	"github.com/lakectl/lakectl/internal/cli/cmdutil"
	"github.com/lakectl/lakectl/internal/cli/convertcmd"
	"github.com/lakectl/lakectl/internal/cli/crawlcmd"
	"github.com/lakectl/lakectl/internal/cli/ingestcmd"
	"github.com/lakectl/lakectl/internal/cli/metricscmd"
	"github.com/lakectl/lakectl/internal/cli/searchcmd"
	"github.com/lakectl/lakectl/internal/cli/storagecmd"
	"github.com/lakectl/lakectl/internal/cli/tablecmd"
	"github.com/lakectl/lakectl/internal/cli/validatecmd"
	"github.com/lakectl/lakectl/internal/cli/version"
	"github.com/lakectl/lakectl/internal/ingest"
	"github.com/lakectl/lakectl/internal/ingest/sharepoint"
	"github.com/lakectl/lakectl/internal/secret"
	"github.com/lakectl/lakectl/internal/storage/s3"
)

// Exit statuses; `lakectl help exit-codes` explains them.
const (
	ExitOK          = 0
	ExitDataFailed  = 1
	ExitUsage       = 2
	ExitFailure     = 3
	ExitInterrupted = 130
)

// Main runs lakectl with the process's arguments and returns its exit status.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The first signal cancels the work so it can clean up; a second one
	// gets the default behaviour and ends the process at once.
	go func() {
		<-ctx.Done()
		stop()
	}()
	// LAKECTL_CPUPROFILE=FILE writes a CPU profile of the run, for
	// performance work (docs/development.md).
	if path := os.Getenv("LAKECTL_CPUPROFILE"); path != "" {
		if out, err := os.Create(path); err == nil && pprof.StartCPUProfile(out) == nil {
			defer out.Close()
			defer pprof.StopCPUProfile()
		}
	}
	f := &cmdutil.Factory{IO: cmdutil.System(os.Getenv), Getenv: os.Getenv, Now: clock(os.Getenv("LAKECTL_NOW"))}
	return Run(ctx, f, os.Args[1:])
}

// clock is the time lakectl runs at: the system's, or, where LAKECTL_NOW
// holds an RFC 3339 time, that time, moving on from the start of the run.
// Tests of what is kept by date (metrics snapshots a day, access recorded
// once an hour) set it; docs/development.md.
func clock(at string) func() time.Time {
	t, err := time.Parse(time.RFC3339, at)
	if at == "" || err != nil {
		return time.Now
	}
	start := time.Now()
	return func() time.Time { return t.Add(time.Since(start)) }
}

// Run runs one command line and returns its exit status, having printed
// any error on f.IO.ErrOut.
func Run(ctx context.Context, f *cmdutil.Factory, args []string) int {
	root := NewCmdRoot(f)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err != nil && f.Settings == nil && !cmdutil.IsUsage(err) {
		// cobra failed before any command ran: an unknown command, a
		// wrong number of arguments.
		err = &cmdutil.UsageError{Err: err}
	}
	if cerr := f.Close(); err == nil && cerr != nil {
		err = cerr
	}
	code := ExitCode(ctx, err)
	if code == ExitInterrupted {
		err = errors.New("interrupted; nothing partial was left visible")
	}
	if err != nil && err.Error() != "" {
		// No password in a URI, no secret read, is ever printed, nor a
		// control character of a name or value (an error may hold lines of
		// its own).
		fmt.Fprintf(f.IO.ErrOut, "lakectl: %s\n", cmdutil.EscapeLines(f.Redact(err.Error())))
		if code == ExitUsage && isUsage(err) {
			c, _, _ := root.Find(args) // the deepest command found, even of an unknown one
			if c == nil {
				c = root
			}
			fmt.Fprintf(f.IO.ErrOut, "Run '%s --help' for usage.\n", c.CommandPath())
		}
	}
	return code
}

// isUsage tells the errors of exit status 2 that are a mistake in the
// command line (a flag, an argument, a name, a URI), which end with a
// pointer to the command's --help, from those of the configuration or the
// environment (an AWS profile, credentials, a file that is not a catalog).
func isUsage(err error) bool {
	return cmdutil.IsUsage(err) ||
		errors.Is(err, catalog.ErrInvalid) ||
		errors.Is(err, fs.ErrInvalid) ||
		errors.Is(err, backends.ErrBadURI)
}

// ExitCode decides the exit status of an error, in one place.
func ExitCode(ctx context.Context, err error) int {
	var exit *cmdutil.ExitError
	var httpErr *ingest.HTTPError
	switch {
	case err == nil:
		return ExitOK
	case ctx.Err() != nil || errors.Is(err, context.Canceled):
		return ExitInterrupted
	case errors.As(err, &exit):
		return exit.Code
	case errors.As(err, &httpErr) && slices.Contains([]int{401, 403, 404, 410}, httpErr.StatusCode):
		return ExitUsage // a URL that names nothing, or credentials refused: as a missing path or bucket
	case cmdutil.IsUsage(err),
		errors.Is(err, catalog.ErrInvalid),
		errors.Is(err, fs.ErrInvalid),
		errors.Is(err, backends.ErrBadURI),
		errors.Is(err, sqlite.ErrNotCatalog),
		errors.Is(err, sqlite.ErrNoFolder),
		errors.Is(err, migrate.ErrTooNew),
		errors.Is(err, postgres.ErrNotCatalog),
		errors.Is(err, postgres.ErrRefused),
		errors.Is(err, awsconfig.ErrConfig),
		errors.Is(err, secret.ErrUnavailable),
		errors.Is(err, sharepoint.ErrAccess),
		errors.Is(err, sharepoint.ErrNotFound),
		errors.Is(err, s3.ErrNoCredentials),
		errors.Is(err, s3.ErrBucketNotFound),
		errors.Is(err, s3.ErrAccessDenied):
		return ExitUsage
	}
	return ExitFailure
}

// NewCmdRoot builds the command tree.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "lakectl",
		Short: "The AWS Glue data-lake toolkit in one binary",
		Long: `lakectl keeps a Glue-shaped catalog of a data lake on local disk or S3. It
lands files, database tables and SharePoint lists in the raw zone (only
what is new, exactly once), crawls data files into tables as a Glue crawler
does, converts them to partitioned Parquet, profiles, checks and compares
data with Deequ's definitions (keeping their metrics to call out
anomalies), verifies and repairs tables, snapshots the lake's metrics
daily for reports and a dashboard, indexes and searches objects and the
catalog, and classifies columns from their values. Data is
read from local paths, s3:// URIs and catalog tables (DB.TABLE); ingest
also reads http(s):// URLs and SharePoint, and ingest and the validate
commands read PostgreSQL and MySQL tables and queries (postgres://,
mysql://).

The catalog is an embedded SQLite file by default ($LAKECTL_HOME/catalog.db,
LAKECTL_HOME defaulting to ~/.lakectl); --catalog or LAKECTL_CATALOG choose
another: a SQLite file, a PostgreSQL schema (postgres://) or the AWS Glue
Data Catalog (glue://). Results go to stdout (--output table|json|csv), diagnostics to
stderr. See 'lakectl help exit-codes' and 'lakectl help environment'.`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       version.Version,
	}
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	root.SetIn(f.IO.In)
	root.SetVersionTemplate("lakectl {{.Version}}\n")

	pf := root.PersistentFlags()
	pf.String("config", "", "config file (default $LAKECTL_HOME/config.yaml; env LAKECTL_CONFIG)")
	for _, g := range cmdutil.GlobalFlags {
		if g.Name == "quiet" {
			pf.BoolP(g.Name, "q", false, g.Usage+" (env "+g.Env+")")
		} else {
			pf.String(g.Name, "", g.Usage+" (env "+g.Env+")")
		}
	}
	pf.Lookup("output").Shorthand = "o"
	pf.Lookup("output").DefValue = "table"
	pf.Lookup("progress").DefValue = cmdutil.ProgressAuto
	pf.String("query", "", "a JMESPath expression that selects what JSON output prints, as the aws CLI's --query does (implies -o json; on validate check, profile and suggest, --query is the SQL of a database source)")
	pf.SetAnnotation("query", cmdutil.JMESPathAnnotation, []string{"true"})
	root.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(cmdutil.Outputs, cobra.ShellCompDirectiveNoFileComp))
	root.RegisterFlagCompletionFunc("progress", cobra.FixedCompletions(cmdutil.ProgressModes, cobra.ShellCompDirectiveNoFileComp))

	// Errors before a command runs (unknown commands, flags, arguments)
	// are usage errors; see Run.
	root.SetFlagErrorFunc(cmdutil.FlagError)
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		if cmd.Name() == cobra.ShellCompRequestCmd || cmd.Name() == cobra.ShellCompNoDescRequestCmd {
			// Completion resolves the settings of the command it completes
			// (cmdutil.TableArg, ...), and fails silently.
			return nil
		}
		s, err := cmdutil.Resolve(cmd.Flags(), f.Getenv)
		if err != nil {
			return err
		}
		f.Settings = s
		return nil
	}

	root.AddCommand(
		catalogcmd.NewCmdCatalog(f),
		ingestcmd.NewCmdIngest(f),
		metricscmd.NewCmdMetrics(f),
		searchcmd.NewCmdSearch(f),
		crawlcmd.NewCmdCrawl(f),
		convertcmd.NewCmdConvert(f),
		validatecmd.NewCmdValidate(f),
		storagecmd.NewCmdStorage(f),
		tablecmd.NewCmdTable(f),
		version.NewCmdVersion(f),
		helpTopic("exit-codes", "What lakectl's exit statuses mean", exitCodesHelp),
		helpTopic("environment", "Settings from flags, LAKECTL_* variables and the config file", environmentHelp),
	)
	refuseUnknownCommands(root)
	return root
}

// refuseUnknownCommands makes a group of commands (lakectl catalog) refuse
// an argument that names none of them, as lakectl itself does: cobra would
// print the group's help and exit 0.
func refuseUnknownCommands(c *cobra.Command) {
	for _, sub := range c.Commands() {
		if sub.HasSubCommands() && !sub.Runnable() {
			sub.Args = cobra.NoArgs
			sub.RunE = func(cmd *cobra.Command, args []string) error { return cmd.Help() }
		}
		refuseUnknownCommands(sub)
	}
}

func helpTopic(name, short, long string) *cobra.Command {
	return &cobra.Command{Use: name, Short: short, Long: long}
}

const exitCodesHelp = `lakectl's exit status says what happened, so that scripts and CI can act on it:

  0    success
  1    the command ran and the data failed it: validation checks that
       failed, a migration compare that found differences, a crawl that
       would create more tables than --table-threshold, a convert with more
       bad records than allowed, a table check that found problems (left),
       a catalog copy that left objects which differ. The report is on
       stdout as usual.
  2    usage or configuration error: an unknown command or flag, a wrong
       argument, an invalid name or type (names are lowercase letters,
       digits and _, at most 128 characters), an unknown catalog or storage
       scheme, a file or schema that is not a lakectl catalog, a catalog a
       newer lakectl wrote, a config file that cannot be read, an AWS
       profile that does not exist, missing or rejected S3 credentials, a
       missing bucket, a PostgreSQL login, database or permission the
       server refused.
  3    runtime failure: I/O, network, or the catalog refused the operation
       (something to create already exists, something to change or show
       does not exist, a concurrent update won the race). A write that
       fails once its commit is decided says so: the next write into the
       destination, or 'lakectl table check --repair', finishes it.
  130  interrupted (Ctrl-C or SIGTERM); nothing partial is left visible.

Errors are printed on stderr as one line starting with "lakectl: "; a
mistake in the command line is followed by "Run 'lakectl COMMAND --help'
for usage."`

const environmentHelp = `Global settings come from, in order of precedence: command-line flags, then
LAKECTL_* environment variables, then the config file, then defaults.

  flag            environment            config key     default
  --catalog       LAKECTL_CATALOG        catalog        sqlite:$LAKECTL_HOME/catalog.db
  --output, -o    LAKECTL_OUTPUT         output         table
  --quiet, -q     LAKECTL_QUIET          quiet          false
  --progress      LAKECTL_PROGRESS       progress       auto
  --profile       LAKECTL_PROFILE        profile        (AWS_PROFILE, else default)
  --region        LAKECTL_REGION         region         (AWS_REGION, else the profile's)
  --s3-endpoint   LAKECTL_S3_ENDPOINT    s3-endpoint    (AWS)
  --s3-region     LAKECTL_S3_REGION      s3-region      (--region)
  --s3-timeout    LAKECTL_S3_TIMEOUT     s3-timeout     15s
  --s3-max-attempts LAKECTL_S3_MAX_ATTEMPTS s3-max-attempts 3
  --config        LAKECTL_CONFIG         -              $LAKECTL_HOME/config.yaml

LAKECTL_HOME defaults to ~/.lakectl. The config file is YAML with the keys
above, for example:

  catalog: sqlite:/srv/lake/catalog.db
  output: json
  s3-endpoint: http://127.0.0.1:9000

--progress auto shows a bar on stderr when it is a terminal, the output is
a table and --quiet is not set; bar shows it anyway, json prints JSON lines
(docs/conventions.md), none nothing.

An unknown key in the config file is an error. AWS credentials and region
come from the standard AWS chain (AWS_PROFILE, AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY, ~/.aws/config, SSO, instance and container roles),
one configuration for S3 and Glue alike; lakectl never prints or stores
them. --profile (or LAKECTL_PROFILE, or profile: in the config file) chooses
a profile of the AWS config files, and outranks credentials in the
environment, as the aws CLI's --profile does; a profile that does not exist
is a configuration error (exit 2). --region outranks AWS_REGION and the
profile's region; --s3-region outranks --region for S3 alone.

Tables are fitted to the terminal's width, its cells cut with "…", only when
stdout is a terminal (COLUMNS gives the width of one that does not tell it);
LAKECTL_FORCE_TTY=COLUMNS prints as on a terminal that many columns wide,
whatever stdout is (LAKECTL_FORCE_TTY=$COLUMNS lakectl ... | less).

Catalog URIs: sqlite:PATH (a plain PATH also means a SQLite file),
postgres://USER@HOST[:PORT]/DB[?schema=NAME] (the password from PGPASSWORD
or ~/.pgpass, or in the URI), or glue://?region=R[&catalog-id=ID] (the AWS
Glue Data Catalog, with the AWS configuration above); see docs/catalog.md.
Storage URIs: a local path, file:///PATH, or s3://BUCKET/PREFIX.`
