package cmdutil

import (
	"errors"
	"fmt"
	"strings"

	"github.com/lakectl/lakectl/internal/catalog"
)

// UsageError is a mistake in how lakectl was called or configured (exit 2).
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Usagef makes a UsageError.
func Usagef(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// ExitError ends the command with a given status after the command has
// reported everything itself, e.g. checks that failed (exit 1). Its message
// is printed only when it is not empty.
type ExitError struct {
	Code int
	Msg  string
}

func (e *ExitError) Error() string { return e.Msg }

// ErrDataFailed is returned by commands whose data failed a check (exit 1)
// after they have printed their report.
var ErrDataFailed = &ExitError{Code: 1}

// IsUsage reports whether err is a UsageError.
func IsUsage(err error) bool {
	var u *UsageError
	return errors.As(err, &u)
}

// FlagErrors names the command's flags in an error whose domain package
// named an option (catalog.OptionError): PartitionBy becomes
// --partition-by. The error still matches what it matched.
func FlagErrors(err error, flags map[string]string) error {
	var oe *catalog.OptionError
	if !errors.As(err, &oe) {
		return err
	}
	flag, ok := flags[oe.Option]
	if !ok {
		return err
	}
	return &flagError{msg: strings.Replace(err.Error(), oe.Error(), oe.Named(flag), 1), err: err}
}

type flagError struct {
	msg string
	err error
}

func (e *flagError) Error() string { return e.msg }
func (e *flagError) Unwrap() error { return e.err }
