// Package validatecmd is `lakectl validate`.
package validatecmd

import (
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/cli/cmdutil"
	"github.com/lakectl/lakectl/internal/validate"
)

func NewCmdValidate(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Profile data and check it against rules, with Deequ's definitions",
		Long: `Profile data and check it against declarative rules with the definitions of
Deequ, so that a PyDeequ user reads the same numbers. See docs/validate.md.

` + sourcesHelp,
	}
	cmd.AddCommand(NewCmdProfile(f), NewCmdCheck(f), NewCmdSuggest(f), NewCmdCompare(f))
	return cmd
}

// sourcesHelp says what a source of the validate commands can be.
const sourcesHelp = `A source (SOURCE, --source, --target) is one of:

  - a catalog table, DB.TABLE;
  - a path or URI (local, file://, s3://) of CSV, JSON or Parquet files, a
    folder or one file, described as the crawler would describe it;
  - a database table, PostgreSQL or MySQL/MariaDB:
      'postgres://USER@HOST[:PORT]/DB?table=SCHEMA.NAME'
      'mysql://USER@tcp(HOST:PORT)/DB?table=NAME'
    or, with a query (--query; --source-query and --target-query for
    compare) and no table=, the query's rows. The password comes from the
    URI; from password=env:VAR, password=file:PATH or password=ssm:/path
    (an AWS SSM parameter, SecureString decrypted); from password_env=VAR
    or password_file=PATH; or from PGPASSWORD, ~/.pgpass or MYSQL_PWD. It
    is never printed. Quote the URI in a shell: ?, & and ( ) are shell
    syntax.`

// num prints a value or a metric exactly (cmdutil.Number), a missing one
// as "-".
func num(f *validate.Double) string { return orDash(f, cmdutil.Number) }

// orDash prints f with format, a missing one as "-".
func orDash(f *validate.Double, format func(float64) string) string {
	if f == nil {
		return "-"
	}
	return format(float64(*f))
}

// clip shows s on one line, its control characters escaped
// (cmdutil.Escape), cut to n characters with an ellipsis: the longest value
// a summary line (a histogram, a sample of differences) shows, on a
// terminal or not. An escape is kept or cut whole.
func clip(s string, n int) string {
	var pieces []string // the escaped characters, up to one past n
	width := 0
	for i := 0; i < len(s) && width <= n; {
		_, size := utf8.DecodeRuneInString(s[i:])
		p := cmdutil.Escape(s[i : i+size])
		pieces = append(pieces, p)
		width += utf8.RuneCountInString(p)
		i += size
	}
	if width <= n {
		return strings.Join(pieces, "")
	}
	var b strings.Builder
	width = 0
	for _, p := range pieces {
		if width += utf8.RuneCountInString(p); width > n-1 {
			break
		}
		b.WriteString(p)
	}
	return b.String() + "…"
}
