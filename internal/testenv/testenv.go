// Package testenv finds the services tests run against: the ones
// scripts/with-services.sh starts on loopback. Under CI=true a missing
// service fails the test; elsewhere the test is skipped.
package testenv

import (
	"os"
	"testing"
)

// URL is the value of env, the address of a test service.
func URL(t testing.TB, env string) string {
	t.Helper()
	u := os.Getenv(env)
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: run the tests with make test", env)
		}
		t.Skipf("%s is not set: run make test", env)
	}
	return u
}
