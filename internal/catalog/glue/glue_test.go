package glue_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	awsglue "github.com/aws/aws-sdk-go-v2/service/glue"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/catalog/catalogtest"
	"github.com/lakectl/lakectl/internal/catalog/glue"
	"github.com/lakectl/lakectl/internal/catalog/glue/gluetest"
)

// newCatalog is a Glue catalog on moto behind the proxy that adds what
// moto leaves out (paging, segments, VersionId), with small pages and
// three segments so that every listing pages and splits.
func newCatalog(t *testing.T, proxy *gluetest.Proxy) *glue.Catalog {
	t.Helper()
	c, err := glue.New(gluetest.Config(), glue.Options{PageSize: 7, Segments: 3}, func(o *awsglue.Options) {
		o.BaseEndpoint = &proxy.URL
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestConformance(t *testing.T) {
	proxy := gluetest.NewProxy(t, gluetest.Endpoint(t))
	catalogtest.RunWith(t, func(t *testing.T) catalog.Catalog {
		return newCatalog(t, proxy)
	}, catalogtest.Options{CreatedByFromIdentity: true, UpdatedPartitionIsNew: true})
	checkRequests(t, proxy.Requests())
}

// TestFilterIsPushedDown: a partition filter is sent to Glue as
// GetPartitions' Expression, in each segment; a filter Glue cannot read
// the same way (IS NULL) is applied by lakectl alone.
func TestFilterIsPushedDown(t *testing.T) {
	proxy := gluetest.NewProxy(t, gluetest.Endpoint(t))
	c := newCatalog(t, proxy)
	db := fmt.Sprintf("lakectltest_pushdown_%d", os.Getpid())
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(c.CreateDatabase(t.Context(), catalog.Database{Name: db}))
	t.Cleanup(func() { c.DeleteDatabase(context.Background(), db) })
	must(c.CreateTable(t.Context(), catalog.Table{DatabaseName: db, Name: "sales", PartitionKeys: []catalog.Column{{Name: "year", Type: "int"}, {Name: "region", Type: "string"}}}))
	var parts []catalog.Partition
	for _, y := range []string{"2023", "2024"} {
		for _, r := range []string{"eu", "us", "o'hare"} {
			parts = append(parts, catalog.Partition{Values: []string{y, r}})
		}
	}
	must(c.CreatePartitions(t.Context(), db, "sales", parts))

	sent := func(filter string) (exprs []any, got []string) {
		f, err := catalog.ParseFilter(filter)
		must(err)
		before := len(proxy.Requests())
		for p, err := range c.ListPartitions(t.Context(), db, "sales", f) {
			must(err)
			got = append(got, fmt.Sprint(p.Values))
		}
		for _, r := range proxy.Requests()[before:] {
			if r.Operation == "GetPartitions" {
				exprs = append(exprs, r.Body["Expression"])
			}
		}
		return exprs, got
	}
	exprs, got := sent("year = 2024 AND region IN ('eu', 'o''hare')")
	if want := []string{"[2024 eu]", "[2024 o'hare]"}; !slices.Equal(got, want) {
		t.Errorf("listed %v, want %v", got, want)
	}
	if len(exprs) != 3 {
		t.Fatalf("%d GetPartitions requests, want one per segment (3)", len(exprs))
	}
	for _, e := range exprs {
		if s, _ := e.(string); !strings.Contains(s, "2024") || !strings.Contains(s, "'o''hare'") {
			t.Errorf("Expression %v, want the filter", e)
		}
	}
	exprs, got = sent("year IS NULL")
	if len(got) != 0 {
		t.Errorf("IS NULL listed %v", got)
	}
	for _, e := range exprs {
		if e != nil {
			t.Errorf("IS NULL sent Expression %v, want none", e)
		}
	}
}

// TestThrottlingIsRetried: Glue's throttling and its passing failures are
// retried by the SDK's retryer, with back-off, and the call succeeds;
// failures that last longer than the attempts are reported.
func TestThrottlingIsRetried(t *testing.T) {
	proxy := gluetest.NewProxy(t, gluetest.Endpoint(t))
	c := newCatalog(t, proxy)
	db := fmt.Sprintf("lakectltest_throttle_%d", os.Getpid())
	if err := c.CreateDatabase(t.Context(), catalog.Database{Name: db}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.DeleteDatabase(context.Background(), db) })

	proxy.FailNext("GetDatabase", "ThrottlingException", 1)
	proxy.FailNext("GetDatabase", "InternalServiceException", 1)
	if _, err := c.GetDatabase(t.Context(), db); err != nil {
		t.Fatalf("after a throttled and a failed try: %v", err)
	}
	if got := c.Requests()["GetDatabase"]; got != 3 {
		t.Errorf("GetDatabase sent %d times, want 3 (two retries)", got)
	}
	// The SDK's standard retryer tries 3 times in all.
	proxy.FailNext("GetDatabase", "ThrottlingException", 3)
	if _, err := c.GetDatabase(t.Context(), db); err == nil || !strings.Contains(err.Error(), "ThrottlingException") {
		t.Errorf("throttled on every try: got %v, want the ThrottlingException", err)
	}
}
