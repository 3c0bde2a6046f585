// Package usage measures what a store holds, per prefix, the way S3
// Storage Lens does: objects and bytes, bytes by storage class and by age,
// the multipart uploads left open, and on a versioned bucket the
// noncurrent versions and delete markers. docs/storage.md, "Storage
// metrics".
package usage

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lakectl/lakectl/internal/progress"
	"github.com/lakectl/lakectl/internal/storage"
)

// DefaultClass is the storage class of an object whose store names none:
// S3's own default, which a HEAD leaves unsaid, and every file on local
// disk.
const DefaultClass = "STANDARD"

// Ages are the age buckets, by the time since an object was last written:
// under 30 days, 30 to 90, 90 to 365, and over 365 (the bounds of S3's
// lifecycle transitions to Standard-IA and Glacier that people choose
// most). An object written after the run's clock (a skewed clock) is in
// the first bucket.
var Ages = []Age{
	{Name: "0-30d", Below: 30 * 24 * time.Hour},
	{Name: "30-90d", Below: 90 * 24 * time.Hour},
	{Name: "90-365d", Below: 365 * 24 * time.Hour},
	{Name: "over-365d"},
}

// Age is a bucket of Ages: objects younger than Below (no bound: zero)
// that are in no earlier bucket.
type Age struct {
	Name  string
	Below time.Duration
}

// ageIndex is the bucket of Ages of an object last written at mod.
func ageIndex(now, mod time.Time) int {
	age := now.Sub(mod)
	for i, a := range Ages[:len(Ages)-1] {
		if age < a.Below {
			return i
		}
	}
	return len(Ages) - 1
}

// Options say how to measure.
type Options struct {
	// Depth is how deep the prefixes go: 0 measures the store as a whole,
	// 1 each first-level folder, and so on.
	Depth int
	// Now is the run's clock, from which ages are reckoned (time.Now when
	// nil).
	Now func() time.Time
	// Progress counts the objects, versions and uploads listed (nil:
	// nobody watches).
	Progress progress.Reporter
}

// Report is a store's usage at one time, per prefix.
type Report struct {
	Time  time.Time
	Depth int
	// Versioned: the store keeps versions, and the noncurrent versions
	// and delete markers were counted. UploadsListed: the store has
	// multipart uploads, and the open ones were counted.
	Versioned     bool
	UploadsListed bool
	// Prefixes in key order.
	Prefixes []*Prefix
}

// Prefix is what lies under one prefix: a folder at the report's depth, or
// a shallower folder for the objects directly in it.
type Prefix struct {
	// Prefix is relative to the store, "" or ending with "/".
	Prefix  string
	Objects int64
	Bytes   int64
	// ObjectsByClass and BytesByClass split the current objects by storage
	// class; BytesByAge their bytes by Ages (an entry per bucket).
	ObjectsByClass map[string]int64
	BytesByClass   map[string]int64
	BytesByAge     []int64
	// MultipartUploads open under the prefix, the bytes of their parts,
	// and when the oldest began (zero when none is open).
	MultipartUploads int64
	MultipartBytes   int64
	OldestMultipart  time.Time
	// NoncurrentVersions are versions of objects that a newer version or a
	// delete marker replaced; DeleteMarkers counts every delete marker.
	NoncurrentVersions int64
	NoncurrentBytes    int64
	DeleteMarkers      int64
}

// PrefixOf is the prefix at depth that key counts under: its first depth
// folders, or all of its folders when it lies shallower.
func PrefixOf(key string, depth int) string {
	end := 0
	for range depth {
		i := strings.IndexByte(key[end:], '/')
		if i < 0 {
			break
		}
		end += i + 1
	}
	return key[:end]
}

// Measure lists the store once (its versions, where it keeps them) and its
// open multipart uploads, and sums them per prefix.
func Measure(ctx context.Context, s storage.Store, opts Options) (*Report, error) {
	if opts.Depth < 0 {
		return nil, fmt.Errorf("depth %d: want 0 or more", opts.Depth)
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	rep := &Report{Time: now().UTC(), Depth: opts.Depth}
	p := progress.Or(opts.Progress)
	byPrefix := map[string]*Prefix{}
	at := func(key string) *Prefix {
		name := PrefixOf(key, opts.Depth)
		x := byPrefix[name]
		if x == nil {
			x = &Prefix{Prefix: name, ObjectsByClass: map[string]int64{}, BytesByClass: map[string]int64{}, BytesByAge: make([]int64, len(Ages))}
			byPrefix[name] = x
		}
		return x
	}
	current := func(key string, size int64, mod time.Time, class string) {
		x := at(key)
		if class == "" {
			class = DefaultClass
		}
		x.Objects++
		x.Bytes += size
		x.ObjectsByClass[class]++
		x.BytesByClass[class] += size
		x.BytesByAge[ageIndex(rep.Time, mod)] += size
	}

	vl, ok := s.(storage.VersionLister)
	if ok {
		v, err := vl.Versioned(ctx)
		if err != nil {
			return nil, err
		}
		rep.Versioned = v
	}
	p.Stage("list")
	if rep.Versioned {
		for v, err := range vl.ListVersions(ctx, "") {
			if err != nil {
				return nil, err
			}
			switch {
			case v.DeleteMarker:
				at(v.Key).DeleteMarkers++
			case v.IsLatest:
				current(v.Key, v.Size, v.ModTime, v.StorageClass)
			default:
				x := at(v.Key)
				x.NoncurrentVersions++
				x.NoncurrentBytes += v.Size
			}
			p.Add(progress.Counts{Files: 1, Bytes: v.Size})
		}
	} else {
		for o, err := range s.List(ctx, "") {
			if err != nil {
				return nil, err
			}
			current(o.Key, o.Size, o.ModTime, o.StorageClass)
			p.Add(progress.Counts{Files: 1, Bytes: o.Size})
		}
	}

	if ul, ok := s.(storage.UploadLister); ok {
		rep.UploadsListed = true
		p.Stage("uploads")
		for u, err := range ul.ListUploads(ctx, "") {
			if err != nil {
				return nil, err
			}
			x := at(u.Key)
			x.MultipartUploads++
			x.MultipartBytes += u.Size
			if x.OldestMultipart.IsZero() || u.Initiated.Before(x.OldestMultipart) {
				x.OldestMultipart = u.Initiated.UTC()
			}
			p.Add(progress.Counts{Files: 1, Bytes: u.Size})
		}
	}

	if len(byPrefix) == 0 && opts.Depth == 0 {
		at("") // an empty store is measured too: nothing in it
	}
	for _, x := range byPrefix {
		rep.Prefixes = append(rep.Prefixes, x)
	}
	slices.SortFunc(rep.Prefixes, func(a, b *Prefix) int { return strings.Compare(a.Prefix, b.Prefix) })
	return rep, nil
}
