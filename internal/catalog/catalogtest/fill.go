package catalogtest

import (
	"context"
	"fmt"
	"testing"

	"github.com/lakectl/lakectl/internal/catalog"
)

// What Fill puts in a catalog.
const (
	FilledTables     = 3
	FilledVersions   = 6
	FilledPartitions = 1205 // more than two pages of a listing
)

// Fill puts objects of every kind in an empty catalog: two databases
// (one with a description, location and parameters), tables with several
// versions, comments and parameters, and partitions.
func Fill(t testing.TB, c catalog.Catalog) {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(c.CreateDatabase(ctx, catalog.Database{Name: "sales", Description: "orders and invoices", LocationURI: "s3://lake/sales/", Parameters: map[string]string{"team": "finance"}}))
	must(c.CreateDatabase(ctx, catalog.Database{Name: "hr"}))
	must(c.CreateTable(ctx, catalog.Table{DatabaseName: "sales", Name: "orders", Parameters: map[string]string{"classification": "parquet"},
		PartitionKeys: []catalog.Column{{Name: "year", Type: "int"}, {Name: "region", Type: "string"}},
		StorageDescriptor: catalog.StorageDescriptor{Location: "s3://lake/sales/orders/",
			Columns: []catalog.Column{{Name: "id", Type: "bigint"}, {Name: "amount", Type: "decimal(10,2)"}}}}))
	for _, edit := range []func(*catalog.Table){
		func(t *catalog.Table) { t.Description = "one row per order" },
		func(t *catalog.Table) { t.Column("amount").Comment = "in EUR"; t.Parameters["recordCount"] = "1000" },
	} {
		_, err := catalog.UpdateTableFunc(ctx, c, "sales", "orders", func(t *catalog.Table) error { edit(t); return nil })
		must(err)
	}
	var parts []catalog.Partition
	for i := range FilledPartitions - 2 {
		year, region := fmt.Sprint(1000+i/3), []string{"eu", "us", "ap"}[i%3]
		parts = append(parts, catalog.Partition{Values: []string{year, region}, Parameters: map[string]string{"recordCount": fmt.Sprint(i)},
			StorageDescriptor: catalog.StorageDescriptor{Location: "s3://lake/sales/orders/year=" + year + "/region=" + region + "/"}})
	}
	must(c.CreatePartitions(ctx, "sales", "orders", parts))
	must(c.CreateTable(ctx, catalog.Table{DatabaseName: "sales", Name: "customers",
		StorageDescriptor: catalog.StorageDescriptor{Columns: []catalog.Column{{Name: "id", Type: "bigint", Comment: "customer id"}}}}))
	_, err := catalog.UpdateTableFunc(ctx, c, "sales", "customers", func(t *catalog.Table) error {
		t.StorageDescriptor.Columns = append(t.StorageDescriptor.Columns, catalog.Column{Name: "email", Type: "string"})
		return nil
	})
	must(err)
	must(c.CreateTable(ctx, catalog.Table{DatabaseName: "hr", Name: "people", PartitionKeys: []catalog.Column{{Name: "day", Type: "date"}}}))
	must(c.CreatePartitions(ctx, "hr", "people", []catalog.Partition{{Values: []string{"2024-01-01"}}, {Values: []string{"2024-01-02"}}}))
}
