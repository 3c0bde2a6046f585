package dashboard

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// tick is a labelled value on an axis.
type tick struct {
	V     float64
	Label string
}

// valueTicks chooses about n round ticks covering [lo, hi] for values of
// unit, and the axis's range, which begins and ends on a tick. Bytes step
// in binary units (0, 512 MiB, 1 GiB, ...), everything else in 1, 2 or 5
// times a power of ten.
func valueTicks(lo, hi float64, unit string, n int) (ticks []tick, min, max float64) {
	if hi < lo {
		lo, hi = hi, lo
	}
	if hi == lo {
		if lo == 0 {
			hi = 1
		} else {
			lo, hi = lo-math.Abs(lo)/2, hi+math.Abs(hi)/2
			if lo >= 0 && hi > 0 && lo < hi/2 {
				lo = 0
			}
		}
	}
	scale, suffix := 1.0, ""
	if unit == Bytes {
		scale, suffix = byteUnit(math.Max(math.Abs(lo), math.Abs(hi)))
	}
	step := niceStep((hi - lo) / scale / float64(n))
	if step < 1 && (unit == Count || unit == Rows) {
		step = 1 // no half a table
	}
	first := math.Floor(lo/scale/step) * step
	last := math.Ceil(hi/scale/step) * step
	for i := 0; ; i++ {
		v := first + float64(i)*step
		if v > last+step/2 || i > 4*n {
			break
		}
		v = roundTo(v, step)
		ticks = append(ticks, tick{V: v * scale, Label: tickLabel(v, unit, suffix)})
	}
	return ticks, first * scale, last * scale
}

// niceStep is the least of 1, 2, 2.5 and 5 times a power of ten not below raw.
func niceStep(raw float64) float64 {
	if raw <= 0 || math.IsNaN(raw) || math.IsInf(raw, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= raw*(1-1e-9) {
			return m * p
		}
	}
	return 10 * p
}

// roundTo drops the float error that adding steps leaves (0.30000000000000004).
func roundTo(v, step float64) float64 {
	digits := -math.Floor(math.Log10(step)) + 1
	if digits < 0 {
		return v
	}
	p := math.Pow(10, digits)
	return math.Round(v*p) / p
}

var byteUnits = []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}

// byteUnit is the largest binary unit not above v.
func byteUnit(v float64) (scale float64, name string) {
	scale, i := 1.0, 0
	for i < len(byteUnits)-1 && v >= scale*1024 {
		scale *= 1024
		i++
	}
	return scale, byteUnits[i]
}

// tickLabel writes an axis value, v already in the unit suffix names.
func tickLabel(v float64, unit, suffix string) string {
	switch unit {
	case Bytes:
		if v == 0 {
			return "0"
		}
		return trimFloat(v, 'f', 3) + " " + suffix
	case Count, Rows:
		return compact(v)
	}
	return trimFloat(v, 'g', 6)
}

// compact writes a count shortly: 950, 12k, 1.5M, 3G.
func compact(v float64) string {
	a := math.Abs(v)
	for _, u := range []struct {
		s string
		d float64
	}{{"T", 1e12}, {"G", 1e9}, {"M", 1e6}, {"k", 1e3}} {
		if a >= u.d {
			return trimFloat(v/u.d, 'f', 2) + u.s
		}
	}
	return trimFloat(v, 'f', 2)
}

// trimFloat formats v and drops trailing zeros after the point.
func trimFloat(v float64, f byte, prec int) string {
	s := strconv.FormatFloat(v, f, prec, 64)
	if strings.ContainsRune(s, '.') && !strings.ContainsAny(s, "eE") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// Short writes a value of a unit as the charts' axes do: 1.18 GiB,
// 12.3k, 0.25.
func Short(v float64, unit string) string { return short(v, unit) }

// short writes a value for a reader: 1.18 GiB, 12.3k, 0.25.
func short(v float64, unit string) string {
	if unit == Bytes {
		scale, name := byteUnit(math.Abs(v))
		return trimFloat(v/scale, 'f', 2) + " " + name
	}
	if unit == Count || unit == Rows {
		return compact(v)
	}
	return trimFloat(v, 'g', 4)
}

// exact writes a value in full for a tooltip: 1,234,567 bytes (1.18 MiB).
func exact(v float64, unit string) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if v == math.Trunc(v) && math.Abs(v) < 1e21 {
		s = group(s)
	}
	switch unit {
	case Bytes:
		return s + " bytes (" + short(v, unit) + ")"
	case Rows:
		return s + " rows"
	}
	return s
}

// group puts thousands separators in an integer's digits.
func group(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// timeSteps are the spacings a time axis may tick at, least first; months
// and years follow the calendar.
var timeSteps = []struct {
	d      time.Duration
	months int
}{
	{time.Minute, 0}, {5 * time.Minute, 0}, {15 * time.Minute, 0}, {time.Hour, 0},
	{3 * time.Hour, 0}, {6 * time.Hour, 0}, {12 * time.Hour, 0}, {24 * time.Hour, 0},
	{2 * 24 * time.Hour, 0}, {7 * 24 * time.Hour, 0}, {14 * 24 * time.Hour, 0},
	{0, 1}, {0, 3}, {0, 6}, {0, 12}, {0, 24}, {0, 60}, {0, 120},
}

// timeTicks chooses at most n ticks between lo and hi (in UTC): whole
// minutes, hours or days, Mondays, or the first of a month or a year.
func timeTicks(lo, hi time.Time, n int) []tick {
	lo, hi = lo.UTC(), hi.UTC()
	span := hi.Sub(lo)
	for _, s := range timeSteps {
		var count float64
		if s.months == 0 {
			count = float64(span) / float64(s.d)
		} else {
			count = span.Hours() / 24 / 30.44 / float64(s.months)
		}
		if count > float64(n) && s.months < 120 {
			continue
		}
		var out []tick
		for t := firstTick(lo, s.d, s.months); !t.After(hi) && len(out) <= 2*n; t = nextTick(t, s.d, s.months) {
			out = append(out, tick{V: float64(t.Unix()), Label: timeLabel(t, s.d, s.months, lo.Year() != hi.Year())})
		}
		return out
	}
	return nil
}

func firstTick(lo time.Time, d time.Duration, months int) time.Time {
	day := time.Date(lo.Year(), lo.Month(), lo.Day(), 0, 0, 0, 0, time.UTC)
	switch {
	case months >= 12:
		years := months / 12
		y := (lo.Year() + years - 1) / years * years
		t := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
		if t.Before(lo) {
			t = t.AddDate(years, 0, 0)
		}
		return t
	case months > 0:
		m := (int(lo.Month())-1+months-1)/months*months + 1
		t := time.Date(lo.Year(), time.Month(m), 1, 0, 0, 0, 0, time.UTC)
		if t.Before(lo) {
			t = t.AddDate(0, months, 0)
		}
		return t
	case d >= 7*24*time.Hour:
		t := day.AddDate(0, 0, (8-int(day.Weekday()))%7) // the next Monday, or this one
		if t.Before(lo) {
			t = t.AddDate(0, 0, 7)
		}
		return t
	}
	t := lo.Truncate(d)
	if t.Before(lo) {
		t = t.Add(d)
	}
	return t
}

func nextTick(t time.Time, d time.Duration, months int) time.Time {
	if months > 0 {
		return t.AddDate(0, months, 0)
	}
	return t.Add(d)
}

func timeLabel(t time.Time, d time.Duration, months int, years bool) string {
	switch {
	case months >= 12:
		return t.Format("2006")
	case months > 0:
		return t.Format("Jan 2006")
	case d >= 24*time.Hour && years:
		return t.Format("2006-01-02")
	case d >= 24*time.Hour:
		return t.Format("Jan 2")
	}
	return t.Format("Jan 2 15:04")
}
