package redact

import (
	"net/url"
	"strings"
	"sync"
	"testing"
)

func TestSecrets(t *testing.T) {
	var none *Secrets
	if got := none.Text("postgres://u:pw@h/db"); got != "postgres://u:xxxxx@h/db" {
		t.Errorf("nil Secrets: %q", got)
	}
	s := &Secrets{}
	s.Add("")
	s.Add("  ")
	s.Add("abc")
	s.Add("abc-longer") // holds the first: hidden whole
	s.Add("abc")
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { _ = s.Text("abc") })
	}
	wg.Wait()
	in := "key abc-longer, then abc, escaped " + url.QueryEscape("abc-longer") + ", in " + "postgres://u:pw@h/db and empty '' ok"
	got := s.Text(in)
	if strings.Contains(got, "abc") || strings.Contains(got, "longer") || strings.Contains(got, ":pw@") {
		t.Errorf("Text(%q) = %q", in, got)
	}
	if !strings.Contains(got, "empty '' ok") {
		t.Errorf("blank secrets hid text: %q", got)
	}
}
