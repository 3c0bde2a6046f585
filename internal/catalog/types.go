package catalog

import (
	"fmt"
	"strconv"
	"strings"
)

var primitiveTypes = map[string]bool{
	"tinyint": true, "smallint": true, "int": true, "integer": true, "bigint": true,
	"float": true, "double": true, "decimal": true, "boolean": true, "string": true,
	"binary": true, "date": true, "timestamp": true,
}

// ParseType checks a Hive type string (bigint, decimal(10,2), array<string>,
// map<string,int>, struct<a:int,b:array<string>>, ...) and returns it in
// canonical form: lower case, no spaces. The error wraps ErrInvalid.
func ParseType(s string) (string, error) {
	p := typeParser{s: strings.ToLower(strings.TrimSpace(s))}
	out, err := p.parse()
	if err == nil {
		if p.skip(); p.i < len(p.s) {
			err = fmt.Errorf("unexpected %q at offset %d", p.s[p.i:], p.i)
		}
	}
	if err != nil {
		return "", Invalidf("type %q: %v", s, err)
	}
	return out, nil
}

// IsPrimitiveType reports whether a canonical type is not array, map or struct.
func IsPrimitiveType(t string) bool {
	return !strings.ContainsRune(t, '<')
}

type typeParser struct {
	s string
	i int
}

func (p *typeParser) skip() {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
}

func (p *typeParser) word() string {
	p.skip()
	start := p.i
	for p.i < len(p.s) && (isNameRune(rune(p.s[p.i])) || p.s[p.i] >= 'A' && p.s[p.i] <= 'Z') {
		p.i++
	}
	return p.s[start:p.i]
}

func (p *typeParser) expect(c byte) error {
	p.skip()
	if p.i >= len(p.s) || p.s[p.i] != c {
		if p.i >= len(p.s) {
			return fmt.Errorf("expected %q at end", c)
		}
		return fmt.Errorf("expected %q at offset %d, found %q", c, p.i, p.s[p.i])
	}
	p.i++
	return nil
}

func (p *typeParser) peek(c byte) bool {
	p.skip()
	return p.i < len(p.s) && p.s[p.i] == c
}

func (p *typeParser) number() (int, error) {
	w := p.word()
	n, err := strconv.Atoi(w)
	if err != nil {
		return 0, fmt.Errorf("expected a number, found %q", w)
	}
	return n, nil
}

func (p *typeParser) parse() (string, error) {
	w := p.word()
	switch w {
	case "":
		if p.i < len(p.s) {
			return "", fmt.Errorf("unexpected %q at offset %d", p.s[p.i], p.i)
		}
		return "", fmt.Errorf("empty type")
	case "decimal":
		if !p.peek('(') {
			return "decimal", nil
		}
		p.i++
		prec, err := p.number()
		if err != nil {
			return "", err
		}
		scale := 0
		if p.peek(',') {
			p.i++
			if scale, err = p.number(); err != nil {
				return "", err
			}
		}
		if err := p.expect(')'); err != nil {
			return "", err
		}
		if prec < 1 || prec > 38 || scale < 0 || scale > prec {
			return "", fmt.Errorf("decimal(%d,%d): precision must be 1..38 and scale 0..precision", prec, scale)
		}
		return fmt.Sprintf("decimal(%d,%d)", prec, scale), nil
	case "varchar", "char":
		if err := p.expect('('); err != nil {
			return "", err
		}
		n, err := p.number()
		if err != nil {
			return "", err
		}
		if err := p.expect(')'); err != nil {
			return "", err
		}
		if n < 1 || n > 65535 {
			return "", fmt.Errorf("%s(%d): length must be 1..65535", w, n)
		}
		return fmt.Sprintf("%s(%d)", w, n), nil
	case "array":
		if err := p.expect('<'); err != nil {
			return "", err
		}
		elem, err := p.parse()
		if err != nil {
			return "", err
		}
		if err := p.expect('>'); err != nil {
			return "", err
		}
		return "array<" + elem + ">", nil
	case "map":
		if err := p.expect('<'); err != nil {
			return "", err
		}
		key, err := p.parse()
		if err != nil {
			return "", err
		}
		if !IsPrimitiveType(key) {
			return "", fmt.Errorf("map key must be a primitive type, not %s", key)
		}
		if err := p.expect(','); err != nil {
			return "", err
		}
		val, err := p.parse()
		if err != nil {
			return "", err
		}
		if err := p.expect('>'); err != nil {
			return "", err
		}
		return "map<" + key + "," + val + ">", nil
	case "struct":
		if err := p.expect('<'); err != nil {
			return "", err
		}
		var fields []string
		for {
			name := p.word()
			if name == "" {
				return "", fmt.Errorf("expected a struct field name at offset %d", p.i)
			}
			if err := p.expect(':'); err != nil {
				return "", err
			}
			ft, err := p.parse()
			if err != nil {
				return "", err
			}
			fields = append(fields, name+":"+ft)
			if !p.peek(',') {
				break
			}
			p.i++
		}
		if err := p.expect('>'); err != nil {
			return "", err
		}
		return "struct<" + strings.Join(fields, ",") + ">", nil
	default:
		if !primitiveTypes[w] {
			return "", fmt.Errorf("unknown type %q", w)
		}
		return w, nil
	}
}
