package convert

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/storage"
	"github.com/lakectl/lakectl/internal/storage/local"
)

// Files that spell a column otherwise than the catalog (UserId for
// userid) are left as they are: compaction reads columns by the catalog's
// names, and would write them as nulls.
func TestCompactLeavesOtherSpellingsAlone(t *testing.T) {
	type row struct {
		UserId int64  `parquet:"UserId"`
		Name   string `parquet:"Name"`
	}
	dir := t.TempDir()
	for i, name := range []string{"a.parquet", "b.parquet"} {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := parquet.Write(f, []row{{int64(i), "x"}}); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	e := newEnv(t, nil)
	ctx := t.Context()
	if err := e.cat.CreateDatabase(ctx, catalog.Database{Name: "lake"}); err != nil {
		t.Fatal(err)
	}
	tb := catalog.Table{Name: "users", DatabaseName: "lake", Parameters: map[string]string{catalog.ParamClassification: "parquet"}}
	tb.StorageDescriptor.Location = "file://" + dir + "/"
	tb.StorageDescriptor.Columns = []catalog.Column{{Name: "userid", Type: "bigint", Parameters: map[string]string{catalog.ParamSourceName: "UserId"}}, {Name: "name", Type: "string"}}
	if err := e.cat.CreateTable(ctx, tb); err != nil {
		t.Fatal(err)
	}
	openStore := func(ctx context.Context, uri string) (storage.Store, error) {
		return local.New(strings.TrimPrefix(uri, "file://"))
	}
	before, _ := os.ReadDir(dir)
	sum, err := Compact(ctx, e.cat, openStore, "lake", "users", CompactOptions{RunID: "c1"})
	if err != nil || len(sum.Refused) != 1 || !strings.Contains(sum.Refused[0].Reason, "spells column userid as UserId") {
		t.Fatalf("err %v summary %+v", err, sum)
	}
	after, _ := os.ReadDir(dir)
	names := func(es []os.DirEntry) (out []string) {
		for _, e := range es {
			if strings.HasSuffix(e.Name(), ".parquet") {
				out = append(out, e.Name())
			}
		}
		return out
	}
	if !slices.Equal(names(before), names(after)) {
		t.Errorf("the files changed: %v → %v", names(before), names(after))
	}
}
