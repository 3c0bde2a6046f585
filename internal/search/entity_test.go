package search

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// entityCases are real valid and invalid examples per entity type.
var entityCases = []struct {
	entity, column string
	valid, invalid []string
}{
	{EntityEmail, "", []string{"alice@example.com", "first.last+tag@sub.example.co.uk", "x_y@example.org"},
		[]string{"alice@", "@example.com", "alice@localhost", "Alice <alice@example.com>", "alice@exa mple.com", "alice@example.c0m", "alice@-bad.com"}},
	{EntityPhone, "", []string{"+14155552671", "+44 20 7946 0958", "+33 1 42 68 53 00", "(415) 555-2671", "020 7946 0958", "+81 3-3224-3333"},
		[]string{"4155552671", "+1 000 000 0000", "12-34", "+999 123 456 789", "555-0000000000000000", "call me", "2024-01-02", "12 34 56"}},
	{EntityIPv4, "", []string{"192.168.0.1", "8.8.8.8", "255.255.255.255"}, []string{"256.1.1.1", "1.2.3", "01.2.3.4", "1.2.3.4.5"}},
	{EntityIPv6, "", []string{"2001:db8::1", "::1", "fe80::1ff:fe23:4567:890a", "::ffff:192.0.2.1"}, []string{"2001:db8:::1", "12345::", "gggg::1"}},
	{EntityMAC, "", []string{"00:1a:2b:3c:4d:5e", "00-1A-2B-3C-4D-5E", "001a.2b3c.4d5e", "02:00:5e:10:00:00:00:01"}, []string{"00:1a:2b:3c:4d", "00:1a:2b:3c:4d:zz", "001a2b3c4d5e"}},
	{EntityCreditCard, "", []string{"4111111111111111", "4111 1111 1111 1111", "5555555555554444", "2223003122003222", "378282246310005", "6011111111111117", "3530111333300000", "30569309025904", "6200000000000005"},
		[]string{"4111111111111112", "1234567812345678", "378282246310006", "41111111111111", "4111--1111-1111-1111", "0000000000000000"}},
	{EntityIBAN, "", []string{"GB82WEST12345698765432", "GB82 WEST 1234 5698 7654 32", "DE89370400440532013000", "FR1420041010050500013M02606", "NL91ABNA0417164300", "BE68539007547034", "NO9386011117947"},
		[]string{"GB82WEST12345698765433", "DE8937040044053201300", "XX82WEST12345698765432", "gb82west12345698765432", "GB82 WEST1234 5698 7654 32"}},
	{EntitySSN, "", []string{"123-45-6789", "001-01-0001", "899 99 9999"}, []string{"000-12-3456", "666-12-3456", "900-12-3456", "123-00-4567", "123-45-0000", "078-05-1120", "123456789", "123-456-789"}},
	{EntityUUID, "", []string{"123e4567-e89b-12d3-a456-426614174000", "{123e4567-e89b-12d3-a456-426614174000}", "00000000-0000-0000-0000-000000000000", "018f3c1e-8b7a-7cde-9f00-123456789abc"},
		[]string{"123e4567-e89b-12d3-2456-426614174000", "123e4567e89b12d3a456426614174000", "123e4567-e89b-02d3-a456-426614174000", "not-a-uuid"}},
	{EntityURL, "", []string{"https://example.com", "http://example.com:8080/a?b=c#d", "s3://bucket/key", "ftp://192.0.2.1/file"},
		[]string{"example.com", "https://", "mailto:alice@example.com", "http://exa mple.com", "http://example.com:99999/", "/just/a/path"}},
	{EntityDate, "", []string{"2024-02-29", "1999-12-31"}, []string{"2023-02-29", "2024-13-01", "24-01-01", "2024/01/01"}},
	{EntityTimestamp, "", []string{"2024-01-02T03:04:05Z", "2024-01-02 03:04", "2024-01-02T03:04:05.123+02:00"}, []string{"2024-01-02T25:00:00Z", "2024-01-02", "2024-01-02T03"}},
	{EntityGeoPoint, "", []string{"48.8566,2.3522", "40.7128, -74.0060", "-33.8688 151.2093"}, []string{"91.0,2.0", "48.8566,181.5", "48,2", "1e1,2.0", "a,b"}},
	{EntityCountry, "", []string{"FR", "US", "DEU", "JPN"}, []string{"XX", "UK", "fr", "ABC", "F"}},
	{EntityCurrency, "", []string{"EUR", "USD", "JPY", "CHF"}, []string{"EUX", "usd", "US", "EURO"}},
	{EntityPostalCode, "", []string{"94105-1234", "SW1A 1AA", "EC1A 1BB", "M1 1AE", "K1A 0B1", "1012 AB", "1012AB", "100-0001", "00-950", "01310-100"},
		[]string{"94105", "SW1A1AA", "QA1 1AA", "D1A 1A1", "0123 AB", "1012 SA", "ABC-DEFG"}},
	{EntityPostalCode, "zip", []string{"94105", "10115", "75008"}, []string{"9410", "abcde", "00000"}},
	{EntityLatitude, "latitude", []string{"48.8566", "-90", "0"}, []string{"90.5", "NaN", "north"}},
	{EntityLongitude, "lng", []string{"2.3522", "-180", "179.99"}, []string{"180.01", "Inf", "east"}},
	{EntityPersonName, "full_name", []string{"Ada Lovelace", "José María García", "Jean-Luc Picard", "Ludwig van Beethoven", "J. R. Tolkien", "O'Brien", "Zoë"},
		[]string{"ada lovelace", "R2-D2", "Alice 2", "NASA", "Hello, World!", "A B", "The Quick Brown Fox Jumps Over"}},
}

func TestDetectors(t *testing.T) {
	for _, tc := range entityCases {
		for _, v := range tc.valid {
			if got := Detect(v, tc.column); got[tc.entity] == nil {
				t.Errorf("%s (column %q): %q not detected (got %v)", tc.entity, tc.column, v, got)
			}
		}
		for _, v := range tc.invalid {
			if got := Detect(v, tc.column); got[tc.entity] != nil {
				t.Errorf("%s (column %q): %q detected by %v", tc.entity, tc.column, v, got[tc.entity])
			}
		}
	}
}

// Names and bare postal codes need the column's name to say so.
func TestDetectNeedsColumnName(t *testing.T) {
	for _, c := range []struct{ value, entity, yes, no string }{
		{"Ada Lovelace", EntityPersonName, "customer_name", "product_name"},
		{"Ada Lovelace", EntityPersonName, "FirstName", "city"},
		{"94105", EntityPostalCode, "zip_code", "amount"},
		{"48.85", EntityLatitude, "lat", "price"},
		{"2.35", EntityLongitude, "pickupLongitude", "price"},
	} {
		if Detect(c.value, c.yes)[c.entity] == nil {
			t.Errorf("%q in column %s: not %s", c.value, c.yes, c.entity)
		}
		if Detect(c.value, c.no)[c.entity] != nil {
			t.Errorf("%q in column %s: %s", c.value, c.no, c.entity)
		}
	}
}

func TestCardBrand(t *testing.T) {
	for d, want := range map[string]string{"4111111111111111": "visa", "5555555555554444": "mastercard", "2223003122003222": "mastercard",
		"378282246310005": "amex", "6011111111111117": "discover", "3530111333300000": "jcb", "30569309025904": "diners"} {
		if got := matchCreditCard(d); !slices.Contains(got, "iin:"+want) || !slices.Contains(got, "luhn") {
			t.Errorf("%s: %v, want luhn and iin:%s", d, got, want)
		}
	}
}

func TestISOListsComplete(t *testing.T) {
	if len(countryAlpha2) != 249 || len(countryAlpha3) != 249 || len(currencyCodes) < 150 {
		t.Fatalf("ISO lists: %d alpha-2, %d alpha-3, %d currencies", len(countryAlpha2), len(countryAlpha3), len(currencyCodes))
	}
}

func TestColumnWords(t *testing.T) {
	for in, want := range map[string]string{"first_name": "first name", "customerName": "customer name", "ZIP-Code": "zip code", "lat": "lat"} {
		if got := strings.Join(columnWords(in), " "); got != want {
			t.Errorf("%s: %q, want %q", in, got, want)
		}
	}
}

// FuzzDetect: no value panics a detector, a detector says the same of a
// value twice, and what it accepts with surrounding spaces it accepts
// trimmed.
func FuzzDetect(f *testing.F) {
	seeds, err := os.ReadFile(filepath.Join("testdata", "detect_seeds.txt"))
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range strings.Split(string(seeds), "\n") {
		f.Add(s, "")
		f.Add(s, "full_name")
	}
	f.Fuzz(func(t *testing.T, s, column string) {
		a := Detect(s, column)
		b := Detect(" "+s+"\t", column)
		if len(a) != len(b) {
			t.Fatalf("%q: %v, padded %v", s, a, b)
		}
		for e, v := range a {
			if !slices.Equal(v, b[e]) {
				t.Fatalf("%q: %s by %v, padded by %v", s, e, v, b[e])
			}
		}
		for _, d := range Detectors {
			if x, y := d.Match(s), d.Match(s); !slices.Equal(x, y) {
				t.Fatalf("%s(%q): %v then %v", d.Entity, s, x, y)
			}
		}
	})
}
