package s3_test

import (
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	lakes3 "github.com/lakectl/lakectl/internal/storage/s3"
	"github.com/lakectl/lakectl/internal/storage/s3/s3test"
)

// Every request the store sends is counted by operation, a retried one
// once per attempt: MinIO behind a proxy that answers the first listing
// request with 503 Slow Down.
func TestRequestsCountEveryAttempt(t *testing.T) {
	srv := s3test.Require(t)
	bucket := srv.NewBucket(t)
	target, err := url.Parse(srv.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	var refused atomic.Bool
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Query().Get("list-type") == "2" && refused.CompareAndSwap(false, true) {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>slow down</Message></Error>`)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	defer front.Close()

	setEnv(t, srv.Env())
	s, err := lakes3.Open(t.Context(), bucket, "p", lakes3.Options{Endpoint: front.URL})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a", "b", "c"} {
		if err := s.Put(t.Context(), k, strings.NewReader(k)); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	for _, err := range s.List(t.Context(), "") {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if _, err := s.Stat(t.Context(), "a"); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"HeadBucket": 1, "PutObject": 3, "ListObjectsV2": 2, "HeadObject": 1}
	if got := s.Requests(); n != 3 || !maps.Equal(got, want) {
		t.Errorf("listed %d objects; requests %v, want %v", n, got, want)
	}
	if !refused.Load() {
		t.Error("the proxy refused no listing")
	}
}
