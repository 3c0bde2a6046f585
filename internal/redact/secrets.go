package redact

import (
	"slices"
	"strings"
	"sync"
)

// Secrets are the secrets a run came to know (passwords and client secrets
// read from env:, file: or ssm: references), hidden from any text that
// goes through Text, in every form Secret hides. It is safe for concurrent
// use; a nil *Secrets hides URI passwords only.
type Secrets struct {
	mu   sync.RWMutex
	list []string
}

// Add makes a secret known. Blank text is no secret to hide.
func (s *Secrets) Add(secret string) {
	if s == nil || strings.TrimSpace(secret) == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, known := range s.list {
		if known == secret {
			return
		}
	}
	// The longest first: a secret that holds another is hidden whole.
	i := 0
	for i < len(s.list) && len(s.list[i]) >= len(secret) {
		i++
	}
	s.list = slices.Insert(s.list, i, secret)
}

// Text hides the password of every URI in t (the package's Text), and
// every known secret.
func (s *Secrets) Text(t string) string {
	t = Text(t)
	if s == nil {
		return t
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, secret := range s.list {
		t = Secret(t, secret)
	}
	return t
}
