package glue_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	awsglue "github.com/aws/aws-sdk-go-v2/service/glue"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/catalog/glue"
	"github.com/lakectl/lakectl/internal/catalog/glue/gluetest"
	"github.com/lakectl/lakectl/internal/crawl"
	"github.com/lakectl/lakectl/internal/format"
	"github.com/lakectl/lakectl/internal/storage/local"
)

// TestCrawlRequests: a crawl of a table of 1,000 partitions asks Glue in
// batches, and a re-crawl of the same files writes nothing. The counts are
// logged for docs/performance.md.
func TestCrawlRequests(t *testing.T) {
	const parts = 1000
	proxy := gluetest.NewProxy(t, gluetest.Endpoint(t))
	dir := t.TempDir()
	for i := range parts {
		p := filepath.Join(dir, "events", fmt.Sprintf("day=%04d", i))
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(p, "part-0.csv"), fmt.Appendf(nil, "id,name\n%d,n%d\n", i, i), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	store, err := local.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	db := fmt.Sprintf("lakectltest_crawl_%d", os.Getpid())
	run := func() map[string]int {
		// Glue's page sizes and DefaultSegments, as lakectl runs.
		c, err := glue.New(gluetest.Config(), glue.Options{}, func(o *awsglue.Options) { o.BaseEndpoint = &proxy.URL })
		if err != nil {
			t.Fatal(err)
		}
		rep, err := crawl.Run(t.Context(), c, []crawl.Target{{URI: store.URI(""), Store: store}}, crawl.Options{Database: db, Format: format.DefaultOptions()})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Tables) != 1 {
			t.Fatalf("crawl made %d tables, want 1", len(rep.Tables))
		}
		return c.Requests()
	}
	t.Cleanup(func() { newCatalog(t, proxy).DeleteDatabase(t.Context(), db) })

	first := run()
	t.Logf("crawl of %d partitions: %d requests: %v", parts, total(first), first)
	if got, want := first["BatchCreatePartition"], parts/glue.MaxCreatePartitions; got != want {
		t.Errorf("BatchCreatePartition sent %d times, want %d (batches of %d)", got, want, glue.MaxCreatePartitions)
	}
	if n := total(first); n > 14 {
		t.Errorf("the crawl sent %d requests, want at most 14", n)
	}
	if first["CreatePartition"] > 0 || first["UpdatePartition"] > 0 || first["GetPartition"] > 0 {
		t.Errorf("partitions were written or read one by one: %v", first)
	}
	var listed int
	for p, err := range newCatalog(t, proxy).ListPartitions(t.Context(), db, "events", nil) {
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("%04d", listed); p.Values[0] != want {
			t.Fatalf("partition %d is %v, want [%s]", listed, p.Values, want)
		}
		listed++
	}
	if listed != parts {
		t.Errorf("listed %d partitions, want %d", listed, parts)
	}

	again := run()
	t.Logf("re-crawl of the same files: %d requests: %v", total(again), again)
	if n := total(again); n > 6 {
		t.Errorf("the re-crawl sent %d requests, want at most 6", n)
	}
	for op := range again {
		if strings.HasPrefix(op, "Batch") || strings.HasPrefix(op, "Create") || strings.HasPrefix(op, "Update") || strings.HasPrefix(op, "Delete") {
			t.Errorf("a re-crawl of unchanged files wrote: %v", again)
			break
		}
	}
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// TestListingRequests: listing 10,000 partitions takes Glue's largest pages
// (1,000), in parallel segments. The counts and times are logged for
// docs/performance.md (times against moto would say nothing of Glue's).
func TestListingRequests(t *testing.T) {
	const parts = 10000
	proxy := gluetest.NewProxy(t, gluetest.Endpoint(t))
	open := func(segments int) *glue.Catalog {
		c, err := glue.New(gluetest.Config(), glue.Options{Segments: segments}, func(o *awsglue.Options) { o.BaseEndpoint = &proxy.URL })
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := open(1)
	db := fmt.Sprintf("lakectltest_list_%d", os.Getpid())
	if err := c.CreateDatabase(t.Context(), catalog.Database{Name: db}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.DeleteDatabase(context.Background(), db) })
	tb := catalog.Table{DatabaseName: db, Name: "events", PartitionKeys: []catalog.Column{{Name: "day", Type: "string"}},
		StorageDescriptor: catalog.StorageDescriptor{Columns: []catalog.Column{{Name: "id", Type: "bigint"}}}}
	if err := c.CreateTable(t.Context(), tb); err != nil {
		t.Fatal(err)
	}
	var ps []catalog.Partition
	for i := range parts {
		ps = append(ps, catalog.Partition{Values: []string{fmt.Sprintf("%05d", i)}})
	}
	if err := c.CreatePartitions(t.Context(), db, "events", ps); err != nil {
		t.Fatal(err)
	}
	if got := c.Requests()["BatchCreatePartition"]; got != parts/glue.MaxCreatePartitions {
		t.Errorf("BatchCreatePartition sent %d times, want %d", got, parts/glue.MaxCreatePartitions)
	}
	for _, segments := range []int{1, 4, 10} {
		c := open(segments)
		n := 0
		for p, err := range c.ListPartitions(t.Context(), db, "events", nil) {
			if err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprintf("%05d", n); p.Values[0] != want {
				t.Fatalf("%d segments: partition %d is %v, want [%s] (each once, in order)", segments, n, p.Values, want)
			}
			n++
		}
		if n != parts {
			t.Fatalf("%d segments: listed %d partitions, want %d", segments, n, parts)
		}
		got := c.Requests()["GetPartitions"]
		// Each segment holds about parts/segments partitions, in pages of
		// 1,000, and ends with a page that says there is no more.
		if max := segments * (parts/segments/1000 + 2); got > max {
			t.Errorf("%d segments: %d GetPartitions requests, want at most %d", segments, got, max)
		}
		t.Logf("listing %d partitions in %d segments: %d GetPartitions requests", parts, segments, got)
	}
}
