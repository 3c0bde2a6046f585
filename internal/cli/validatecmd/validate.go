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
    URI, from a password_env=VAR or password_file=PATH parameter, or from
    PGPASSWORD, ~/.pgpass or MYSQL_PWD; it is never printed. Quote the URI
    in a shell: ?, & and ( ) are shell syntax.`

// num prints a statistic or metric with 6 significant digits, NaN and the
// infinities by name, a missing one as "-".
func num(f *validate.Double) string {
	if f == nil {
		return "-"
	}
	return f.Text(6)
}

func ptr[T any](v T) *T { return &v }

// maxCell is the widest value a table cell shows: a value can be a whole
// nested document (CSV and JSON output keep it whole).
const maxCell = 60

func clipCell(s string) string { return clip(s, maxCell) }

// clip shows s on one line, cut to n characters with an ellipsis.
func clip(s string, n int) string {
	long := utf8.RuneCountInString(s) > n
	if long {
		s = s[:runeOffset(s, n)] // bound the work on a long value
	}
	s = oneLine.Replace(s)
	if long || utf8.RuneCountInString(s) > n {
		return s[:runeOffset(s, n-1)] + "…"
	}
	return s
}

// runeOffset is the byte offset of the n-th character of s.
func runeOffset(s string, n int) int {
	off := 0
	for ; n > 0 && off < len(s); n-- {
		_, size := utf8.DecodeRuneInString(s[off:])
		off += size
	}
	return off
}

var oneLine = strings.NewReplacer("\n", `\n`, "\r", `\r`, "\t", " ")
