// Package commit is lakectl's one write path. It starts with run ids; the
// staging, journal and lease of every writer move here next.
package commit

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// NewRunID names a write run: its UTC start to the second, for people and
// for sorting, and 48 random bits, so that two runs started in the same
// second — on one machine or many — never share a name (and never write
// over each other's files).
func NewRunID(now time.Time) string {
	var b [6]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}
