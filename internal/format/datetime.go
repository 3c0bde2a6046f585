package format

// This file is the one reader of ISO 8601 dates and timestamps: type
// inference, conversion and comparison all decide with it what a date or
// timestamp is and which instant or day it names.

// ParseDate reads YYYY-MM-DD (a real day of the proleptic Gregorian
// calendar) as days since 1970-01-01.
func ParseDate(s string) (int32, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	y, ok1 := digitsValue(s[:4])
	m, ok2 := digitsValue(s[5:7])
	d, ok3 := digitsValue(s[8:])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m) {
		return 0, false
	}
	return int32(daysFromCivil(y, m, d)), true
}

// DateTime is an ISO 8601 date and time. Zoned says whether the text
// named its offset (Z or ±HH[:MM]): then Micros is the instant, in
// microseconds since the Unix epoch; without one, Micros is the wall-clock
// time read as if it were UTC (a local timestamp).
type DateTime struct {
	Micros int64
	Zoned  bool
}

// ParseTimestamp reads YYYY-MM-DD[T or space]HH:MM[:SS[.fraction]] with an
// optional zone: Z, ±HH, ±HHMM or ±HH:MM. Digits of the fraction beyond
// microseconds are cut off.
func ParseTimestamp(s string) (DateTime, bool) {
	if len(s) < 16 || (s[10] != 'T' && s[10] != ' ') || s[13] != ':' {
		return DateTime{}, false
	}
	day, ok := ParseDate(s[:10])
	if !ok {
		return DateTime{}, false
	}
	h, ok1 := digitsValue(s[11:13])
	mi, ok2 := digitsValue(s[14:16])
	if !ok1 || !ok2 || h > 23 || mi > 59 {
		return DateTime{}, false
	}
	micros := (int64(day)*24+int64(h))*3600e6 + int64(mi)*60e6
	r := s[16:]
	if len(r) >= 3 && r[0] == ':' {
		sec, ok := digitsValue(r[1:3])
		if !ok || sec > 59 {
			return DateTime{}, false
		}
		micros += int64(sec) * 1e6
		r = r[3:]
		if len(r) > 0 && r[0] == '.' {
			i, frac, scale := 1, int64(0), int64(1e6)
			for ; i < len(r) && r[i] >= '0' && r[i] <= '9'; i++ {
				if scale > 1 {
					scale /= 10
					frac += int64(r[i]-'0') * scale
				}
			}
			if i == 1 {
				return DateTime{}, false
			}
			micros += frac
			r = r[i:]
		}
	}
	switch {
	case r == "":
		return DateTime{Micros: micros}, true
	case r == "Z" || r == "z":
		return DateTime{Micros: micros, Zoned: true}, true
	case r[0] != '+' && r[0] != '-':
		return DateTime{}, false
	}
	var oh, om int
	var okh, okm bool
	switch z := r[1:]; len(z) {
	case 2:
		oh, okh = digitsValue(z)
		okm = true
	case 4:
		oh, okh = digitsValue(z[:2])
		om, okm = digitsValue(z[2:])
	case 5:
		oh, okh = digitsValue(z[:2])
		om, okm = digitsValue(z[3:])
		okm = okm && z[2] == ':'
	}
	if !okh || !okm || oh > 18 || om > 59 {
		return DateTime{}, false
	}
	offset := (int64(oh)*60 + int64(om)) * 60e6
	if r[0] == '-' {
		offset = -offset
	}
	return DateTime{Micros: micros - offset, Zoned: true}, true
}

// digitsValue reads a run of ASCII digits.
func digitsValue(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i] - '0'
		if c > 9 {
			return 0, false
		}
		n = n*10 + int(c)
	}
	return n, len(s) > 0
}

func daysInMonth(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil is the number of days from 1970-01-01 to y-m-d (proleptic
// Gregorian), after Howard Hinnant's algorithm.
func daysFromCivil(y, m, d int) int {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// JodaPattern is a Joda-Time pattern that parses s, a date or timestamp
// ParseDate or ParseTimestamp reads, to the same day or instant: the
// language of the "timestamp.formats" SerDe parameter, by which Hive's
// LazySimpleSerDe and Athena read timestamps written otherwise than
// yyyy-MM-dd HH:mm:ss[.f...]. It is "" when no pattern can (a fraction of
// more than nine digits).
//
// Joda's parsers are more lenient than its patterns look: S×9 reads one
// to nine fraction digits, and ZZ reads Z (either case), ±HH, ±HHMM and
// ±HH:MM alike, so one pattern covers every value of a shape.
func JodaPattern(s string) string {
	if _, ok := ParseDate(s); ok {
		return "yyyy-MM-dd"
	}
	if _, ok := ParseTimestamp(s); !ok {
		return ""
	}
	p := "yyyy-MM-dd HH:mm"
	if s[10] == 'T' {
		p = "yyyy-MM-dd'T'HH:mm"
	}
	r := s[16:]
	if len(r) >= 3 && r[0] == ':' {
		p += ":ss"
		r = r[3:]
		if len(r) > 0 && r[0] == '.' {
			i := 1
			for i < len(r) && r[i] >= '0' && r[i] <= '9' {
				i++
			}
			if i-1 > 9 {
				return ""
			}
			p += ".SSSSSSSSS"
			r = r[i:]
		}
	}
	if r != "" {
		p += "ZZ"
	}
	return p
}

// HiveReadsTimestamp: a timestamp of this Joda pattern's shape is one
// Hive's LazySimpleSerDe reads without "timestamp.formats":
// yyyy-MM-dd HH:mm:ss[.f...], no zone.
func HiveReadsTimestamp(pattern string) bool {
	return pattern == "yyyy-MM-dd HH:mm:ss" || pattern == "yyyy-MM-dd HH:mm:ss.SSSSSSSSS"
}
