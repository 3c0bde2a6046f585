package validate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/internal/dataset"
	"github.com/lakectl/lakectl/internal/testenv"
)

// seed creates the orders table through the source's own driver.
func seed(t *testing.T, uri string, stmts ...string) {
	t.Helper()
	s, err := dataset.ParseDatabaseURI(t.Context(), uri, "SELECT 1", nil)
	if err != nil {
		t.Fatal(err)
	}
	db, rows, err := s.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rows.Close()
	defer db.Close()
	for _, st := range stmts {
		if _, err := db.Exec(st); err != nil {
			t.Fatalf("%s: %v", st, err)
		}
	}
}

func dbSources() dataset.Sources {
	return dataset.Sources{Store: openLocal}
}

func testDatabase(t *testing.T, uri, name string, create string) {
	seed(t, uri, "DROP TABLE IF EXISTS "+name, create,
		"INSERT INTO "+name+" VALUES (1, 'eu', 9.50, true, '2024-01-02 10:00:00'), (2, 'us', 12.00, false, '2024-01-02 11:00:00'), (3, 'eu', NULL, true, NULL), (4, NULL, 0, NULL, '2024-01-04 00:00:00')")
	in, err := dbSources().Resolve(t.Context(), uri+"?table="+name, "")
	if err != nil {
		t.Fatal(err)
	}
	p, err := ProfileInput(t.Context(), in, ProfileOptions{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if p.Rows != 4 {
		t.Fatalf("rows %d", p.Rows)
	}
	amount := p.Column("amount")
	if amount.DataType != Fractional || amount.IsDataTypeInferred || amount.Completeness != 0.75 || *amount.Sum != 21.5 {
		t.Errorf("amount %+v", amount)
	}
	if id := p.Column("id"); id.DataType != Integral || *id.Mean != 2.5 {
		t.Errorf("id %+v", id)
	}
	if r := p.Column("region"); r.DataType != String || r.Completeness != 0.75 {
		t.Errorf("region %+v", r)
	}
	// Compared by key with a CSV export of the same rows: no difference
	// (9.50 = 9.5, decimal = double, timestamps as instants).
	dir := writeFiles(t, map[string]string{"orders.csv": "id,region,amount,paid,at\n1,eu,9.5,true,2024-01-02T10:00:00Z\n2,us,12,false,2024-01-02T11:00:00Z\n3,eu,,true,\n4,,0,,2024-01-04T00:00:00Z\n"})
	csv := dataset.Input{Table: table(dir, "csv", "id:bigint", "region:string", "amount:double", "paid:boolean", "at:timestamp"), Store: openLocal}
	d, err := compareByKey(t.Context(), in, csv, KeyedOptions{Key: []string{"id"}})
	if err != nil {
		t.Fatal(err)
	}
	if d.Differs() || d.Identical != 4 {
		t.Errorf("same rows differ: %+v", d)
	}
	// One changed row is found.
	seed(t, uri, "UPDATE "+name+" SET amount = 9.51 WHERE id = 1")
	d, err = compareByKey(t.Context(), in, csv, KeyedOptions{Key: []string{"id"}})
	if err != nil || d.Changed != 1 || d.ChangedByColumn["amount"] != 1 {
		t.Errorf("changed row: %v %+v", err, d)
	}
	// A query instead of a table.
	q, err := dbSources().Resolve(t.Context(), uri, "SELECT id, amount FROM "+name+" WHERE id < 3")
	if err != nil {
		t.Fatal(err)
	}
	if p, err := ProfileInput(t.Context(), q, ProfileOptions{}); err != nil || p.Rows != 2 || len(p.Columns) != 2 {
		t.Errorf("query: %v %+v", err, p)
	}
}

func TestPostgreSQLSource(t *testing.T) {
	uri := testenv.URL(t, "LAKECTL_TEST_POSTGRES_URL")
	testDatabase(t, uri, "orders", "CREATE TABLE orders (id bigint PRIMARY KEY, region text, amount numeric(10,2), paid boolean, at timestamp)")
}

func TestMariaDBSource(t *testing.T) {
	uri := testenv.URL(t, "LAKECTL_TEST_MYSQL_URL")
	testDatabase(t, uri, "orders", "CREATE TABLE orders (id bigint PRIMARY KEY, region varchar(10), amount decimal(10,2), paid boolean, at datetime)")
}

// A wrong password is reported without it, as a database error.
func TestDatabasePasswordsAreRedacted(t *testing.T) {
	for _, env := range []string{"LAKECTL_TEST_POSTGRES_URL", "LAKECTL_TEST_MYSQL_URL"} {
		uri := testenv.URL(t, env)
		bad := strings.Replace(uri, "lakectl-test-pw", "Wr0ng-s3cret-pw", 1)
		_, err := dbSources().Resolve(t.Context(), bad+"?table=orders", "")
		if err == nil || !errors.Is(err, dataset.ErrDatabase) || strings.Contains(err.Error(), "Wr0ng-s3cret-pw") || !strings.Contains(err.Error(), "xxxxx") {
			t.Errorf("%s: %v", env, err)
		}
	}
}

// A PostgreSQL source of several batches (4,096 rows each, recycled once a
// worker is done with them) compared by key with a CSV of the same rows but
// three: every value arrives whole, and exactly those three differ.
func TestPostgreSQLManyBatchesByKey(t *testing.T) {
	uri := testenv.URL(t, "LAKECTL_TEST_POSTGRES_URL")
	const n = 20000
	seed(t, uri, "DROP TABLE IF EXISTS many_batches",
		"CREATE TABLE many_batches (id bigint, v text, x double precision)",
		fmt.Sprintf("INSERT INTO many_batches SELECT g, 'value-' || g, g * 0.5 FROM generate_series(1, %d) AS g", n))
	var b strings.Builder
	b.WriteString("id,v,x\n")
	for i := 1; i <= n; i++ {
		switch i {
		case 777: // missing in the target
			continue
		case 9000:
			fmt.Fprintf(&b, "%d,value-changed,%g\n", i, float64(i)*0.5)
		case 15001:
			fmt.Fprintf(&b, "%d,value-%d,%g\n", i, i, 1.25)
		default:
			fmt.Fprintf(&b, "%d,value-%d,%g\n", i, i, float64(i)*0.5)
		}
	}
	in, err := dbSources().Resolve(t.Context(), uri+"?table=many_batches", "")
	if err != nil {
		t.Fatal(err)
	}
	csv := dataset.Input{Table: table(writeFiles(t, map[string]string{"t.csv": b.String()}), "csv", "id:bigint", "v:string", "x:double"), Store: openLocal}
	d, err := compareByKey(t.Context(), in, csv, KeyedOptions{Key: []string{"id"}, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if d.Matched != n-1 || d.Changed != 2 || d.MissingInTarget != 1 || d.ExtraInTarget != 0 || d.ChangedByColumn["v"] != 1 || d.ChangedByColumn["x"] != 1 {
		t.Errorf("diff %+v", d)
	}
	var keys []string
	for _, s := range d.Samples {
		keys = append(keys, s.Key+" "+s.Kind)
	}
	if want := []string{"9000 changed", "15001 changed", "777 missing in target"}; !slices.Equal(keys, want) {
		t.Errorf("samples %q, want %q", keys, want)
	}
	p, err := ProfileInput(t.Context(), in, ProfileOptions{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if v := p.Column("v"); p.Rows != n || v.ApproxDistinct != n || *v.MinLength != 7 || *v.MaxLength != 11 {
		t.Errorf("profile: rows %d, v %+v", p.Rows, v)
	}
}
