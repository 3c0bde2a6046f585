package search

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/lakectl/lakectl/internal/progress"
	"github.com/lakectl/lakectl/internal/storage"
)

// DefaultFetchers is how many objects' metadata and tags are read at once.
const DefaultFetchers = 16

// IndexOptions configure an index run.
type IndexOptions struct {
	// Now is the run's time: record_timestamp of what it records.
	Now time.Time
	// Fetchers read metadata and tags at once (DefaultFetchers when 0).
	Fetchers int
	// Progress counts the objects listed (stage "list") and fetched
	// (stage "fetch"); nil when nobody watches.
	Progress progress.Reporter
	// SequenceAfter is how many records the run numbered already (an
	// earlier report of the same run): its sequence numbers go on from
	// there, so that one run's numbers never repeat.
	SequenceAfter int64
}

// IndexResult is an index run: the inventory to write, the journal records
// to append, and counts.
type IndexResult struct {
	// Inventory is the current state of every object, sorted by key:
	// those listed now, and those of earlier runs outside what was listed.
	Inventory []Record `json:"-"`
	// Journal are the changes seen, sorted by key.
	Journal []Record `json:"-"`

	Listed    int64 `json:"listed"`
	Created   int64 `json:"created"`
	Updated   int64 `json:"metadataUpdated"`
	Deleted   int64 `json:"deleted"`
	Unchanged int64 `json:"unchanged"`
	// Fetched counts the objects whose metadata (and tags) were read: the
	// new and changed ones only.
	Fetched int64 `json:"fetched"`
}

// Origin is the bucket of a store's records and the key prefix of its
// objects in that bucket: s3://b/p/ is bucket b, prefix p/; any other
// store is its own bucket (its URI), keys as listed.
func Origin(s storage.Store) (bucket, prefix string) {
	uri := s.URI("")
	if rest, ok := strings.CutPrefix(uri, "s3://"); ok {
		bucket, prefix, _ = strings.Cut(rest, "/")
		return bucket, prefix
	}
	return strings.TrimSuffix(uri, "/"), ""
}

// Index lists the stores and compares what it finds with the previous
// inventory: new objects are CREATEs, objects whose content changed are
// CREATEs, objects whose content is the same but whose metadata or tags
// changed are UPDATE_METADATAs, and objects gone are DELETEs. Metadata
// and tags are read (HEAD and GetObjectTagging on S3) only for the new
// and changed objects; an object whose listing (size, last modified, ETag)
// is unchanged keeps its record.
func Index(ctx context.Context, stores []storage.Store, previous []Record, opts IndexOptions) (*IndexResult, error) {
	p := progress.Or(opts.Progress)
	now := opts.Now.UTC().Truncate(time.Microsecond)
	prev := make(map[id]*Record, len(previous))
	for i := range previous {
		prev[id{previous[i].Bucket, previous[i].Key}] = &previous[i]
	}
	res := &IndexResult{}
	current := make(map[id]*Record, len(previous))
	type scope struct{ bucket, prefix string }
	var scopes []scope
	var pending []pendingFetch
	p.Stage("list")
	for _, s := range stores {
		bucket, prefix := Origin(s)
		scopes = append(scopes, scope{bucket, prefix})
		var n int64
		for obj, err := range s.List(ctx, "") {
			if err != nil {
				return nil, err
			}
			if n++; n%4096 == 0 {
				p.Add(progress.Counts{Files: 4096})
			}
			k := id{bucket, prefix + obj.Key}
			if _, dup := current[k]; dup {
				continue // listed by two overlapping URIs
			}
			res.Listed++
			rec := &Record{Bucket: k.bucket, Key: k.key, Size: obj.Size, LastModified: obj.ModTime.UTC().Truncate(time.Microsecond),
				ETag: obj.ETag, StorageClass: obj.StorageClass, IsMultipart: strings.Contains(obj.ETag, "-")}
			old := prev[k]
			if old != nil && old.Size == rec.Size && old.ETag == rec.ETag && old.LastModified.Equal(rec.LastModified) {
				current[k] = old
				res.Unchanged++
				continue
			}
			current[k] = rec
			pending = append(pending, pendingFetch{store: s, key: obj.Key, rec: rec, old: old})
		}
		p.Add(progress.Counts{Files: n % 4096})
	}
	if err := fetch(ctx, pending, opts, p); err != nil {
		return nil, err
	}
	seq := sequencer{now: now, n: opts.SequenceAfter}
	for _, f := range pending {
		if f.gone {
			delete(current, id{f.rec.Bucket, f.rec.Key})
			continue
		}
		res.Fetched++
		f.rec.RecordTimestamp = now
		switch {
		case f.old != nil && f.old.ETag != "" && f.old.ETag == f.rec.ETag && f.old.Size == f.rec.Size &&
			!(maps.Equal(f.old.UserMetadata, f.rec.UserMetadata) && maps.Equal(f.old.Tags, f.rec.Tags)):
			f.rec.RecordType = UpdateMetadata
			res.Updated++
		default:
			f.rec.RecordType = Create
			res.Created++
		}
		res.Journal = append(res.Journal, *f.rec)
	}
	// Objects of the previous inventory: gone when under what was listed,
	// kept when outside it.
	for k, old := range prev {
		if _, ok := current[k]; ok {
			continue
		}
		under := slices.ContainsFunc(scopes, func(s scope) bool { return s.bucket == k.bucket && strings.HasPrefix(k.key, s.prefix) })
		if !under {
			current[k] = old
			continue
		}
		gone := *old
		gone.RecordType, gone.RecordTimestamp = Delete, now
		res.Journal = append(res.Journal, gone)
		res.Deleted++
	}
	res.Journal = sortedRecords(res.Journal)
	for i := range res.Journal {
		res.Journal[i].SequenceNumber = seq.next()
	}
	// The inventory's records of this run carry the journal's sequence.
	bySeq := make(map[id]string, len(res.Journal))
	for _, j := range res.Journal {
		bySeq[id{j.Bucket, j.Key}] = j.SequenceNumber
	}
	inv := make([]*Record, 0, len(current))
	for k, r := range current {
		if s, ok := bySeq[k]; ok {
			r.SequenceNumber = s
		}
		inv = append(inv, r)
	}
	slices.SortFunc(inv, compareRecords)
	res.Inventory = make([]Record, len(inv))
	for i, r := range inv {
		res.Inventory[i] = *r
	}
	return res, nil
}

// sortedRecords are records in key order, sorted by pointer: a record is
// a few hundred bytes, and a sort of a million of them by value spends its
// time copying.
func sortedRecords(recs []Record) []Record {
	ptrs := make([]*Record, len(recs))
	for i := range recs {
		ptrs[i] = &recs[i]
	}
	slices.SortFunc(ptrs, compareRecords)
	out := make([]Record, len(recs))
	for i, r := range ptrs {
		out[i] = *r
	}
	return out
}

type id struct{ bucket, key string }

type pendingFetch struct {
	store storage.Store
	key   string
	rec   *Record
	old   *Record
	gone  bool // deleted between the listing and the HEAD
}

// fetch reads the metadata and tags of new and changed objects, where
// their store can.
func fetch(ctx context.Context, pending []pendingFetch, opts IndexOptions, p progress.Reporter) error {
	p.Stage("fetch")
	p.Expect(progress.Counts{Files: int64(len(pending))})
	workers := opts.Fetchers
	if workers <= 0 {
		workers = DefaultFetchers
	}
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for i := range pending {
		f := &pending[i]
		g.Go(func() error {
			err := fetchOne(ctx, f)
			if errors.Is(err, fs.ErrNotExist) {
				f.gone = true
				err = nil
			}
			p.Add(progress.Counts{Files: 1})
			return err
		})
	}
	return g.Wait()
}

func fetchOne(ctx context.Context, f *pendingFetch) error {
	if mr, ok := f.store.(storage.MetadataReader); ok {
		m, err := mr.ReadMetadata(ctx, f.key)
		if err != nil {
			return fmt.Errorf("metadata of %s: %w", f.store.URI(f.key), err)
		}
		f.rec.UserMetadata, f.rec.VersionID, f.rec.EncryptionStatus = m.User, m.VersionID, m.Encryption
		f.rec.BucketKeyEnabled, f.rec.KMSKeyARN = m.BucketKeyEnabled, m.KMSKeyARN
	}
	if tr, ok := f.store.(storage.TagReader); ok {
		tags, err := tr.ReadTags(ctx, f.key)
		if err != nil {
			return fmt.Errorf("tags of %s: %w", f.store.URI(f.key), err)
		}
		f.rec.Tags = tags
	}
	if f.rec.UserMetadata == nil {
		f.rec.UserMetadata = map[string]string{}
	}
	if f.rec.Tags == nil {
		f.rec.Tags = map[string]string{}
	}
	return nil
}

// sequencer numbers a run's records: the run's time, then a counter, in
// fixed-width hex, so that a later record sorts after an earlier one.
type sequencer struct {
	now time.Time
	n   int64
}

func (s *sequencer) next() string {
	s.n++
	return fmt.Sprintf("%016x%08x", s.now.UnixMicro(), s.n)
}
