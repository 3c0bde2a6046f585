package catalog

import (
	"cmp"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Check reports an error (wrapping ErrInvalid) when the filter does not fit
// the partition keys, as Glue does: a key that is not one of them, a key of
// a type Glue cannot filter on (boolean, float, double, binary), a value
// that is not of its key's type ('abc' for an int key), or LIKE on a key
// that is not a string.
func (f Filter) Check(keys []Column) error {
	return f.walk(func(n *filterNode) error {
		i := indexOfColumn(keys, n.key)
		if i < 0 {
			names := make([]string, len(keys))
			for i, k := range keys {
				names[i] = k.Name
			}
			return Invalidf("partition filter: %q is not a partition key (keys: %s)", n.key, strings.Join(names, ", "))
		}
		k := keys[i]
		kind := kindOf(k.Type)
		if kind == noKind {
			return Invalidf("partition filter: %s is %s: Glue filters partitions on keys of types %s only", k.Name, k.Type, filterableTypes)
		}
		if n.op == opLike && kind != stringKind {
			return Invalidf("partition filter: %s is %s: LIKE compares strings only", k.Name, k.Type)
		}
		for _, v := range n.vals {
			if v == HiveNullPartition {
				return Invalidf("partition filter: %s stands for a null value, which equals nothing: write %s IS NULL", v, keyName(k.Name))
			}
			if !kind.holds(v) {
				return Invalidf("partition filter: %s is %s: %s is not %s", k.Name, k.Type, quoteValue(v), kind.article())
			}
		}
		return nil
	})
}

// Match reports whether partition values (in key order) satisfy the filter.
// Call Check first: a term on an unknown key never holds.
//
// Values compare by the type of their key, as Glue compares them: integers
// (tinyint to bigint) as integers (9 < 10, 06 = 6), decimals as exact
// numbers, dates (YYYY-MM-DD) and timestamps (YYYY-MM-DD hh:mm:ss[.f]) in
// time, strings, chars and varchars byte by byte ('10' < '9'). A value that
// is __HIVE_DEFAULT_PARTITION__, or that is not of its key's type, is NULL:
// it satisfies KEY IS NULL and no comparison, negated or not, as in SQL.
// LIKE's pattern matches the whole value, % standing for any characters
// and _ for one.
func (f Filter) Match(keys []Column, values []string) bool {
	for _, n := range f {
		if n.eval(keys, values) != isTrue {
			return false
		}
	}
	return true
}

// truth is SQL's: a comparison with NULL is unknown, and so is its NOT.
type truth int8

const (
	isFalse truth = iota
	isTrue
	isUnknown
)

func (n *filterNode) eval(keys []Column, values []string) truth {
	switch n.op {
	case opAnd, opOr:
		// One false term makes AND false, one true term makes OR true;
		// otherwise an unknown term makes either unknown.
		decisive, out := isFalse, isTrue
		if n.op == opOr {
			decisive, out = isTrue, isFalse
		}
		for _, k := range n.kids {
			switch t := k.eval(keys, values); t {
			case decisive:
				return t
			case isUnknown:
				out = isUnknown
			}
		}
		return out
	case opNot:
		return not(n.kids[0].eval(keys, values))
	}
	i := indexOfColumn(keys, n.key)
	if i < 0 || i >= len(values) {
		return isFalse
	}
	kind, v := kindOf(keys[i].Type), values[i]
	null := v == HiveNullPartition || !kind.holds(v)
	if n.op == opNull {
		return truthOf(null != n.not)
	}
	if null {
		return isUnknown
	}
	var t truth
	switch n.op {
	case opIn:
		t = isFalse
		for _, x := range n.vals {
			if c, ok := kind.compare(v, x); !ok {
				t = isUnknown
			} else if c == 0 {
				t = isTrue
				break
			}
		}
	case opBetween:
		lo, okLo := kind.compare(v, n.vals[0])
		hi, okHi := kind.compare(v, n.vals[1])
		if !okLo || !okHi {
			return isUnknown
		}
		t = truthOf(lo >= 0 && hi <= 0)
	case opLike:
		t = truthOf(like(v, n.vals[0]))
	default:
		c, ok := kind.compare(v, n.vals[0])
		if !ok {
			return isUnknown
		}
		t = truthOf(map[string]bool{opEq: c == 0, opNe: c != 0, opLt: c < 0, opLe: c <= 0, opGt: c > 0, opGe: c >= 0}[n.op])
	}
	if n.not {
		return not(t)
	}
	return t
}

func truthOf(b bool) truth {
	if b {
		return isTrue
	}
	return isFalse
}

func not(t truth) truth {
	switch t {
	case isTrue:
		return isFalse
	case isFalse:
		return isTrue
	}
	return isUnknown
}

// like matches SQL LIKE: % any run of characters, _ one character, the
// rest itself; the whole value must match.
func like(value, pattern string) bool {
	v, p := []rune(value), []rune(pattern)
	vi, pi := 0, 0
	star, mark := -1, 0
	for vi < len(v) {
		switch {
		case pi < len(p) && (p[pi] == '_' || p[pi] != '%' && p[pi] == v[vi]):
			vi++
			pi++
		case pi < len(p) && p[pi] == '%':
			star, mark = pi, vi
			pi++
		case star >= 0:
			mark++
			vi, pi = mark, star+1
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '%' {
		pi++
	}
	return pi == len(p)
}

// keyKind is how values of a partition key's type compare.
type keyKind int

const (
	noKind keyKind = iota
	stringKind
	integerKind
	decimalKind
	dateKind
	timestampKind
)

// kindOf maps a Hive type to the kind Glue compares it as; noKind for the
// types Glue cannot filter on.
func kindOf(typ string) keyKind {
	base, _, _ := strings.Cut(strings.ToLower(typ), "(")
	switch base {
	case "string", "char", "varchar":
		return stringKind
	case "tinyint", "smallint", "int", "integer", "bigint", "long":
		return integerKind
	case "decimal":
		return decimalKind
	case "date":
		return dateKind
	case "timestamp":
		return timestampKind
	}
	return noKind
}

func (k keyKind) article() string {
	return [...]string{"", "a string", "an integer", "a decimal number", "a date (YYYY-MM-DD)", "a timestamp (YYYY-MM-DD hh:mm:ss[.fffffffff])"}[k]
}

func (k keyKind) holds(v string) bool {
	_, ok := k.read(v)
	return ok
}

// read reads v as a value of kind k.
func (k keyKind) read(v string) (any, bool) {
	switch k {
	case stringKind:
		return v, true
	case integerKind:
		n, err := strconv.ParseInt(v, 10, 64)
		return n, err == nil
	case decimalKind:
		r, _, ok := readDecimal(v)
		return r, ok
	case dateKind:
		t, err := time.Parse(time.DateOnly, v)
		return t, err == nil
	case timestampKind:
		// Hive's form: no zone, a fraction of up to nine digits or none.
		if len(v) < len(time.DateTime) || !fractionRE.MatchString(v[len(time.DateTime):]) {
			return nil, false
		}
		t, err := time.Parse(time.DateTime, v)
		return t, err == nil
	}
	return nil, false
}

// compare compares a and b as values of kind k; ok is false when either is
// not one.
func (k keyKind) compare(a, b string) (int, bool) {
	x, okA := k.read(a)
	y, okB := k.read(b)
	if !okA || !okB {
		return 0, false
	}
	switch x := x.(type) {
	case string:
		return strings.Compare(x, y.(string)), true
	case int64:
		return cmp.Compare(x, y.(int64)), true
	case *big.Rat:
		return x.Cmp(y.(*big.Rat)), true
	case time.Time:
		return x.Compare(y.(time.Time)), true
	}
	return 0, false
}

var fractionRE = regexp.MustCompile(`^(\.[0-9]{1,9})?$`)

var decimalRE = regexp.MustCompile(`^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]{1,4})?$`)

// readDecimal reads a decimal number as Java's BigDecimal does (12, -1.50,
// .5, 3e14), with its scale: the digits after the point it needs.
func readDecimal(v string) (*big.Rat, int, bool) {
	m := decimalRE.FindStringSubmatch(v)
	if m == nil {
		return nil, 0, false
	}
	mant, exp := m[1], 0
	if m[2] != "" {
		exp, _ = strconv.Atoi(m[2][1:])
	}
	if exp > 1000 || exp < -1000 {
		return nil, 0, false
	}
	r, ok := new(big.Rat).SetString(strings.TrimPrefix(v, "+"))
	if !ok {
		return nil, 0, false
	}
	scale := 0
	if _, frac, found := strings.Cut(mant, "."); found {
		scale = len(frac)
	}
	return r, max(scale-exp, 0), true
}

func indexOfColumn(cols []Column, name string) int {
	return slices.IndexFunc(cols, func(c Column) bool { return c.Name == name })
}
