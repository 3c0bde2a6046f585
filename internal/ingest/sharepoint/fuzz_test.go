package sharepoint

import (
	"encoding/json"
	"errors"
	"testing"
)

// FuzzParsePage: any body either reads as a page whose items are JSON
// objects (each valid JSON, as stripMetadata then takes it) or is refused
// as ErrMalformed — never a panic, never another error.
func FuzzParsePage(f *testing.F) {
	for _, s := range []string{
		`{"value": [{"ID": 1, "Title": "a"}], "@odata.nextLink": "https://h/_api/x?$skiptoken=Paged%3dTRUE%26p_ID%3d1"}`,
		`{"odata.metadata": "m", "value": [{"odata.type": "SP.Data.X", "ID": 2}], "odata.nextLink": "n"}`,
		`{"d": {"results": [{"__metadata": {"uri": "u"}, "AttachmentFiles": {"__deferred": {"uri": "a"}}, "ID": 3}], "__next": "n"}}`,
		`{"d": {"results": []}}`, `{"value": [1]}`, `{"value": {}}`, `null`, ``, `{"value": [{"a": 1}`, `{"d": null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := ParsePage(body)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("%q: %v is not ErrMalformed", body, err)
			}
			return
		}
		for i, it := range p.Items {
			if !json.Valid(it) {
				t.Fatalf("%q: item %d is not JSON", body, i)
			}
			clean, err := stripMetadata(it)
			if err != nil {
				t.Fatalf("%q: item %d: %v", body, i, err)
			}
			var m map[string]json.RawMessage
			if err := json.Unmarshal(clean, &m); err != nil {
				t.Fatalf("%q: item %d stripped to %q: %v", body, i, clean, err)
			}
			if _, ok := m["__metadata"]; ok {
				t.Fatalf("%q: __metadata kept", body)
			}
		}
	})
}
