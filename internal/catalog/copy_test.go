package catalog_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/catalog/catalogtest"
	"github.com/lakectl/lakectl/internal/catalog/postgres"
	"github.com/lakectl/lakectl/internal/catalog/sqlite"
	"github.com/lakectl/lakectl/internal/testenv"
)

func newSQLite(t *testing.T) catalog.Catalog {
	c, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func newPostgres(t *testing.T) catalog.Catalog {
	c, err := postgres.Open(t.Context(), testenv.PostgresCatalog(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func copyAll(t *testing.T, from, to catalog.Catalog, opts catalog.CopyOptions) *catalog.CopyReport {
	t.Helper()
	rep, err := catalog.Copy(t.Context(), from, to, opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func sameContents(t *testing.T, a, b catalog.Catalog) {
	t.Helper()
	ca, cb := catalogtest.Contents(t, a), catalogtest.Contents(t, b)
	if !reflect.DeepEqual(ca, cb) {
		for _, l := range ca {
			if !slices.Contains(cb, l) {
				t.Errorf("only in the first: %.300s", l)
			}
		}
		for _, l := range cb {
			if !slices.Contains(ca, l) {
				t.Errorf("only in the second: %.300s", l)
			}
		}
		t.FailNow()
	}
}

// A copy, SQLite to PostgreSQL and back, brings every database, table
// version and partition; a second copy finds everything the same and
// writes nothing.
func TestCopyBothWays(t *testing.T) {
	src, pg, back := newSQLite(t), newPostgres(t), newSQLite(t)
	catalogtest.Fill(t, src)

	rep := copyAll(t, src, pg, catalog.CopyOptions{})
	sameContents(t, src, pg)
	tt := rep.Totals
	if tt.Databases.Copied != 2 || tt.Tables.Copied != catalogtest.FilledTables || tt.Versions != catalogtest.FilledVersions || tt.Partitions.Copied != catalogtest.FilledPartitions || rep.Differs() {
		t.Errorf("first copy: totals %+v", tt)
	}
	orders, err := pg.GetTable(t.Context(), "sales", "orders")
	must(t, err)
	if orders.VersionID != 3 {
		t.Errorf("the copy of a table with 3 versions is at version %d", orders.VersionID)
	}

	before := catalogtest.Contents(t, pg)
	rep = copyAll(t, src, pg, catalog.CopyOptions{})
	tt = rep.Totals
	if tt.Databases.Same != 2 || tt.Tables.Same != catalogtest.FilledTables || tt.Versions != 0 || tt.Partitions.Same != catalogtest.FilledPartitions || tt.Partitions.Copied != 0 {
		t.Errorf("second copy: totals %+v, want everything the same", tt)
	}
	if again, err := pg.GetTable(t.Context(), "sales", "orders"); err != nil || again.VersionID != 3 || !again.UpdateTime.Equal(orders.UpdateTime) {
		t.Errorf("the second copy changed the table: %+v %v", again, err)
	}
	if !reflect.DeepEqual(before, catalogtest.Contents(t, pg)) {
		t.Error("the second copy changed the target")
	}

	copyAll(t, pg, back, catalog.CopyOptions{})
	sameContents(t, src, back)
}

// Objects that exist in the target but differ are reported, field by
// field, and left alone; with Overwrite they are made as the source's, a
// table by a new version that keeps the old one in its history.
func TestCopyDifferences(t *testing.T) {
	ctx := t.Context()
	src, dst := newSQLite(t), newPostgres(t)
	catalogtest.Fill(t, src)
	copyAll(t, src, dst, catalog.CopyOptions{})
	must(t, dst.UpdateDatabase(ctx, catalog.Database{Name: "hr", Description: "changed in the target"}))
	_, err := catalog.UpdateTableFunc(ctx, dst, "sales", "customers", func(t *catalog.Table) error {
		t.Column("id").Comment = "changed in the target"
		return nil
	})
	must(t, err)
	p, err := dst.GetPartition(ctx, "sales", "orders", []string{"1000", "eu"})
	must(t, err)
	p.StorageDescriptor.Location = "s3://elsewhere/"
	must(t, dst.UpdatePartition(ctx, *p))
	must(t, dst.DeletePartitions(ctx, "sales", "orders", [][]string{{"1000", "us"}}))
	changed := catalogtest.Contents(t, dst)

	rep := copyAll(t, src, dst, catalog.CopyOptions{})
	if !rep.Differs() {
		t.Error("Differs() = false")
	}
	got := map[string]string{}
	for _, o := range rep.Objects {
		got[o.Name()] = o.Result + " " + strings.Join(o.Differences, ",")
	}
	for name, want := range map[string]string{
		"hr":                     "differs Description",
		"sales.customers":        "differs StorageDescriptor.Columns",
		"sales.orders [1000 eu]": "differs StorageDescriptor.Location",
		"sales.orders":           "same ",
		"sales":                  "same ",
		"hr.people":              "same ",
		"sales.orders [1000 us]": "",
		"sales.orders [1001 eu]": "",
	} {
		if got[name] != want {
			t.Errorf("%s: %q, want %q", name, got[name], want)
		}
	}
	if tt := rep.Totals; tt.Partitions.Copied != 1 || tt.Partitions.Differs != 1 || tt.Tables.Differs != 1 || tt.Databases.Differs != 1 {
		t.Errorf("totals %+v", tt)
	}
	// The missing partition was added; nothing else changed.
	added := catalogtest.Contents(t, dst)
	if len(added) != len(changed)+1 {
		t.Errorf("the copy changed the target beyond the missing partition: %d lines, had %d", len(added), len(changed))
	}

	rep = copyAll(t, src, dst, catalog.CopyOptions{Overwrite: true})
	if rep.Differs() || rep.Totals.Tables.Updated != 1 || rep.Totals.Databases.Updated != 1 || rep.Totals.Partitions.Updated != 1 {
		t.Errorf("with Overwrite: totals %+v", rep.Totals)
	}
	var comments []string
	for v, err := range dst.ListTableVersions(ctx, "sales", "customers") {
		must(t, err)
		comments = append(comments, fmt.Sprintf("%d:%s", v.VersionID, v.Column("id").Comment))
	}
	if want := []string{"4:customer id", "3:changed in the target", "2:customer id", "1:customer id"}; !reflect.DeepEqual(comments, want) {
		t.Errorf("versions after the overwrite: %v, want %v", comments, want)
	}
	rep = copyAll(t, src, dst, catalog.CopyOptions{})
	if rep.Differs() || rep.Totals.Tables.Same != catalogtest.FilledTables || rep.Totals.Partitions.Same != catalogtest.FilledPartitions {
		t.Errorf("after the overwrite: totals %+v", rep.Totals)
	}
}

// A copy stopped at any step is finished by running it again: the target
// ends with what the source holds, nothing twice.
func TestCopyStoppedAndRerun(t *testing.T) {
	src := newSQLite(t)
	catalogtest.Fill(t, src)
	for _, step := range []string{"copy.database", "copy.version", "copy.version#2", "copy.version#5", "copy.table", "copy.table#2", "copy.partitions", "copy.partitions#3"} {
		t.Run(step, func(t *testing.T) {
			dst := newPostgres(t)
			name, nth, _ := strings.Cut(step, "#")
			if nth == "" {
				nth = "1"
			}
			reached := 0
			stop := errors.New("stopped")
			_, err := catalog.Copy(t.Context(), src, dst, catalog.CopyOptions{Batch: 500, Failpoint: func(s string) error {
				if s == name {
					if reached++; fmt.Sprint(reached) == nth {
						return stop
					}
				}
				return nil
			}})
			if !errors.Is(err, stop) {
				t.Fatalf("the copy did not stop at %s: %v", step, err)
			}
			rep := copyAll(t, src, dst, catalog.CopyOptions{})
			sameContents(t, src, dst)
			if rep.Differs() {
				t.Errorf("the rerun found differences: %+v", rep.Totals)
			}
		})
	}
}

// Databases limits the copy; a database the source lacks is an error and
// nothing is written.
func TestCopySomeDatabases(t *testing.T) {
	src, dst := newSQLite(t), newSQLite(t)
	catalogtest.Fill(t, src)
	_, err := catalog.Copy(t.Context(), src, dst, catalog.CopyOptions{Databases: []string{"hr", "nope"}})
	if !errors.Is(err, catalog.ErrNotFound) || !strings.Contains(err.Error(), "from: database nope: not found") {
		t.Errorf("a missing database: %v", err)
	}
	if got := catalogtest.Contents(t, dst); len(got) != 0 {
		t.Errorf("something was written: %v", got)
	}
	rep := copyAll(t, src, dst, catalog.CopyOptions{Databases: []string{"HR"}})
	if rep.Totals.Databases.Copied != 1 || rep.Totals.Tables.Copied != 1 {
		t.Errorf("totals %+v", rep.Totals)
	}
	if _, err := dst.GetDatabase(t.Context(), "sales"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("sales was copied: %v", err)
	}
}

// racer is a target where someone else adds a partition, one the copy is
// about to add, just before the copy's first batch.
type racer struct {
	catalog.Catalog
	raced bool
	add   catalog.Partition
}

func (r *racer) CreatePartitions(ctx context.Context, db, table string, parts []catalog.Partition) error {
	if !r.raced && table == r.add.TableName {
		r.raced = true
		if err := r.Catalog.CreatePartitions(ctx, db, table, []catalog.Partition{r.add}); err != nil {
			return err
		}
	}
	return r.Catalog.CreatePartitions(ctx, db, table, parts)
}

// A batch that meets a partition someone else added meanwhile is added one
// partition at a time: the others are copied, that one compared.
func TestCopyBatchMeetsAPartitionAddedMeanwhile(t *testing.T) {
	src, dst := newSQLite(t), newPostgres(t)
	catalogtest.Fill(t, src)
	theirs, err := src.GetPartition(t.Context(), "sales", "orders", []string{"1001", "us"})
	must(t, err)
	theirs.StorageDescriptor.Location = "s3://theirs/"
	rep := copyAll(t, src, &racer{Catalog: dst, add: *theirs}, catalog.CopyOptions{})
	if p := rep.Totals.Partitions; p.Copied != catalogtest.FilledPartitions-1 || p.Differs != 1 {
		t.Errorf("partitions: %+v, want all but one copied and one that differs", p)
	}
	var found bool
	for _, o := range rep.Objects {
		if o.Kind == catalog.KindPartition && o.Name() == "sales.orders [1001 us]" && o.Result == catalog.Differs {
			found = true
		}
	}
	if !found {
		t.Errorf("the partition added meanwhile is not reported: %+v", rep.Objects)
	}
}
