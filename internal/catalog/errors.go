package catalog

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors every backend returns (wrapped with context); compare with
// errors.Is.
var (
	ErrNotFound      = errors.New("not found")
	ErrAlreadyExists = errors.New("already exists")
	// ErrConflict: an update was based on a version that is no longer
	// current; nothing was written.
	ErrConflict = errors.New("version conflict: changed by someone else since it was read")
	// ErrInvalid: a name, type or field breaks the catalog's rules. It is
	// the caller's mistake, not a failure of the catalog.
	ErrInvalid = errors.New("invalid")
)

// Invalidf reports input that breaks the catalog's rules: the message is
// printed as it is and the error matches ErrInvalid.
func Invalidf(format string, args ...any) error {
	return &invalidError{msg: fmt.Sprintf(format, args...)}
}

type invalidError struct{ msg string }

func (e *invalidError) Error() string        { return e.msg }
func (e *invalidError) Is(target error) bool { return target == ErrInvalid }

// OptionError is a usage error about one option of a call, named as its
// options struct names it (PartitionBy, Transforms.cast), and the value
// at fault, if one: domain packages know no flags, and a command maps the
// option to its flag (--partition-by) before printing. It matches
// ErrInvalid.
type OptionError struct {
	Option, Value, Msg string
}

// OptionErrorf reports a wrong value of an option ("" when the option as a
// whole is at fault).
func OptionErrorf(option, value, format string, args ...any) error {
	return &OptionError{Option: option, Value: value, Msg: fmt.Sprintf(format, args...)}
}

// Named reads the error as it would be with the option named name.
func (e *OptionError) Named(name string) string {
	if e.Value != "" {
		name += " " + e.Value
	}
	return name + ": " + e.Msg
}

func (e *OptionError) Error() string        { return e.Named(e.Option) }
func (e *OptionError) Is(target error) bool { return target == ErrInvalid }

// OneOf words the values an option takes as every error about one words
// them: "append, overwrite or overwrite-partitions" (a usage error says
// `want ` + OneOf(values)).
func OneOf(values ...string) string {
	switch len(values) {
	case 0:
		return ""
	case 1:
		return values[0]
	}
	return strings.Join(values[:len(values)-1], ", ") + " or " + values[len(values)-1]
}
