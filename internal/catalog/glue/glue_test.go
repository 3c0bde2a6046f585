package glue_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

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
	}, catalogtest.Options{CreatedByFromIdentity: true, UpdatedPartitionIsNew: true, AccessIsAnUpdate: true})
	checkRequests(t, proxy.Requests())
}

// TestFilterIsPushedDown: a partition filter is sent to Glue as
// GetPartitions' Expression, in each request; a filter Glue cannot read
// the same way (IS NULL) is applied by lakectl alone. A listing of one
// page is one request; one of more pages is then listed in segments; a
// listing without a filter needs no GetTable.
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
	if len(exprs) != 1 {
		t.Fatalf("%d GetPartitions requests, want one (a page holds them all)", len(exprs))
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

	// 12 partitions, pages of 7: a first page, then the 3 segments.
	var more []catalog.Partition
	for _, r := range []string{"eu", "us", "o'hare", "ap", "af", "sa"} {
		more = append(more, catalog.Partition{Values: []string{"2025", r}})
	}
	must(c.CreatePartitions(t.Context(), db, "sales", more))
	before := len(proxy.Requests())
	n := 0
	for _, err := range c.ListPartitions(t.Context(), db, "sales", nil) {
		must(err)
		n++
	}
	ops := map[string]int{}
	for _, r := range proxy.Requests()[before:] {
		ops[r.Operation]++
	}
	if n != 12 || ops["GetTable"] != 0 || ops["GetPartitions"] < 4 {
		t.Errorf("listed %d partitions with %v, want 12 with no GetTable and a page, then one or more a segment", n, ops)
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

// TestRecordAccessSkipsArchive: an access is recorded by one UpdateTable
// that asks Glue to archive no version (SkipArchive), sends the VersionId
// it read and the table as read with its LastAccessTime, all of it Glue's
// service model. A table others keep changing is read again a few times,
// then left alone with ErrConflict.
func TestRecordAccessSkipsArchive(t *testing.T) {
	proxy := gluetest.NewProxy(t, gluetest.Endpoint(t))
	c := newCatalog(t, proxy)
	db := fmt.Sprintf("lakectltest_access_%d", os.Getpid())
	if err := c.CreateDatabase(t.Context(), catalog.Database{Name: db}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.DeleteDatabase(context.Background(), db) })
	if err := c.CreateTable(t.Context(), catalog.Table{DatabaseName: db, Name: "t", Description: "kept",
		StorageDescriptor: catalog.StorageDescriptor{Columns: []catalog.Column{{Name: "a", Type: "int"}}}}); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	before := len(proxy.Requests())
	if ok, err := c.RecordAccess(t.Context(), db, "t", at); err != nil || !ok {
		t.Fatalf("RecordAccess = %v, %v; want true", ok, err)
	}
	var updates []gluetest.Request
	for _, r := range proxy.Requests()[before:] {
		if r.Operation == "UpdateTable" {
			updates = append(updates, r)
		}
	}
	if len(updates) != 1 {
		t.Fatalf("%d UpdateTable requests, want 1", len(updates))
	}
	body := updates[0].Body
	in, _ := body["TableInput"].(map[string]any)
	if body["SkipArchive"] != true || body["VersionId"] == nil || in["Description"] != "kept" || in["LastAccessTime"] != float64(at.Unix()) {
		t.Errorf("UpdateTable %v, want SkipArchive, the VersionId read and the table with LastAccessTime %d", body, at.Unix())
	}
	checkRequests(t, updates)

	proxy.FailNext("UpdateTable", "ConcurrentModificationException", 2)
	if ok, err := c.RecordAccess(t.Context(), db, "t", at.Add(2*time.Hour)); err != nil || !ok {
		t.Errorf("after two conflicts: RecordAccess = %v, %v; want true on the third attempt", ok, err)
	}
	proxy.FailNext("UpdateTable", "ConcurrentModificationException", 3)
	ok, err := c.RecordAccess(t.Context(), db, "t", at.Add(4*time.Hour))
	if ok || !errors.Is(err, catalog.ErrConflict) {
		t.Errorf("after three conflicts: RecordAccess = %v, %v; want false and ErrConflict", ok, err)
	}
}
