package format

import (
	"bytes"
	"compress/gzip"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// arrowFile writes a real Arrow IPC file of two columns and three rows.
func arrowFile(t *testing.T) []byte {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}, {Name: "name", Type: arrow.BinaryTypes.String}}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	b.Field(0).(*array.Int64Builder).AppendValues([]int64{1, 2, 3}, nil)
	b.Field(1).(*array.StringBuilder).AppendValues([]string{"a", "b", "c"}, nil)
	rec := b.NewRecordBatch()
	defer rec.Release()
	var buf bytes.Buffer
	w, err := ipc.NewFileWriter(&buf, ipc.WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestSniffNamesBinaryFormats(t *testing.T) {
	junk := []byte("\x00\x01\x02\x03\xff\xfe binary body")
	withJunk := func(head string) []byte { return append([]byte(head), junk...) }
	zip := func(entry string) []byte {
		// A local file header: signature, version, flags, method, time,
		// date, crc, sizes, name length 19, extra length 0, then the name.
		h := []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00")
		h = append(h, byte(len(entry)), 0, 0, 0)
		return append(append(h, entry...), junk...)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(arrowFile(t))
	zw.Close()
	cases := map[string]struct {
		data []byte
		want string
	}{
		"arrow":       {arrowFile(t), "an Arrow IPC file (Feather v2): not supported (lakectl reads CSV, JSON and Parquet)"},
		"arrow.gz":    {gz.Bytes(), "an Arrow IPC file (Feather v2): not supported"},
		"orc":         {withJunk("ORC"), "an ORC file: not supported"},
		"avro":        {withJunk("Obj\x01"), "an Avro object container file: not supported"},
		"xlsx":        {zip("xl/workbook.xml"), "an Excel workbook (.xlsx, a zip archive): not supported"},
		"docx":        {zip("[Content_Types].xml"), "an Office Open XML document (a zip archive): not supported"},
		"zip":         {zip("data.csv"), "a zip archive: not supported"},
		"xls":         {withJunk("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), "an OLE2 document (an Excel .xls workbook, or another Office 97-2003 file): not supported"},
		"sqlite":      {withJunk("SQLite format 3\x00"), "a SQLite database: not supported"},
		"png":         {withJunk("\x89PNG\r\n\x1a\n"), "a PNG image: not supported"},
		"other":       {withJunk("XYZ"), "binary content (a NUL byte at offset 3)"},
		"latin-1 ORC": {[]byte("ORC,Ren\xe9\n"), "not UTF-8 text (byte 0xe9 at offset 7)"},
		"xls no NUL":  {[]byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), "not UTF-8 text (byte 0xd0 at offset 0)"},
	}
	for name, c := range cases {
		f := sniffBytes(t, "x", c.data, DefaultOptions())
		if f.Format != "" || !strings.HasPrefix(f.Skip, c.want) {
			t.Errorf("%s: format %q skip %q, want %q", name, f.Format, f.Skip, c.want)
		}
	}
	// Text that happens to start like a magic number is text.
	f := sniffBytes(t, "x.csv", []byte("ORCID,name\n0000-0001,ann\n0000-0002,bob\n"), DefaultOptions())
	if f.Format != CSV || f.Records != 2 {
		t.Errorf("a CSV starting with ORC: format %q skip %q records %d", f.Format, f.Skip, f.Records)
	}
}
