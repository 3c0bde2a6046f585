package s3

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// A store reaches another, to copy from it server side, only on the same
// endpoint with the same credentials.
func TestReaches(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})) // every bucket exists
	defer srv.Close()
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer other.Close()
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	open := func(key, endpoint, bucket string) *Store {
		t.Setenv("AWS_ACCESS_KEY_ID", key)
		s, err := Open(t.Context(), bucket, "", Options{Endpoint: endpoint})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a := open("alice", srv.URL, "a")
	for _, c := range []struct {
		name string
		b    *Store
		want bool
	}{
		{"same endpoint and key", open("alice", srv.URL, "b"), true},
		{"another key", open("bob", srv.URL, "b"), false},
		{"another endpoint", open("alice", other.URL, "b"), false},
	} {
		if got := c.b.Reaches(t.Context(), a); got != c.want {
			t.Errorf("%s: Reaches = %v, want %v", c.name, got, c.want)
		}
	}
}
