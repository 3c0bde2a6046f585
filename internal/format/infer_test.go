package format

import "testing"

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
