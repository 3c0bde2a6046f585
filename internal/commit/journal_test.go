package commit

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/catalog/sqlite"
	"github.com/lakectl/lakectl/internal/progress"
	"github.com/lakectl/lakectl/internal/storage"
	"github.com/lakectl/lakectl/internal/storage/local"
)

// A journal stopped at any step and finished again — once, or twice —
// leaves the same state as one carried out whole: the replaced files gone,
// the staged ones in place, the catalog changed, the record kept, the
// staging and the journal removed.
func TestJournalFinishesFromEveryStep(t *testing.T) {
	steps := []string{"x.staged", "x.journaled", "x.removed", "x.moved", "x.cataloged", "x.recorded", "x.finished"}
	for _, stop := range steps {
		t.Run(stop, func(t *testing.T) {
			s, cat := newDest(t)
			put(t, s, "p=1/old-a.parquet", "old")
			put(t, s, "p=1/old-b.parquet", "old")
			put(t, s, "_lakectl_staging/r1/p=1/new-a.parquet", "new")
			put(t, s, "_lakectl_staging/r1/p=2/new-b.parquet", "new")
			j := testJournal(s)
			stopped := errors.New("stopped")
			m := progress.NewMeter(time.Now)
			err := Commit(t.Context(), s, cat, j, func(name string) error {
				if name == stop {
					return stopped
				}
				return nil
			}, m)
			// The files moved into place are counted, of the two to move.
			moved := map[string]int64{"x.moved": 1, "x.cataloged": 2, "x.recorded": 2, "x.finished": 2}[stop]
			if _, c := m.Take(); c.Done.Files != moved || c.Total.Files != 2 {
				t.Errorf("progress: %d of %d files moved, want %d of 2", c.Done.Files, c.Total.Files, moved)
			}
			var decided *DecidedError
			switch {
			case stop == "x.staged":
				if !errors.Is(err, stopped) || errors.As(err, &decided) {
					t.Fatalf("stopped before the journal: %v, want the failpoint's error, undecided", err)
				}
				if keys(t, s, "") != "_lakectl_staging/r1/p=1/new-a.parquet _lakectl_staging/r1/p=2/new-b.parquet p=1/old-a.parquet p=1/old-b.parquet" {
					t.Fatalf("something became visible before the journal: %s", keys(t, s, ""))
				}
				return
			case stop == "x.finished":
				if !errors.As(err, &decided) {
					t.Fatalf("%v", err)
				}
			default:
				if !errors.As(err, &decided) || decided.Run != "r1" {
					t.Fatalf("stopped after the journal: %v, want a DecidedError", err)
				}
				for range 2 { // finishing twice changes nothing more
					if j, err := Recover(t.Context(), s, cat, nil); err != nil || j == nil {
						t.Fatalf("recover: %v %v", j, err)
					}
					put(t, s, JournalKey, mustJSON(t, testJournal(s)))
				}
				s.Delete(t.Context(), JournalKey)
			}
			if got := keys(t, s, ""); got != "_lakectl_runs/r1.json _lakectl_sources.json p=1/new-a.parquet p=2/new-b.parquet" {
				t.Errorf("files: %s", got)
			}
			tb, err := cat.GetTable(t.Context(), "lake", "t")
			if err != nil || tb.Parameters["recordCount"] != "10" {
				t.Fatalf("table: %v %v", tb, err)
			}
			var vals []string
			for p, err := range cat.ListPartitions(t.Context(), "lake", "t", nil) {
				if err != nil {
					t.Fatal(err)
				}
				vals = append(vals, p.Values[0]+"@"+p.StorageDescriptor.Location)
			}
			if want := []string{"1@" + s.URI("p=1/"), "2@" + s.URI("p=2/")}; !slices.Equal(vals, want) {
				t.Errorf("partitions %v, want %v", vals, want)
			}
			index, err := ReadSources(t.Context(), s)
			if err != nil || index["file:///src/a.csv"].Run != "r1" {
				t.Errorf("sources %v %v", index, err)
			}
		})
	}
}

// A recovery that needs the catalog and has none says so, and leaves the
// journal for one that has.
func TestRecoverNeedsTheCatalog(t *testing.T) {
	s, _ := newDest(t)
	put(t, s, JournalKey, mustJSON(t, testJournal(s)))
	if _, err := Recover(t.Context(), s, nil, nil); err == nil || !strings.Contains(err.Error(), "changes table lake.t, which needs its catalog") {
		t.Errorf("recover without a catalog: %v", err)
	}
	if j, _ := ReadJournal(t.Context(), s); j == nil {
		t.Error("the journal went")
	}
}

// A staged file that is gone, and not in place either, never goes
// silently: a journal none of whose steps was carried out is rolled back
// (removed, the old files untouched); one partly carried out is kept, and
// the loss reported.
func TestCommitMissingStagedFile(t *testing.T) {
	s, cat := newDest(t)
	put(t, s, "p=1/old-a.parquet", "old")
	put(t, s, "p=1/old-b.parquet", "old")
	put(t, s, "_lakectl_staging/r1/p=1/new-a.parquet", "new")
	err := Commit(t.Context(), s, cat, testJournal(s), nil, nil)
	if !errors.Is(err, ErrRolledBack) {
		t.Errorf("commit with a staged file missing: %v, want it rolled back", err)
	}
	if got := keys(t, s, ""); got != "_lakectl_staging/r1/p=1/new-a.parquet p=1/old-a.parquet p=1/old-b.parquet" {
		t.Errorf("after the roll-back: %s", got)
	}

	s, cat = newDest(t)
	put(t, s, "p=1/old-b.parquet", "old") // old-a removed: the commit had begun
	put(t, s, "_lakectl_staging/r1/p=1/new-a.parquet", "new")
	put(t, s, JournalKey, mustJSON(t, testJournal(s)))
	_, err = Recover(t.Context(), s, cat, nil)
	if err == nil || errors.Is(err, ErrRolledBack) || !strings.Contains(err.Error(), "after part of it was carried out") {
		t.Errorf("recover with a staged file missing: %v", err)
	}
	if got := keys(t, s, ""); got != "_lakectl_journal.json _lakectl_staging/r1/p=1/new-a.parquet p=1/old-b.parquet" {
		t.Errorf("after the failed recovery: %s", got)
	}
}

// A journal write whose answer is lost, though the journal was stored,
// goes on as decided; one that was not stored fails with nothing changed.
func TestCommitJournalWriteAnswerLost(t *testing.T) {
	for _, stored := range []bool{true, false} {
		s, cat := newDest(t)
		put(t, s, "p=1/old-a.parquet", "old")
		put(t, s, "p=1/old-b.parquet", "old")
		put(t, s, "_lakectl_staging/r1/p=1/new-a.parquet", "new")
		put(t, s, "_lakectl_staging/r1/p=2/new-b.parquet", "new")
		lossy := &lostAnswer{Store: s, key: JournalKey, store: stored}
		err := Commit(t.Context(), lossy, cat, testJournal(s), nil, nil)
		switch {
		case stored && err != nil:
			t.Errorf("stored journal, lost answer: %v, want the commit carried out", err)
		case !stored && (err == nil || errors.As(err, new(*DecidedError))):
			t.Errorf("journal not stored: %v, want a plain error", err)
		}
		want := "_lakectl_staging/r1/p=1/new-a.parquet _lakectl_staging/r1/p=2/new-b.parquet p=1/old-a.parquet p=1/old-b.parquet"
		if stored {
			want = "_lakectl_runs/r1.json _lakectl_sources.json p=1/new-a.parquet p=2/new-b.parquet"
		}
		if got := keys(t, s, ""); got != want {
			t.Errorf("stored %v: %s, want %s", stored, got, want)
		}
	}
}

// lostAnswer fails every Put of key, having stored it or not.
type lostAnswer struct {
	storage.Store
	key   string
	store bool
}

func (l *lostAnswer) Put(ctx context.Context, key string, r io.Reader) error {
	if key != l.key {
		return l.Store.Put(ctx, key, r)
	}
	if l.store {
		if err := l.Store.Put(ctx, key, r); err != nil {
			return err
		}
	}
	return errors.New("connection reset by peer")
}

func TestSourceSame(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		a, b Source
		same bool
	}{
		{Source{Size: 1, ModTime: t0}, Source{Size: 1, ModTime: t0}, true},
		{Source{Size: 1, ModTime: t0}, Source{Size: 2, ModTime: t0}, false},
		{Source{Size: 1, ModTime: t0}, Source{Size: 1, ModTime: t0.Add(time.Second)}, false},
		{Source{Size: 1, ETag: "a", ModTime: t0}, Source{Size: 1, ETag: "a", ModTime: t0.Add(time.Hour)}, true}, // a copy with the same content
		{Source{Size: 1, ETag: "a", ModTime: t0}, Source{Size: 1, ETag: "b", ModTime: t0}, false},
	} {
		if got := c.a.Same(c.b); got != c.same {
			t.Errorf("%+v same as %+v: %v", c.a, c.b, got)
		}
	}
}

func newDest(t *testing.T) (storage.Store, catalog.Catalog) {
	s, err := local.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cat, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	return s, cat
}

func testJournal(s storage.Store) *Journal {
	sd, params, _ := catalog.StorageFormat("parquet", s.URI(""), []catalog.Column{{Name: "id", Type: "bigint"}})
	params["recordCount"] = "10"
	keys := []catalog.Column{{Name: "p", Type: "string"}}
	part := func(v string) catalog.Partition {
		psd := sd
		psd.Location = s.URI("p=" + v + "/")
		return catalog.Partition{DatabaseName: "lake", TableName: "t", Values: []string{v}, StorageDescriptor: psd, Parameters: map[string]string{"recordCount": "5"}}
	}
	return &Journal{Run: "r1", Command: "x", Created: time.Now().UTC(), Staging: "_lakectl_staging/r1",
		Remove: []string{"p=1/old-a.parquet", "p=1/old-b.parquet"},
		Move:   []Move{{From: "_lakectl_staging/r1/p=1/new-a.parquet", To: "p=1/new-a.parquet"}, {From: "_lakectl_staging/r1/p=2/new-b.parquet", To: "p=2/new-b.parquet"}},
		Catalog: &Change{Database: "lake", Table: "t", Parameters: params, Columns: sd.Columns, PartitionKeys: keys,
			Create:     &catalog.Table{Name: "t", DatabaseName: "lake", TableType: catalog.ExternalTable, StorageDescriptor: sd, PartitionKeys: keys, Parameters: params, CreatedBy: "lakectl test"},
			Partitions: []catalog.Partition{part("1"), part("2")}},
		Record: &Record{Run: "r1", Command: "x", Rows: 10, Sources: []Source{{URI: "file:///src/a.csv", Size: 3}}},
	}
}

func put(t *testing.T, s storage.Store, key, data string) {
	t.Helper()
	if err := s.Put(t.Context(), key, strings.NewReader(data)); err != nil {
		t.Fatal(err)
	}
}

func mustJSON(t *testing.T, j *Journal) string {
	data, err := json.Marshal(j)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func keys(t *testing.T, s storage.Store, prefix string) string {
	t.Helper()
	var out []string
	for o, err := range s.List(t.Context(), prefix) {
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(o.Key, ".") && !strings.HasPrefix(o.Key, LeaseKey) {
			out = append(out, o.Key)
		}
	}
	return strings.Join(out, " ")
}

// Only a run-<id>/ folder of lakectl's own is a run folder: a folder of
// the user's named run-1 or run-data is left as it is.
func TestUnrun(t *testing.T) {
	for in, want := range map[string]string{
		"s3://b/t/run-20240101T120000Z/":                  "s3://b/t/",
		"s3://b/t/p=1/run-20261129T152853Z-a7def35ae11e/": "s3://b/t/p=1/",
		"s3://b/logs/run-1/":                              "s3://b/logs/run-1/",
		"s3://b/lake/run-data":                            "s3://b/lake/run-data/",
		"s3://b/t/run-20240101T120000Z-xyz/":              "s3://b/t/run-20240101T120000Z-xyz/",
	} {
		if got := Unrun(in); got != want {
			t.Errorf("Unrun(%s) = %s, want %s", in, got, want)
		}
	}
}
