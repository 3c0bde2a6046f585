package format

import (
	"strconv"
	"strings"

	"github.com/lakectl/lakectl/internal/catalog"
)

// ParseHive turns a Hive type string (as stored in the catalog) back into a
// Type, so that schemas kept in the catalog widen with newly read ones.
func ParseHive(s string) (*Type, error) {
	norm, err := catalog.ParseType(s)
	if err != nil {
		return nil, err
	}
	t, _ := parseHive(norm)
	return t, nil
}

// parseHive parses a canonical type string (no spaces) and returns the rest.
func parseHive(s string) (*Type, string) {
	word := s
	if i := strings.IndexAny(s, "<>(),:"); i >= 0 {
		word = s[:i]
	}
	rest := s[len(word):]
	switch word {
	case "array":
		elem, r := parseHive(rest[1:])
		return &Type{Kind: Array, Elem: elem}, r[1:]
	case "map":
		key, r := parseHive(rest[1:])
		elem, r := parseHive(r[1:])
		return &Type{Kind: Map, Key: key, Elem: elem}, r[1:]
	case "struct":
		t := &Type{Kind: Struct}
		r := rest[1:]
		for {
			colon := strings.IndexByte(r, ':')
			name := r[:colon]
			ft, r2 := parseHive(r[colon+1:])
			t.Fields = append(t.Fields, Field{Name: name, Type: ft})
			r = r2
			if r[0] == '>' {
				return t, r[1:]
			}
			r = r[1:] // ,
		}
	case "decimal":
		p, sc := 10, 0
		if strings.HasPrefix(rest, "(") {
			end := strings.IndexByte(rest, ')')
			ps, ss, _ := strings.Cut(rest[1:end], ",")
			p, _ = strconv.Atoi(ps)
			sc, _ = strconv.Atoi(ss)
			rest = rest[end+1:]
		}
		return &Type{Kind: Decimal, Precision: p, Scale: sc, Hive: exact}, rest
	case "varchar", "char":
		end := strings.IndexByte(rest, ')')
		return tString, rest[end+1:]
	}
	kinds := map[string]*Type{
		"boolean": tBoolean, "bigint": tBigint, "double": tDouble, "date": tDate,
		"timestamp": tTimestamp, "string": tString, "float": {Kind: Float}, "binary": {Kind: Binary},
		"int": {Kind: Int, Hive: "int"}, "integer": {Kind: Int, Hive: "int"},
		"smallint": {Kind: Int, Hive: "smallint"}, "tinyint": {Kind: Int, Hive: "tinyint"},
	}
	if t, ok := kinds[word]; ok {
		return t, rest
	}
	return tString, rest
}
