// Package migrate is what the SQL catalog backends' schema migrations
// share: an ordered list of steps, each applied once and in order, in the
// transaction that records the version it reaches. How a backend locks
// its catalog while it migrates, and where it keeps the version, are its
// own.
package migrate

import (
	"context"
	"errors"
	"fmt"
)

// Step is one change of a catalog's schema. A released step is never
// edited: a change of schema is a new step at the end of the list, so that
// a catalog made by any earlier lakectl can be brought up to date.
type Step struct {
	Version int    // its place in the list: 1, 2, ...
	Name    string // what it does
	SQL     []string
}

// ErrTooNew: the catalog was written by a newer lakectl, whose schema this
// one does not know. It is read by none of its steps and left untouched.
var ErrTooNew = errors.New("written by a newer lakectl")

// Latest is the version a catalog has once every step is applied.
func Latest(steps []Step) int { return len(steps) }

// Pending returns the steps a catalog at version current still needs, in
// order (none when it is up to date). A catalog newer than the steps is an
// error that matches ErrTooNew.
func Pending(steps []Step, current int) ([]Step, error) {
	for i, s := range steps {
		if s.Version != i+1 {
			return nil, fmt.Errorf("migration %q is number %d in the list but says %d", s.Name, i+1, s.Version)
		}
	}
	if current > len(steps) {
		return nil, &tooNewError{current: current, latest: len(steps)}
	}
	if current < 0 {
		return nil, fmt.Errorf("schema version %d is negative", current)
	}
	return steps[current:], nil
}

type tooNewError struct{ current, latest int }

func (e *tooNewError) Error() string {
	return fmt.Sprintf("%v (schema version %d; this one knows up to %d): use that lakectl or a newer one; this one leaves it untouched",
		ErrTooNew, e.current, e.latest)
}

func (e *tooNewError) Is(target error) bool { return target == ErrTooNew }

// Apply brings a catalog at version current up to date, in the caller's
// transaction: exec runs one statement, record notes that a step is done.
// It returns the steps it applied.
func Apply(ctx context.Context, steps []Step, current int, exec func(ctx context.Context, stmt string) error, record func(ctx context.Context, s Step) error) ([]Step, error) {
	pending, err := Pending(steps, current)
	if err != nil {
		return nil, err
	}
	for _, s := range pending {
		for _, stmt := range s.SQL {
			if err := exec(ctx, stmt); err != nil {
				return nil, fmt.Errorf("migration %d (%s): %w", s.Version, s.Name, err)
			}
		}
		if err := record(ctx, s); err != nil {
			return nil, fmt.Errorf("migration %d (%s): %w", s.Version, s.Name, err)
		}
	}
	return pending, nil
}
