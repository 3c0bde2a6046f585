package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/apache/arrow-go/v18/parquet/schema"
)

// The real-data corpus (testdata/realdata, public datasets from a package
// registry) run through the real binary — crawl, convert, validate
// profile — and every result checked against readers that share no code
// with lakectl: encoding/csv, encoding/json, and Apache Arrow's Parquet
// reader for what convert wrote.
//
// A check that fails because of a known, pending bug carries a pending
// note: it still runs, and is skipped with that note while it fails. Once
// it passes the test fails, asking for the note to be removed.

// realFile is one file of the corpus and what its data is, read by a person.
type realFile struct {
	file    string
	table   string // the crawler's table name (the folder the test puts it in)
	delim   rune   // CSV delimiter; 0 for JSON
	columns []realColumn
	// key is a unique key of the rows (source names), for compare --key;
	// empty when the data has none.
	key string
	// comparePending names a pending bug that makes compare of the file
	// with its own conversion fail.
	comparePending string
}

// realColumn is a column as the source names it, the catalog's name for
// it, and the Hive type it should have.
type realColumn struct {
	source, name string
	// typ is the expected type; "decimal(*,s)" accepts any precision.
	typ string
	// pending names an item of the open issue that makes this column's
	// checks fail today.
	pending string
	// local: timestamps without a zone, written as local timestamps
	// (isAdjustedToUTC=false).
	local bool
}

var corpus = []realFile{
	{file: "airports.csv", table: "airports", delim: ',', key: "iata", columns: []realColumn{
		// IATA/FAA codes: letters and digits, some with leading zeros (00M).
		{source: "iata", name: "iata", typ: "string"},
		{source: "name", name: "name", typ: "string"},
		{source: "city", name: "city", typ: "string"},
		{source: "state", name: "state", typ: "string"},
		{source: "country", name: "country", typ: "string"},
		// Plain decimal literals, up to 8 places, negative longitudes.
		{source: "latitude", name: "latitude", typ: "decimal(18,8)"},
		{source: "longitude", name: "longitude", typ: "decimal(18,8)"},
	}},
	{file: "birdstrikes.csv.gz", table: "birdstrikes", delim: ',', columns: []realColumn{
		{source: "Airport Name", name: "airport_name", typ: "string"},
		{source: "Aircraft Make Model", name: "aircraft_make_model", typ: "string"},
		{source: "Effect Amount of damage", name: "effect_amount_of_damage", typ: "string"},
		// Every value is an ISO date (1990-01-08).
		{source: "Flight Date", name: "flight_date", typ: "date"},
		{source: "Aircraft Airline Operator", name: "aircraft_airline_operator", typ: "string"},
		{source: "Origin State", name: "origin_state", typ: "string"},
		{source: "Phase of flight", name: "phase_of_flight", typ: "string"},
		{source: "Wildlife Size", name: "wildlife_size", typ: "string"},
		{source: "Wildlife Species", name: "wildlife_species", typ: "string"},
		{source: "Time of day", name: "time_of_day", typ: "string"},
		// Whole dollars and knots; empty cells are nulls.
		{source: "Cost Other", name: "cost_other", typ: "bigint"},
		{source: "Cost Repair", name: "cost_repair", typ: "bigint"},
		{source: "Cost Total $", name: "cost_total__", typ: "bigint"},
		{source: "Speed IAS in knots", name: "speed_ias_in_knots", typ: "bigint"},
	}},
	{file: "cars.json", table: "cars", columns: []realColumn{
		{source: "Name", name: "name", typ: "string"},
		// JSON integers and fractions in one member: double. Some nulls.
		{source: "Miles_per_Gallon", name: "miles_per_gallon", typ: "double"},
		{source: "Cylinders", name: "cylinders", typ: "bigint"},
		{source: "Displacement", name: "displacement", typ: "double"},
		{source: "Horsepower", name: "horsepower", typ: "bigint"},
		{source: "Weight_in_lbs", name: "weight_in_lbs", typ: "bigint"},
		{source: "Acceleration", name: "acceleration", typ: "double"},
		// JSON strings, every one an ISO date (1970-01-01).
		{source: "Year", name: "year", typ: "date"},
		{source: "Origin", name: "origin", typ: "string"},
	}},
	{file: "flights-200k.json.gz", table: "flights_200k", columns: []realColumn{
		// Minutes of delay, negative for early departures.
		{source: "delay", name: "delay", typ: "bigint"},
		{source: "distance", name: "distance", typ: "bigint"},
		// Hours as fractions (0.0, 21.5).
		{source: "time", name: "time", typ: "double"},
	}},
	{file: "football.json.gz", table: "football", key: "date,home_team", columns: []realColumn{
		{source: "date", name: "date", typ: "date"},
		// Unicode names (Österreichische Bundesliga).
		{source: "division", name: "division", typ: "string"},
		{source: "home_team", name: "home_team", typ: "string"},
		{source: "away_team", name: "away_team", typ: "string"},
		// Goals; null for matches not played.
		{source: "home_score", name: "home_score", typ: "bigint"},
		{source: "away_score", name: "away_score", typ: "bigint"},
	}},
	{file: "global-temp.csv", table: "global_temp", delim: ',', key: "year", columns: []realColumn{
		{source: "year", name: "year", typ: "bigint"},
		// Anomalies with two places, negative and positive, and a bare 0:
		// a decimal of scale 2 (item (c) reconsiders the precision).
		{source: "temp", name: "temp", typ: "decimal(*,2)"},
	}},
	{file: "penguins.json", table: "penguins", columns: []realColumn{
		{source: "Species", name: "species", typ: "string"},
		{source: "Island", name: "island", typ: "string"},
		// Millimetres with one place: JSON fractions, so double.
		{source: "Beak Length (mm)", name: "beak_length__mm_", typ: "double"},
		{source: "Beak Depth (mm)", name: "beak_depth__mm_", typ: "double"},
		{source: "Flipper Length (mm)", name: "flipper_length__mm_", typ: "bigint"},
		{source: "Body Mass (g)", name: "body_mass__g_", typ: "bigint"},
		// MALE, FEMALE, null and one ".".
		{source: "Sex", name: "sex", typ: "string"},
	}},
	{file: "seattle-weather-hourly-normals.csv.gz", table: "seattle_weather_hourly_normals", delim: ',', key: "date", columns: []realColumn{
		// 2010-01-01T01:00:00: a wall-clock time without a zone.
		{source: "date", name: "date", typ: "timestamp", local: true},
		{source: "pressure", name: "pressure", typ: "decimal(18,1)"},
		{source: "temperature", name: "temperature", typ: "decimal(18,1)"},
		{source: "wind", name: "wind", typ: "decimal(18,1)"},
	}},
	{file: "unemployment.tsv", table: "unemployment", delim: '\t', key: "id", columns: []realColumn{
		// County FIPS codes, already written without their leading zero
		// (1001 for 01001) by the source: integers.
		{source: "id", name: "id", typ: "bigint"},
		// Rates written .097: decimals of scale 3.
		{source: "rate", name: "rate", typ: "decimal(18,3)"},
	}},
	{file: "unemployment-across-industries.json.gz", table: "unemployment_across_industries", key: "series,date", columns: []realColumn{
		{source: "series", name: "series", typ: "string"},
		{source: "year", name: "year", typ: "bigint"},
		{source: "month", name: "month", typ: "bigint"},
		{source: "count", name: "count", typ: "bigint"},
		// Percentages, integers (2) and fractions (2.1) mixed: double.
		{source: "rate", name: "rate", typ: "double"},
		// 2000-01-01T08:00:00.000Z: an instant.
		{source: "date", name: "date", typ: "timestamp"},
	}},
	{file: "weekly-weather.json", table: "weekly_weather", key: "id", columns: []realColumn{
		{source: "day", name: "day", typ: "string"},
		{source: "record", name: "record", typ: "struct<high:bigint,low:bigint>"},
		{source: "normal", name: "normal", typ: "struct<high:bigint,low:bigint>"},
		// Only in the first records.
		{source: "actual", name: "actual", typ: "struct<high:bigint,low:bigint>"},
		{source: "id", name: "id", typ: "bigint"},
		// Only in the last records, nested two deep.
		{source: "forecast", name: "forecast", typ: "struct<high:struct<high:bigint,low:bigint>,low:struct<high:bigint,low:bigint>>"},
	}},
	{file: "zipcodes.csv.gz", table: "zipcodes", delim: ',', key: "zip_code", columns: []realColumn{
		// Five-digit codes; 00501 must keep its zeros.
		{source: "zip_code", name: "zip_code", typ: "string"},
		{source: "latitude", name: "latitude", typ: "decimal(18,6)"},
		{source: "longitude", name: "longitude", typ: "decimal(18,6)"},
		{source: "city", name: "city", typ: "string"},
		{source: "state", name: "state", typ: "string"},
		{source: "county", name: "county", typ: "string"},
	}},
}

func TestRealData(t *testing.T) {
	if testing.Short() {
		t.Skip("the real-data corpus takes a few seconds")
	}
	work := t.TempDir()
	for _, rf := range corpus {
		data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "realdata", rf.file))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(work, "raw", rf.table), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(work, "raw", rf.table, rf.file), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	lakectl(t, work, "crawl", "raw", "--database", "raw", "-q")
	for _, rf := range corpus {
		t.Run(rf.table, func(t *testing.T) {
			src := readSource(t, rf)
			t.Run("schema", func(t *testing.T) { checkSchema(t, work, rf) })
			out := filepath.Join(work, "out", rf.table)
			lakectl(t, work, "convert", "raw."+rf.table, "--to", out, "-q")
			pq := readParquet(t, out)
			t.Run("roundtrip", func(t *testing.T) { checkRoundTrip(t, rf, src, pq) })
			t.Run("profile", func(t *testing.T) { checkProfile(t, work, rf, src) })
			t.Run("compare", func(t *testing.T) { checkCompare(t, work, rf) })
		})
	}
}

// lakectlCmd is the binary (set up by TestMain) run in dir, with its home
// there.
func lakectlCmd(dir string, args ...string) *exec.Cmd {
	cmd := exec.Command("lakectl", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "LAKECTL_HOME="+filepath.Join(dir, ".lakectl"), "HOME="+dir)
	return cmd
}

// lakectl runs lakectlCmd and returns its stdout; it must succeed.
func lakectl(t *testing.T, dir string, args ...string) []byte {
	t.Helper()
	cmd := lakectlCmd(dir, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("lakectl %s: %v\n%s%s", strings.Join(args, " "), err, stdout.Bytes(), stderr.Bytes())
	}
	return stdout.Bytes()
}

// checkCompare: a file compared with its own conversion matches, column
// by column and, where the rows have a key, row by row.
func checkCompare(t *testing.T, work string, rf realFile) {
	args := []string{"validate", "compare", "--source", filepath.Join("raw", rf.table), "--target", filepath.Join("out", rf.table)}
	if rf.key != "" {
		args = append(args, "--key", rf.key)
	}
	c := &checks{t: t, pending: rf.comparePending}
	if out, err := lakectlCmd(work, args...).CombinedOutput(); err != nil {
		c.errorf("lakectl %s: %v\n%s", strings.Join(args, " "), err, firstLines(out, 12))
	}
	c.done()
}

func firstLines(b []byte, n int) string {
	lines := strings.SplitAfterN(string(b), "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "")
}

// checks collects the failures of one check, so that a pending one can be
// skipped as a whole and one that now passes is noticed.
type checks struct {
	t       *testing.T
	pending string
	errs    []string
}

func (c *checks) errorf(format string, args ...any) {
	c.errs = append(c.errs, fmt.Sprintf(format, args...))
}

func (c *checks) done() {
	c.t.Helper()
	switch {
	case len(c.errs) > 0 && c.pending != "":
		c.t.Skipf("%s (%s)", c.pending, c.errs[0])
	case len(c.errs) > 0:
		for _, e := range c.errs {
			c.t.Error(e)
		}
	case c.pending != "":
		c.t.Errorf("%s: the check passes now; remove the pending note", c.pending)
	}
}

// ---- the schema

func checkSchema(t *testing.T, work string, rf realFile) {
	var show struct {
		Table struct {
			StorageDescriptor struct {
				Columns []struct {
					Name, Type string
					Parameters map[string]string
				}
			}
		}
	}
	if err := json.Unmarshal(lakectl(t, work, "catalog", "show", "raw."+rf.table, "-o", "json"), &show); err != nil {
		t.Fatal(err)
	}
	got := show.Table.StorageDescriptor.Columns
	if len(got) != len(rf.columns) {
		t.Fatalf("%d columns %v, want %d", len(got), got, len(rf.columns))
	}
	for i, want := range rf.columns {
		t.Run(want.name, func(t *testing.T) {
			c := &checks{t: t} // no pending item is the crawler's
			// A column its table's SerDe cannot read as typed (quoted CSV)
			// is a string that keeps its values' type aside.
			typ := got[i].Type
			if inferred := got[i].Parameters["lakectl.inferredType"]; inferred != "" {
				if typ != "string" {
					c.errorf("column %d is %s with an inferred type %s", i+1, typ, inferred)
				}
				typ = inferred
			}
			if got[i].Name != want.name || !typeMatches(typ, want.typ) {
				c.errorf("column %d is %s %s, want %s %s", i+1, got[i].Name, typ, want.name, want.typ)
			}
			c.done()
		})
	}
}

var decimalPattern = regexp.MustCompile(`^decimal\((\d+),(\d+)\)$`)

func typeMatches(got, want string) bool {
	if p, ok := strings.CutPrefix(want, "decimal(*,"); ok {
		m := decimalPattern.FindStringSubmatch(got)
		return m != nil && m[2]+")" == p
	}
	return got == want
}

// ---- the source, read independently

// source is a file's records as encoding/csv or encoding/json reads them:
// for each column (in corpus order) the raw value of each row; nil is a
// null (an empty CSV cell, a JSON null or missing member).
type source struct {
	rows   int
	values [][]any // [column][row]: string (CSV), or encoding/json's value with json.Number
}

func readSource(t *testing.T, rf realFile) source {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "testdata", "realdata", rf.file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(rf.file, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	}
	src := source{values: make([][]any, len(rf.columns))}
	if rf.delim != 0 {
		cr := csv.NewReader(r)
		cr.Comma = rf.delim
		records, err := cr.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		header := records[0]
		for i, col := range rf.columns {
			if header[i] != col.source {
				t.Fatalf("header %d is %q, the corpus says %q", i+1, header[i], col.source)
			}
		}
		for _, rec := range records[1:] {
			for i := range rf.columns {
				var v any
				if rec[i] != "" {
					v = rec[i]
				}
				src.values[i] = append(src.values[i], v)
			}
		}
		src.rows = len(records) - 1
		return src
	}
	dec := json.NewDecoder(r)
	dec.UseNumber()
	var docs []map[string]any
	if err := dec.Decode(&docs); err != nil {
		t.Fatal(err)
	}
	for _, doc := range docs {
		for i, col := range rf.columns {
			src.values[i] = append(src.values[i], doc[col.source])
		}
		for k := range doc {
			if !slices.ContainsFunc(rf.columns, func(c realColumn) bool { return c.source == k }) {
				t.Fatalf("member %q is not in the corpus's columns", k)
			}
		}
	}
	src.rows = len(docs)
	return src
}

// ---- normalised values
//
// A value of either side becomes a string that says what it is: numbers
// by value (an integer, a float64, an exact decimal fraction), dates as
// dates, timestamps as instants ("…Z") or as wall-clock times (no zone),
// nested values as JSON without nulls, with keys sorted.

const null = "null"

// sourceValue normalises a source value read as the column's type.
func sourceValue(typ string, v any) (string, error) {
	if v == nil {
		return null, nil
	}
	text, isString := v.(string)
	if n, ok := v.(json.Number); ok {
		text = n.String()
	}
	switch {
	case typ == "string":
		if !isString {
			return "", fmt.Errorf("%v is not a string", v)
		}
		return "s:" + text, nil
	case typ == "bigint":
		n, err := strconv.ParseInt(text, 10, 64)
		return "i:" + strconv.FormatInt(n, 10), err
	case typ == "double":
		x, err := strconv.ParseFloat(text, 64)
		return "f:" + strconv.FormatFloat(x, 'g', -1, 64), err
	case strings.HasPrefix(typ, "decimal("):
		r, ok := new(big.Rat).SetString(text)
		if !ok {
			return "", fmt.Errorf("%q is not a decimal", text)
		}
		return "d:" + r.RatString(), nil
	case typ == "date":
		d, err := time.Parse(time.DateOnly, text)
		return "date:" + d.Format(time.DateOnly), err
	case typ == "timestamp":
		if ts, err := time.Parse(time.RFC3339Nano, text); err == nil {
			return "ts:" + ts.UTC().Format(time.RFC3339Nano), nil
		}
		ts, err := time.Parse("2006-01-02T15:04:05.999999999", text)
		return "ts:" + ts.Format("2006-01-02T15:04:05.999999999"), err
	case strings.HasPrefix(typ, "struct<"):
		return "j:" + canonicalJSON(v), nil
	}
	return "", fmt.Errorf("no normalisation for %s", typ)
}

// parquetValue normalises row i of an Arrow array read from Parquet.
func parquetValue(arr arrow.Array, i int) string {
	if arr.IsNull(i) {
		return null
	}
	switch a := arr.(type) {
	case *array.String:
		return "s:" + a.Value(i)
	case *array.Int64:
		return "i:" + strconv.FormatInt(a.Value(i), 10)
	case *array.Int32:
		return "i:" + strconv.FormatInt(int64(a.Value(i)), 10)
	case *array.Float64:
		return "f:" + strconv.FormatFloat(a.Value(i), 'g', -1, 64)
	case *array.Decimal128:
		scale := a.DataType().(*arrow.Decimal128Type).Scale
		r := new(big.Rat).SetFrac(a.Value(i).BigInt(), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil))
		return "d:" + r.RatString()
	case *array.Date32:
		return "date:" + a.Value(i).ToTime().Format(time.DateOnly)
	case *array.Timestamp:
		typ := a.DataType().(*arrow.TimestampType)
		ts, _ := typ.GetToTimeFunc()
		v := ts(a.Value(i)).UTC()
		if typ.TimeZone == "" { // a local (wall-clock) timestamp
			return "ts:" + v.Format("2006-01-02T15:04:05.999999999")
		}
		return "ts:" + v.Format(time.RFC3339Nano)
	case *array.Struct:
		b, _ := json.Marshal(a.GetOneForMarshal(i))
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var v any
		_ = dec.Decode(&v)
		return "j:" + canonicalJSON(v)
	}
	return fmt.Sprintf("?%s:%v", arr.DataType(), arr.GetOneForMarshal(i))
}

// canonicalJSON marshals v without null members (a missing member and a
// null one are the same value in a nested column); map keys come sorted.
func canonicalJSON(v any) string {
	var strip func(any) any
	strip = func(v any) any {
		if m, ok := v.(map[string]any); ok {
			out := map[string]any{}
			for k, x := range m {
				if x != nil {
					out[k] = strip(x)
				}
			}
			return out
		}
		return v
	}
	b, _ := json.Marshal(strip(v))
	return string(b)
}

// ---- what convert wrote, read with Arrow

type parquetFile struct {
	path   string
	reader *file.Reader
	table  arrow.Table
}

func readParquet(t *testing.T, dir string) []parquetFile {
	t.Helper()
	var files []parquetFile
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if name := d.Name(); path != dir && (strings.HasPrefix(name, "_") || strings.HasPrefix(name, ".")) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() || !strings.HasSuffix(path, ".parquet") {
			return nil
		}
		rdr, err := file.OpenParquetFile(path, false)
		if err != nil {
			return err
		}
		t.Cleanup(func() { rdr.Close() })
		fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
		if err != nil {
			return err
		}
		tbl, err := fr.ReadTable(context.Background())
		if err != nil {
			return err
		}
		t.Cleanup(tbl.Release)
		files = append(files, parquetFile{path: path, reader: rdr, table: tbl})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("convert wrote no Parquet file under %s", dir)
	}
	return files
}

// parquetColumn returns a column's normalised values over all files.
func parquetColumn(t *testing.T, files []parquetFile, name string) []string {
	t.Helper()
	var out []string
	for _, f := range files {
		idx := f.table.Schema().FieldIndices(name)
		if len(idx) != 1 {
			t.Fatalf("%s has no column %s", f.path, name)
		}
		for _, chunk := range f.table.Column(idx[0]).Data().Chunks() {
			for i := range chunk.Len() {
				out = append(out, parquetValue(chunk, i))
			}
		}
	}
	return out
}

// ---- the round trip

func checkRoundTrip(t *testing.T, rf realFile, src source, files []parquetFile) {
	var rows int64
	for _, f := range files {
		rows += f.table.NumRows()
	}
	if rows != int64(src.rows) {
		t.Fatalf("Parquet holds %d rows, the source %d", rows, src.rows)
	}
	// Each column's values as a multiset: convert may write rows in another
	// order (several workers, several files).
	sourceCols := make([][]string, len(rf.columns))
	parquetCols := make([][]string, len(rf.columns))
	for i, col := range rf.columns {
		t.Run("values/"+col.name, func(t *testing.T) {
			c := &checks{t: t}
			for _, v := range src.values[i] {
				s, err := sourceValue(col.typ, v)
				if err != nil {
					t.Fatalf("the source's value does not read as %s: %v", col.typ, err)
				}
				sourceCols[i] = append(sourceCols[i], s)
			}
			parquetCols[i] = parquetColumn(t, files, col.name)
			want, got := slices.Sorted(slices.Values(sourceCols[i])), slices.Sorted(slices.Values(parquetCols[i]))
			for k := range want {
				if got[k] != want[k] {
					c.errorf("sorted value %d of %d: Parquet has %s, the source %s", k+1, len(want), got[k], want[k])
					break
				}
			}
			c.done()
		})
	}
	// The rows as tuples of the columns that read back right: values stay
	// in their rows.
	t.Run("rows", func(t *testing.T) {
		tuples := func(cols [][]string) []string {
			out := make([]string, src.rows)
			for i := range rf.columns {
				if cols[i] == nil {
					continue
				}
				for r, v := range cols[i] {
					out[r] += v + "\x1f"
				}
			}
			slices.Sort(out)
			return out
		}
		want, got := tuples(sourceCols), tuples(parquetCols)
		for k := range want {
			if got[k] != want[k] {
				t.Fatalf("sorted row %d: Parquet has %q, the source %q", k+1, got[k], want[k])
			}
		}
	})
	for j, col := range rf.columns {
		t.Run("parquet/"+col.name, func(t *testing.T) {
			c := &checks{t: t, pending: col.pending}
			for _, f := range files {
				checkLogicalType(c, f, j, col)
				checkStatistics(c, f, j, col)
			}
			c.done()
		})
	}
}

// checkLogicalType: the Parquet type of column j is the one docs/convert.md
// gives for its Hive type.
func checkLogicalType(c *checks, f parquetFile, j int, col realColumn) {
	sch := f.reader.MetaData().Schema
	if strings.HasPrefix(col.typ, "struct<") {
		if n := sch.Root().Field(j); n.Name() != col.name || n.Type() != schema.Group {
			c.errorf("%s: field %d is %s, want the group %s", f.path, j, n.Name(), col.name)
		}
		return
	}
	idx := sch.ColumnIndexByName(col.name)
	if idx < 0 {
		c.errorf("%s: no column %s", f.path, col.name)
		return
	}
	desc := sch.Column(idx)
	lt, phys := desc.LogicalType(), desc.PhysicalType()
	switch {
	case col.typ == "string":
		if _, ok := lt.(schema.StringLogicalType); !ok || phys != parquet.Types.ByteArray {
			c.errorf("%s: %s is %s %s, want BYTE_ARRAY STRING", f.path, col.name, phys, lt)
		}
	case col.typ == "bigint":
		if phys != parquet.Types.Int64 || !(lt.Equals(schema.NoLogicalType{}) || lt.Equals(schema.NewIntLogicalType(64, true))) {
			c.errorf("%s: %s is %s %s, want INT64", f.path, col.name, phys, lt)
		}
	case col.typ == "double":
		if phys != parquet.Types.Double {
			c.errorf("%s: %s is %s, want DOUBLE", f.path, col.name, phys)
		}
	case col.typ == "date":
		if _, ok := lt.(schema.DateLogicalType); !ok || phys != parquet.Types.Int32 {
			c.errorf("%s: %s is %s %s, want INT32 DATE", f.path, col.name, phys, lt)
		}
	case col.typ == "timestamp":
		// Values with a zone are instants; wall-clock values are local
		// timestamps, read back the same in any session time zone.
		ts, ok := lt.(schema.TimestampLogicalType)
		wantUTC := !col.local
		if !ok || ts.IsAdjustedToUTC() != wantUTC || ts.TimeUnit() != schema.TimeUnitMicros {
			c.errorf("%s: %s is %s, want TIMESTAMP(MICROS, isAdjustedToUTC=%v)", f.path, col.name, lt, wantUTC)
		}
	case strings.HasPrefix(col.typ, "decimal("):
		dec, ok := lt.(schema.DecimalLogicalType)
		if !ok || !typeMatches(fmt.Sprintf("decimal(%d,%d)", dec.Precision(), dec.Scale()), col.typ) {
			c.errorf("%s: %s is %s, want %s", f.path, col.name, lt, col.typ)
		}
	}
}

// checkStatistics: each row group's min and max of column j are the
// smallest and largest values it holds (nulls aside), and the null count
// is right.
func checkStatistics(c *checks, f parquetFile, j int, col realColumn) {
	if strings.HasPrefix(col.typ, "struct<") {
		return
	}
	md := f.reader.MetaData()
	idx := md.Schema.ColumnIndexByName(col.name)
	fr, err := pqarrow.NewFileReader(f.reader, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		c.errorf("%v", err)
		return
	}
	for rg := range md.NumRowGroups() {
		chunk, err := md.RowGroup(rg).ColumnChunk(idx)
		if err != nil {
			c.errorf("%v", err)
			return
		}
		stats, err := chunk.Statistics()
		if err != nil || stats == nil || !stats.HasMinMax() {
			c.errorf("%s row group %d: %s has no min/max statistics (%v)", f.path, rg, col.name, err)
			continue
		}
		tbl, err := fr.ReadRowGroups(context.Background(), []int{j}, []int{rg})
		if err != nil {
			c.errorf("%v", err)
			return
		}
		var values []arrow.Array
		values = append(values, tbl.Column(0).Data().Chunks()...)
		lo, hi, nulls, ok := extremes(values)
		tbl.Release()
		if stats.HasNullCount() && stats.NullCount() != nulls {
			c.errorf("%s row group %d: %s null count %d, the values hold %d", f.path, rg, col.name, stats.NullCount(), nulls)
		}
		if !ok {
			continue
		}
		smin, smax := statValue(stats, true), statValue(stats, false)
		if compareValues(smin, lo) != 0 || compareValues(smax, hi) != 0 {
			c.errorf("%s row group %d: %s statistics say min %v max %v, the values' are %v and %v", f.path, rg, col.name, smin, smax, lo, hi)
		}
	}
}

// Comparable values: int64 (integers, dates, timestamps, unscaled decimals
// of one column), float64, string, *big.Int (unscaled wide decimals).

func extremes(arrs []arrow.Array) (lo, hi any, nulls int64, ok bool) {
	for _, arr := range arrs {
		for i := range arr.Len() {
			if arr.IsNull(i) {
				nulls++
				continue
			}
			var v any
			switch a := arr.(type) {
			case *array.String:
				v = a.Value(i)
			case *array.Int64:
				v = a.Value(i)
			case *array.Int32:
				v = int64(a.Value(i))
			case *array.Float64:
				v = a.Value(i)
			case *array.Date32:
				v = int64(a.Value(i))
			case *array.Timestamp:
				v = int64(a.Value(i))
			case *array.Decimal128:
				v = a.Value(i).BigInt()
			default:
				return nil, nil, nulls, false
			}
			if !ok || compareValues(v, lo) < 0 {
				lo = v
			}
			if !ok || compareValues(v, hi) > 0 {
				hi = v
			}
			ok = true
		}
	}
	return lo, hi, nulls, ok
}

func statValue(s metadata.TypedStatistics, min bool) any {
	pick := func(lo, hi any) any {
		if min {
			return lo
		}
		return hi
	}
	switch s := s.(type) {
	case *metadata.Int64Statistics:
		return pick(s.Min(), s.Max())
	case *metadata.Int32Statistics:
		return int64(pick(s.Min(), s.Max()).(int32))
	case *metadata.Float64Statistics:
		return pick(s.Min(), s.Max())
	case *metadata.ByteArrayStatistics:
		return string(pick(s.Min(), s.Max()).(parquet.ByteArray))
	case *metadata.FixedLenByteArrayStatistics:
		return twosComplement(pick(s.Min(), s.Max()).(parquet.FixedLenByteArray))
	}
	return fmt.Sprintf("?%T", s)
}

// twosComplement reads a big-endian two's-complement integer (a decimal's
// unscaled value on FIXED_LEN_BYTE_ARRAY).
func twosComplement(b []byte) *big.Int {
	v := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		v.Sub(v, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return v
}

func compareValues(a, b any) int {
	if x, ok := a.(*big.Int); ok {
		if y, ok := b.(int64); ok {
			return x.Cmp(big.NewInt(y))
		}
	}
	if x, ok := a.(int64); ok {
		if y, ok := b.(*big.Int); ok {
			return big.NewInt(x).Cmp(y)
		}
	}
	switch x := a.(type) {
	case int64:
		if y, ok := b.(int64); ok {
			return cmpOrdered(x, y)
		}
	case float64:
		if y, ok := b.(float64); ok {
			return cmpOrdered(x, y)
		}
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(x, y)
		}
	case *big.Int:
		if y, ok := b.(*big.Int); ok {
			return x.Cmp(y)
		}
	}
	return 2 // incomparable: never equal
}

func cmpOrdered[T int64 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// ---- the profile

// profileColumn is the part of `validate profile -o json` checked here.
type profileColumn struct {
	Column                       string
	DataType                     string
	Completeness                 float64
	ApproximateNumDistinctValues int64
	DistinctIsExact              bool
	Minimum, Maximum, Mean, Sum  *float64
}

// checkProfile profiles the source file (its columns named as the file
// names them, types inferred from text) and what convert wrote (catalog
// names, types from the Parquet schema), and checks both against Deequ's
// definitions computed from the independent reading of the source.
func checkProfile(t *testing.T, work string, rf realFile, src source) {
	for _, side := range []struct {
		name, path string
		curated    bool
	}{{"raw", filepath.Join("raw", rf.table), false}, {"curated", filepath.Join("out", rf.table), true}} {
		t.Run(side.name, func(t *testing.T) {
			var prof struct {
				NumRecords int64
				Columns    []profileColumn
			}
			if err := json.Unmarshal(lakectl(t, work, "validate", "profile", side.path, "-o", "json"), &prof); err != nil {
				t.Fatal(err)
			}
			if prof.NumRecords != int64(src.rows) {
				t.Errorf("numRecords %d, the source has %d rows", prof.NumRecords, src.rows)
			}
			for i, col := range rf.columns {
				if strings.HasPrefix(col.typ, "struct<") {
					continue // nested values are profiled by their members
				}
				name, want := col.source, deequProfile(src.values[i], src.rows)
				if side.curated {
					name, want = col.name, typedProfile(t, col, src.values[i], src.rows)
				}
				t.Run(name, func(t *testing.T) {
					k := slices.IndexFunc(prof.Columns, func(p profileColumn) bool { return p.Column == name })
					if k < 0 {
						t.Fatalf("the profile has no column %q", name)
					}
					c := &checks{t: t}
					compareProfile(c, prof.Columns[k], want)
					c.done()
				})
			}
		})
	}
}

func compareProfile(c *checks, got, want profileColumn) {
	if got.DataType != want.DataType {
		c.errorf("dataType %s, want %s", got.DataType, want.DataType)
	}
	if got.Completeness != want.Completeness {
		c.errorf("completeness %v, want %v", got.Completeness, want.Completeness)
	}
	if got.ApproximateNumDistinctValues != want.ApproximateNumDistinctValues || !got.DistinctIsExact {
		c.errorf("distinct %d (exact: %v), want exactly %d", got.ApproximateNumDistinctValues, got.DistinctIsExact, want.ApproximateNumDistinctValues)
	}
	for _, s := range []struct {
		name      string
		got, want *float64
	}{{"minimum", got.Minimum, want.Minimum}, {"maximum", got.Maximum, want.Maximum}, {"mean", got.Mean, want.Mean}, {"sum", got.Sum, want.Sum}} {
		switch {
		case (s.got == nil) != (s.want == nil):
			c.errorf("%s %v, want %v", s.name, fmtPtr(s.got), fmtPtr(s.want))
		case s.got != nil && !closeTo(*s.got, *s.want):
			c.errorf("%s %v, want %v", s.name, *s.got, *s.want)
		}
	}
}

// typedProfile computes the profile of a typed column (Parquet) from the
// source values read as the column's type: Integral for bigint, Fractional
// for double and decimal, String for the rest; distinct values counted by
// value (1.0 and 1 are one); numeric statistics over the values as double.
func typedProfile(t *testing.T, col realColumn, values []any, rows int) profileColumn {
	t.Helper()
	p := profileColumn{DataType: "String"}
	switch {
	case col.typ == "bigint":
		p.DataType = "Integral"
	case col.typ == "double" || strings.HasPrefix(col.typ, "decimal("):
		p.DataType = "Fractional"
	}
	distinct := map[string]bool{}
	var nums []float64
	nonNull := 0
	for _, v := range values {
		norm, err := sourceValue(col.typ, v)
		if err != nil {
			t.Fatal(err)
		}
		if norm == null {
			continue
		}
		nonNull++
		distinct[norm] = true
		if p.DataType == "String" {
			continue
		}
		kind, text, _ := strings.Cut(norm, ":")
		r, ok := new(big.Rat).SetString(text)
		if !ok {
			t.Fatalf("%s value %s is not a number", kind, text)
		}
		x, _ := r.Float64()
		nums = append(nums, x)
	}
	p.Completeness = float64(nonNull) / float64(rows)
	p.ApproximateNumDistinctValues = int64(len(distinct))
	numericStats(&p, nums)
	return p
}

func numericStats(p *profileColumn, nums []float64) {
	if len(nums) == 0 {
		return
	}
	lo, hi, sum := nums[0], nums[0], 0.0
	for _, x := range nums {
		lo, hi, sum = min(lo, x), max(hi, x), sum+x
	}
	mean := sum / float64(len(nums))
	p.Minimum, p.Maximum, p.Sum, p.Mean = &lo, &hi, &sum, &mean
}

func fmtPtr(p *float64) string {
	if p == nil {
		return "absent"
	}
	return strconv.FormatFloat(*p, 'g', -1, 64)
}

// closeTo: equal up to the rounding of a sum taken in another order.
func closeTo(a, b float64) bool {
	return a == b || math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b))
}

var (
	deequFractional = regexp.MustCompile(`^(-|\+)? ?\d+((\.\d+)|((?:\.\d+)?[Ee][-+]?\d+))$`)
	deequIntegral   = regexp.MustCompile(`^(-|\+)? ?\d+$`)
	deequBoolean    = regexp.MustCompile(`^(true|false)$`)
)

// deequProfile computes a column's profile from its source values as
// Deequ defines it (shared/reference: profiling semantics): each value's
// type from its text, the column's from the counts, numeric statistics
// over the values cast to double when the column is numeric.
func deequProfile(values []any, rows int) profileColumn {
	var p profileColumn
	counts := map[string]int{}
	distinct := map[string]bool{}
	var nums []float64
	for _, v := range values {
		if v == nil {
			continue
		}
		text := fmt.Sprint(v)
		distinct[text] = true
		switch {
		case deequFractional.MatchString(text):
			counts["Fractional"]++
		case deequIntegral.MatchString(text):
			counts["Integral"]++
		case deequBoolean.MatchString(text):
			counts["Boolean"]++
		default:
			counts["String"]++
		}
		if x, err := strconv.ParseFloat(strings.ReplaceAll(text, " ", ""), 64); err == nil {
			nums = append(nums, x)
		}
	}
	nonNull := counts["Fractional"] + counts["Integral"] + counts["Boolean"] + counts["String"]
	switch {
	case nonNull == 0:
		p.DataType = "Unknown"
	case counts["String"] > 0 || counts["Boolean"] > 0 && counts["Boolean"] < nonNull:
		p.DataType = "String"
	case counts["Boolean"] > 0:
		p.DataType = "Boolean"
	case counts["Fractional"] > 0:
		p.DataType = "Fractional"
	default:
		p.DataType = "Integral"
	}
	p.Completeness = float64(nonNull) / float64(rows)
	p.ApproximateNumDistinctValues = int64(len(distinct))
	if p.DataType == "Integral" || p.DataType == "Fractional" {
		numericStats(&p, nums)
	}
	return p
}
