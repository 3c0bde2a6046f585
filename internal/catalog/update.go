package catalog

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// MaxUpdateAttempts bounds how often UpdateTableFunc re-reads a table that
// others keep changing.
const MaxUpdateAttempts = 100

// UpdateTableFunc reads a table, lets change modify it, and writes it back
// with the version it read. When another writer got there first it reads
// again and re-applies change, so concurrent edits of different parts of a
// table all land. change must depend only on the table it is given.
func UpdateTableFunc(ctx context.Context, c Catalog, db, name string, change func(*Table) error) (*Table, error) {
	for attempt := 1; ; attempt++ {
		t, err := c.GetTable(ctx, db, name)
		if err != nil {
			return nil, err
		}
		if err := change(t); err != nil {
			return nil, err
		}
		err = c.UpdateTable(ctx, t)
		if err == nil {
			return t, nil
		}
		if !errors.Is(err, ErrConflict) || attempt == MaxUpdateAttempts {
			if attempt > 1 {
				err = fmt.Errorf("%w (after %d attempts)", err, attempt)
			}
			return nil, err
		}
		// Back off a little, at random, so that writers racing for the same
		// table spread out instead of colliding again.
		d := time.Duration(rand.IntN(5*min(attempt, 10))+1) * time.Millisecond
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(d):
		}
	}
}
