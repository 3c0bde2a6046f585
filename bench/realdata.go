package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
)

// realData runs each file of the real-data corpus through lakectl (crawl,
// convert, validate profile) and through DuckDB (read_csv / read_json,
// SUMMARIZE, read_parquet of lakectl's output), and prints them side by
// side: schema, rows, distinct values, min, max and nulls per column, and
// whether DuckDB reads back from lakectl's Parquet the values it reads from
// the source. The session time zone is not UTC, so that a timestamp
// written as an instant where the source had a wall-clock time shows.
// It returns the number of differences found.
func realData(lakectl, corpus string) int {
	dir, err := os.MkdirTemp("", "lakectl-realdata-")
	check(err)
	defer os.RemoveAll(dir)
	entries, err := os.ReadDir(corpus)
	check(err)
	var tables, files []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || name == "README.md" {
			continue
		}
		table := strings.ReplaceAll(strings.SplitN(name, ".", 2)[0], "-", "_")
		data, err := os.ReadFile(filepath.Join(corpus, name))
		check(err)
		check(os.MkdirAll(filepath.Join(dir, "raw", table), 0o755))
		check(os.WriteFile(filepath.Join(dir, "raw", table, name), data, 0o644))
		tables, files = append(tables, table), append(files, filepath.Join(dir, "raw", table, name))
	}
	cat := "sqlite:" + filepath.Join(dir, "catalog.db")
	lakectlOut(lakectl, dir, "crawl", "raw", "--database", "raw", "-q", "--catalog", cat)

	db, err := sql.Open("duckdb", "")
	check(err)
	defer db.Close()
	db.SetMaxOpenConns(1) // one session: its time zone holds for every query
	_, err = db.Exec(`SET TimeZone = 'America/New_York'`)
	check(err)

	differences := 0
	var sizes [][3]any
	var ours, theirs int64
	for i, table := range tables {
		out := filepath.Join(dir, "out", table)
		lakectlOut(lakectl, dir, "convert", "raw."+table, "--to", out, "-q", "--catalog", cat)
		differences += compareTable(db, lakectl, dir, cat, table, files[i], out)
		// Output size against DuckDB's writer, with the same codec.
		duck := filepath.Join(dir, "duck-"+table+".parquet")
		_, err := db.Exec("COPY (SELECT * FROM " + sourceOf(files[i]) + ") TO '" + duck + "' (FORMAT parquet, COMPRESSION snappy)")
		check(err)
		l, d := treeSize(out, ".parquet"), treeSize(duck, ".parquet")
		ours, theirs = ours+l, theirs+d
		sizes = append(sizes, [3]any{filepath.Base(files[i]), l, d})
	}
	fmt.Printf("\n%d differences in %d files\n", differences, len(tables))
	fmt.Printf("\nParquet output size (snappy), lakectl against DuckDB's writer:\n")
	for _, s := range sizes {
		fmt.Printf("  %-40s %9d B  %9d B  %.2f×\n", s[0], s[1], s[2], float64(s[1].(int64))/float64(s[2].(int64)))
	}
	fmt.Printf("  %-40s %9d B  %9d B  %.2f×\n", "total", ours, theirs, float64(ours)/float64(theirs))
	return differences
}

// compareTable prints one file's comparison and counts its differences.
func compareTable(db *sql.DB, lakectl, dir, cat, table, path, out string) int {
	var show struct {
		Table struct {
			StorageDescriptor struct {
				Columns []struct{ Name, Type string }
			}
		}
	}
	check(json.Unmarshal(lakectlOut(lakectl, dir, "catalog", "show", "raw."+table, "-o", "json", "--catalog", cat), &show))
	var prof struct {
		NumRecords int64
		Columns    []struct {
			Column                       string
			Completeness                 float64
			ApproximateNumDistinctValues int64
			Minimum, Maximum             *float64
		}
	}
	check(json.Unmarshal(lakectlOut(lakectl, dir, "validate", "profile", filepath.Join("raw", table), "-o", "json", "--catalog", cat), &prof))

	src := sourceOf(path)
	pq := "read_parquet('" + filepath.Join(out, "*.parquet") + "')"
	srcCols, pqCols := describe(db, src), describe(db, pq)
	srcSum, pqSum := summarize(db, src), summarize(db, pq)
	srcRows, pqRows := count(db, "SELECT count(*) FROM "+src), count(db, "SELECT count(*) FROM "+pq)

	diffs := 0
	mark := func(same bool) string {
		if same {
			return ""
		}
		diffs++
		return " ≠"
	}
	fmt.Printf("\n== %s: rows: duckdb %d, lakectl profile %d%s, lakectl's Parquet %d%s\n", filepath.Base(path), srcRows, prof.NumRecords, mark(prof.NumRecords == srcRows), pqRows, mark(pqRows == srcRows))
	if len(srcCols) != len(show.Table.StorageDescriptor.Columns) || len(pqCols) != len(srcCols) {
		fmt.Printf("columns: duckdb %d, lakectl %d, Parquet %d ≠\n", len(srcCols), len(show.Table.StorageDescriptor.Columns), len(pqCols))
		return diffs + 1
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "COLUMN\tLAKECTL TYPE\tDUCKDB TYPE\tPARQUET AS DUCKDB READS IT\tDISTINCT lakectl/duckdb\tMIN lakectl/duckdb\tMAX lakectl/duckdb\tNULL % lakectl/duckdb\tROUND TRIP (values only in source/Parquet)")
	for j, col := range srcCols {
		lc := show.Table.StorageDescriptor.Columns[j]
		p := -1
		for k, pc := range prof.Columns {
			if pc.Column == col.name || pc.Column == lc.Name {
				p = k
			}
		}
		s := srcSum[col.name]
		exact := count(db, fmt.Sprintf(`SELECT count(DISTINCT %q) FROM %s`, col.name, src))
		row := []string{col.name, lc.Type, col.typ, pqCols[j].typ}
		if p < 0 {
			row = append(row, "no profile column ≠", "", "", "")
			diffs++
		} else {
			pc := prof.Columns[p]
			row = append(row,
				fmt.Sprintf("%d / %d%s", pc.ApproximateNumDistinctValues, exact, mark(pc.ApproximateNumDistinctValues == exact)),
				side(pc.Minimum, s.min, mark),
				side(pc.Maximum, s.max, mark),
				fmt.Sprintf("%.2f / %s%s", 100*(1-pc.Completeness), s.nulls, mark(fmt.Sprintf("%.2f", 100*(1-pc.Completeness)) == fmt.Sprintf("%.2f", number(s.nulls)))))
		}
		// DuckDB reads an ISO timestamp with a zone as a TIMESTAMP in UTC:
		// taken as an instant, it compares with lakectl's instants.
		srcExpr := fmt.Sprintf("%q", col.name)
		if col.typ == "TIMESTAMP" && zoned(db, path, col.name) {
			srcExpr = fmt.Sprintf("timezone('UTC', %q)", col.name)
		}
		onlySrc := count(db, fmt.Sprintf(`SELECT count(*) FROM (SELECT %s FROM %s EXCEPT ALL SELECT %q FROM %s)`, srcExpr, src, pqCols[j].name, pq))
		onlyPq := count(db, fmt.Sprintf(`SELECT count(*) FROM (SELECT %q FROM %s EXCEPT ALL SELECT %s FROM %s)`, pqCols[j].name, pq, srcExpr, src))
		rt := fmt.Sprintf("%d / %d", onlySrc, onlyPq)
		same := onlySrc == 0 && onlyPq == 0
		if ps := pqSum[pqCols[j].name]; !same && (!sameValue(ps.min, s.min) || !sameValue(ps.max, s.max)) {
			rt += fmt.Sprintf("; Parquet min %s max %s", ps.min, ps.max)
		}
		// Engines skip row groups by their min/max statistics: a filter on
		// the source's extremes must find the same rows in the Parquet.
		if numericType(col.typ) && s.min != "" {
			for _, f := range []string{"%q <= " + s.min, "%q >= " + s.max} {
				n, m := count(db, fmt.Sprintf("SELECT count(*) FROM %s WHERE "+f, src, col.name)), count(db, fmt.Sprintf("SELECT count(*) FROM %s WHERE "+f, pq, pqCols[j].name))
				if n != m {
					rt += fmt.Sprintf("; WHERE %s: %d rows in the Parquet, %d in the source", fmt.Sprintf(f, pqCols[j].name), m, n)
					same = false
				}
			}
		}
		// (Timestamps are left out: DuckDB prints their statistics in UTC.)
		if lo, hi, ok := statsExtremes(db, out, pqCols[j].name, numericType(col.typ)); ok && !strings.Contains(pqCols[j].typ, "TIME") {
			if ps := pqSum[pqCols[j].name]; !sameValue(lo, ps.min) || !sameValue(hi, ps.max) {
				rt += fmt.Sprintf("; Parquet statistics say min %s max %s", lo, hi)
				same = false
			}
		}
		row = append(row, rt+mark(same))
		fmt.Fprintln(w, strings.Join(row, "\t"))
	}
	w.Flush()
	return diffs
}

// side shows lakectl's profile figure next to DuckDB's; lakectl has
// numbers only for numeric columns.
func side(l *float64, d string, mark func(bool) string) string {
	if l == nil {
		return "- / " + d
	}
	ls := strconv.FormatFloat(*l, 'g', -1, 64)
	return ls + " / " + d + mark(sameNumber(*l, d))
}

func number(s string) float64 {
	x, _ := strconv.ParseFloat(s, 64)
	return x
}

// sameValue: equal as text or as numbers (7.367222 and 7.36722200).
func sameValue(a, b string) bool {
	x, errA := strconv.ParseFloat(a, 64)
	y, errB := strconv.ParseFloat(b, 64)
	return a == b || errA == nil && errB == nil && x == y
}

func numericType(t string) bool {
	return t == "BIGINT" || t == "HUGEINT" || t == "INTEGER" || t == "DOUBLE" || strings.HasPrefix(t, "DECIMAL")
}

// zoned: the column's text in the source file carries a zone (Z or an
// offset), read without DuckDB's type detection.
func zoned(db *sql.DB, path, col string) bool {
	rel := fmt.Sprintf("read_csv('%s', all_varchar = true)", path)
	if strings.Contains(path, ".json") {
		rel = fmt.Sprintf("read_json('%s', columns = {%s: 'VARCHAR'})", path, quoteString(col))
	}
	return count(db, fmt.Sprintf(`SELECT count(*) FROM %s WHERE regexp_matches(%q, '(Z|[+-]\d\d:?\d\d)$')`, rel, col)) > 0
}

// statsExtremes reads the smallest min and largest max of a column's row
// group statistics, as DuckDB reads them (parquet_metadata).
func statsExtremes(db *sql.DB, out, col string, numeric bool) (lo, hi string, ok bool) {
	rows, err := db.Query(fmt.Sprintf(`SELECT stats_min_value, stats_max_value FROM parquet_metadata('%s') WHERE path_in_schema = %s`, filepath.Join(out, "*.parquet"), quoteString(col)))
	check(err)
	defer rows.Close()
	less := func(a, b string) bool {
		if numeric {
			return number(a) < number(b)
		}
		return a < b
	}
	for rows.Next() {
		var mn, mx sql.NullString
		check(rows.Scan(&mn, &mx))
		if !mn.Valid || !mx.Valid {
			continue
		}
		if !ok || less(mn.String, lo) {
			lo = mn.String
		}
		if !ok || less(hi, mx.String) {
			hi = mx.String
		}
		ok = true
	}
	check(rows.Err())
	return lo, hi, ok
}

func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func sameNumber(l float64, d string) bool {
	x, err := strconv.ParseFloat(d, 64)
	if err != nil {
		return false
	}
	return fmt.Sprintf("%.6g", l) == fmt.Sprintf("%.6g", x)
}

type duckColumn struct{ name, typ string }

func describe(db *sql.DB, rel string) []duckColumn {
	rows, err := db.Query("DESCRIBE SELECT * FROM " + rel)
	check(err)
	defer rows.Close()
	cols, err := rows.Columns()
	check(err)
	var out []duckColumn
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		check(rows.Scan(ptrs...))
		out = append(out, duckColumn{name: fmt.Sprint(vals[0]), typ: fmt.Sprint(vals[1])})
	}
	check(rows.Err())
	return out
}

type summary struct{ min, max, nulls string }

// summarize reads SUMMARIZE's min, max and null_percentage per column.
func summarize(db *sql.DB, rel string) map[string]summary {
	rows, err := db.Query("SELECT column_name, min, max, null_percentage FROM (SUMMARIZE SELECT * FROM " + rel + ")")
	check(err)
	defer rows.Close()
	out := map[string]summary{}
	for rows.Next() {
		var name string
		var lo, hi sql.NullString
		var nulls any
		check(rows.Scan(&name, &lo, &hi, &nulls))
		out[name] = summary{min: lo.String, max: hi.String, nulls: fmt.Sprint(nulls)}
	}
	check(rows.Err())
	return out
}

func count(db *sql.DB, query string) int64 {
	var n int64
	check(db.QueryRow(query).Scan(&n))
	return n
}

func lakectlOut(lakectl, dir string, args ...string) []byte {
	cmd := exec.Command(lakectl, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "LAKECTL_HOME="+filepath.Join(dir, ".lakectl"))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		fmt.Fprintf(os.Stderr, "lakectl %s: %v\n", strings.Join(args, " "), err)
		os.Exit(3)
	}
	return out
}

// sourceOf is DuckDB's reader of a corpus file.
func sourceOf(path string) string {
	if strings.Contains(path, ".json") {
		return "read_json('" + path + "')"
	}
	return "read_csv('" + path + "')"
}

// treeSize adds up the sizes of the files under root (or root itself)
// whose names end with ext.
func treeSize(root, ext string) int64 {
	var n int64
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ext) {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}
