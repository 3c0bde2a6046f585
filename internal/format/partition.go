package format

import (
	"fmt"
	"strings"
)

// DefaultPartition is the folder value Hive, Spark and Athena write for a
// null or empty partition value, and read back as null. The catalog keeps
// it as the partition's value, as Hive's metastore does.
const DefaultPartition = "__HIVE_DEFAULT_PARTITION__"

// escapedInPath marks the bytes Hive escapes in a partition folder name
// (FileUtils.escapePathName, as Spark's ExternalCatalogUtils): control
// characters, DEL and "#%'*/:=?\{[]^. Bytes of non-ASCII characters are
// kept as they are.
var escapedInPath = func() (set [128]bool) {
	for c := range 0x20 {
		set[c] = true
	}
	for _, c := range []byte("\"#%'*/:=?\\\x7f{[]^") {
		set[c] = true
	}
	return set
}()

// EscapePartitionValue spells a value as a key=value folder name spells
// it: each byte Hive escapes as %XX (upper-case hex), and the empty value
// as DefaultPartition.
func EscapePartitionValue(v string) string {
	if v == "" {
		return DefaultPartition
	}
	n := 0
	for i := 0; i < len(v); i++ {
		if v[i] < 0x80 && escapedInPath[v[i]] {
			n++
		}
	}
	if n == 0 {
		return v
	}
	var b strings.Builder
	b.Grow(len(v) + 2*n)
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x80 && escapedInPath[c] {
			fmt.Fprintf(&b, "%%%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// UnescapePartitionValue reverses EscapePartitionValue as Hive does: each
// %XX of two hex digits becomes its byte; any other % stays. It does not
// interpret DefaultPartition (see PartitionValue).
func UnescapePartitionValue(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if hi, lo := unhex(s[i+1]), unhex(s[i+2]); hi >= 0 && lo >= 0 {
				b.WriteByte(byte(hi<<4 | lo))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// PartitionValue reads the value part of a key=value folder name: the
// value unescaped, or isNull for DefaultPartition.
func PartitionValue(folderValue string) (value string, isNull bool) {
	if folderValue == DefaultPartition {
		return "", true
	}
	return UnescapePartitionValue(folderValue), false
}

// CatalogPartitionValue reads a partition value as the catalog keeps it
// (already unescaped): DefaultPartition is null, anything else the value.
func CatalogPartitionValue(v string) (value string, isNull bool) {
	if v == DefaultPartition {
		return "", true
	}
	return v, false
}

// ParsePartitionFolder splits one folder name at its first '=' into the
// key and the value, both unescaped; ok is false for a name without '='.
// The value is DefaultPartition for a null, as the catalog keeps it.
func ParsePartitionFolder(name string) (key, value string, ok bool) {
	k, v, ok := strings.Cut(name, "=")
	if !ok {
		return "", "", false
	}
	if v == DefaultPartition {
		return UnescapePartitionValue(k), v, true
	}
	return UnescapePartitionValue(k), UnescapePartitionValue(v), true
}

// PartitionPath is the folder path of partition values, as Hive and Spark
// write it: key=value segments joined by '/', keys and values escaped,
// empty values (and DefaultPartition itself) as DefaultPartition. Keys
// beyond the values, or values beyond the keys (a catalog written by hand),
// are left out.
func PartitionPath(keys, values []string) string {
	var b strings.Builder
	for i, k := range keys[:min(len(keys), len(values))] {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(EscapePartitionValue(k))
		b.WriteByte('=')
		b.WriteString(EscapePartitionValue(values[i]))
	}
	return b.String()
}

// ParsePartitionPath reads a path made by PartitionPath back into keys and
// values (nulls as DefaultPartition). A segment without '=' is an error.
func ParsePartitionPath(p string) (keys, values []string, err error) {
	if p == "" {
		return nil, nil, nil
	}
	for seg := range strings.SplitSeq(p, "/") {
		k, v, ok := ParsePartitionFolder(seg)
		if !ok {
			return nil, nil, fmt.Errorf("partition folder %q is not key=value", seg)
		}
		keys = append(keys, k)
		values = append(values, v)
	}
	return keys, values, nil
}
