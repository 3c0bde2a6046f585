package catalog

import (
	"regexp"
	"strconv"
	"strings"
)

// Filter selects partitions by their values: every condition must hold.
// Written as "year=2024 AND month>=06" (or with commas instead of AND).
type Filter []Condition

// Condition compares one partition key with a value. Values that are both
// numbers compare as numbers, others as strings.
type Condition struct {
	Key, Op, Value string
}

var conditionRE = regexp.MustCompile(`^\s*([A-Za-z0-9_]+)\s*(<=|>=|<>|!=|=|<|>)\s*(.*?)\s*$`)

// ParseFilter parses a partition filter; an empty string is no filter.
func ParseFilter(s string) (Filter, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	parts := regexp.MustCompile(`(?i)\s+and\s+|,`).Split(s, -1)
	var f Filter
	for _, part := range parts {
		m := conditionRE.FindStringSubmatch(part)
		if m == nil || m[3] == "" || strings.ContainsAny(m[3][:1], "<>=!") {
			return nil, Invalidf("partition filter %q: cannot read %q: want KEY=VALUE (or <, <=, >, >=, !=) joined by AND", s, strings.TrimSpace(part))
		}
		op := m[2]
		if op == "<>" {
			op = "!="
		}
		f = append(f, Condition{Key: strings.ToLower(m[1]), Op: op, Value: strings.Trim(m[3], `'"`)})
	}
	return f, nil
}

// Check reports an error (wrapping ErrInvalid) when the filter names a key
// that is not one of the partition keys.
func (f Filter) Check(keys []Column) error {
	for _, c := range f {
		if indexOfColumn(keys, c.Key) < 0 {
			names := make([]string, len(keys))
			for i, k := range keys {
				names[i] = k.Name
			}
			return Invalidf("partition filter: %q is not a partition key (keys: %s)", c.Key, strings.Join(names, ", "))
		}
	}
	return nil
}

// Match reports whether partition values (in key order) satisfy the filter.
// Call Check first; unknown keys never match.
func (f Filter) Match(keys []Column, values []string) bool {
	for _, c := range f {
		i := indexOfColumn(keys, c.Key)
		if i < 0 || i >= len(values) {
			return false
		}
		cmp := compareValues(values[i], c.Value)
		ok := false
		switch c.Op {
		case "=":
			ok = cmp == 0
		case "!=":
			ok = cmp != 0
		case "<":
			ok = cmp < 0
		case "<=":
			ok = cmp <= 0
		case ">":
			ok = cmp > 0
		case ">=":
			ok = cmp >= 0
		}
		if !ok {
			return false
		}
	}
	return true
}

func (f Filter) String() string {
	parts := make([]string, len(f))
	for i, c := range f {
		parts[i] = c.Key + c.Op + c.Value
	}
	return strings.Join(parts, " AND ")
}

func compareValues(a, b string) int {
	x, errA := strconv.ParseFloat(a, 64)
	y, errB := strconv.ParseFloat(b, 64)
	if errA == nil && errB == nil {
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	}
	return strings.Compare(a, b)
}

func indexOfColumn(cols []Column, name string) int {
	for i, c := range cols {
		if c.Name == name {
			return i
		}
	}
	return -1
}
