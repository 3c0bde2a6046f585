package metrics

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/dataset"
	"github.com/lakectl/lakectl/internal/storage"
)

// History is the snapshots kept under a root, oldest first.
type History struct {
	Tables    []TableRow
	Databases []DatabaseRow
	// Storage are the snapshots of `lakectl storage metrics --to` the
	// same root holds, if any.
	Storage []StorageRow
}

// Empty says whether the history holds no snapshot at all.
func (h *History) Empty() bool {
	return len(h.Tables) == 0 && len(h.Databases) == 0 && len(h.Storage) == 0
}

// Snapshot folders under a root (a collect's --to).
const (
	TablesFolder    = "tables"
	DatabasesFolder = "databases"
)

// ReadHistory reads the snapshots under root taken since the time given
// (all when zero), through the one reading layer: the committed Parquet
// files under ROOT/tables/ and ROOT/databases/, whatever their day.
func ReadHistory(ctx context.Context, open func(ctx context.Context, uri string) (storage.Store, error), root string, since time.Time) (*History, error) {
	root = strings.TrimSuffix(root, "/")
	h := &History{}
	var err error
	if h.Tables, err = readRows(ctx, open, root+"/"+TablesFolder+"/", tableFields); err != nil {
		return nil, err
	}
	if h.Databases, err = readRows(ctx, open, root+"/"+DatabasesFolder+"/", databaseFields); err != nil {
		return nil, err
	}
	if h.Storage, err = readStorage(ctx, open, root, since); err != nil {
		return nil, err
	}
	h.Tables = slices.DeleteFunc(h.Tables, func(r TableRow) bool { return r.Time.Before(since) })
	h.Databases = slices.DeleteFunc(h.Databases, func(r DatabaseRow) bool { return r.Time.Before(since) })
	slices.SortStableFunc(h.Tables, func(a, b TableRow) int {
		return cmp.Or(a.Time.Compare(b.Time), strings.Compare(a.Database, b.Database), strings.Compare(a.Table.Table, b.Table.Table))
	})
	slices.SortStableFunc(h.Databases, func(a, b DatabaseRow) int {
		return cmp.Or(a.Time.Compare(b.Time), strings.Compare(a.Database.Database, b.Database.Database))
	})
	return h, nil
}

// ReadDay reads the snapshot kept for the day of t under root: what a
// rerun on that day replaces.
func ReadDay(ctx context.Context, open func(ctx context.Context, uri string) (storage.Store, error), root string, t time.Time) (*History, error) {
	root = strings.TrimSuffix(root, "/")
	dv := DayValues(t)
	folder := fmt.Sprintf("year=%s/month=%s/day=%s/", dv...)
	h := &History{}
	var err error
	if h.Tables, err = readRows(ctx, open, root+"/"+TablesFolder+"/"+folder, tableFields); err != nil {
		return nil, err
	}
	if h.Databases, err = readRows(ctx, open, root+"/"+DatabasesFolder+"/"+folder, databaseFields); err != nil {
		return nil, err
	}
	return h, nil
}

// readRows reads a snapshot table's Parquet files under a location into
// its items.
func readRows[T any](ctx context.Context, open func(ctx context.Context, uri string) (storage.Store, error), loc string, fields []field[T]) ([]T, error) {
	t := &catalog.Table{Name: strings.Trim(loc[strings.LastIndex(strings.TrimSuffix(loc, "/"), "/")+1:], "/"),
		Parameters:        map[string]string{catalog.ParamClassification: "parquet"},
		StorageDescriptor: catalog.StorageDescriptor{Location: loc}}
	pick := make([]int, len(fields))
	for i, f := range fields {
		t.StorageDescriptor.Columns = append(t.StorageDescriptor.Columns, f.col)
		pick[i] = i
	}
	in := dataset.Input{Table: t, Store: open, FromCatalog: true}
	sink, _, err := dataset.Scan(ctx, in, pick, dataset.ScanOptions{}, func() dataset.Sink { return &collector[T]{fields: fields} })
	if err != nil {
		return nil, err
	}
	if sink == nil {
		return nil, nil
	}
	return sink.(*collector[T]).items, nil
}

// collector is a sink that keeps rows as items.
type collector[T any] struct {
	mu     sync.Mutex
	fields []field[T]
	items  []T
}

func (c *collector[T]) Add(row []dataset.Value) {
	var item T
	for i, f := range c.fields {
		f.set(&item, row[i])
	}
	c.items = append(c.items, item)
}

func (c *collector[T]) Merge(other dataset.Sink) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.items = append(c.items, other.(*collector[T]).items...)
}
