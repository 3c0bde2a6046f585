package convert

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/parquet-go/parquet-go"

	"github.com/lakectl/lakectl/internal/format"
)

func hive(t *testing.T, s string) *format.Type {
	typ, err := format.ParseHive(s)
	if err != nil {
		t.Fatal(err)
	}
	return typ
}

// readBack reads Parquet with Apache Arrow's reader — an implementation
// independent of the writer — and returns each column as JSON.
func readBack(t *testing.T, data []byte) map[string]string {
	t.Helper()
	rdr, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	out := map[string]string{}
	for i := 0; i < int(tbl.NumCols()); i++ {
		col := tbl.Column(i)
		var values []json.RawMessage
		for _, chunk := range col.Data().Chunks() {
			b, err := json.Marshal(chunk)
			if err != nil {
				t.Fatal(err)
			}
			var vs []json.RawMessage
			if err := json.Unmarshal(b, &vs); err != nil {
				t.Fatal(err)
			}
			values = append(values, vs...)
		}
		b, _ := json.Marshal(values)
		out[col.Name()] = string(b)
		out[col.Name()+":type"] = col.DataType().String()
	}
	return out
}

func TestJSONRowsRoundTripThroughArrow(t *testing.T) {
	fields := []format.Field{
		{Name: "id", Type: hive(t, "bigint")},
		{Name: "small", Type: hive(t, "smallint")},
		{Name: "ratio", Type: hive(t, "double")},
		{Name: "ok", Type: hive(t, "boolean")},
		{Name: "name", Type: hive(t, "string")},
		{Name: "day", Type: hive(t, "date")},
		{Name: "at", Type: hive(t, "timestamp")},
		{Name: "price", Type: hive(t, "decimal(10,2)")},
		{Name: "big", Type: hive(t, "decimal(25,3)")},
		{Name: "tags", Type: hive(t, "array<string>")},
		{Name: "owner", Type: hive(t, "struct<a:bigint,b:array<struct<c:string>>>")},
		{Name: "attrs", Type: hive(t, "map<string,bigint>")},
	}
	s := NewSchema(fields)
	records := []string{
		`{"id": 1, "small": 7, "ratio": 0.5, "ok": true, "name": "ann", "day": "2024-02-29", "at": "2024-03-01T10:00:00.123456Z",
		  "price": 19.90, "big": "-1234567890123456789012.345", "tags": ["a", null, "c"],
		  "owner": {"a": 5, "b": [{"c": "x"}, {"c": null}]}, "attrs": {"k2": 2, "k1": 1}}`,
		`{"id": null, "tags": [], "owner": {"a": null, "b": []}, "attrs": {}}`,
		`{"id": 3, "name": "", "owner": null, "tags": null}`,
	}
	var buf bytes.Buffer
	w := parquet.NewWriter(&buf, s.parquet)
	sh := newShredder(s)
	var row parquet.Row
	for _, rec := range records {
		dec := json.NewDecoder(strings.NewReader(rec))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatal(err)
		}
		values := make([]any, len(fields))
		for i, f := range fields {
			values[i] = m[f.Name]
		}
		var err error
		if row, _, err = sh.jsonRow(row, values); err != nil {
			t.Fatal(err)
		}
		if _, err := w.WriteRows([]parquet.Row{row}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := readBack(t, buf.Bytes())
	want := map[string]string{
		"id":         `[1,null,3]`,
		"small":      `[7,null,null]`,
		"ratio":      `[0.5,null,null]`,
		"ok":         `[true,null,null]`,
		"name":       `["ann",null,""]`,
		"day":        `["2024-02-29",null,null]`,
		"day:type":   `date32`,
		"at:type":    `timestamp[us, tz=UTC]`,
		"price":      `["19.9",null,null]`,
		"price:type": `decimal(10, 2)`,
		"big":        `["-1234567890123456789012.345",null,null]`,
		"tags":       `[["a",null,"c"],[],null]`,
		"owner":      `[{"a":5,"b":[{"c":"x"},{"c":null}]},{"a":null,"b":[]},null]`,
		"attrs":      `[[{"key":"k1","value":1},{"key":"k2","value":2}],[],null]`,
	}
	for col, w := range want {
		if got[col] != w {
			t.Errorf("%s = %s, want %s", col, got[col], w)
		}
	}
	if got["at"] != `["2024-03-01T10:00:00.123456Z",null,null]` {
		t.Errorf("at = %s", got["at"])
	}
}
