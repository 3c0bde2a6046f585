package catalog

import (
	"errors"
	"fmt"
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
