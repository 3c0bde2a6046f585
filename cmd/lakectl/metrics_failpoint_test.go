package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// `metrics collect` writes two snapshot tables, tables then databases,
// each replacing the day's partition through the commit protocol. Killed
// at each step of either write (NAME#1 is the tables snapshot's, NAME#2
// the databases snapshot's: one run counts its steps across both), each
// table's day holds, for a reader of the folder and a reader through the
// catalog alike, exactly the rows before the run or exactly the rows after
// it, and never a table twice; after `table check --repair` and the run
// again, exactly the rows after it, and `table check` finds nothing.
//
// A row is named by its database, table and snapshot time (to the
// minute), read by Apache Arrow's Parquet reader: no lakectl code.
func TestMetricsFailpoints(t *testing.T) {
	if testing.Short() {
		t.Skip("kills metrics collect at every step of its two writes")
	}
	collect := func(now string, more ...string) metricsRun {
		return metricsRun{now: "2026-03-01T" + now + ":00Z", args: append([]string{"metrics", "collect", "--to", "$DEST", "--register-database", "metrics", "-q"}, more...)}
	}
	addTable := metricsRun{args: []string{"convert", "raw/a.csv", "--to", "lake/hr/extra", "--register", "hr.extra", "-q"}}
	yesterday := collect("09:00")
	yesterday.now = "2026-02-28T09:00:00Z"
	steps := func(replace bool) []string {
		names := []string{"convert.leased", "convert.staged", "convert.journaled", "convert.moved", "convert.cataloged", "convert.recorded", "convert.finished"}
		if replace {
			names = slices.Insert(names, 3, "convert.removed")
		}
		var out []string
		for _, write := range []string{"#1", "#2"} {
			for _, n := range names {
				out = append(out, n+write)
			}
		}
		return out
	}
	for _, sc := range []metricsScenario{
		{name: "first-run-of-the-day", setup: []metricsRun{yesterday}, cmd: collect("09:00"), steps: steps(false)},
		{name: "rerun-same-day", setup: []metricsRun{collect("08:00"), addTable}, cmd: collect("09:00"), steps: steps(true)},
		// The other databases' rows of the day are kept: read from the
		// day, which a killed run may have left half committed.
		{name: "one-database", setup: []metricsRun{collect("08:00"), addTable}, cmd: collect("09:00", "--database", "hr"), steps: steps(true), rerunAtOnce: true},
	} {
		t.Run(sc.name, func(t *testing.T) { runMetricsFailpoints(t, sc) })
	}
}

// metricsRun is a command run at a time (LAKECTL_NOW, when set).
type metricsRun struct {
	now  string
	args []string
}

type metricsScenario struct {
	name  string
	setup []metricsRun
	cmd   metricsRun
	steps []string
	// rerunAtOnce runs cmd again right after the kill as well, with no
	// repair first: the next run finishes what the killed one left.
	rerunAtOnce bool
}

var snapshotKinds = []string{"tables", "databases"}

func runMetricsFailpoints(t *testing.T, sc metricsScenario) {
	k := newKillEnv(t, nil, map[string]string{"a.csv": "id,v\n1,a\n2,b\n"})
	k.dest = filepath.Join(k.dir, "metrics")
	m := &metricsEnv{k}
	m.run(metricsRun{args: []string{"convert", "raw/a.csv", "--to", "lake/sales/orders", "--register", "sales.orders", "-q"}})
	m.run(metricsRun{args: []string{"convert", "raw/a.csv", "--to", "lake/hr/people", "--register", "hr.people", "-q"}})
	for _, r := range sc.setup {
		m.run(r)
	}
	saved := filepath.Join(t.TempDir(), "saved")
	m.save(saved)
	before := m.day()
	m.run(sc.cmd)
	after := m.day()
	for _, kind := range snapshotKinds {
		if slices.Equal(before[kind].folder, after[kind].folder) {
			t.Fatalf("%s: the rows before and after are the same: %v", kind, after[kind].folder)
		}
	}
	t.Logf("before: %v\nafter: %v", before, after)

	variants := []string{"repair"}
	if sc.rerunAtOnce {
		variants = append(variants, "rerun")
	}
	for _, step := range sc.steps {
		for _, variant := range variants {
			t.Run(step+"/"+variant, func(t *testing.T) {
				m := &metricsEnv{&killEnv{t: t, dir: k.dir, dest: k.dest}}
				m.restore(saved)
				if !m.killedAt(step, sc.cmd) {
					t.Fatalf("%s: the step was not reached", step)
				}
				got := m.day()
				for _, kind := range snapshotKinds {
					g := got[kind]
					switch {
					case g.journal:
						t.Logf("%s: pending commit after the kill: %v", kind, g)
					case !slices.Equal(g.folder, g.catalog) || (!slices.Equal(g.folder, before[kind].folder) && !slices.Equal(g.folder, after[kind].folder)):
						t.Errorf("%s after the kill, no journal: folder %v, catalog %v; want both %v or both %v",
							kind, g.folder, g.catalog, before[kind].folder, after[kind].folder)
					}
				}
				if variant == "repair" {
					for _, kind := range snapshotKinds {
						if m.tableExists("metrics." + kind) {
							m.run(metricsRun{args: []string{"table", "check", "metrics." + kind, "--repair", "-q"}})
						}
						want := before[kind].folder
						if got[kind].journal || slices.Equal(got[kind].folder, after[kind].folder) {
							want = after[kind].folder
						}
						if r := m.day()[kind]; !slices.Equal(r.folder, want) || !slices.Equal(r.catalog, want) || r.journal {
							t.Errorf("%s after the repair: %v, want %v", kind, r, want)
						}
					}
				}
				m.run(sc.cmd)
				for _, kind := range snapshotKinds {
					if r := m.day()[kind]; !slices.Equal(r.folder, after[kind].folder) || !slices.Equal(r.catalog, after[kind].folder) || r.journal {
						t.Errorf("%s after the run again: %v, want %v", kind, r, after[kind].folder)
					}
					m.run(metricsRun{args: []string{"table", "check", "metrics." + kind}})
				}
			})
		}
	}
}

// Two collects of the same day at once: the destination's lease takes
// them in turn, and each snapshot table's day ends with one run's rows,
// whole.
func TestMetricsCollectRace(t *testing.T) {
	if testing.Short() {
		t.Skip("runs collects at once")
	}
	k := newKillEnv(t, nil, map[string]string{"a.csv": "id,v\n1,a\n2,b\n"})
	k.dest = filepath.Join(k.dir, "metrics")
	m := &metricsEnv{k}
	m.run(metricsRun{args: []string{"convert", "raw/a.csv", "--to", "lake/sales/orders", "--register", "sales.orders", "-q"}})
	m.run(metricsRun{args: []string{"convert", "raw/a.csv", "--to", "lake/hr/people", "--register", "hr.people", "-q"}})
	collect := func(now string) metricsRun {
		return metricsRun{now: "2026-03-01T" + now + ":00Z", args: []string{"metrics", "collect", "--to", "$DEST", "--register-database", "metrics", "-q"}}
	}
	m.run(collect("08:00"))
	for round := range 3 {
		runs := []metricsRun{collect(fmt.Sprintf("%02d:00", 10+2*round)), collect(fmt.Sprintf("%02d:30", 10+2*round))}
		m.atOnce(runs)
		got := m.day()
		for _, kind := range snapshotKinds {
			g := got[kind]
			times := map[string]bool{}
			for _, key := range g.folder {
				times[key[strings.LastIndex(key, "@")+1:]] = true
			}
			if len(times) != 1 || !slices.Equal(g.folder, g.catalog) || g.journal || len(g.folder) < 2 {
				t.Errorf("round %d, %s: the day holds %v (catalog %v), want one run's rows", round, kind, g.folder, g.catalog)
			}
			m.run(metricsRun{args: []string{"table", "check", "metrics." + kind}})
		}
	}

	// Two runs of one database each, at once: each keeps the other's rows
	// of the day, so both databases end with their own run's rows (the
	// root's lease makes the second wait for the first).
	for round := range 3 {
		at := func(db, minute string) metricsRun {
			return metricsRun{now: fmt.Sprintf("2026-03-01T%02d:%s:00Z", 17+round, minute),
				args: []string{"metrics", "collect", "--to", "$DEST", "--register-database", "metrics", "--database", db, "-q"}}
		}
		runs := []metricsRun{at("sales", "00"), at("hr", "30")}
		m.atOnce(runs)
		got := m.day()
		for _, kind := range snapshotKinds {
			g := got[kind]
			for _, want := range []string{fmt.Sprintf("sales@%02d:00", 17+round), fmt.Sprintf("hr@%02d:30", 17+round)} {
				db, minute, _ := strings.Cut(want, "@")
				found := false
				for _, key := range g.folder {
					found = found || (strings.HasPrefix(key, db+".") || strings.HasPrefix(key, db+"@")) && strings.HasSuffix(key, "@"+minute)
				}
				if !found {
					t.Errorf("database runs at once, round %d, %s: no row of %s from its run at %s in %v", round, kind, db, minute, g.folder)
				}
			}
			if !slices.Equal(g.folder, g.catalog) || g.journal {
				t.Errorf("database runs at once, round %d, %s: folder %v, catalog %v", round, kind, g.folder, g.catalog)
			}
		}
	}
}

// atOnce runs commands at the same time, each of which must succeed.
func (m *metricsEnv) atOnce(runs []metricsRun) {
	m.t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, len(runs))
	for i, r := range runs {
		wg.Go(func() {
			var out bytes.Buffer
			cmd := m.command(r)
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Run(); err != nil {
				errs[i] = fmt.Errorf("%v: %v\n%s", r, err, out.Bytes())
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			m.t.Fatal(err)
		}
	}
}

// metricsEnv is a killEnv whose destination ($DEST) is a metrics root.
type metricsEnv struct{ *killEnv }

func (m *metricsEnv) command(r metricsRun) *exec.Cmd {
	cmd := m.killEnv.command(r.args...)
	if r.now != "" {
		cmd.Env = append(cmd.Env, "LAKECTL_NOW="+r.now)
	}
	return cmd
}

func (m *metricsEnv) run(r metricsRun) []byte {
	m.t.Helper()
	cmd := m.command(r)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		m.t.Fatalf("lakectl %s: %v\n%s%s", strings.Join(r.args, " "), err, stdout.Bytes(), stderr.Bytes())
	}
	return stdout.Bytes()
}

func (m *metricsEnv) killedAt(step string, r metricsRun) bool {
	m.t.Helper()
	saved := m.env
	m.env = append(slices.Clip(m.env), "LAKECTL_NOW="+r.now)
	defer func() { m.env = saved }()
	return m.killEnv.killedAt(step, r.args...)
}

func (m *metricsEnv) tableExists(name string) bool {
	return m.killEnv.command("catalog", "show", name, "-q").Run() == nil
}

// savedDirs are what a scenario's commands change: the catalog, the
// lake, the snapshots.
var savedDirs = []string{".lakectl", "lake", "metrics"}

// save copies them aside, and restore puts them back, at the same paths.
func (m *metricsEnv) save(to string) { copyDirs(m.t, m.dir, to, savedDirs) }

func (m *metricsEnv) restore(from string) { copyDirs(m.t, from, m.dir, savedDirs) }

// copyDirs replaces the folders names under to with copies of those under
// from.
func copyDirs(t *testing.T, from, to string, names []string) {
	t.Helper()
	for _, name := range names {
		os.RemoveAll(filepath.Join(to, name))
		if err := os.CopyFS(filepath.Join(to, name), os.DirFS(filepath.Join(from, name))); err != nil {
			t.Fatal(err)
		}
	}
}

// dayRows are a snapshot table's rows of the day (2026-03-01), each named
// database.table@time (database@time in the databases snapshot), sorted,
// as a reader of the folder and a reader through the catalog see them.
type dayRows struct {
	folder, catalog []string
	journal         bool
}

const snapshotDay = "year=2026/month=03/day=01"

// day reads both snapshot tables' rows of the day. A table named twice in
// one reader's view is an error.
func (m *metricsEnv) day() map[string]dayRows {
	m.t.Helper()
	out := map[string]dayRows{}
	for _, kind := range snapshotKinds {
		var d dayRows
		root := filepath.Join(m.dest, kind)
		_, err := os.Stat(filepath.Join(root, "_lakectl_journal.json"))
		d.journal = err == nil
		d.folder = m.rowsUnder(filepath.Join(root, filepath.FromSlash(snapshotDay)))
		if m.tableExists("metrics." + kind) {
			var parts struct {
				Partitions []struct {
					Values            []string
					StorageDescriptor struct{ Location string }
				}
			}
			if err := json.Unmarshal(m.run(metricsRun{args: []string{"catalog", "partitions", "metrics." + kind, "-o", "json"}}), &parts); err != nil {
				m.t.Fatal(err)
			}
			for _, p := range parts.Partitions {
				if strings.Join(p.Values, "-") == "2026-03-01" {
					d.catalog = append(d.catalog, m.rowsUnder(strings.TrimPrefix(p.StorageDescriptor.Location, "file://"))...)
				}
			}
			slices.Sort(d.catalog)
		}
		for _, view := range [][]string{d.folder, d.catalog} {
			seen := map[string]bool{}
			for _, key := range view {
				name := key[:strings.LastIndex(key, "@")]
				if seen[name] {
					m.t.Errorf("%s: %s twice in the day: %v", kind, name, view)
				}
				seen[name] = true
			}
		}
		out[kind] = d
	}
	return out
}

// rowsUnder names the rows of the Parquet files under a folder (names
// starting with _ or . are not data).
func (m *metricsEnv) rowsUnder(dir string) []string {
	m.t.Helper()
	var keys []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		if hiddenKey(filepath.ToSlash(rel)) || !strings.HasSuffix(p, ".parquet") {
			return nil
		}
		keys = append(keys, m.parquetKeys(p)...)
		return nil
	})
	slices.Sort(keys)
	return keys
}

func (m *metricsEnv) parquetKeys(path string) []string {
	m.t.Helper()
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		m.t.Fatalf("%s: %v", path, err)
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		m.t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		m.t.Fatalf("%s: %v", path, err)
	}
	defer tbl.Release()
	col := func(name string) func(i int) string {
		idx := tbl.Schema().FieldIndices(name)
		if len(idx) == 0 {
			return func(int) string { return "" }
		}
		// One chunk per row group: the snapshots are small.
		chunks := tbl.Column(idx[0]).Data().Chunks()
		return func(i int) string {
			for _, c := range chunks {
				if i < c.Len() {
					return c.ValueStr(i)
				}
				i -= c.Len()
			}
			return ""
		}
	}
	db, table, at := col("database"), col("table_name"), col("snapshot_time")
	var keys []string
	for i := range int(tbl.NumRows()) {
		name := db(i)
		if tn := table(i); tn != "" {
			name += "." + tn
		}
		keys = append(keys, name+"@"+minute(at(i)))
	}
	return keys
}

// minute is a snapshot time to the minute (LAKECTL_NOW's clock runs on).
func minute(s string) string {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999Z"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC().Format("15:04")
		}
	}
	return s
}
