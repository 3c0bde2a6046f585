package glue_test

import (
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
