package catalogtest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
)

// Contents is everything a catalog holds, as a sorted set of lines, one
// per database, table version (numbered from the oldest) and partition,
// each its Glue-shaped JSON without what a catalog stamps on it itself
// (times, version numbers): two catalogs that hold the same objects have
// the same Contents.
func Contents(t testing.TB, c catalog.Catalog) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	line := func(prefix string, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, prefix+" "+string(b))
	}
	for db, err := range c.ListDatabases(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		// What a catalog stamps itself: times, versions, and in Glue the
		// account and the creating identity.
		db.CreateTime, db.CatalogID = time.Time{}, ""
		line("database "+db.Name, db)
		for tb, err := range c.ListTables(ctx, db.Name) {
			if err != nil {
				t.Fatal(err)
			}
			var versions []*catalog.Table
			for v, err := range c.ListTableVersions(ctx, tb.DatabaseName, tb.Name) {
				if err != nil {
					t.Fatal(err)
				}
				versions = append(versions, v)
			}
			slices.Reverse(versions)
			for i, v := range versions {
				v.CreateTime, v.UpdateTime, v.VersionID = time.Time{}, time.Time{}, 0
				v.CatalogID, v.CreatedBy, v.IsRegisteredWithLakeFormation = "", "", false
				line(fmt.Sprintf("table %s.%s version %d", tb.DatabaseName, tb.Name, i+1), v)
			}
			if len(tb.PartitionKeys) == 0 {
				continue
			}
			for p, err := range c.ListPartitions(ctx, tb.DatabaseName, tb.Name, nil) {
				if err != nil {
					t.Fatal(err)
				}
				p.CreationTime, p.CatalogID = time.Time{}, ""
				line(fmt.Sprintf("partition %s.%s %v", tb.DatabaseName, tb.Name, p.Values), p)
			}
		}
	}
	slices.Sort(out)
	return out
}
