package catalog

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrGlueUnsupported: a filter lakectl evaluates that Glue's GetPartitions
// cannot evaluate the same way (see GlueExpression).
var ErrGlueUnsupported = errors.New("not expressible as a Glue partition expression")

// GlueExpression writes the filter as the Expression of a Glue
// GetPartitions call on a table with these partition keys: values of
// string, char, varchar, date and timestamp keys in single quotes (a quote
// doubled), of integer and decimal keys as plain numbers. It checks the
// filter first (Check). A Glue backend passes the expression to Glue and
// then applies Match to what Glue returns.
//
// It fails with an error wrapping ErrGlueUnsupported when Glue would not
// evaluate the filter as Match does: a test for NULL (Glue knows no null
// partition values), a key named like a keyword, a character Glue refuses,
// or an expression longer than Glue's 2,048 bytes. The caller then asks
// Glue for every partition and applies Match alone. The zero Filter gives "".
func (f Filter) GlueExpression(keys []Column) (string, error) {
	if err := f.Check(keys); err != nil {
		return "", err
	}
	var bad error
	expr := f.render(func(n *filterNode) string {
		switch {
		case keywords[strings.ToUpper(n.key)]:
			bad = fmt.Errorf("key %s is named like a keyword", n.key)
		case n.op == opNull:
			bad = fmt.Errorf("Glue's partition values are never null, and %s IS NULL reads %s as null", keyName(n.key), HiveNullPartition)
		}
		return n.key
	}, func(n *filterNode, v string) string {
		return kindOf(keys[indexOfColumn(keys, n.key)].Type).glueValue(v)
	})
	switch {
	case bad != nil:
	case len(expr) > maxGlueExpressionBytes:
		bad = fmt.Errorf("%d bytes long, more than Glue's %d", len(expr), maxGlueExpressionBytes)
	case !utf8.ValidString(expr):
		bad = errors.New("it is not UTF-8")
	case strings.ContainsFunc(expr, func(r rune) bool { return r < ' ' && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF }):
		bad = errors.New("it holds a control character Glue refuses")
	}
	if bad != nil {
		return "", fmt.Errorf("partition filter %s: %w: %w", f, ErrGlueUnsupported, bad)
	}
	return expr, nil
}

// glueValue writes a value Check accepted as Glue reads it.
func (k keyKind) glueValue(v string) string {
	switch k {
	case integerKind:
		n, _ := strconv.ParseInt(v, 10, 64)
		return strconv.FormatInt(n, 10)
	case decimalKind:
		r, scale, _ := readDecimal(v)
		return r.FloatString(scale)
	}
	return "'" + strings.ReplaceAll(v, "'", "''") + "'"
}
