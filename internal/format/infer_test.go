package format

import (
	"strings"
	"testing"
)

// Codes written with leading zeros or an explicit sign (zip, FIPS and dial
// codes) are text: reading them as numbers would drop what makes them
// codes. Plain numbers, zero, and negative numbers stay numbers.
func TestInferTextKeepsCodes(t *testing.T) {
	cases := map[string]string{
		"00501":  "string",
		"007":    "string",
		"+297":   "string",
		"-007":   "string",
		"00":     "string",
		"00.5":   "string",
		"007.50": "string",
		"+1.5":   "string",
		"+1e5":   "string",
		"01e5":   "string",
		"0":      "bigint",
		"-0":     "bigint",
		"501":    "bigint",
		"-12":    "bigint",
		"0.5":    "decimal(18,1)",
		"-0.5":   "decimal(18,1)",
		".5":     "decimal(18,1)",
		"0e5":    "double",
		"1.5e3":  "double",
		"":       "string",
	}
	for in, want := range cases {
		if got := InferText(in, true).String(); got != want {
			t.Errorf("InferText(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestSniffCSVZipCodes(t *testing.T) {
	f := sniffBytes(t, "zips.csv", []byte("zip,city,pop\n00501,Holtsville,1\n10001,New York,21102\n"), DefaultOptions())
	if got, want := schema(f), "zip:string city:string pop:bigint"; got != want {
		t.Errorf("schema %s, want %s", got, want)
	}
}

func TestTypeHolds(t *testing.T) {
	cases := []struct {
		typ, value string
		holds      bool
	}{
		{"bigint", "2024", true},
		{"bigint", "-3", true},
		{"bigint", "007", false},
		{"bigint", "+7", false},
		{"bigint", "unknown", false},
		{"bigint", "9223372036854775808", false},
		{"int", "2147483648", false},
		{"tinyint", "127", true},
		{"tinyint", "128", false},
		{"decimal(5,2)", "123.45", true},
		{"decimal(5,2)", "1234.5", false},
		{"decimal(5,2)", "1.234", false},
		{"decimal(5,2)", "12", true},
		{"double", "1e5", true},
		{"date", "2024-02-29", true},
		{"date", "2024-01-01T00:00", false},
		{"timestamp", "2024-01-01T00:00", true},
		{"timestamp", "2024-01-01", true},
		{"boolean", "TRUE", true},
		{"boolean", "1", false},
		{"string", "anything", true},
		{"array<string>", "[]", false},
	}
	for _, c := range cases {
		typ, err := ParseHive(c.typ)
		if err != nil {
			t.Fatal(err)
		}
		if got := typ.Holds(c.value); got != c.holds {
			t.Errorf("%s.Holds(%q) = %v, want %v", c.typ, c.value, got, c.holds)
		}
	}
}

func TestIsDecimalLiteral(t *testing.T) {
	for s, want := range map[string]bool{".097": true, "5.": true, "-1.5e3": true, "+2": true, "1e": false, ".": false, "": false, "1.2.3": false, "NaN": false, "0x10": false, "1_000": false, "e5": false} {
		if got := IsDecimalLiteral(s); got != want {
			t.Errorf("%q: %v, want %v", s, got, want)
		}
	}
}

// TestJSONColumns: records that come in parts get the types the crawler
// gives them read whole, in the order members were first seen.
func TestJSONColumns(t *testing.T) {
	var c JSONColumns
	for _, part := range []string{
		`{"ID": 1, "Title": "a", "Modified": "2024-01-02T03:04:05Z", "Amount": 3}`,
		"",
		`{"ID": 2, "Title": null, "Modified": "2024-01-03T00:00:00Z", "Amount": 2.5, "Due": "2024-02-01"}
{"ID": 3, "id": 4}`,
	} {
		if err := c.Add([]byte(part)); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for _, f := range c.Columns() {
		got = append(got, f.Name+"("+f.Source+"):"+f.Type.String())
	}
	want := "id(ID):bigint title(Title):string modified(Modified):timestamp amount(Amount):double due(Due):date id_2(id):bigint"
	if strings.Join(got, " ") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, " "), want)
	}
	if err := c.Add([]byte(`[1, 2]`)); err == nil {
		t.Error("records that are not objects were taken")
	}
}
