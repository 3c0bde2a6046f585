package convert

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/lakectl/lakectl/internal/dataset"
	"github.com/lakectl/lakectl/internal/storage/local"
)

// BenchmarkConvertCSV1M converts 1 million rows × 8 mixed columns (the
// input of the DuckDB comparison in bench/) to snappy Parquet.
func BenchmarkConvertCSV1M(b *testing.B) {
	src := b.TempDir()
	f, _ := os.Create(filepath.Join(src, "orders.csv"))
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "id,customer,email,amount,quantity,ordered_at,day,paid")
	for i := range 1_000_000 {
		fmt.Fprintf(w, "%d,customer %d,user%d@example.com,%d.%02d,%d,2024-%02d-%02dT%02d:%02d:00Z,2024-%02d-%02d,%v\n",
			i, i%1000, i%5000, i%10000, i%100, i%50, 1+i%12, 1+i%28, i%24, i%60, 1+i%12, 1+i%28, i%3 == 0)
	}
	w.Flush()
	f.Close()
	e := &env{t: &testing.T{}, src: src}
	tbl := e.csvTable("id:bigint", "customer:string", "email:string", "amount:decimal(18,2)", "quantity:bigint", "ordered_at:timestamp", "day:date", "paid:boolean")
	for b.Loop() {
		dest, _ := local.New(b.TempDir())
		sum, err := Run(b.Context(), nil, dataset.Input{Table: tbl, Store: e.store}, dest, Options{})
		if err != nil || sum.RowsWritten != 1_000_000 {
			b.Fatalf("%v %+v", err, sum)
		}
	}
}
