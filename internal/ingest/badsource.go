package ingest

import (
	"fmt"
	"io/fs"
)

// badSource is a source named wrongly: the user's mistake, matching
// fs.ErrInvalid (a usage error), printed as given.
func badSource(format string, args ...any) error {
	return &sourceError{fmt.Sprintf(format, args...)}
}

type sourceError struct{ msg string }

func (e *sourceError) Error() string        { return e.msg }
func (e *sourceError) Is(target error) bool { return target == fs.ErrInvalid }
