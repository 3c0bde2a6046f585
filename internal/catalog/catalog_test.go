package catalog

import (
	"errors"
	"strings"
	"testing"
)

func TestParseType(t *testing.T) {
	good := map[string]string{
		"bigint":                  "bigint",
		"BIGINT":                  "bigint",
		"decimal(10, 2)":          "decimal(10,2)",
		"decimal(5)":              "decimal(5,0)",
		"varchar(20)":             "varchar(20)",
		"array<string>":           "array<string>",
		"map<string, array<int>>": "map<string,array<int>>",
		"struct<a:int, b : array<struct<c:date>>>": "struct<a:int,b:array<struct<c:date>>>",
		" timestamp ": "timestamp",
	}
	for in, want := range good {
		got, err := ParseType(in)
		if err != nil || got != want {
			t.Errorf("ParseType(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "text", "array<", "array<int", "map<array<int>,int>", "struct<>", "decimal(40,2)", "decimal(5,6)", "varchar", "int int", "struct<a int>"} {
		if got, err := ParseType(in); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseType(%q) = %q, %v; want ErrInvalid", in, got, err)
		}
	}
}

func TestNames(t *testing.T) {
	if n, err := NormalizeName("table", "Orders_2024"); err != nil || n != "orders_2024" {
		t.Errorf("NormalizeName = %q, %v", n, err)
	}
	_, err := NormalizeName("table", "order-lines")
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "lowercase letters, digits and _") {
		t.Errorf("NormalizeName(order-lines) error %v does not state the rule", err)
	}
	for in, want := range map[string]string{
		"Order Lines":            "order_lines",
		"year=2024":              "year_2024",
		"":                       "_",
		"café":                   "caf_",
		strings.Repeat("a", 200): strings.Repeat("a", 128),
	} {
		if got := SanitizeName(in); got != want {
			t.Errorf("SanitizeName(%q) = %q, want %q", in, got, want)
		}
		if _, err := NormalizeName("x", SanitizeName(in)); err != nil {
			t.Errorf("SanitizeName(%q) is not a valid name: %v", in, err)
		}
	}
	db, tb, err := ParseTableName("Sales.Orders")
	if err != nil || db != "sales" || tb != "orders" {
		t.Errorf("ParseTableName = %q %q %v", db, tb, err)
	}
	if _, _, err := ParseTableName("orders"); !errors.Is(err, ErrInvalid) {
		t.Errorf("ParseTableName without a dot: %v", err)
	}
}

func TestOneOf(t *testing.T) {
	cases := map[string][]string{
		"":            nil,
		"csv":         {"csv"},
		"csv or json": {"csv", "json"},
		"append, overwrite or overwrite-partitions": {"append", "overwrite", "overwrite-partitions"},
	}
	for want, values := range cases {
		if got := OneOf(values...); got != want {
			t.Errorf("OneOf(%q) = %q, want %q", values, got, want)
		}
	}
}
