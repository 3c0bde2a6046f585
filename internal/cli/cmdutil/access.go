package cmdutil

import (
	"context"
	"time"

	"github.com/lakectl/lakectl/internal/dataset"
)

// accessTimeout bounds what recording an access may add to a command.
const accessTimeout = 2 * time.Second

// RecordAccess records in the catalog that the command read the catalog
// tables (DB.TABLE) among ins, at f.Now(): their LastAccessTime, at most
// once an hour (catalog.RecordAccess). Commands call it once they have
// read the data. It is best effort and silent: a catalog lakectl may not
// write, a concurrent writer or a slow catalog leave the access
// unrecorded, and the command's result and exit status never depend on
// it. Sources that are paths or databases are no catalog table's access.
func (f *Factory) RecordAccess(ctx context.Context, ins ...dataset.Input) {
	ctx, cancel := context.WithTimeout(ctx, accessTimeout)
	defer cancel()
	for _, in := range ins {
		if !in.FromCatalog || in.Table == nil {
			continue
		}
		c, err := f.Catalog(ctx)
		if err != nil {
			return
		}
		c.RecordAccess(ctx, in.Table.DatabaseName, in.Table.Name, f.Now())
	}
}
