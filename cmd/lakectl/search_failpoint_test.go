package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/lakectl/lakectl/internal/search"
	"github.com/lakectl/lakectl/internal/storage"
	"github.com/lakectl/lakectl/internal/storage/local"
)

// A re-index killed at every step of its three commits (the journal, then
// the inventory, then the pairs table), then run again: the index ends as
// one run that was never killed leaves it, with no change journaled twice
// or lost, and every table consistent with the catalog. Between the kill
// and the next run, a search finds the objects as they were before the
// run or after it, never a mix.
func TestSearchIndexFailpoints(t *testing.T) {
	if testing.Short() {
		t.Skip("kills search index at every step of its three writes")
	}
	k := newKillEnv(t, nil, nil)
	landing := filepath.Join(k.dir, "landing")
	k.dest = filepath.Join(k.dir, "index")
	put := func(name, body string, meta map[string]string) {
		t.Helper()
		p := filepath.Join(landing, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		for key, v := range meta {
			if err := unix.Setxattr(p, "user."+key, []byte(v), 0); err != nil {
				t.Fatalf("set user.%s on %s: %v (the test directory's filesystem must keep user extended attributes)", key, p, err)
			}
		}
	}
	for i := range 6 {
		put(fmt.Sprintf("acme/doc-%d.pdf", i), strings.Repeat("x", i+1), map[string]string{"customer": "acme", "category": []string{"invoice", "contract"}[i%2]})
	}
	put("globex/doc-0.pdf", "g", map[string]string{"customer": "globex"})
	index := func(now string) metricsRun {
		return metricsRun{now: now, args: []string{"search", "index", "landing", "--to", "$DEST", "--register", "idx", "-q"}}
	}
	m := &metricsEnv{k}
	m.run(index("2026-03-01T09:00:00Z"))

	// What the next run finds: one object changed, one gone, one new.
	put("acme/doc-1.pdf", "changed", map[string]string{"customer": "acme", "category": "invoice"})
	if err := os.Remove(filepath.Join(landing, "acme/doc-2.pdf")); err != nil {
		t.Fatal(err)
	}
	put("globex/doc-1.pdf", "new", map[string]string{"customer": "globex", "category": "invoice"})

	saved := filepath.Join(t.TempDir(), "saved")
	indexDirs := []string{".lakectl", "index"}
	copyDirs(t, k.dir, saved, indexDirs)
	before := readIndex(t, k.dest)
	run := index("2026-03-02T09:00:00Z")
	m.run(run)
	after := readIndex(t, k.dest)
	if reflect.DeepEqual(before, after) || len(after.journal) != len(before.journal)+3 || !after.pairs {
		t.Fatalf("the run did not journal the 3 changes (new content, a new object, a deletion), or the pairs table was not searched: before %v, after %v", before, after)
	}
	t.Logf("before: %v\nafter: %v", before, after)

	// A step's #N is its Nth time in the run: the journal's commit is
	// #1, the inventory's #2, the pairs table's #3; convert.removed,
	// where a commit removes the files it replaces, comes only in the
	// last two.
	steps := []string{"convert.removed#1", "convert.removed#2"}
	for _, write := range []string{"#1", "#2", "#3"} {
		for _, n := range []string{"convert.leased", "convert.staged", "convert.journaled", "convert.moved", "convert.cataloged", "convert.recorded", "convert.state", "convert.finished"} {
			steps = append(steps, n+write)
		}
	}
	slices.Sort(steps)
	for _, step := range steps {
		t.Run(step, func(t *testing.T) {
			m := &metricsEnv{&killEnv{t: t, dir: k.dir, dest: k.dest}}
			copyDirs(t, saved, k.dir, indexDirs)
			if !m.killedAt(step, run) {
				t.Fatalf("%s: the step was not reached", step)
			}
			if got := readIndex(t, k.dest); !got.pending {
				// A search sees the last inventory written whole: the one
				// before the run, or the one after it.
				if !reflect.DeepEqual(got.found, before.found) && !reflect.DeepEqual(got.found, after.found) {
					t.Errorf("after the kill a search finds %v, want %v (before) or %v (after)", got.found, before.found, after.found)
				}
			}
			m.run(run)
			got := readIndex(t, k.dest)
			if !reflect.DeepEqual(got, after) {
				t.Errorf("after the run again:\n got %v\nwant %v", got, after)
			}
			for _, table := range []string{search.JournalTable, search.InventoryTable, search.PairsTable} {
				m.run(metricsRun{args: []string{"table", "check", "idx." + table, "-q"}})
			}
		})
	}

	// Killed twice after the journal's commit, with more changes in
	// between: the third run replays both journal runs, in order.
	t.Run("twice", func(t *testing.T) {
		m := &metricsEnv{&killEnv{t: t, dir: k.dir, dest: k.dest}}
		copyDirs(t, saved, k.dir, indexDirs)
		if !m.killedAt("convert.finished#1", run) {
			t.Fatal("not killed")
		}
		put("globex/doc-2.pdf", "newer", map[string]string{"customer": "globex"})
		defer os.Remove(filepath.Join(landing, "globex/doc-2.pdf"))
		later := index("2026-03-02T10:00:00Z")
		if !m.killedAt("convert.finished#1", later) {
			t.Fatal("not killed")
		}
		m.run(later)
		got := readIndex(t, k.dest)
		want := append(slices.Clone(after.journal), "globex/doc-2.pdf CREATE 5 map[customer:globex] 2026-03-02")
		slices.Sort(want)
		if !slices.Equal(got.journal, want) || len(got.inventory) != len(after.inventory)+1 || !got.pairs {
			t.Errorf("after two kills and a run:\n got %v\nwant journal %v", got, want)
		}
	})
}

// indexView is what an index holds: its journal's changes and its
// inventory (each as one line per record), what searches by key and by
// metadata find, and whether a commit is left unfinished.
type indexView struct {
	journal, inventory []string
	found              map[string][]string
	pending            bool
	// pairs: the searches by metadata went by the pairs table (it holds
	// what the inventory holds).
	pairs bool
}

func readIndex(t *testing.T, root string) indexView {
	t.Helper()
	ctx := context.Background()
	open := func(ctx context.Context, uri string) (storage.Store, error) {
		return local.New(strings.TrimPrefix(uri, "file://"))
	}
	var v indexView
	for _, table := range []string{search.JournalTable, search.InventoryTable, search.PairsTable} {
		if _, err := os.Stat(filepath.Join(root, table, "_lakectl_journal.json")); err == nil {
			v.pending = true
		}
	}
	// A record's line leaves out its sequence number (from the run's
	// clock, which runs on from LAKECTL_NOW); the journal's must grow
	// with each object's records.
	line := func(r search.Record) string {
		return fmt.Sprintf("%s %s %d %v %v", r.Key, r.RecordType, r.Size, r.UserMetadata, r.RecordTimestamp.Format("2006-01-02"))
	}
	journal, err := search.ReadJournal(ctx, open, root)
	if err != nil {
		t.Fatal(err)
	}
	inventory, err := search.ReadInventory(ctx, open, root)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range journal {
		if i > 0 && journal[i-1].Key == r.Key && journal[i-1].SequenceNumber >= r.SequenceNumber {
			t.Errorf("journal: %s's sequence numbers do not grow: %s, then %s", r.Key, journal[i-1].SequenceNumber, r.SequenceNumber)
		}
		v.journal = append(v.journal, line(r))
	}
	for _, r := range inventory {
		v.inventory = append(v.inventory, line(r))
	}
	v.found = map[string][]string{}
	v.pairs = true
	for name, q := range map[string]search.Query{
		"all":     {},
		"invoice": {Meta: map[string]string{"category": "invoice"}},
		"globex":  {Meta: map[string]string{"customer": "globex"}},
	} {
		q.MinSize, q.MaxSize = -1, -1
		found, err := search.Search(ctx, open, root, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(q.Meta) > 0 && found.Table != search.PairsTable {
			v.pairs = false
		}
		for _, r := range found.Objects {
			v.found[name] = append(v.found[name], line(r))
		}
	}
	return v
}

// Two index runs of one root at once take turns (the root's lease): each
// change is journaled once, and the inventory is the folder's state.
func TestSearchIndexRace(t *testing.T) {
	if testing.Short() {
		t.Skip("runs index runs at once")
	}
	k := newKillEnv(t, nil, nil)
	k.dest = filepath.Join(k.dir, "index")
	landing := filepath.Join(k.dir, "landing")
	m := &metricsEnv{k}
	index := []string{"search", "index", "landing", "--to", "$DEST", "--register", "idx", "-q"}
	var wantJournal []string
	for round := range 4 {
		// Each round: two new objects and, after the first, one changed
		// and one deleted.
		for i := range 2 {
			name := fmt.Sprintf("r%d-%d.csv", round, i)
			if err := os.MkdirAll(landing, 0o755); err != nil {
				t.Fatal(err)
			}
			body := strings.Repeat("y", round+i+1)
			if err := os.WriteFile(filepath.Join(landing, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			wantJournal = append(wantJournal, fmt.Sprintf("%s CREATE %d", name, len(body)))
		}
		if round > 0 {
			changed := fmt.Sprintf("r%d-0.csv", round-1)
			if err := os.WriteFile(filepath.Join(landing, changed), []byte("changed!"), 0o644); err != nil {
				t.Fatal(err)
			}
			wantJournal = append(wantJournal, changed+" CREATE 8")
			gone := fmt.Sprintf("r%d-1.csv", round-1)
			if err := os.Remove(filepath.Join(landing, gone)); err != nil {
				t.Fatal(err)
			}
			wantJournal = append(wantJournal, fmt.Sprintf("%s DELETE %d", gone, round+1))
		}
		m.atOnce([]metricsRun{{args: index}, {args: index}})
		got := readIndex(t, k.dest)
		var journal []string
		for _, l := range got.journal {
			f := strings.Fields(l)
			journal = append(journal, strings.Join(f[:3], " "))
		}
		want := slices.Clone(wantJournal)
		slices.Sort(want)
		slices.Sort(journal)
		if !slices.Equal(journal, want) || got.pending {
			t.Fatalf("round %d: the journal holds %q, want %q", round, journal, want)
		}
		entries, _ := os.ReadDir(landing)
		if len(got.inventory) != len(entries) {
			t.Fatalf("round %d: the inventory holds %d objects, the folder %d", round, len(got.inventory), len(entries))
		}
		// The files carry no metadata: the pairs table is empty, and
		// registered all the same.
		for _, table := range []string{search.JournalTable, search.InventoryTable, search.PairsTable} {
			m.run(metricsRun{args: []string{"table", "check", "idx." + table, "-q"}})
		}
	}
}
