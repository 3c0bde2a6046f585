package cmdutil

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jmespath-community/go-jmespath"
	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"

	"github.com/lakectl/lakectl/internal/redact"
)

// Settings are the global settings every command shares, resolved with the
// precedence flags > LAKECTL_* environment > config file > defaults.
type Settings struct {
	Home       string // LAKECTL_HOME, default ~/.lakectl
	ConfigFile string // the config file read, if any
	Catalog    string // catalog URI
	Output     string // table, json or csv
	Quiet      bool
	// AWSProfile and AWSRegion choose the AWS configuration every AWS
	// client shares (see Factory.AWSConfig); empty: the standard chain's.
	AWSProfile string
	AWSRegion  string
	S3Endpoint string
	S3Region   string
	// S3Timeout and S3MaxAttempts bound S3 requests (zero: the defaults).
	S3Timeout     time.Duration
	S3MaxAttempts int
	// Query selects what JSON output prints (--query), nil for all of it.
	Query jmespath.JMESPath
	// Progress is how long work shows its progress on stderr: auto (a bar
	// when a person watches), bar, json or none.
	Progress string
}

// Outputs are the values of --output (junit only for validate check).
var Outputs = []string{"table", "json", "csv", "junit"}

// Progress modes, the values of --progress.
const (
	ProgressAuto = "auto"
	ProgressBar  = "bar"
	ProgressJSON = "json"
	ProgressNone = "none"
)

// ProgressModes are the values of --progress.
var ProgressModes = []string{ProgressAuto, ProgressBar, ProgressJSON, ProgressNone}

// GlobalFlag describes a global flag that may also come from the
// environment and the config file, under the same name.
type GlobalFlag struct {
	Name, Env, Usage string
}

// GlobalFlags are the flags resolved by Resolve; their config-file keys are
// their names.
var GlobalFlags = []GlobalFlag{
	{"catalog", "LAKECTL_CATALOG", "catalog URI: sqlite:PATH, postgres://USER@HOST/DB[?schema=NAME] or glue://?region=R (default sqlite:$LAKECTL_HOME/catalog.db)"},
	{"output", "LAKECTL_OUTPUT", "output format: table, json or csv (junit for validate check)"},
	{"quiet", "LAKECTL_QUIET", "print no progress or confirmations, only results and errors"},
	{"progress", "LAKECTL_PROGRESS", "progress of long work on stderr: auto (a bar when stderr is a terminal, the output a table and -q not set), bar, json (JSON lines) or none"},
	{"profile", "LAKECTL_PROFILE", "AWS profile for S3 and Glue, from the AWS config files (default: AWS_PROFILE, else default)"},
	{"region", "LAKECTL_REGION", "AWS region for S3 and Glue (default: AWS_REGION, else the profile's)"},
	{"s3-endpoint", "LAKECTL_S3_ENDPOINT", "URL of an S3-compatible server (implies path-style addressing)"},
	{"s3-region", "LAKECTL_S3_REGION", "AWS region for S3 alone, where it differs from --region"},
	{"s3-timeout", "LAKECTL_S3_TIMEOUT", "how long an S3 request waits to connect and for an answer to start (default 15s)"},
	{"s3-max-attempts", "LAKECTL_S3_MAX_ATTEMPTS", "tries of an S3 request that failed for a transient reason (default 3)"},
}

// Resolve fills Settings from the parsed flags, the environment (getenv)
// and the config file. An explicit config file (--config or
// LAKECTL_CONFIG) must exist; the default one, $LAKECTL_HOME/config.yaml,
// is read only when present.
func Resolve(flags *pflag.FlagSet, getenv func(string) string) (*Settings, error) {
	s := &Settings{Home: getenv("LAKECTL_HOME")}
	if s.Home == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil, Usagef("cannot find the home folder (%v): set LAKECTL_HOME", err)
		}
		s.Home = filepath.Join(home, ".lakectl")
	}

	configFile, explicit := flagValue(flags, "config"), true
	if configFile == "" {
		configFile = getenv("LAKECTL_CONFIG")
	}
	if configFile == "" {
		configFile, explicit = filepath.Join(s.Home, "config.yaml"), false
	}
	file, err := readConfig(configFile, explicit)
	if err != nil {
		return nil, err
	}
	if file != nil {
		s.ConfigFile = configFile
	}

	value := func(name string) (string, string) {
		if f := flags.Lookup(name); f != nil && f.Changed {
			return f.Value.String(), "--" + name
		}
		for _, g := range GlobalFlags {
			if g.Name == name {
				if v := getenv(g.Env); v != "" {
					return v, g.Env
				}
			}
		}
		if v, ok := file[name]; ok {
			return v, configFile + ": " + name
		}
		if f := flags.Lookup(name); f != nil {
			return f.DefValue, ""
		}
		return "", ""
	}

	s.Catalog, _ = value("catalog")
	s.AWSProfile, _ = value("profile")
	s.AWSRegion, _ = value("region")
	var from string
	s.S3Endpoint, from = value("s3-endpoint")
	if e := s.S3Endpoint; e != "" {
		if u, err := url.Parse(e); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, Want(orFlag(from, "--s3-endpoint"), redact.Text(e), "http://HOST[:PORT] or https://HOST[:PORT]")
		}
	}
	s.S3Region, _ = value("s3-region")
	if v, from := value("s3-timeout"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return nil, Want(orFlag(from, "--s3-timeout"), v, "a positive duration such as 15s")
		}
		s.S3Timeout = d
	}
	if v, from := value("s3-max-attempts"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, Want(orFlag(from, "--s3-max-attempts"), v, "a whole number, at least 1")
		}
		s.S3MaxAttempts = n
	}
	if v := getenv(ForceTTYEnv); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n < 0 {
			return nil, Usagef("%s %q: want the width of a terminal, in columns", ForceTTYEnv, v)
		}
	}
	out, from := value("output")
	if out == "" {
		out = "table"
	}
	chosen, ok := Choose(out, Outputs)
	if !ok {
		return nil, Want(orFlag(from, "--output"), out, "table, json or csv (or junit, for validate check)")
	}
	out = chosen
	s.Output = out
	if q := jmespathQuery(flags); q != "" {
		if s.Query, err = jmespath.Compile(q); err != nil {
			return nil, Usagef("--query %q: not a JMESPath expression: %v", q, err)
		}
		// --query selects from JSON: a flag, it outranks the output the
		// environment or the config file set, but not --output.
		if out != "json" && from == "--output" {
			return nil, Usagef("--query selects from JSON output, and --output asks for %s: leave one out", out)
		}
		s.Output = "json"
	}
	s.Progress = ProgressAuto
	if v, from := value("progress"); v != "" {
		var ok bool
		if s.Progress, ok = Choose(v, ProgressModes); !ok {
			return nil, Want(orFlag(from, "--progress"), v, "auto, bar, json or none")
		}
	}
	if q, from := value("quiet"); q != "" {
		b, err := strconv.ParseBool(q)
		if err != nil {
			return nil, Want(orFlag(from, "--quiet"), q, "true or false")
		}
		s.Quiet = b
	}
	return s, nil
}

// JMESPathAnnotation marks the global --query flag, the JMESPath one: the
// commands of validate that read a database source have a --query of their
// own, the SQL whose rows are the source, which hides it.
const JMESPathAnnotation = "lakectl/jmespath"

func jmespathQuery(flags *pflag.FlagSet) string {
	f := flags.Lookup("query")
	if f == nil || f.Annotations[JMESPathAnnotation] == nil {
		return ""
	}
	return f.Value.String()
}

func orFlag(from, flag string) string {
	if from == "" {
		return flag
	}
	return from
}

func flagValue(flags *pflag.FlagSet, name string) string {
	if f := flags.Lookup(name); f != nil {
		return f.Value.String()
	}
	return ""
}

// readConfig reads a YAML file of global settings. Unknown keys are errors,
// so that a typo does not pass unnoticed.
func readConfig(path string, mustExist bool) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && !mustExist {
		return nil, nil
	}
	if err != nil {
		return nil, Usagef("config file: %v", err)
	}
	raw := map[string]any{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil && len(bytes.TrimSpace(data)) > 0 {
		return nil, Usagef("config file %s: %v", path, err)
	}
	out := map[string]string{}
	for k, v := range raw {
		known := false
		for _, g := range GlobalFlags {
			known = known || g.Name == k
		}
		if !known {
			names := make([]string, len(GlobalFlags))
			for i, g := range GlobalFlags {
				names[i] = g.Name
			}
			return nil, Usagef("config file %s: unknown setting %q (known: %s)", path, k, strings.Join(names, ", "))
		}
		out[k] = fmt.Sprint(v)
	}
	return out, nil
}
