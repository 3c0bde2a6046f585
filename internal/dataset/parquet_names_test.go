package dataset

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/storage"
	"github.com/lakectl/lakectl/internal/storage/local"
)

// A Parquet column spelled with capitals (UserId) is read under its
// catalog name (userid), with or without the source spelling recorded:
// never as nulls.
func TestParquetColumnsSpelledWithCapitals(t *testing.T) {
	type row struct {
		UserId int64  `parquet:"UserId"`
		Name   string `parquet:"Name"`
	}
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "users.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	if err := parquet.Write(f, []row{{1, "ann"}, {2, "bob"}}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, params := range []map[string]string{nil, {catalog.ParamSourceName: "UserId"}} {
		tb := &catalog.Table{Name: "users", Parameters: map[string]string{catalog.ParamClassification: "parquet"}}
		tb.StorageDescriptor.Location = "file://" + dir + "/"
		tb.StorageDescriptor.Columns = []catalog.Column{{Name: "userid", Type: "bigint", Parameters: params}, {Name: "name", Type: "string"}}
		in := Input{Table: tb, Store: func(context.Context, string) (storage.Store, error) { return local.New(dir) }}
		var mu sync.Mutex
		var rows [][]Value
		if _, _, err := Scan(t.Context(), in, []int{0, 1}, ScanOptions{Workers: 1}, func() Sink { return collectSink{&mu, &rows} }); err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || rows[0][0].Kind != KindIntegral || rows[0][0].I != 1 || rows[1][1].S != "bob" {
			t.Errorf("source name %v: rows %+v", params, rows)
		}
	}
}
