package usage_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	lakes3 "github.com/lakectl/lakectl/internal/storage/s3"
	"github.com/lakectl/lakectl/internal/storage/s3/s3test"
	"github.com/lakectl/lakectl/internal/storage/usage"
)

// BenchmarkMeasureS3_10k measures a MinIO bucket of 10,000 objects in 100
// folders at depth 1, and reports the requests a measurement sends
// (docs/performance.md).
func BenchmarkMeasureS3_10k(b *testing.B) {
	srv := s3test.Require(b)
	bucket := srv.NewBucket(b)
	c := srv.Client()
	keys := make(chan string)
	var wg sync.WaitGroup
	var failed error
	var mu sync.Mutex
	for range 16 {
		wg.Go(func() {
			for k := range keys {
				if _, err := c.PutObject(b.Context(), &s3.PutObjectInput{Bucket: &bucket, Key: &k, Body: strings.NewReader("0123456789")}); err != nil {
					mu.Lock()
					failed = err
					mu.Unlock()
				}
			}
		})
	}
	for i := range 10_000 {
		keys <- fmt.Sprintf("raw/t%03d/part-%05d.csv", i%100, i)
	}
	close(keys)
	wg.Wait()
	if failed != nil {
		b.Fatal(failed)
	}
	srv.Setenv(b)
	b.ResetTimer()
	for b.Loop() {
		s, err := lakes3.Open(b.Context(), bucket, "raw", lakes3.Options{Endpoint: srv.Endpoint})
		if err != nil {
			b.Fatal(err)
		}
		rep, err := usage.Measure(b.Context(), s, usage.Options{Depth: 1})
		if err != nil {
			b.Fatal(err)
		}
		if len(rep.Prefixes) != 100 || rep.Prefixes[0].Objects != 100 {
			b.Fatalf("%d prefixes", len(rep.Prefixes))
		}
		n := 0
		for _, r := range s.Requests() {
			n += r
		}
		b.ReportMetric(float64(n), "requests/op")
	}
}
