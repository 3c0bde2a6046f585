package convert

import (
	"slices"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/format"
)

// Values that Hive escapes in folder names are registered as themselves,
// and a null as the default partition, whatever folder spells them.
func TestConvertPartitionValuesRoundTrip(t *testing.T) {
	e := newEnv(t, map[string]string{"a.csv": "id,k\n1,a=b\n2,x/y\n3,50%\n4,a b\n5,é\n6,\n7,a=b\n"})
	tbl := e.csvTable("id:bigint", "k:string")
	sum, err := e.run(tbl, nil, Options{PartitionBy: []string{"k"}, Register: "lake.t"})
	if err != nil {
		t.Fatal(err)
	}
	var folders []string
	for _, p := range sum.Partitions {
		folders = append(folders, p.Partition)
	}
	want := []string{"k=50%25", "k=" + format.DefaultPartition, "k=a b", "k=a%3Db", "k=x%2Fy", "k=é"}
	if !slices.Equal(folders, want) {
		t.Errorf("folders %q, want %q", folders, want)
	}
	var values []string
	for p, err := range e.cat.ListPartitions(t.Context(), "lake", "t", nil) {
		if err != nil {
			t.Fatal(err)
		}
		values = append(values, p.Values[0])
	}
	slices.Sort(values)
	if want := []string{"50%", format.DefaultPartition, "a b", "a=b", "x/y", "é"}; !slices.Equal(values, want) {
		t.Errorf("registered values %q, want %q", values, want)
	}
}

// The curated table's partition key has the type of the column it comes
// from, also when the table was registered before with another type.
func TestConvertPartitionKeyKeepsSourceType(t *testing.T) {
	e := newEnv(t, map[string]string{"a.csv": "id,zone\n1,7\n2,8\n"})
	tbl := e.csvTable("id:bigint", "zone:bigint")
	old := catalog.Table{Name: "t", DatabaseName: "lake", TableType: catalog.ExternalTable, Parameters: map[string]string{"classification": "parquet"},
		PartitionKeys: []catalog.Column{{Name: "zone", Type: "string"}}}
	old.StorageDescriptor.Location = e.dest.URI("")
	if err := e.cat.CreateDatabase(t.Context(), catalog.Database{Name: "lake"}); err != nil {
		t.Fatal(err)
	}
	if err := e.cat.CreateTable(t.Context(), old); err != nil {
		t.Fatal(err)
	}
	opts := Options{PartitionBy: []string{"zone"}, Register: "lake.t", NoSchemaEvolution: true}
	if _, err := e.run(tbl, nil, opts); err == nil || !strings.Contains(err.Error(), "~ zone string → bigint (partition key)") {
		t.Fatalf("a key retyped under --no-schema-evolution: %v", err)
	}
	opts.NoSchemaEvolution = false
	if _, err := e.run(tbl, nil, opts); err != nil {
		t.Fatal(err)
	}
	got, err := e.cat.GetTable(t.Context(), "lake", "t")
	if err != nil {
		t.Fatal(err)
	}
	if k := got.PartitionKeys[0]; k.Type != "bigint" {
		t.Errorf("partition key %s %s, want bigint", k.Name, k.Type)
	}
}
