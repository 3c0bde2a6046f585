package cmdutil

import (
	"errors"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/lakectl/lakectl/internal/catalog"
)

// Want words a mistake about a value the way every usage error words it:
// `--mode "x": want append, overwrite or overwrite-partitions`. name is the
// flag (--mode) or where the value came from (LAKECTL_OUTPUT).
func Want(name, value, want string) error {
	return Usagef("%s %q: want %s", name, value, want)
}

// Choose finds value among choices whatever its case, and returns the
// choice as written there.
func Choose(value string, choices []string) (string, bool) {
	for _, c := range choices {
		if strings.EqualFold(value, c) {
			return c, true
		}
	}
	return "", false
}

// EnumVar defines a flag that takes one of choices, in any case (-o JSON
// is -o json); it holds the choice as written in choices. The choices are
// appended to usage, and offered by shell completion.
func EnumVar(cmd *cobra.Command, p *string, name, value string, choices []string, usage string) {
	*p = value
	cmd.Flags().Var(&enumValue{p: p, choices: choices}, name, usage+": "+catalog.OneOf(choices...))
	cmd.RegisterFlagCompletionFunc(name, cobra.FixedCompletions(choices, cobra.ShellCompDirectiveNoFileComp))
}

type enumValue struct {
	p       *string
	choices []string
}

func (e *enumValue) String() string { return *e.p }
func (e *enumValue) Type() string   { return "string" }
func (e *enumValue) Set(v string) error {
	c, ok := Choose(v, e.choices)
	if !ok {
		return wantError("want " + catalog.OneOf(e.choices...))
	}
	*e.p = c
	return nil
}

// ListVar defines a flag that takes several values: repeated, as a comma
// list, or both (--mask phone,email --mask ssn). A comma splits only at the
// top level: not inside (), <>, [] or {}, nor inside double quotes, so
// that a value may hold one (--column 'amount:decimal(10,2)', --exclude
// '**/{tmp,old}/**', --mask '"last, first"'); double quotes around a whole
// item are removed. Flags whose values are free text (comments,
// descriptions, parameter values) are not lists: they are repeated.
func ListVar(fs *pflag.FlagSet, p *[]string, name, usage string) {
	fs.Var(&listValue{p: p}, name, usage)
}

type listValue struct {
	p       *[]string
	changed bool
}

func (l *listValue) Type() string   { return "strings" }
func (l *listValue) String() string { return strings.Join(*l.p, ",") }
func (l *listValue) Set(v string) error {
	items, err := SplitList(v)
	if err != nil {
		return err
	}
	if !l.changed {
		*l.p, l.changed = nil, true // the first value replaces the default
	}
	*l.p = append(*l.p, items...)
	return nil
}

// SplitList splits a list flag's value at its top-level commas (see
// ListVar).
func SplitList(v string) ([]string, error) {
	var items []string
	depth, quoted, start := 0, false, 0
	add := func(item string) error {
		item = strings.TrimSpace(item)
		if len(item) >= 2 && item[0] == '"' && item[len(item)-1] == '"' {
			item = strings.ReplaceAll(item[1:len(item)-1], `""`, `"`)
		}
		if item == "" {
			return wantError("want values separated by commas, none of them empty")
		}
		items = append(items, item)
		return nil
	}
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '"':
			quoted = !quoted
		case quoted:
		case strings.IndexByte("(<[{", c) >= 0:
			depth++
		case strings.IndexByte(")>]}", c) >= 0:
			depth = max(depth-1, 0)
		case c == ',' && depth == 0:
			if err := add(v[start:i]); err != nil {
				return nil, err
			}
			start = i + 1
		}
	}
	if err := add(v[start:]); err != nil {
		return nil, err
	}
	return items, nil
}

// Alias adds old as a hidden flag that sets the same value as name (a flag
// renamed keeps working under its old name).
func Alias(fs *pflag.FlagSet, name, old string) {
	f := fs.Lookup(name)
	fs.AddFlag(&pflag.Flag{Name: old, Value: f.Value, DefValue: f.DefValue, Usage: "the old name of --" + name, Hidden: true})
}

// wantError is a flag value's own "want ..." message, printed as it is.
type wantError string

func (e wantError) Error() string { return string(e) }

// FlagError words the errors of parsing flags as every usage error is
// worded (see Want), e.g. `--workers "x": want a whole number` where pflag
// says `invalid argument "x" for "--workers" flag: strconv.ParseInt: ...`.
func FlagError(_ *cobra.Command, err error) error {
	var bad *pflag.InvalidValueError
	if !errors.As(err, &bad) {
		return &UsageError{Err: err}
	}
	name, value := "--"+bad.GetFlag().Name, bad.GetValue()
	var want wantError
	if errors.As(err, &want) {
		return Usagef("%s %q: %s", name, value, want)
	}
	switch bad.GetFlag().Value.Type() {
	case "int", "int64", "uint", "uint64":
		return Want(name, value, "a whole number")
	case "duration":
		return Want(name, value, "a duration such as 30s, 5m or 1h30m")
	case "bool":
		return Want(name, value, "true or false")
	}
	return Usagef("%s %q: %v", name, value, errors.Unwrap(err))
}
