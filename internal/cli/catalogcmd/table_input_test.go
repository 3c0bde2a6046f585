package catalogcmd

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
)

// The forms of a time the aws CLI reads in its JSON input.
func TestParseInputTime(t *testing.T) {
	at := time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC)
	for in, want := range map[any]time.Time{
		json.Number("1700000000"):           at,
		json.Number("1700000000.5"):         at.Add(500 * time.Millisecond),
		json.Number("1700000000.123456789"): at.Add(123456789),
		json.Number("1.7e9"):                at,
		"1700000000":                        at,
		"2023-11-14T22:13:20Z":              at,
		"2023-11-14T22:13:20.25Z":           at.Add(250 * time.Millisecond),
		"2023-11-14T23:13:20+01:00":         at,
		"2023-11-14T23:13:20+0100":          at,
		"2023-11-14 22:13:20":               at,
		"2023-11-14 23:13:20.5+01:00":       at.Add(500 * time.Millisecond),
		"2023-11-14T22:13":                  at.Add(-20 * time.Second),
		"2023-11-14":                        at.Truncate(24 * time.Hour),
		"Tue, 14 Nov 2023 22:13:20 GMT":     at,
		json.Number("-1.5"):                 time.Unix(-2, 500_000_000).UTC(),
	} {
		got, err := parseInputTime(in)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseInputTime(%#v) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []any{"yesterday", "2023-13-01", "", true, json.Number("1e300"), map[string]any{}} {
		if got, err := parseInputTime(in); err == nil {
			t.Errorf("parseInputTime(%#v) = %v, want an error", in, got)
		}
	}
}

func TestDecodeGlueJSON(t *testing.T) {
	var tb catalog.Table
	err := decodeGlueJSON([]byte(`{"Table": {"Name": "t", "LastAccessTime": 1700000000, "Status": {"RequestTime": "2023-11-14", "Details": {"ViewValidations": [{"UpdateTime": 1.5}]}}}}`), "Table", &tb)
	if err != nil {
		t.Fatal(err)
	}
	if tb.Name != "t" || tb.LastAccessTime.Unix() != 1700000000 || tb.Status.RequestTime.IsZero() || tb.Status.Details.ViewValidations[0].UpdateTime != time.Unix(1, 500_000_000).UTC() {
		t.Errorf("decoded %+v", tb)
	}
	for in, want := range map[string]string{
		`{"Name": "t", "Status": {"Details": {"ViewValidations": [{}, {"UpdateTime": "soon"}]}}}`: `Status.Details.ViewValidations[1].UpdateTime: "soon" is not a time`,
		`{"Name": "t", "Colums": []}`:                                  `unknown field "Colums"`,
		`{"Name": "t"} {}`:                                             "more than one JSON value",
		"{\n\"Name\": \"t\",\n}":                                       "line 3:",
		`{"Table": {"Name": "t"}, "VersionId": "2"}`:                   `unknown field "Table"`,
		`{"Name": "t", "StorageDescriptor": {"NumberOfBuckets": "x"}}`: "StorageDescriptor.NumberOfBuckets",
	} {
		var tb catalog.Table
		if err := decodeGlueJSON([]byte(in), "Table", &tb); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("decodeGlueJSON(%s) = %v, want an error saying %q", in, err, want)
		}
	}
}
