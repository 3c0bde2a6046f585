package convert

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/parquet/file"
)

// Repeated values are dictionary encoded; a column of distinct values (an
// id) is written plain, where a dictionary would cost more than it saves.
func TestDictionaryWherePays(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,country,amount,day,at,ok\n")
	for i := range 5000 {
		fmt.Fprintf(&b, "%d,country %d,%d.50,2024-01-%02d,2024-01-02T%02d:00:00Z,%v\n", 1_000_000+i*7, i%20, i%30, 1+i%28, i%24, i%2 == 0)
	}
	e := newEnv(t, map[string]string{"a.csv": b.String()})
	if _, err := e.run(e.csvTable("id:bigint", "country:string", "amount:decimal(18,2)", "day:date", "at:timestamp", "ok:boolean"), nil, Options{Workers: 1}); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"id": false, "country": true, "amount": true, "day": true, "at": true, "ok": false}
	for _, k := range e.files() {
		if !strings.HasSuffix(k, ".parquet") {
			continue
		}
		rdr, err := file.NewParquetReader(bytes.NewReader(e.object(k)))
		if err != nil {
			t.Fatal(err)
		}
		md := rdr.MetaData()
		for i := range md.Schema.NumColumns() {
			cc, err := md.RowGroup(0).ColumnChunk(i)
			if err != nil {
				t.Fatal(err)
			}
			name := md.Schema.Column(i).Name()
			if got := cc.HasDictionaryPage(); got != want[name] {
				t.Errorf("%s: dictionary %v, want %v (encodings %v)", name, got, want[name], cc.Encodings())
			}
		}
	}
}
