//go:build ignore

// gen builds corpus.csv (label,column,value) from data found on a Debian
// machine and in lakectl's own dependencies; see README.md. Run from the
// repository root: go run ./internal/search/testdata/corpus/gen.go
package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math/big"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/nyaruka/phonenumbers"
)

var rng = rand.New(rand.NewPCG(16, 16))

type row struct{ label, column, value string }

var rows []row

func add(label, column string, values ...string) {
	for _, v := range values {
		rows = append(rows, row{label, column, v})
	}
}

// pick takes at most n of a sorted, de-duplicated list, spread evenly.
func pick(vs []string, n int) []string {
	vs = slices.Clone(vs)
	slices.Sort(vs)
	vs = slices.Compact(vs)
	if len(vs) <= n {
		return vs
	}
	out := make([]string, n)
	for i := range out {
		out[i] = vs[i*len(vs)/n]
	}
	return out
}

func main() {
	// Debian's copyright files: people's names and email addresses, URLs.
	out, err := exec.Command("sh", "-c", `cat /usr/share/doc/*/copyright`).Output()
	if err != nil {
		panic(err)
	}
	text := string(out)
	people := regexp.MustCompile(`([A-Z][a-zà-ÿ]+(?: [A-Z]\.)? [A-Z][a-zà-ÿ]+(?:-[A-Z][a-z]+)?) <([a-zA-Z0-9._+-]+@[a-zA-Z0-9.-]+\.[a-z]{2,})>`).FindAllStringSubmatch(text, -1)
	var names, emails []string
	for _, p := range people {
		names, emails = append(names, p[1]), append(emails, p[2])
	}
	add("person_name", "full_name", pick(names, 200)...)
	add("email", "email", pick(emails, 200)...)
	add("url", "homepage", pick(regexp.MustCompile(`https?://[a-zA-Z0-9./_?=&%#~+-]*[a-zA-Z0-9/]`).FindAllString(text, -1), 200)...)
	// Negatives: words and lines of the licences.
	words := regexp.MustCompile(`\b[A-Za-z]{3,12}\b`).FindAllString(text, -1)
	add("", "description", pick(words, 300)...)
	var titles []string
	for _, w := range pick(words, 400) {
		if w[0] >= 'A' && w[0] <= 'Z' {
			titles = append(titles, w)
		}
	}
	add("", "product_name", pick(titles, 100)...) // capitalised words in a column named like no person
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); len(l) > 20 && len(l) < 80 && !strings.ContainsAny(l, "@:/") {
			lines = append(lines, l)
		}
	}
	add("", "note", pick(lines, 150)...)

	// libphonenumber's example numbers of every region, international;
	// national for the regions lakectl reads national numbers of.
	var intl, national []string
	var regions []string
	for r := range phonenumbers.GetSupportedRegions() {
		regions = append(regions, r)
	}
	slices.Sort(regions)
	for _, r := range regions {
		for _, typ := range []phonenumbers.PhoneNumberType{phonenumbers.FIXED_LINE, phonenumbers.MOBILE} {
			n := phonenumbers.GetExampleNumberForType(r, typ)
			if n == nil {
				continue
			}
			intl = append(intl, phonenumbers.Format(n, phonenumbers.INTERNATIONAL), phonenumbers.Format(n, phonenumbers.E164))
		}
	}
	for _, r := range []string{"US", "GB", "DE", "FR", "NL", "ES", "IT", "CA", "AU", "JP", "IN", "BR"} {
		for _, typ := range []phonenumbers.PhoneNumberType{phonenumbers.FIXED_LINE, phonenumbers.MOBILE} {
			if n := phonenumbers.GetExampleNumberForType(r, typ); n != nil {
				national = append(national, phonenumbers.Format(n, phonenumbers.NATIONAL))
			}
		}
	}
	add("phone", "phone", pick(intl, 200)...)
	add("phone", "phone", national...)

	// iso-codes: ISO 3166-1 and ISO 4217.
	var c3166 struct {
		C []map[string]string `json:"3166-1"`
	}
	var c4217 struct {
		C []map[string]string `json:"4217"`
	}
	readJSON("/usr/share/iso-codes/json/iso_3166-1.json", &c3166)
	readJSON("/usr/share/iso-codes/json/iso_4217.json", &c4217)
	var a2, a3, cur, countryNames []string
	for _, c := range c3166.C {
		a2, a3, countryNames = append(a2, c["alpha_2"]), append(a3, c["alpha_3"]), append(countryNames, c["name"])
	}
	for _, c := range c4217.C {
		cur = append(cur, c["alpha_3"])
	}
	add("country_code", "country", pick(a2, 120)...)
	add("country_code", "country", pick(a3, 80)...)
	add("currency_code", "currency", pick(cur, 150)...)
	add("", "country_name", pick(countryNames, 100)...)

	// tzdata's zone1970.tab: coordinates (ISO 6709) as "lat,lon", and
	// zone names as negatives.
	zones, _ := os.ReadFile("/usr/share/zoneinfo/zone1970.tab")
	var points, zoneNames []string
	for _, l := range strings.Split(string(zones), "\n") {
		f := strings.Split(l, "\t")
		if len(f) < 3 || strings.HasPrefix(l, "#") {
			continue
		}
		lat, lon := iso6709(f[1])
		sep := []string{",", ", ", " "}[len(points)%3]
		points = append(points, strconv.FormatFloat(lat, 'f', 4, 64)+sep+strconv.FormatFloat(lon, 'f', 4, 64))
		zoneNames = append(zoneNames, f[2])
	}
	add("geo_point", "location", pick(points, 150)...)
	add("", "timezone", pick(zoneNames, 100)...)

	// Generated to the standards' rules (the rules are what a detector
	// checks; the values are random).
	for i := 0; i < 150; i++ {
		add("ipv4", "client_ip", fmt.Sprintf("%d.%d.%d.%d", rng.IntN(224)+1, rng.IntN(256), rng.IntN(256), rng.IntN(256)))
		add("ipv6", "client_ip", fmt.Sprintf("2001:db8:%x:%x::%x", rng.IntN(65536), rng.IntN(65536), rng.IntN(65536)))
		b := make([]string, 6)
		for j := range b {
			b[j] = fmt.Sprintf("%02x", rng.IntN(256))
		}
		add("mac_address", "mac", strings.Join(b, []string{":", "-"}[i%2]))
		add("uuid", "id", uuid.NewSHA1(uuid.NameSpaceOID, []byte(strconv.Itoa(i))).String())
		add("credit_card", "card_number", card(i))
		add("iban", "iban", iban(i))
		add("us_ssn", "ssn", fmt.Sprintf("%03d-%02d-%04d", rng.IntN(665)+1, rng.IntN(99)+1, rng.IntN(9999)+1))
		day := 18000 + rng.IntN(5000)
		add("date", "day", dayString(day))
		add("timestamp", "created_at", fmt.Sprintf("%sT%02d:%02d:%02dZ", dayString(day), rng.IntN(24), rng.IntN(60), rng.IntN(60)))
		add("latitude", "latitude", strconv.FormatFloat(rng.Float64()*180-90, 'f', 5, 64))
		add("longitude", "lng", strconv.FormatFloat(rng.Float64()*360-180, 'f', 5, 64))
		add("postal_code", "zip", fmt.Sprintf("%05d", rng.IntN(99000)+1000))
		// Negatives: numbers, amounts, identifiers, codes.
		add("", "amount", strconv.FormatFloat(rng.Float64()*10000, 'f', 2, 64))
		add("", "quantity", strconv.Itoa(rng.IntN(1000000)))
		add("", "order_ref", fmt.Sprintf("ORD-%06d", rng.IntN(1000000)))
		add("", "hash", fmt.Sprintf("%016x", rng.Uint64()))
		add("", "account_number", fmt.Sprintf("%010d", rng.IntN(1e10)))
		notCard := fmt.Sprintf("4%015d", rng.Int64N(1e15))
		if luhnOK(notCard) { // a card number's shape whose check digit is wrong
			notCard = notCard[:15] + strconv.Itoa(int(notCard[15]-'0'+1)%10)
		}
		add("", "card_number", notCard)
		add("", "version", fmt.Sprintf("%d.%d.%d", rng.IntN(10), rng.IntN(30), rng.IntN(100)))
	}
	// Postal codes whose form names their country.
	add("postal_code", "postal_code", "SW1A 1AA", "EC1A 1BB", "W1A 0AX", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "K1A 0B1", "H0H 0H0", "V6B 4Y8", "T2P 1J9",
		"1012 AB", "3011 HE", "2511 CV", "100-0001", "530-0001", "00-950", "31-008", "01310-100", "20040-002", "94105-1234", "10001-0001")
	// The standards' own examples.
	add("iban", "iban", "GB82 WEST 1234 5698 7654 32", "DE89 3704 0044 0532 0130 00", "FR14 2004 1010 0505 0001 3M02 606", "NL91 ABNA 0417 1643 00", "BE68 5390 0754 7034")
	add("credit_card", "card_number", "4111111111111111", "4012888888881881", "5555555555554444", "5105105105105100", "378282246310005", "371449635398431",
		"6011111111111117", "6011000990139424", "3530111333300000", "3566002020360505", "30569309025904", "38520000023237", "2223003122003222", "6200000000000005")
	add("", "ssn", "000-12-3456", "666-12-3456", "912-34-5678", "123-00-4567", "123-45-0000", "078-05-1120")

	f, err := os.Create(filepath.Join("internal", "search", "testdata", "corpus", "corpus.csv"))
	if err != nil {
		panic(err)
	}
	w := csv.NewWriter(f)
	w.Write([]string{"label", "column", "value"})
	for _, r := range rows {
		w.Write([]string{r.label, r.column, r.value})
	}
	w.Flush()
	if err := f.Close(); err != nil {
		panic(err)
	}
	fmt.Println(len(rows), "values")
}

func readJSON(p string, v any) {
	b, err := os.ReadFile(p)
	if err != nil {
		panic(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		panic(err)
	}
}

// iso6709 reads ±DDMM[SS]±DDDMM[SS].
func iso6709(s string) (float64, float64) {
	i := strings.IndexAny(s[1:], "+-") + 1
	return dms(s[:i], 2), dms(s[i:], 3)
}

func dms(s string, degDigits int) float64 {
	sign := 1.0
	if s[0] == '-' {
		sign = -1
	}
	s = s[1:]
	d, _ := strconv.Atoi(s[:degDigits])
	m, _ := strconv.Atoi(s[degDigits : degDigits+2])
	sec := 0
	if len(s) > degDigits+2 {
		sec, _ = strconv.Atoi(s[degDigits+2:])
	}
	return sign * (float64(d) + float64(m)/60 + float64(sec)/3600)
}

var time0 = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)

func dayString(d int) string {
	return fmt.Sprint(time0.AddDate(0, 0, d).Format("2006-01-02"))
}

// card makes a Luhn-valid number in a scheme's range.
func card(i int) string {
	prefixes := []struct {
		p string
		n int
	}{{"4", 16}, {"51", 16}, {"55", 16}, {"2221", 16}, {"34", 15}, {"37", 15}, {"6011", 16}, {"3528", 16}, {"36", 14}}
	pr := prefixes[i%len(prefixes)]
	s := pr.p
	for len(s) < pr.n-1 {
		s += strconv.Itoa(rng.IntN(10))
	}
	for c := 0; c < 10; c++ {
		if luhnOK(s + strconv.Itoa(c)) {
			s += strconv.Itoa(c)
			break
		}
	}
	if i%3 == 0 { // printed in groups of four
		var g []string
		for j := 0; j < len(s); j += 4 {
			g = append(g, s[j:min(j+4, len(s))])
		}
		return strings.Join(g, " ")
	}
	return s
}

func luhnOK(d string) bool {
	sum := 0
	for i := 0; i < len(d); i++ {
		n := int(d[len(d)-1-i] - '0')
		if i%2 == 1 {
			if n *= 2; n > 9 {
				n -= 9
			}
		}
		sum += n
	}
	return sum%10 == 0
}

// iban makes an IBAN of a country's length with its check digits.
func iban(i int) string {
	countries := []struct {
		cc string
		n  int
	}{{"DE", 22}, {"FR", 27}, {"GB", 22}, {"NL", 18}, {"ES", 24}, {"IT", 27}, {"BE", 16}, {"CH", 21}, {"PL", 28}, {"SE", 24}}
	c := countries[i%len(countries)]
	bban := ""
	for len(bban) < c.n-4 {
		bban += strconv.Itoa(rng.IntN(10))
	}
	num := ""
	for _, r := range bban + c.cc + "00" {
		if r >= 'A' && r <= 'Z' {
			num += strconv.Itoa(int(r-'A') + 10)
		} else {
			num += string(r)
		}
	}
	v, _ := new(big.Int).SetString(num, 10)
	check := 98 - new(big.Int).Mod(v, big.NewInt(97)).Int64()
	return fmt.Sprintf("%s%02d%s", c.cc, check, bban)
}
