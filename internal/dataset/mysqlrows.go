package dataset

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// mysqlType is how ReadRows reads a MySQL or MariaDB column.
type mysqlType struct {
	sqlColumn
	conv func(v any) (any, error)
}

// mysqlTypeOf types a column of a result.
func mysqlTypeOf(ct *sql.ColumnType) mysqlType {
	t := mysqlType{sqlColumn: sqlColumn{source: ct.Name()}}
	switch name := ct.DatabaseTypeName(); name {
	case "TINYINT", "SMALLINT", "UNSIGNED TINYINT", "UNSIGNED SMALLINT", "MEDIUMINT", "UNSIGNED MEDIUMINT", "INT", "UNSIGNED INT", "BIGINT", "YEAR":
		t.hive = map[string]string{"TINYINT": "tinyint", "SMALLINT": "smallint", "UNSIGNED TINYINT": "smallint", "YEAR": "smallint",
			"UNSIGNED SMALLINT": "int", "MEDIUMINT": "int", "UNSIGNED MEDIUMINT": "int", "INT": "int", "UNSIGNED INT": "bigint", "BIGINT": "bigint"}[name]
		t.conv = mysqlInteger
	case "UNSIGNED BIGINT":
		t.hive, t.conv = "decimal(20,0)", mysqlDecimal
	case "FLOAT", "DOUBLE":
		t.hive, t.conv = strings.ToLower(name), mysqlFloat
	case "DECIMAL":
		p, s, _ := ct.DecimalSize()
		t.decimal(int(p), int(s))
	case "DATE":
		t.hive, t.conv = "date", mysqlTime
	case "DATETIME", "TIMESTAMP":
		// DATETIME is a wall clock; TIMESTAMP an instant, read in the
		// session's zone, UTC (ParseDatabaseURI).
		t.hive, t.local, t.conv = "timestamp", name == "DATETIME", mysqlTime
	case "JSON":
		t.hive, t.conv = "string", mysqlJSON
	case "BINARY", "VARBINARY", "BLOB", "TINYBLOB", "MEDIUMBLOB", "LONGBLOB", "GEOMETRY", "VECTOR":
		t.hive, t.conv = "binary", mysqlBinary
	case "BIT":
		t.hive, t.conv = "bigint", mysqlBit
	default: // text, enums, sets, TIME: their text
		t.hive, t.conv = "string", mysqlText
	}
	return t
}

// decimal types a decimal(p,s) column: a decimal up to Parquet's
// precision of 38, its exact text beyond.
func (t *mysqlType) decimal(p, s int) {
	t.hive, t.conv, t.numberText = "string", mysqlText, true
	if p >= 1 && p <= 38 && s >= 0 && s <= p {
		t.hive, t.conv, t.numberText = fmt.Sprintf("decimal(%d,%d)", p, s), mysqlDecimal, false
	}
}

// declared retypes the columns of a ?table= source by the table's
// declared types, which tell what a result's metadata does not: BOOLEAN
// (tinyint(1)), MariaDB's JSON (longtext checked by json_valid) and the
// precision of unsigned decimals.
func (s *SQL) declared(ctx context.Context, db *sql.DB, types []mysqlType) error {
	schema, table := any(nil), s.TableName
	if i := strings.LastIndexByte(table, '.'); i >= 0 {
		schema, table = table[:i], table[i+1:]
	}
	byName := map[string]*mysqlType{}
	for i := range types {
		byName[types[i].source] = &types[i]
	}
	rows, err := db.QueryContext(ctx, "SELECT COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?", schema, table)
	if err != nil {
		return s.redact(err)
	}
	defer rows.Close()
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			return s.redact(err)
		}
		t := byName[name]
		typ = strings.ToLower(typ)
		switch {
		case t == nil:
		case typ == "tinyint(1)":
			t.hive, t.conv = "boolean", mysqlBool
		case strings.HasPrefix(typ, "decimal("):
			var p, sc int
			if _, err := fmt.Sscanf(typ, "decimal(%d,%d)", &p, &sc); err == nil {
				t.decimal(p, sc)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return s.redact(err)
	}
	// MariaDB's JSON columns are longtext with a json_valid check; MySQL's
	// CHECK_CONSTRAINTS has no TABLE_NAME (its JSON is a type of its own).
	checks, err := db.QueryContext(ctx, "SELECT CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?", schema, table)
	if err != nil {
		return nil
	}
	defer checks.Close()
	for checks.Next() {
		var clause string
		if err := checks.Scan(&clause); err != nil {
			return s.redact(err)
		}
		if name, ok := strings.CutPrefix(clause, "json_valid(`"); ok && strings.HasSuffix(name, "`)") {
			if t := byName[strings.ReplaceAll(strings.TrimSuffix(name, "`)"), "``", "`")]; t != nil && t.hive == "string" {
				t.conv = mysqlJSON
			}
		}
	}
	return s.redact(checks.Err())
}

// readMySQL reads the query's rows through database/sql, typed by the
// result's metadata (and a table's declared types).
func (s *SQL) readMySQL(ctx context.Context, req RowsRequest) (*SQLRows, error) {
	db, err := s.openDB()
	if err != nil {
		return nil, s.redact(err)
	}
	rows, err := s.startMySQL(ctx, db, req)
	if err != nil {
		db.Close()
		return nil, err
	}
	return rows, nil
}

func (s *SQL) startMySQL(ctx context.Context, db *sql.DB, req RowsRequest) (*SQLRows, error) {
	query, args := s.Query, []any(nil)
	// The columns: of the rows themselves for a full load; for an
	// incremental one, of the query run for no rows, before the filter on
	// one of them is added.
	first := query
	if req.Column != "" {
		first = "SELECT * FROM (" + strings.TrimRight(strings.TrimSpace(query), ";") + ") AS lakectl_q WHERE 1=0"
	}
	rows, err := db.QueryContext(ctx, first)
	if err != nil {
		return nil, s.redact(err)
	}
	cts, err := rows.ColumnTypes()
	if err != nil {
		rows.Close()
		return nil, s.redact(err)
	}
	types := make([]mysqlType, len(cts))
	cols := make([]sqlColumn, len(cts))
	for i, ct := range cts {
		types[i] = mysqlTypeOf(ct)
	}
	if s.TableName != "" {
		if err := s.declared(ctx, db, types); err != nil {
			rows.Close()
			return nil, err
		}
	}
	for i, t := range types {
		cols[i] = t.sqlColumn
	}
	names := catalogColumns(cols)
	if req.Column != "" {
		rows.Close()
		i, err := s.incremental(cols, names, req.Column)
		if err != nil {
			return nil, err
		}
		if req.From != nil {
			param, arg, err := mysqlFrom(cols[i], req.From)
			if err != nil {
				return nil, err
			}
			query, args = wrapQuery(query, cols[i].source, param, '`'), []any{arg}
		}
		if rows, err = db.QueryContext(ctx, query, args...); err != nil {
			return nil, s.redact(err)
		}
	}
	return startRows(ctx, names, db.Close, func(ctx context.Context, emit func([][]any) error) error {
		defer rows.Close()
		n := len(types)
		raw := make([]any, n)
		ptrs := make([]any, n)
		for i := range raw {
			ptrs[i] = &raw[i]
		}
		batch := make([][]any, 0, rowsBatch)
		var read int64
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				return s.redact(err)
			}
			read++
			row := make([]any, n)
			for i, v := range raw {
				if v == nil {
					continue
				}
				var err error
				if row[i], err = types[i].conv(v); err != nil {
					return fmt.Errorf("%s: row %d, column %s: %w", s.Display, read, names[i].Name, err)
				}
			}
			if batch = append(batch, row); len(batch) == rowsBatch {
				if err := emit(batch); err != nil {
					return err
				}
				batch = make([][]any, 0, rowsBatch)
			}
		}
		return s.endRows(ctx, rows.Err(), batch, emit)
	}), nil
}

// mysqlFrom is the placeholder and the argument of an incremental lower
// bound: numbers bound as numbers (MySQL compares an integer with a
// string as doubles), decimals cast to the column's type, times as the
// session (in UTC) reads them.
func mysqlFrom(c sqlColumn, v any) (string, any, error) {
	text, err := fromText(c, v)
	if err != nil {
		return "", nil, err
	}
	switch x := v.(type) {
	case int64, float64, bool:
		if !strings.HasPrefix(c.hive, "decimal") {
			return "?", x, nil
		}
	case time.Time:
		if c.hive == "timestamp" {
			return "?", x.UTC().Format("2006-01-02 15:04:05.999999"), nil
		}
	}
	if strings.HasPrefix(c.hive, "decimal") {
		return "CAST(? AS " + strings.ToUpper(c.hive) + ")", text, nil
	}
	return "?", text, nil
}

// The conversions of the driver's values (int64, uint64, float32, float64,
// []byte, time.Time) into the rows' values.

func mysqlInteger(v any) (any, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x), nil
		}
	case []byte:
		return strconv.ParseInt(string(x), 10, 64)
	}
	return nil, fmt.Errorf("%v (%T) is not an integer", v, v)
}

func mysqlBool(v any) (any, error) {
	n, err := mysqlInteger(v)
	if err != nil {
		return nil, err
	}
	return n.(int64) != 0, nil
}

func mysqlDecimal(v any) (any, error) {
	switch x := v.(type) {
	case []byte:
		return json.Number(x), nil
	case uint64:
		return json.Number(strconv.FormatUint(x, 10)), nil
	case int64:
		return json.Number(strconv.FormatInt(x, 10)), nil
	}
	return nil, fmt.Errorf("%v (%T) is not a decimal", v, v)
}

func mysqlFloat(v any) (any, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case float32:
		return float64(x), nil
	case []byte:
		return strconv.ParseFloat(string(x), 64)
	}
	return nil, fmt.Errorf("%v (%T) is not a number", v, v)
}

// mysqlTime takes a date or time; MySQL's zero date (0000-00-00), which
// stands for no date, is a null.
func mysqlTime(v any) (any, error) {
	if x, ok := v.(time.Time); ok {
		if x.IsZero() {
			return nil, nil
		}
		return x.UTC(), nil
	}
	return nil, fmt.Errorf("%v (%T) is not a time", v, v)
}

func mysqlText(v any) (any, error) {
	switch x := v.(type) {
	case []byte:
		return string(x), nil
	case string:
		return x, nil
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano), nil
	}
	return fmt.Sprint(v), nil
}

func mysqlJSON(v any) (any, error) {
	switch x := v.(type) {
	case []byte:
		return canonicalJSON(x)
	case string:
		return canonicalJSON([]byte(x))
	}
	return nil, fmt.Errorf("%v (%T) is not a JSON document", v, v)
}

func mysqlBinary(v any) (any, error) {
	if x, ok := v.([]byte); ok {
		return x, nil // database/sql copied it
	}
	return nil, fmt.Errorf("%v (%T) is not binary", v, v)
}

// mysqlBit reads a BIT(n) value, big-endian bytes, as a number.
func mysqlBit(v any) (any, error) {
	x, ok := v.([]byte)
	if !ok || len(x) > 8 {
		return mysqlInteger(v)
	}
	var n uint64
	for _, c := range x {
		n = n<<8 | uint64(c)
	}
	if n > math.MaxInt64 {
		return nil, fmt.Errorf("bits %x do not fit a bigint", x)
	}
	return int64(n), nil
}
