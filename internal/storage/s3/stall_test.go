package s3

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// A server that answers a download's headers and then stops sending makes
// the read fail once no data came for the timeout, instead of hanging.
func TestStalledDownloadFails(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			return // the bucket exists
		}
		w.Header().Set("Content-Length", "1000")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, strings.Repeat("x", 100))
		w.(http.Flusher).Flush()
		select { // and nothing more
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	s, err := Open(t.Context(), "lake", "", Options{Endpoint: srv.URL, Timeout: 500 * time.Millisecond, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := s.Get(t.Context(), "big.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	done := make(chan error, 1)
	go func() {
		_, err := io.ReadAll(rc)
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "stalled") {
			t.Errorf("read: %v, want the download stalled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a stalled download still hangs after 10s")
	}
}
