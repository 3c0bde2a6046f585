package convert

import (
	"slices"
	"testing"

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
