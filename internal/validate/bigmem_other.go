//go:build !linux

package validate

func allocRecs(n int) []rowRec { return make([]rowRec, n) }

func releaseRecs([]rowRec) {}
