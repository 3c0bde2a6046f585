package cmdutil

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
)

func TestFormatJSONTime(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	for in, want := range map[time.Time]string{
		time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC):           "2024-01-02T03:04:05+00:00",
		time.Date(2024, 1, 2, 3, 4, 5, 123_000_000, time.UTC): "2024-01-02T03:04:05.123000+00:00",
		time.Date(2024, 1, 2, 3, 4, 5, 123_456_789, time.UTC): "2024-01-02T03:04:05.123456+00:00",
		time.Date(2024, 1, 2, 3, 4, 5, 999, time.UTC):         "2024-01-02T03:04:05+00:00",
		time.Date(2024, 1, 2, 4, 4, 5, 500_000_000, paris):    "2024-01-02T03:04:05.500000+00:00",
	} {
		if got := FormatJSONTime(in); got != want {
			t.Errorf("FormatJSONTime(%v) = %s, want %s", in, got, want)
		}
	}
}

type inner struct {
	At    time.Time `json:"at"`
	Under string    `json:"under,omitempty"`
}

type Embedded struct {
	Promoted int `json:"promoted"`
}

type sample struct {
	Embedded
	Name     string            `json:"name"`
	Skipped  string            `json:"-"`
	Empty    string            `json:"empty,omitempty"`
	When     time.Time         `json:"when"`
	Never    time.Time         `json:"never,omitzero"`
	Ptr      *time.Time        `json:"ptr"`
	Version  int64             `json:"version,string"`
	List     []string          `json:"list"`
	NoList   []string          `json:"noList,omitempty"`
	Map      map[string]string `json:"map"`
	Inners   []inner           `json:"inners"`
	Addr     netip.Addr        `json:"addr"`
	Raw      json.RawMessage   `json:"raw"`
	HTML     string            `json:"html"`
	Bytes    []byte            `json:"bytes"`
	Any      any               `json:"any"`
	unexport int
	Default  bool
}

func TestWriteJSON(t *testing.T) {
	at := time.Date(2024, 1, 2, 3, 4, 5, 120_000_000, time.UTC)
	v := sample{
		Embedded: Embedded{Promoted: 7}, Name: "n", Skipped: "x", When: at, Ptr: &at, Version: 12,
		Inners: []inner{{At: at}}, Addr: netip.MustParseAddr("10.0.0.1"), Raw: json.RawMessage(`{"a":1}`),
		HTML: "array<string> & map<k,v>", Bytes: []byte("hi"), Any: map[string]any{"t": at, "l": []int(nil)}, unexport: 1,
	}
	var b bytes.Buffer
	if err := WriteJSON(&b, &v); err != nil {
		t.Fatal(err)
	}
	want := `{
    "promoted": 7,
    "name": "n",
    "when": "2024-01-02T03:04:05.120000+00:00",
    "ptr": "2024-01-02T03:04:05.120000+00:00",
    "version": "12",
    "list": [],
    "map": {},
    "inners": [
        {
            "at": "2024-01-02T03:04:05.120000+00:00"
        }
    ],
    "addr": "10.0.0.1",
    "raw": {
        "a": 1
    },
    "html": "array<string> & map<k,v>",
    "bytes": "aGk=",
    "any": {
        "l": [],
        "t": "2024-01-02T03:04:05.120000+00:00"
    },
    "Default": false
}
`
	if b.String() != want {
		t.Errorf("WriteJSON wrote\n%s\nwant\n%s", b.String(), want)
	}
}

// Without times or empty collections, WriteJSON writes what encoding/json
// writes: same members, same order, same values.
func TestWriteJSONIsEncodingJSONOtherwise(t *testing.T) {
	yes, version := true, int64(3)
	tb := catalog.Table{
		Name: "t", DatabaseName: "db", Description: "d <&>", Owner: "o", Retention: 1,
		StorageDescriptor: catalog.StorageDescriptor{
			Columns:  []catalog.Column{{Name: "a", Type: "map<string,int>", Comment: "c", Parameters: map[string]string{"k": "v"}}},
			Location: "s3://b/p/", AdditionalLocations: []string{"s3://b/q/"}, NumberOfBuckets: 2, BucketColumns: []string{"a"},
			SortColumns: []catalog.SortOrder{{Column: "a", SortOrder: 1}}, Parameters: map[string]string{"x": "y"},
			SerdeInfo:  &catalog.SerDeInfo{Name: "s", SerializationLibrary: "l", Parameters: map[string]string{"p": "q"}},
			SkewedInfo: &catalog.SkewedInfo{SkewedColumnNames: []string{"a"}, SkewedColumnValues: []string{"1"}, SkewedColumnValueLocationMaps: map[string]string{"1": "s3://b/s/"}},
		},
		PartitionKeys: []catalog.Column{{Name: "y", Type: "int"}}, TableType: "EXTERNAL_TABLE", Parameters: map[string]string{"z": "w"},
		CatalogID: "123", VersionID: 4, IsMultiDialectView: &yes,
		ViewDefinition: &catalog.ViewDefinition{ViewVersionID: &version, Representations: []catalog.ViewRepresentation{{Dialect: "ATHENA", IsStale: &yes}}},
	}
	var got, want bytes.Buffer
	if err := WriteJSON(&got, map[string]any{"Table": tb}); err != nil {
		t.Fatal(err)
	}
	enc := json.NewEncoder(&want)
	enc.SetIndent("", "    ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(map[string]any{"Table": tb}); err != nil {
		t.Fatal(err)
	}
	if got.String() != want.String() {
		t.Errorf("WriteJSON wrote\n%s\nencoding/json\n%s", got.String(), want.String())
	}
}
