package catalog

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// Filter selects partitions by their values, in the language of the
// Expression of Glue's GetPartitions (a SQL WHERE clause on partition keys):
//
//	year = 2024 AND month >= 6
//	region IN ('eu', 'us') OR (year BETWEEN 2015 AND 2018 AND NOT day = 1)
//	name LIKE 'a%' AND dt > '2024-01-31'
//
// A Filter holds when all of its terms hold; the zero Filter (nil) holds for
// every partition. Values compare by the type of their partition key, as in
// Glue: see Match.
type Filter []*filterNode

// filterNode is a term of a Filter: a test of one key (op is a comparison,
// IN, BETWEEN, LIKE or IS NULL, key and vals say what it tests), or AND, OR
// or NOT of its kids.
type filterNode struct {
	op   string
	not  bool // NOT IN, NOT BETWEEN, NOT LIKE, IS NOT NULL
	key  string
	vals []string
	kids []*filterNode
}

// HiveNullPartition is the value Hive, Athena and Spark give a partition
// whose key is null; filters read it as NULL.
const HiveNullPartition = "__HIVE_DEFAULT_PARTITION__"

// Operators as filterNode.op holds them.
const (
	opAnd     = "AND"
	opOr      = "OR"
	opNot     = "NOT"
	opIn      = "IN"
	opBetween = "BETWEEN"
	opLike    = "LIKE"
	opNull    = "IS NULL"
	opEq      = "="
	opNe      = "<>"
	opLt      = "<"
	opLe      = "<="
	opGt      = ">"
	opGe      = ">="
)

// How tightly an operator binds, for writing parentheses.
const (
	precOr = iota + 1
	precAnd
	precNot
	precAtomic
)

const (
	maxFilterDepth         = 100
	maxGlueExpressionBytes = 2048 // Glue's PredicateString
	filterSyntax           = "want KEY op VALUE (op: =, <>, !=, <, <=, >, >=), KEY [NOT] IN (V, ...), KEY [NOT] BETWEEN V AND V, KEY [NOT] LIKE 'pattern' or KEY IS [NOT] NULL, joined by AND (or a comma), OR, NOT and parentheses"
	filterableTypes        = "string, char, varchar, date, timestamp, tinyint, smallint, int, bigint and decimal"
)

var keywords = map[string]bool{"AND": true, "OR": true, "NOT": true, "IN": true, "BETWEEN": true, "LIKE": true, "IS": true, "NULL": true}

// ParseFilter parses a partition filter; an empty string is no filter (nil).
// Besides Glue's syntax it reads what earlier versions of lakectl read:
// conditions joined by commas, != for <>, and values in double quotes or
// bare (region=eu). Key names are folded to lower case. Errors wrap
// ErrInvalid.
func ParseFilter(s string) (Filter, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	p := &filterParser{s: s}
	n, err := p.expr(0)
	if err == nil && p.skip() < len(s) {
		err = p.errorf("unexpected %q", p.rest())
	}
	if err != nil {
		return nil, Invalidf("partition filter %q: %v", s, err)
	}
	if n.op == opAnd {
		return Filter(n.kids), nil
	}
	return Filter{n}, nil
}

type filterParser struct {
	s string
	i int
}

func (p *filterParser) errorf(format string, args ...any) error {
	return fmt.Errorf("at offset %d: %s; %s", p.i, fmt.Sprintf(format, args...), filterSyntax)
}

func (p *filterParser) skip() int {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
	return p.i
}

func (p *filterParser) rest() string {
	r := p.s[p.i:]
	if len(r) > 20 {
		r = r[:20] + "..."
	}
	return r
}

// word returns the run of name characters at the cursor without taking it.
func (p *filterParser) word() string {
	p.skip()
	j := p.i
	for j < len(p.s) && isNameRune(unicode.ToLower(rune(p.s[j]))) {
		j++
	}
	return p.s[p.i:j]
}

// keyword takes kw (any case) when it is the next word.
func (p *filterParser) keyword(kw string) bool {
	if w := p.word(); strings.EqualFold(w, kw) {
		p.i += len(w)
		return true
	}
	return false
}

func (p *filterParser) punct(c byte) bool {
	if p.skip() < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// expr reads terms joined by OR; below reads terms joined by AND or commas,
// then NOT, then a parenthesised expression or a test of a key.
func (p *filterParser) expr(depth int) (*filterNode, error) {
	if depth > maxFilterDepth {
		return nil, p.errorf("nested more than %d deep", maxFilterDepth)
	}
	var terms []*filterNode
	for {
		n, err := p.conjunction(depth)
		if err != nil {
			return nil, err
		}
		terms = append(terms, n)
		if !p.keyword(opOr) {
			return join(opOr, terms), nil
		}
	}
}

func (p *filterParser) conjunction(depth int) (*filterNode, error) {
	var terms []*filterNode
	for {
		n, err := p.negation(depth)
		if err != nil {
			return nil, err
		}
		terms = append(terms, n)
		if !p.keyword(opAnd) && !p.punct(',') {
			return join(opAnd, terms), nil
		}
	}
}

// join makes one node of terms, flattening terms that are themselves of op,
// so that a AND (b AND c) and (a AND b) AND c read the same.
func join(op string, terms []*filterNode) *filterNode {
	if len(terms) == 1 {
		return terms[0]
	}
	n := &filterNode{op: op}
	for _, t := range terms {
		if t.op == op {
			n.kids = append(n.kids, t.kids...)
		} else {
			n.kids = append(n.kids, t)
		}
	}
	return n
}

func (p *filterParser) negation(depth int) (*filterNode, error) {
	if depth > maxFilterDepth {
		return nil, p.errorf("nested more than %d deep", maxFilterDepth)
	}
	if p.keyword(opNot) {
		n, err := p.negation(depth + 1)
		if err != nil {
			return nil, err
		}
		return &filterNode{op: opNot, kids: []*filterNode{n}}, nil
	}
	if p.punct('(') {
		n, err := p.expr(depth + 1)
		if err != nil {
			return nil, err
		}
		if !p.punct(')') {
			return nil, p.errorf("missing )")
		}
		return n, nil
	}
	return p.test()
}

func (p *filterParser) test() (*filterNode, error) {
	key, err := p.key()
	if err != nil {
		return nil, err
	}
	n := &filterNode{key: key}
	if op := p.comparison(); op != "" {
		n.op = op
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		n.vals = []string{v}
		return n, nil
	}
	if p.keyword("IS") {
		n.op, n.not = opNull, p.keyword(opNot)
		if !p.keyword("NULL") {
			return nil, p.errorf("want NULL after IS")
		}
		return n, nil
	}
	n.not = p.keyword(opNot)
	switch {
	case p.keyword(opIn):
		n.op = opIn
		if !p.punct('(') {
			return nil, p.errorf("want ( after IN")
		}
		for {
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			n.vals = append(n.vals, v)
			if p.punct(')') {
				return n, nil
			}
			if !p.punct(',') {
				return nil, p.errorf("want , or ) in the list of IN")
			}
		}
	case p.keyword(opBetween):
		n.op = opBetween
		lo, err := p.value()
		if err != nil {
			return nil, err
		}
		if !p.keyword(opAnd) {
			return nil, p.errorf("want AND after BETWEEN %s", quoteValue(lo))
		}
		hi, err := p.value()
		if err != nil {
			return nil, err
		}
		n.vals = []string{lo, hi}
		return n, nil
	case p.keyword(opLike):
		n.op = opLike
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		n.vals = []string{v}
		return n, nil
	}
	if n.not {
		return nil, p.errorf("want IN, BETWEEN or LIKE after %s NOT", key)
	}
	return nil, p.errorf("want an operator after %s", key)
}

// key reads a partition key: a name, or a name in backquotes (for a key
// named like a keyword).
func (p *filterParser) key() (string, error) {
	p.skip()
	if p.punct('`') {
		j := strings.IndexByte(p.s[p.i:], '`')
		if j < 0 {
			return "", p.errorf("missing closing `")
		}
		name := p.s[p.i : p.i+j]
		p.i += j + 1
		if name == "" || strings.ContainsFunc(strings.ToLower(name), func(r rune) bool { return !isNameRune(r) }) {
			return "", p.errorf("key `%s`: %s", name, nameRule)
		}
		return strings.ToLower(name), nil
	}
	w := p.word()
	if w == "" {
		if p.i == len(p.s) {
			return "", p.errorf("missing a key at the end")
		}
		return "", p.errorf("want a partition key, found %q", p.rest())
	}
	if keywords[strings.ToUpper(w)] {
		return "", p.errorf("want a partition key, found %s (write `%s` for a key of that name)", strings.ToUpper(w), strings.ToLower(w))
	}
	p.i += len(w)
	return strings.ToLower(w), nil
}

func (p *filterParser) comparison() string {
	p.skip()
	for _, op := range []string{"<=", ">=", "<>", "!=", "=", "<", ">"} {
		if strings.HasPrefix(p.s[p.i:], op) {
			p.i += len(op)
			if op == "!=" {
				return opNe
			}
			return op
		}
	}
	return ""
}

// value reads a value: 'text' (a quote doubled inside), "text" (likewise),
// or a bare run of characters up to a space, comma, parenthesis, quote or
// comparison sign. A value is its text whichever way it is written.
func (p *filterParser) value() (string, error) {
	if p.skip() == len(p.s) {
		return "", p.errorf("missing a value at the end")
	}
	if q := p.s[p.i]; q == '\'' || q == '"' {
		var b strings.Builder
		for j := p.i + 1; j < len(p.s); j++ {
			if p.s[j] != q {
				b.WriteByte(p.s[j])
				continue
			}
			if j+1 < len(p.s) && p.s[j+1] == q {
				b.WriteByte(q)
				j++
				continue
			}
			p.i = j + 1
			return b.String(), nil
		}
		return "", p.errorf("missing closing %c", q)
	}
	j := p.i
	for j < len(p.s) && !strings.ContainsRune(" \t\r\n,()'\"=<>!`", rune(p.s[j])) {
		j++
	}
	v := p.s[p.i:j]
	switch {
	case v == "":
		return "", p.errorf("want a value, found %q", p.rest())
	case strings.EqualFold(v, "NULL"):
		return "", p.errorf("nothing equals NULL: test for it with KEY IS NULL")
	case keywords[strings.ToUpper(v)]:
		return "", p.errorf("want a value, found %s", strings.ToUpper(v))
	}
	p.i = j
	return v, nil
}

// String writes the filter in the syntax ParseFilter reads (Glue's, with
// every value in quotes unless it is a plain number).
func (f Filter) String() string {
	return f.render(func(n *filterNode) string { return keyName(n.key) },
		func(_ *filterNode, v string) string { return quoteValue(v) })
}

// render writes the filter with each test's key and values as key and value
// write them.
func (f Filter) render(key func(n *filterNode) string, value func(n *filterNode, v string) string) string {
	w := filterWriter{key: key, value: value}
	min := 0
	if len(f) > 1 {
		min = precAnd
	}
	for i, n := range f {
		if i > 0 {
			w.b.WriteString(" AND ")
		}
		w.write(n, min)
	}
	return w.b.String()
}

type filterWriter struct {
	b     strings.Builder
	key   func(n *filterNode) string
	value func(n *filterNode, v string) string
}

func (n *filterNode) prec() int {
	switch n.op {
	case opOr:
		return precOr
	case opAnd:
		return precAnd
	case opNot:
		return precNot
	}
	return precAtomic
}

// write writes n, in parentheses when it binds less tightly than its place
// needs (min).
func (w *filterWriter) write(n *filterNode, min int) {
	if n.prec() < min {
		w.b.WriteByte('(')
		defer w.b.WriteByte(')')
	}
	switch n.op {
	case opAnd, opOr:
		for i, k := range n.kids {
			if i > 0 {
				w.b.WriteString(" " + n.op + " ")
			}
			w.write(k, n.prec()+1)
		}
		return
	case opNot:
		w.b.WriteString("NOT ")
		w.write(n.kids[0], precNot)
		return
	}
	key := w.key(n)
	vals := make([]string, len(n.vals))
	for i, v := range n.vals {
		vals[i] = w.value(n, v)
	}
	not := ""
	if n.not {
		not = "NOT "
	}
	switch n.op {
	case opIn:
		fmt.Fprintf(&w.b, "%s %sIN (%s)", key, not, strings.Join(vals, ", "))
	case opBetween:
		fmt.Fprintf(&w.b, "%s %sBETWEEN %s AND %s", key, not, vals[0], vals[1])
	case opLike:
		fmt.Fprintf(&w.b, "%s %sLIKE %s", key, not, vals[0])
	case opNull:
		fmt.Fprintf(&w.b, "%s IS %sNULL", key, not)
	default:
		fmt.Fprintf(&w.b, "%s %s %s", key, n.op, vals[0])
	}
}

var plainNumber = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

func quoteValue(v string) string {
	if plainNumber.MatchString(v) {
		return v
	}
	return "'" + strings.ReplaceAll(v, "'", "''") + "'"
}

// keyName writes a key as the parser reads it back.
func keyName(k string) string {
	if keywords[strings.ToUpper(k)] {
		return "`" + k + "`"
	}
	return k
}

// walk calls fn for every test of a key in the filter, until fn returns an
// error.
func (f Filter) walk(fn func(n *filterNode) error) error {
	for _, n := range f {
		if n.kids != nil {
			if err := Filter(n.kids).walk(fn); err != nil {
				return err
			}
		} else if err := fn(n); err != nil {
			return err
		}
	}
	return nil
}
