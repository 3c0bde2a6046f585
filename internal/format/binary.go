package format

import (
	"bytes"
	"fmt"
)

// binaryFormats are well-known binary formats lakectl does not read, by
// the magic number that starts their files: naming them tells a user what
// a skipped file is, where "binary content" would leave them guessing.
var binaryFormats = []struct {
	magic string
	name  string
}{
	{"ARROW1", "an Arrow IPC file (Feather v2)"},
	{"FEA1", "a Feather v1 file"},
	{"ORC", "an ORC file"},
	{"Obj\x01", "an Avro object container file"},
	{"SEQ\x06", "a Hadoop SequenceFile"},
	{"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an OLE2 document (an Excel .xls workbook, or another Office 97-2003 file)"},
	{"SQLite format 3\x00", "a SQLite database"},
	{"\x89HDF\r\n\x1a\n", "an HDF5 file"},
	{"%PDF-", "a PDF document"},
	{"\x89PNG\r\n\x1a\n", "a PNG image"},
	{"\xff\xd8\xff", "a JPEG image"},
	{"GIF8", "a GIF image"},
	{"\xfd7zXZ\x00", "an xz-compressed file"},
	{"\x04\x22\x4d\x18", "an LZ4-compressed file"},
	{"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"},
}

// binaryFormat names the format of a file that is not text by its first
// bytes, or returns "" when it is none lakectl knows. Zip archives are
// told apart by the names of their first entries: an Excel workbook holds
// xl/ entries, other Office Open XML documents [Content_Types].xml.
func binaryFormat(head []byte) string {
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) {
		switch {
		case bytes.Contains(head, []byte("xl/")):
			return "an Excel workbook (.xlsx, a zip archive)"
		case bytes.Contains(head, []byte("[Content_Types].xml")):
			return "an Office Open XML document (a zip archive)"
		}
		return "a zip archive"
	}
	for _, b := range binaryFormats {
		if bytes.HasPrefix(head, []byte(b.magic)) {
			return b.name
		}
	}
	if len(head) > 262 && bytes.Equal(head[257:262], []byte("ustar")) {
		return "a tar archive"
	}
	return ""
}

// unsupported is the reason a file of a known binary format is skipped.
func unsupported(name string) string {
	return fmt.Sprintf("%s: not supported (lakectl reads CSV, JSON and Parquet)", name)
}
