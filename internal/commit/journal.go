package commit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/progress"
	"github.com/lakectl/lakectl/internal/storage"
)

// Hidden objects of a destination (names starting with _ are not data to
// query engines and crawlers).
const (
	// JournalKey holds the destination's unfinished commit, if any.
	JournalKey = "_lakectl_journal.json"
	// RunsDir holds a record of each committed run: what it read and wrote.
	RunsDir = "_lakectl_runs"
	// SourcesKey indexes the source files the destination's runs have
	// read, so that a run does not convert the same unchanged file twice.
	SourcesKey = "_lakectl_sources.json"
	// StateKey holds what a writer carries from one run to the next (an
	// ingest's watermark), replaced by each commit that has a State.
	StateKey = "_lakectl_state.json"
)

// A Journal is a commit, written down before any of it becomes visible:
// the data files it removes, the staged files it moves into place, the
// catalog change it makes and the record it keeps. Once the journal is
// stored the commit is decided: whoever finds it (the next writer of the
// destination, `lakectl table check --repair`) finishes it. Every step is
// idempotent, so a commit finished twice, or finished after a crash at any
// point, ends in the same state.
//
// The order of the steps is what readers of folders can see: the replaced
// files go first and the new ones appear after, so a reader never sees a
// row twice; while the steps run, a replaced location reads as missing
// rows (see docs/convert.md, "What readers see").
type Journal struct {
	Run     string    `json:"run"`
	Command string    `json:"command"`
	Created time.Time `json:"created"`
	// Remove lists the data files the run replaces.
	Remove []string `json:"remove,omitempty"`
	// Move lists the staged files and where they go.
	Move []Move `json:"move,omitempty"`
	// Catalog is the catalog change, made once the files are in place.
	Catalog *Change `json:"catalog,omitempty"`
	// Record is kept under RunsDir, and its sources added to SourcesKey.
	Record *Record `json:"record,omitempty"`
	// Staging is the run's staging folder, removed at the end.
	Staging string `json:"staging,omitempty"`
	// State replaces StateKey once the record is kept: it advances with
	// the data it describes, never before it.
	State json.RawMessage `json:"state,omitempty"`
}

// Move is one staged file and its place.
type Move struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Change is a catalog change, stated as the result it leaves (so that it
// can be made again): the table (created from Create when missing), its
// columns, partition key types, location and parameters, and partitions
// created or replaced, and dropped.
type Change struct {
	Database string `json:"database"`
	Table    string `json:"table"`
	// Create is the table as created when it does not exist.
	Create *catalog.Table `json:"create,omitempty"`
	// Columns and PartitionKeys replace the table's (nil: unchanged).
	Columns       []catalog.Column `json:"columns,omitempty"`
	PartitionKeys []catalog.Column `json:"partitionKeys,omitempty"`
	// Location replaces the table's ("" unchanged).
	Location string `json:"location,omitempty"`
	// Parameters are set on the table.
	Parameters map[string]string `json:"parameters,omitempty"`
	// Partitions are created, or replace the partitions of their values.
	Partitions []catalog.Partition `json:"partitions,omitempty"`
	// Drop are the values of partitions removed.
	Drop [][]string `json:"drop,omitempty"`
}

// Record says what a run read and wrote.
type Record struct {
	Run      string    `json:"run"`
	Command  string    `json:"command"`
	Mode     string    `json:"mode,omitempty"`
	Table    string    `json:"table,omitempty"`
	Finished time.Time `json:"finished"`
	Rows     int64     `json:"rows"`
	Files    []string  `json:"files,omitempty"`
	Sources  []Source  `json:"sources,omitempty"`
	// ReplaceSources: the run replaced all the destination's data, so the
	// sources it read are the only ones the destination now holds.
	ReplaceSources bool `json:"replaceSources,omitempty"`
	// Partitions are the partitions the run wrote; with
	// ReplacesPartitions (overwrite-partitions) their earlier data is gone,
	// and so the sources whose rows all lay there leave the index.
	Partitions         []string `json:"partitions,omitempty"`
	ReplacesPartitions bool     `json:"replacesPartitions,omitempty"`

	// What an ingest run keeps for its history (lakectl ingest history).
	// Source names what the run read (never with a secret in it).
	Source  string    `json:"source,omitempty"`
	Started time.Time `json:"started,omitzero"`
	// Bytes are the bytes the run landed.
	Bytes int64 `json:"bytes,omitempty"`
	// Outcome is "committed" for a run whose data is in place; a run that
	// landed nothing or failed keeps a record too, with "nothing new" or
	// "failed" and its Error.
	Outcome string `json:"outcome,omitempty"`
	Error   string `json:"error,omitempty"`
	// WatermarkBefore and WatermarkAfter are an incremental run's
	// watermark (its column's greatest value landed) before and after it.
	WatermarkBefore string `json:"watermarkBefore,omitempty"`
	WatermarkAfter  string `json:"watermarkAfter,omitempty"`
}

// Source is a file a run read, as it was listed.
type Source struct {
	URI     string    `json:"uri"`
	Size    int64     `json:"size"`
	ModTime time.Time `json:"modTime,omitzero"`
	ETag    string    `json:"etag,omitempty"`
	// SHA256 is the hex SHA-256 of its bytes, where the run computed it,
	// and Landed the key it was landed at (ingest).
	SHA256 string `json:"sha256,omitempty"`
	Landed string `json:"landed,omitempty"`
	// Run is the run that read it, and Partitions those the run wrote
	// (in the SourcesKey index).
	Run        string   `json:"run,omitempty"`
	Partitions []string `json:"partitions,omitempty"`
}

// Same says whether two listings show the same content: the same size,
// and the same ETag where both have one, else the same modification time.
func (s Source) Same(o Source) bool {
	if s.Size != o.Size {
		return false
	}
	if s.ETag != "" && o.ETag != "" {
		return s.ETag == o.ETag
	}
	return s.ModTime.Equal(o.ModTime)
}

// A Failpoint is called at each named step of a commit (and of the
// commands around it); a test makes it stop the process there, or fail.
// Names are COMMAND.STEP, as listed in docs/reliability.md.
type Failpoint func(name string) error

// At calls the failpoint, if there is one.
func (fp Failpoint) At(name string) error {
	if fp == nil {
		return nil
	}
	return fp(name)
}

// Commit stores the journal and then carries it out, counting the files
// it moves into place on p (nil when nobody watches).
func Commit(ctx context.Context, s storage.Store, cat catalog.Catalog, j *Journal, fp Failpoint, p progress.Reporter) error {
	ctx = context.WithoutCancel(ctx) // a commit, once begun, is finished
	p = progress.Or(p)
	p.Expect(progress.Counts{Files: int64(len(j.Move))})
	if err := fp.At(j.Command + ".staged"); err != nil {
		return err
	}
	data, err := json.MarshalIndent(j, "", " ")
	if err != nil {
		return err
	}
	if err := s.Put(ctx, JournalKey, strings.NewReader(string(data))); err != nil {
		// A write whose answer was lost may have been stored: then the
		// commit is decided, and goes on.
		stored, rerr := ReadJournal(ctx, s)
		switch {
		case rerr != nil:
			return &UncertainError{Run: j.Run, Err: fmt.Errorf("write the commit journal %s: %w (and reading it back: %v)", s.URI(JournalKey), err, rerr)}
		case stored == nil || stored.Run != j.Run:
			return fmt.Errorf("write the commit journal %s: %w", s.URI(JournalKey), err)
		}
	}
	if err := fp.At(j.Command + ".journaled"); err != nil {
		return &DecidedError{Run: j.Run, Dest: s.URI(""), Err: err}
	}
	if err := finish(ctx, s, cat, j, fp, p); err != nil {
		if errors.Is(err, ErrRolledBack) {
			return err
		}
		return &DecidedError{Run: j.Run, Dest: s.URI(""), Err: err}
	}
	return nil
}

// UncertainError: whether the journal was stored is not known (it could
// not be read back). The run's staged files must stay: a stored journal
// needs them.
type UncertainError struct {
	Run string
	Err error
}

func (e *UncertainError) Error() string { return e.Err.Error() }
func (e *UncertainError) Unwrap() error { return e.Err }

// DecidedError: a commit failed after its journal was stored. It is
// decided, not lost: the next writer into the destination, or a table
// check with repair, finishes it.
type DecidedError struct {
	Run, Dest string
	Err       error
}

func (e *DecidedError) Error() string {
	return fmt.Sprintf("%v; the commit of run %s is decided (journaled in %s): the next write into %s, or `lakectl table check --repair` of its table, finishes it",
		e.Err, e.Run, JournalKey, e.Dest)
}

func (e *DecidedError) Unwrap() error { return e.Err }

// ReadJournal reads the destination's unfinished commit (nil when there is
// none).
func ReadJournal(ctx context.Context, s storage.Store) (*Journal, error) {
	var j Journal
	if found, err := readJSON(ctx, s, JournalKey, &j); !found || err != nil {
		return nil, err
	}
	return &j, nil
}

// readJSON decodes a small object of the destination; a missing one is
// not found, not an error.
func readJSON(ctx context.Context, s storage.Store, key string, v any) (found bool, err error) {
	rc, err := s.Get(ctx, key)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer rc.Close()
	if err := json.NewDecoder(rc).Decode(v); err != nil {
		return false, fmt.Errorf("%s: %w", s.URI(key), err)
	}
	return true, nil
}

// Recover finishes the destination's unfinished commit, if there is one,
// and returns it (nil when there was none). Call it holding the
// destination's lease, before reading what the destination holds.
func Recover(ctx context.Context, s storage.Store, cat catalog.Catalog, fp Failpoint) (*Journal, error) {
	j, err := ReadJournal(ctx, s)
	if j == nil || err != nil {
		return nil, err
	}
	if j.Catalog != nil && cat == nil {
		return j, fmt.Errorf("%s: the unfinished commit of run %s changes table %s.%s, which needs its catalog", s.URI(""), j.Run, j.Catalog.Database, j.Catalog.Table)
	}
	if err := finish(context.WithoutCancel(ctx), s, cat, j, fp, progress.Nop); err != nil {
		return j, fmt.Errorf("finish the commit of run %s left unfinished: %w", j.Run, err)
	}
	return j, nil
}

// ErrRolledBack: a journal whose staged files are gone, before any of it
// was carried out, was removed: the commit did not happen.
var ErrRolledBack = errors.New("rolled back")

// finish carries out a stored journal, step by step, and removes it,
// counting each file in place on p.
func finish(ctx context.Context, s storage.Store, cat catalog.Catalog, j *Journal, fp Failpoint, p progress.Reporter) error {
	// Every file to place must be staged or in place already; if one is
	// neither, nothing is removed. A journal none of whose steps was
	// carried out (its files to place all still staged or gone, none in
	// place, every file to remove still there) is rolled back: removed,
	// with nothing changed. Otherwise the loss is reported, and the
	// journal kept for a person to look at.
	// The staged files still there, from one listing of the run's staging
	// folder (a lookup per file only for those not there).
	staged := map[string]bool{}
	if j.Staging != "" {
		for o, err := range s.List(ctx, j.Staging+"/") {
			if err != nil {
				return err
			}
			staged[o.Key] = true
		}
	}
	var lost []string
	started := false
	for _, m := range j.Move {
		if j.Staging != "" && staged[m.From] {
			continue
		}
		if j.Staging == "" {
			if _, err := s.Stat(ctx, m.From); err == nil {
				staged[m.From] = true
				continue
			} else if !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
		_, err := s.Stat(ctx, m.To)
		switch {
		case err == nil:
			started = true // moved before
		case errors.Is(err, fs.ErrNotExist):
			lost = append(lost, m.From)
		default:
			return err
		}
	}
	if len(lost) > 0 {
		for _, k := range j.Remove {
			if _, err := s.Stat(ctx, k); errors.Is(err, fs.ErrNotExist) {
				started = true
			}
		}
		if started {
			return fmt.Errorf("commit of run %s: %d staged files are gone (%s …) after part of it was carried out: the journal %s is kept", j.Run, len(lost), s.URI(lost[0]), s.URI(JournalKey))
		}
		if err := s.Delete(ctx, JournalKey); err != nil {
			return err
		}
		return fmt.Errorf("commit of run %s: %d staged files are gone (%s …) before any of it was carried out: %w, nothing changed", j.Run, len(lost), s.URI(lost[0]), ErrRolledBack)
	}
	for _, k := range j.Remove {
		if err := s.Delete(ctx, k); err != nil {
			return fmt.Errorf("remove replaced %s: %w", s.URI(k), err)
		}
		if err := fp.At(j.Command + ".removed"); err != nil {
			return err
		}
	}
	for _, m := range j.Move {
		if staged[m.From] {
			if err := storage.Move(ctx, s, m.From, m.To); err != nil {
				return fmt.Errorf("commit %s: %w", s.URI(m.To), err)
			}
		}
		p.Add(progress.Counts{Files: 1})
		if err := fp.At(j.Command + ".moved"); err != nil {
			return err
		}
	}
	if j.Catalog != nil {
		if err := j.Catalog.apply(ctx, cat); err != nil {
			return fmt.Errorf("catalog: %w", err)
		}
		if err := fp.At(j.Command + ".cataloged"); err != nil {
			return err
		}
	}
	if j.Record != nil {
		if err := keepRecord(ctx, s, j.Record); err != nil {
			return err
		}
		if err := fp.At(j.Command + ".recorded"); err != nil {
			return err
		}
	}
	if j.State != nil {
		if err := s.Put(ctx, StateKey, bytes.NewReader(j.State)); err != nil {
			return fmt.Errorf("keep the state of run %s: %w", j.Run, err)
		}
		if err := fp.At(j.Command + ".state"); err != nil {
			return err
		}
	}
	if j.Staging != "" {
		if err := storage.RemoveFolder(ctx, s, j.Staging); err != nil {
			return err
		}
		s.Delete(ctx, j.Staging+heartbeatSuffix)
	}
	if err := s.Delete(ctx, JournalKey); err != nil {
		return err
	}
	return fp.At(j.Command + ".finished")
}

// apply makes the catalog change.
func (c *Change) apply(ctx context.Context, cat catalog.Catalog) error {
	_, err := cat.GetTable(ctx, c.Database, c.Table)
	if errors.Is(err, catalog.ErrNotFound) && c.Create != nil {
		if _, err := cat.GetDatabase(ctx, c.Database); errors.Is(err, catalog.ErrNotFound) {
			if err := cat.CreateDatabase(ctx, catalog.Database{Name: c.Database, Description: "created by " + c.Create.CreatedBy}); err != nil && !errors.Is(err, catalog.ErrAlreadyExists) {
				return err
			}
		}
		err = cat.CreateTable(ctx, *c.Create)
		if errors.Is(err, catalog.ErrAlreadyExists) {
			err = nil // created by an earlier try
		}
	}
	if err != nil {
		return err
	}
	_, err = catalog.UpdateTableFunc(ctx, cat, c.Database, c.Table, func(t *catalog.Table) error {
		if c.Columns != nil {
			t.StorageDescriptor.Columns = c.Columns
		}
		if c.PartitionKeys != nil {
			t.PartitionKeys = c.PartitionKeys
		}
		if c.Location != "" {
			t.StorageDescriptor.Location = c.Location
		}
		if t.Parameters == nil {
			t.Parameters = map[string]string{}
		}
		for k, v := range c.Parameters {
			t.Parameters[k] = v
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(c.Partitions) > 0 {
		have := map[string]bool{}
		for p, err := range cat.ListPartitions(ctx, c.Database, c.Table, nil) {
			if err != nil {
				return err
			}
			have[strings.Join(p.Values, "\x00")] = true
		}
		var create, update []catalog.Partition
		for _, p := range c.Partitions {
			if !have[strings.Join(p.Values, "\x00")] {
				create = append(create, p)
			} else {
				update = append(update, p)
			}
		}
		if err := catalog.UpdatePartitions(ctx, cat, c.Database, c.Table, update); err != nil {
			return err
		}
		if len(create) > 0 {
			if err := cat.CreatePartitions(ctx, c.Database, c.Table, create); err != nil {
				return err
			}
		}
	}
	if len(c.Drop) > 0 {
		return cat.DeletePartitions(ctx, c.Database, c.Table, c.Drop)
	}
	return nil
}

// keepRecord stores a run's record and adds its sources to the index.
func keepRecord(ctx context.Context, s storage.Store, r *Record) error {
	data, _ := json.MarshalIndent(r, "", " ")
	if err := s.Put(ctx, path.Join(RunsDir, r.Run+".json"), strings.NewReader(string(data))); err != nil {
		return fmt.Errorf("record run %s: %w", r.Run, err)
	}
	if len(r.Sources) == 0 && !r.ReplaceSources && !r.ReplacesPartitions {
		return nil
	}
	index, err := ReadSources(ctx, s)
	if err != nil {
		return err
	}
	if r.ReplaceSources {
		clear(index)
	}
	if r.ReplacesPartitions {
		for uri, src := range index {
			if len(src.Partitions) > 0 && !slices.ContainsFunc(src.Partitions, func(p string) bool { return !slices.Contains(r.Partitions, p) }) {
				delete(index, uri)
			}
		}
	}
	for _, src := range r.Sources {
		src.Run, src.Partitions = r.Run, r.Partitions
		index[src.URI] = src
	}
	list := make([]Source, 0, len(index))
	for _, src := range index {
		list = append(list, src)
	}
	slices.SortFunc(list, func(a, b Source) int { return strings.Compare(a.URI, b.URI) })
	data, _ = json.MarshalIndent(struct {
		Sources []Source `json:"sources"`
	}{list}, "", " ")
	if err := s.Put(ctx, SourcesKey, strings.NewReader(string(data))); err != nil {
		return fmt.Errorf("record sources: %w", err)
	}
	return nil
}

// KeepRecord stores the record of a run that committed nothing (it landed
// nothing new, or failed before its commit), for the destination's
// history; it leaves the sources index as it is.
func KeepRecord(ctx context.Context, s storage.Store, r *Record) error {
	data, _ := json.MarshalIndent(r, "", " ")
	if err := s.Put(ctx, path.Join(RunsDir, r.Run+".json"), bytes.NewReader(data)); err != nil {
		return fmt.Errorf("record run %s: %w", r.Run, err)
	}
	return nil
}

// ReadState reads the state the destination's last commit kept
// (found false when none did).
func ReadState(ctx context.Context, s storage.Store, v any) (found bool, err error) {
	return readJSON(ctx, s, StateKey, v)
}

// ReadRecord reads the record of one run (nil when the destination has
// none of it).
func ReadRecord(ctx context.Context, s storage.Store, run string) (*Record, error) {
	var r Record
	if found, err := readJSON(ctx, s, path.Join(RunsDir, run+".json"), &r); !found || err != nil {
		return nil, err
	}
	return &r, nil
}

// Records reads the records of the destination's runs, oldest first.
func Records(ctx context.Context, s storage.Store) iter.Seq2[*Record, error] {
	return func(yield func(*Record, error) bool) {
		for o, err := range s.List(ctx, RunsDir+"/") {
			if err != nil {
				yield(nil, err)
				return
			}
			if !strings.HasSuffix(o.Key, ".json") {
				continue
			}
			var r Record
			if found, err := readJSON(ctx, s, o.Key, &r); err != nil || !found {
				if err != nil && !yield(nil, err) {
					return
				}
				continue
			}
			if !yield(&r, nil) {
				return
			}
		}
	}
}

// ReadSources reads the index of the source files the destination's runs
// have read, by URI.
func ReadSources(ctx context.Context, s storage.Store) (map[string]Source, error) {
	var doc struct {
		Sources []Source `json:"sources"`
	}
	if _, err := readJSON(ctx, s, SourcesKey, &doc); err != nil {
		return nil, err
	}
	index := map[string]Source{}
	for _, src := range doc.Sources {
		index[src.URI] = src
	}
	return index, nil
}
