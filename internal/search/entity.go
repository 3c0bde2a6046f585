package search

import (
	"math/big"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/nyaruka/phonenumbers"

	"github.com/lakectl/lakectl/internal/format"
)

// Entity types a value can be recognised as. Their names are the values of
// the lakectl.classification column parameter.
const (
	EntityEmail       = "email"
	EntityPhone       = "phone"
	EntityIPv4        = "ipv4"
	EntityIPv6        = "ipv6"
	EntityMAC         = "mac_address"
	EntityCreditCard  = "credit_card"
	EntityIBAN        = "iban"
	EntitySSN         = "us_ssn"
	EntityUUID        = "uuid"
	EntityURL         = "url"
	EntityPostalCode  = "postal_code"
	EntityCountry     = "country_code"
	EntityCurrency    = "currency_code"
	EntityDate        = "date"
	EntityTimestamp   = "timestamp"
	EntityGeoPoint    = "geo_point"
	EntityLatitude    = "latitude"
	EntityLongitude   = "longitude"
	EntityPersonName  = "person_name"
	maxDetectedLength = 512 // longer values are no entity lakectl knows
)

// Detector recognises one entity type in a value. Match returns the names
// of the validators that confirmed the value (nil: no match). A detector
// with a Hint also needs the column's name to say so (Hint returns true).
type Detector struct {
	Entity string
	// Description is the column comment classify writes.
	Description string
	// PII: personal data, masked by convert --pii auto.
	PII   bool
	Match func(s string) []string
	// Hint, when set, must accept the column's name for the column to be
	// this entity (names and bare postal codes say too little alone).
	Hint func(column string) bool
}

// Detectors are every detector, in the order of preference when two
// entities match a column equally well.
var Detectors = []Detector{
	{Entity: EntityEmail, Description: "Email address", PII: true, Match: matchEmail},
	{Entity: EntityCreditCard, Description: "Payment card number", PII: true, Match: matchCreditCard},
	{Entity: EntityIBAN, Description: "International bank account number (IBAN)", PII: true, Match: matchIBAN},
	{Entity: EntitySSN, Description: "US Social Security number", PII: true, Match: matchSSN},
	{Entity: EntityPhone, Description: "Phone number", PII: true, Match: matchPhone},
	{Entity: EntityIPv4, Description: "IPv4 address", PII: true, Match: matchIPv4},
	{Entity: EntityIPv6, Description: "IPv6 address", PII: true, Match: matchIPv6},
	{Entity: EntityMAC, Description: "MAC address", PII: true, Match: matchMAC},
	{Entity: EntityUUID, Description: "UUID", Match: matchUUID},
	{Entity: EntityURL, Description: "URL", Match: matchURL},
	{Entity: EntityTimestamp, Description: "Timestamp", Match: matchTimestamp},
	{Entity: EntityDate, Description: "Date", Match: matchDate},
	{Entity: EntityGeoPoint, Description: "Latitude and longitude", PII: true, Match: matchGeoPoint},
	{Entity: EntityCurrency, Description: "ISO 4217 currency code", Match: matchCurrency},
	{Entity: EntityCountry, Description: "ISO 3166 country code", Match: matchCountry},
	{Entity: EntityPostalCode, Description: "Postal code", Match: matchPostalCode},
	{Entity: EntityPostalCode, Description: "Postal code", Match: matchBarePostalCode, Hint: hintPostal},
	{Entity: EntityLatitude, Description: "Latitude", PII: true, Match: matchLatitude, Hint: hintLatitude},
	{Entity: EntityLongitude, Description: "Longitude", PII: true, Match: matchLongitude, Hint: hintLongitude},
	{Entity: EntityPersonName, Description: "Person name", PII: true, Match: matchPersonName, Hint: hintPersonName},
}

// DetectorOf is the first detector of an entity type.
func DetectorOf(entity string) (Detector, bool) {
	for _, d := range Detectors {
		if d.Entity == entity {
			return d, true
		}
	}
	return Detector{}, false
}

// Detect lists the entity types a value matches on its own (detectors that
// need a column name are asked only when column is given and agrees), with
// the validators that confirmed each.
func Detect(s, column string) map[string][]string {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > maxDetectedLength {
		return nil
	}
	var out map[string][]string
	for _, d := range Detectors {
		if d.Hint != nil && !d.Hint(column) {
			continue
		}
		if _, done := out[d.Entity]; done {
			continue
		}
		if v := d.Match(s); v != nil {
			if out == nil {
				out = map[string][]string{}
			}
			out[d.Entity] = v
		}
	}
	return out
}

func matchEmail(s string) []string {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return nil
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || !validHostname(s[at+1:], true) {
		return nil
	}
	return []string{"net/mail", "domain"}
}

// validHostname: dot-separated labels of letters, digits and hyphens (not
// at a label's ends), at most 253 bytes; needTLD asks for two labels or
// more, the last alphabetic.
func validHostname(h string, needTLD bool) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	labels := strings.Split(h, ".")
	if needTLD && len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	if needTLD {
		tld := labels[len(labels)-1]
		if len(tld) < 2 {
			return false
		}
		for i := 0; i < len(tld); i++ {
			if c := tld[i] | 0x20; c < 'a' || c > 'z' {
				return false
			}
		}
	}
	return true
}

// phoneRegions are the regions a number written without its country code
// is tried in, in order.
var phoneRegions = []string{"US", "GB", "DE", "FR", "NL", "ES", "IT", "CA", "AU", "JP", "IN", "BR"}

// matchPhone: a number libphonenumber (github.com/nyaruka/phonenumbers)
// finds valid, either international (+ and the country code: E.164 and
// its spaced forms) or national in a common region's format. A national
// number must be written with separators (spaces, dashes, dots,
// parentheses), its digits grouped as the region writes them, and have
// nine digits or more: ten bare digits are as often
// an account number, eight with dashes a date.
func matchPhone(s string) []string {
	if len(s) < 7 || len(s) > 32 {
		return nil
	}
	digits, seps := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')':
			seps++
		case c == '+' && i == 0:
		default:
			return nil
		}
	}
	if digits < 7 || digits > 15 {
		return nil
	}
	if s[0] == '+' {
		n, err := phonenumbers.Parse(s, "ZZ")
		if err != nil || !phonenumbers.IsValidNumber(n) {
			return nil
		}
		return []string{"libphonenumber", "e164"}
	}
	if seps == 0 || digits < 9 || matchDate(s) != nil {
		return nil // bare digits, or as short as a date (2024-01-02 is a number in Berlin)
	}
	groups := digitGroups(s)
	for _, r := range phoneRegions {
		n, err := phonenumbers.Parse(s, r)
		if err == nil && phonenumbers.IsValidNumberForRegion(n, r) && slices.Equal(groups, digitGroups(phonenumbers.Format(n, phonenumbers.NATIONAL))) {
			return []string{"libphonenumber", "national:" + r}
		}
	}
	return nil
}

// digitGroups are the runs of digits of a text: a national number must be
// grouped as its region writes it ((415) 555-2671, 020 7946 0958), which
// addresses, coordinates and other codes with digits in groups are not.
func digitGroups(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r < '0' || r > '9' })
}

func matchIPv4(s string) []string {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return nil
	}
	return []string{"netip"}
}

func matchIPv6(s string) []string {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is6() {
		return nil
	}
	return []string{"netip"}
}

// matchMAC: EUI-48 or EUI-64 in colon, hyphen or Cisco dot notation
// (twelve bare hex digits are as often an identifier).
func matchMAC(s string) []string {
	if !strings.ContainsAny(s, ":-.") {
		return nil
	}
	hw, err := net.ParseMAC(s)
	if err != nil || (len(hw) != 6 && len(hw) != 8) {
		return nil
	}
	return []string{"net.ParseMAC"}
}

// cardDigits are a value's digits when it is only digits, optionally in
// groups separated by single spaces or hyphens.
func cardDigits(s string, max int) (string, bool) {
	var b strings.Builder
	prevSep := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			b.WriteByte(c)
			prevSep = false
		case (c == ' ' || c == '-') && !prevSep && i < len(s)-1:
			prevSep = true
		default:
			return "", false
		}
		if b.Len() > max {
			return "", false
		}
	}
	return b.String(), true
}

// luhn is the mod-10 check of payment card numbers (ISO/IEC 7812-1).
func luhn(d string) bool {
	sum := 0
	for i := 0; i < len(d); i++ {
		n := int(d[len(d)-1-i] - '0')
		if i%2 == 1 {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
	}
	return sum%10 == 0
}

// cardBrand is a card scheme's issuer identification number ranges
// (prefixes compared as numbers of the same length) and its lengths.
type cardBrand struct {
	name    string
	ranges  [][2]int // inclusive ranges of prefixes, each pair with the same number of digits
	lengths []int
}

var cardBrands = []cardBrand{
	{"visa", [][2]int{{4, 4}}, []int{13, 16, 19}},
	{"mastercard", [][2]int{{51, 55}, {2221, 2720}}, []int{16}},
	{"amex", [][2]int{{34, 34}, {37, 37}}, []int{15}},
	{"discover", [][2]int{{6011, 6011}, {644, 649}, {65, 65}}, []int{16, 17, 18, 19}},
	{"jcb", [][2]int{{3528, 3589}}, []int{16, 17, 18, 19}},
	{"diners", [][2]int{{300, 305}, {36, 36}, {38, 39}}, []int{14, 15, 16, 17, 18, 19}},
	{"unionpay", [][2]int{{62, 62}}, []int{16, 17, 18, 19}},
	{"maestro", [][2]int{{50, 50}, {56, 58}, {6759, 6759}, {676770, 676774}}, []int{12, 13, 14, 15, 16, 17, 18, 19}},
	{"mir", [][2]int{{2200, 2204}}, []int{16, 17, 18, 19}},
}

// brandOf names the scheme whose ranges and lengths fit a card number.
func brandOf(d string) string {
	for _, b := range cardBrands {
		okLen := false
		for _, l := range b.lengths {
			okLen = okLen || l == len(d)
		}
		if !okLen {
			continue
		}
		for _, r := range b.ranges {
			w := len(strconv.Itoa(r[0]))
			p, _ := strconv.Atoi(d[:w])
			if p >= r[0] && p <= r[1] {
				return b.name
			}
		}
	}
	return ""
}

func matchCreditCard(s string) []string {
	d, ok := cardDigits(s, 19)
	if !ok || len(d) < 12 {
		return nil
	}
	brand := brandOf(d)
	if brand == "" || !luhn(d) {
		return nil
	}
	return []string{"luhn", "iin:" + brand}
}

// ibanLengths are the IBAN lengths of the countries in SWIFT's IBAN
// registry (release 99, 2025).
var ibanLengths = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
	"BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27,
	"DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27,
	"GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28,
	"IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28,
	"LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22,
	"MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23,
	"PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24,
	"SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
	"TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}

// matchIBAN: a registered country, its length, and the ISO 13616 mod-97
// check; the electronic form or the printed one in groups of four.
func matchIBAN(s string) []string {
	if len(s) > 42 {
		return nil
	}
	compact := strings.ReplaceAll(s, " ", "")
	if len(compact) < 15 || (compact != s && !printedIBAN(s)) {
		return nil
	}
	cc := compact[:2]
	if ibanLengths[cc] != len(compact) || compact[2] < '0' || compact[2] > '9' || compact[3] < '0' || compact[3] > '9' {
		return nil
	}
	var n strings.Builder
	for _, c := range compact[4:] + compact[:4] {
		switch {
		case c >= '0' && c <= '9':
			n.WriteRune(c)
		case c >= 'A' && c <= 'Z':
			n.WriteString(strconv.Itoa(int(c-'A') + 10))
		default:
			return nil
		}
	}
	v, ok := new(big.Int).SetString(n.String(), 10)
	if !ok || new(big.Int).Mod(v, big.NewInt(97)).Int64() != 1 {
		return nil
	}
	return []string{"iban-length:" + cc, "mod97"}
}

// printedIBAN: groups of four separated by single spaces, the last one
// shorter or not.
func printedIBAN(s string) bool {
	groups := strings.Split(s, " ")
	for i, g := range groups {
		if len(g) == 0 || len(g) > 4 || (i < len(groups)-1 && len(g) != 4) {
			return false
		}
	}
	return true
}

// matchSSN: AAA-GG-SSSS (or with spaces) under the Social Security
// Administration's rules: area not 000, 666 nor 900-999, group not 00,
// serial not 0000, and not the numbers known from advertising
// (078-05-1120, 219-09-9999). Nine bare digits are no SSN on their own.
func matchSSN(s string) []string {
	if len(s) != 11 || !(s[3] == '-' && s[6] == '-' || s[3] == ' ' && s[6] == ' ') {
		return nil
	}
	area, ok1 := digitsOnly(s[:3])
	group, ok2 := digitsOnly(s[4:6])
	serial, ok3 := digitsOnly(s[7:])
	if !ok1 || !ok2 || !ok3 || area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0 {
		return nil
	}
	if (area == 78 && group == 5 && serial == 1120) || (area == 219 && group == 9 && serial == 9999) {
		return nil
	}
	return []string{"ssa-area-group-serial"}
}

func digitsOnly(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// matchUUID: the 36-character form (or in braces, or as a urn:uuid:) of
// an RFC 9562 UUID: its variant bits set, a version from 1 to 8; or the
// nil and max UUIDs.
func matchUUID(s string) []string {
	if len(s) != 36 && len(s) != 38 && len(s) != 45 {
		return nil
	}
	u, err := uuid.Parse(s)
	if err != nil {
		return nil
	}
	if u == uuid.Nil || u == uuid.Max {
		return []string{"uuid.Parse"}
	}
	if u.Variant() != uuid.RFC4122 || u.Version() < 1 || u.Version() > 8 {
		return nil
	}
	return []string{"uuid.Parse", "rfc9562-variant"}
}

// matchURL: an absolute URL with a scheme and a host name or address.
func matchURL(s string) []string {
	if strings.ContainsAny(s, " \t\n") {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" || u.Opaque != "" {
		return nil
	}
	h := u.Hostname()
	if _, err := netip.ParseAddr(h); err != nil && !validHostname(h, false) {
		return nil
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n > 65535 {
			return nil
		}
	}
	return []string{"net/url", "host"}
}

// matchDate and matchTimestamp read ISO 8601 with internal/format's one
// date/time reader.
func matchDate(s string) []string {
	if _, ok := format.ParseDate(s); ok {
		return []string{"format.ParseDate"}
	}
	return nil
}

func matchTimestamp(s string) []string {
	if _, ok := format.ParseTimestamp(s); ok {
		return []string{"format.ParseTimestamp"}
	}
	return nil
}

// matchGeoPoint: "lat,lon" or "lat lon" (or "lat, lon"), both decimals
// with a fraction, the latitude within ±90 and the longitude within ±180.
func matchGeoPoint(s string) []string {
	a, b, ok := strings.Cut(s, ",")
	if !ok {
		a, b, ok = strings.Cut(s, " ")
	}
	if !ok {
		return nil
	}
	lat, ok1 := decimalWithFraction(strings.TrimSpace(a))
	lon, ok2 := decimalWithFraction(strings.TrimSpace(b))
	if !ok1 || !ok2 || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		return nil
	}
	return []string{"latitude-range", "longitude-range"}
}

// decimalWithFraction reads [-]D+.D+ (no exponent, no sign +).
func decimalWithFraction(s string) (float64, bool) {
	i := 0
	if strings.HasPrefix(s, "-") {
		i = 1
	}
	dot := strings.IndexByte(s, '.')
	if dot <= i || dot == len(s)-1 || dot > i+3 {
		return 0, false
	}
	if _, ok := digitsOnly(s[i:dot]); !ok {
		return 0, false
	}
	if _, ok := digitsOnly(s[dot+1:]); !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

func matchLatitude(s string) []string {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < -90 || f > 90 || strings.ContainsAny(s, "eEnNiI") {
		return nil
	}
	return []string{"column-name", "latitude-range"}
}

func matchLongitude(s string) []string {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < -180 || f > 180 || strings.ContainsAny(s, "eEnNiI") {
		return nil
	}
	return []string{"column-name", "longitude-range"}
}

func matchCurrency(s string) []string {
	if currencyCodes[s] {
		return []string{"iso4217"}
	}
	return nil
}

func matchCountry(s string) []string {
	switch {
	case len(s) == 2 && countryAlpha2[s]:
		return []string{"iso3166-alpha2"}
	case len(s) == 3 && countryAlpha3[s]:
		return []string{"iso3166-alpha3"}
	}
	return nil
}

// matchPostalCode: postal codes whose form names their country — US ZIP+4
// (12345-6789), United Kingdom, Canada, the Netherlands, Japan, Poland,
// Portugal, Brazil. Bare five-digit codes (US ZIP, Germany, France, Spain,
// Italy) count only in a column named as postal codes (matchBarePostalCode).
func matchPostalCode(s string) []string {
	switch {
	case len(s) == 10 && s[5] == '-' && allDigits(s[:5]) && allDigits(s[6:]):
		return []string{"postal:US"}
	case ukPostcode(s):
		return []string{"postal:GB"}
	case caPostcode(s):
		return []string{"postal:CA"}
	case len(s) >= 6 && len(s) <= 7 && allDigits(s[:4]) && s[0] != '0' && nlLetters(strings.TrimPrefix(s[4:], " ")):
		return []string{"postal:NL"}
	case len(s) == 8 && s[3] == '-' && allDigits(s[:3]) && allDigits(s[4:]):
		return []string{"postal:JP", "postal:PT"}
	case len(s) == 6 && s[2] == '-' && allDigits(s[:2]) && allDigits(s[3:]):
		return []string{"postal:PL"}
	case len(s) == 9 && s[5] == '-' && allDigits(s[:5]) && allDigits(s[6:]):
		return []string{"postal:BR"}
	}
	return nil
}

// matchBarePostalCode: five digits, a code of the US, Germany, France,
// Spain or Italy (all five-digit systems); with the column's name only.
func matchBarePostalCode(s string) []string {
	if len(s) == 5 && allDigits(s) && s != "00000" {
		return []string{"column-name", "postal:5-digit"}
	}
	return nil
}

func allDigits(s string) bool {
	_, ok := digitsOnly(s)
	return ok
}

// nlLetters: the two letters of a Dutch postcode (never SA, SD nor SS).
func nlLetters(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' && s != "SA" && s != "SD" && s != "SS"
}

// ukPostcode: the outward code (A9, A99, AA9, AA99, A9A, AA9A), a space,
// the inward code (9AA, without C I K M O V), as Royal Mail writes them;
// and GIR 0AA.
func ukPostcode(s string) bool {
	if s == "GIR 0AA" {
		return true
	}
	out, in, ok := strings.Cut(s, " ")
	if !ok || len(in) != 3 || in[0] < '0' || in[0] > '9' {
		return false
	}
	for i := 1; i < 3; i++ {
		if !isUpper(in[i]) || strings.IndexByte("CIKMOV", in[i]) >= 0 {
			return false
		}
	}
	shape := make([]byte, len(out))
	for i := 0; i < len(out); i++ {
		switch c := out[i]; {
		case isUpper(c):
			shape[i] = 'A'
		case c >= '0' && c <= '9':
			shape[i] = '9'
		default:
			return false
		}
	}
	switch string(shape) {
	case "A9", "A99", "AA9", "AA99", "A9A", "AA9A":
		return strings.IndexByte("QVX", out[0]) < 0
	}
	return false
}

// caPostcode: A9A 9A9, without D F I O Q U, and W Z never first.
func caPostcode(s string) bool {
	if len(s) == 6 {
		s = s[:3] + " " + s[3:]
	}
	if len(s) != 7 || s[3] != ' ' {
		return false
	}
	for i, c := range []byte(s) {
		switch i {
		case 0, 2, 5:
			if !isUpper(c) || strings.IndexByte("DFIOQU", c) >= 0 || (i == 0 && (c == 'W' || c == 'Z')) {
				return false
			}
		case 1, 4, 6:
			if c < '0' || c > '9' {
				return false
			}
		}
	}
	return true
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

// nameParticles are the lower-case words names carry between their
// capitalised ones.
var nameParticles = map[string]bool{"van": true, "von": true, "de": true, "der": true, "den": true, "da": true, "di": true, "du": true, "del": true, "della": true, "la": true, "le": true, "bin": true, "al": true, "y": true, "dos": true, "das": true, "ten": true, "ter": true}

// matchPersonName: one to five words of letters, each capitalised (or an
// initial "J.", or a particle such as van, de, bin), with at least one
// word of two letters or more; hyphens and apostrophes inside words.
func matchPersonName(s string) []string {
	if len(s) > 100 {
		return nil
	}
	words := strings.Fields(s)
	if len(words) == 0 || len(words) > 5 {
		return nil
	}
	long := false
	for i, w := range words {
		if i > 0 && nameParticles[w] {
			continue
		}
		if len(w) == 2 && isUpper(w[0]) && w[1] == '.' {
			continue
		}
		w = strings.TrimSuffix(w, ",")
		r, size := utf8.DecodeRuneInString(w)
		if !unicode.IsUpper(r) {
			return nil
		}
		prev := r
		for _, c := range w[size:] {
			switch {
			case unicode.IsLetter(c):
			case (c == '-' || c == '\'' || c == '’') && unicode.IsLetter(prev):
			default:
				return nil
			}
			prev = c
		}
		if !unicode.IsLetter(prev) {
			return nil
		}
		if utf8.RuneCountInString(w) >= 2 {
			long = true
		}
		if strings.ToUpper(w) == w && utf8.RuneCountInString(w) > 3 {
			return nil // an acronym, not a name
		}
	}
	if !long {
		return nil
	}
	return []string{"column-name", "name-shape"}
}

// columnWords splits a column's name into lower-case words at _, -, spaces
// and camelCase humps.
func columnWords(name string) []string {
	var words []string
	var cur []rune
	prevLower := false
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	for _, r := range name {
		switch {
		case r == '_' || r == '-' || r == ' ' || r == '.':
			flush()
			prevLower = false
			continue
		case unicode.IsUpper(r) && prevLower:
			flush()
		}
		cur = append(cur, r)
		prevLower = unicode.IsLower(r) || unicode.IsDigit(r)
	}
	flush()
	return words
}

// hasWord: the column's name has one of the words, or is one of the
// joined names (firstname).
func hasWord(column string, words ...string) bool {
	cw := columnWords(column)
	joined := strings.Join(cw, "")
	for _, w := range words {
		if joined == w {
			return true
		}
		for _, c := range cw {
			if c == w {
				return true
			}
		}
	}
	return false
}

func hintPersonName(column string) bool {
	cw := columnWords(column)
	if len(cw) == 0 {
		return false
	}
	joined := strings.Join(cw, "")
	switch joined {
	case "name", "firstname", "lastname", "fullname", "surname", "givenname", "familyname", "middlename",
		"forename", "customername", "contactname", "personname", "username", "employeename", "authorname",
		"maidenname", "displayname", "holdername", "cardholder", "cardholdername", "accountholder":
		return true
	}
	// …_name of a person: owner_name, patient_name; not product_name.
	last := cw[len(cw)-1]
	if last == "name" && len(cw) >= 2 {
		switch cw[len(cw)-2] {
		case "first", "last", "full", "given", "family", "middle", "customer", "contact", "person", "user",
			"employee", "author", "owner", "patient", "student", "member", "holder", "client", "recipient",
			"sender", "buyer", "seller", "driver", "manager", "agent", "teacher", "doctor", "beneficiary":
			return true
		}
	}
	return false
}

func hintPostal(column string) bool {
	return hasWord(column, "zip", "zipcode", "postal", "postcode", "postalcode", "plz", "cp", "cap")
}

func hintLatitude(column string) bool {
	return hasWord(column, "lat", "latitude")
}

func hintLongitude(column string) bool {
	return hasWord(column, "lon", "lng", "long", "longitude")
}
