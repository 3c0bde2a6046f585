package main

// -mode kill: a random SIGKILL campaign against lakectl's commit protocol.
//
//	cd bench && CGO_ENABLED=1 go build -o /tmp/bench . && /tmp/bench -mode kill -lakectl ../bin/lakectl -kills 500
//
// Flags: -kills N (default 500: trials go on until N of them killed a
// running lakectl; a command that ends before its delay is up is no kill),
// -seed S (default: the time), -lakectl PATH, -s3 (destinations under
// s3://$LAKECTL_KILL_BUCKET/…, default bucket lakectl-kill, on the server
// named by LAKECTL_S3_ENDPOINT with the AWS_* credentials of the
// environment), -only N (rerun trial N of a seed alone), -scenario NAME
// (only that scenario), -keep DIR (where the failed trials' folders stay;
// default a fresh folder under $TMPDIR), -window (local disk, one-writer
// scenarios: the delay starts when the commit's journal appears and is
// drawn from [0, W], W the commit's uninterrupted duration from the
// journal's first sight to the command's end, so that every kill falls in
// or just after the commit).
//
// Each trial is a fresh folder with its own LAKECTL_HOME (its own SQLite
// catalog) and its own destination. The prior state is built with
// uninterrupted lakectl commands; the command under test is started and
// sent SIGKILL after a delay drawn uniformly from [0, T], T being that
// scenario's uninterrupted duration, measured once at the start (the
// median of three uninterrupted runs, each checked to leave the new
// state). Right after the kill the rows are counted twice with DuckDB:
// every visible *.parquet file under the destination (no path segment
// starting with _ or .), and the files under the locations the catalog
// lists (`lakectl catalog show/partitions -o json`). Every source row has
// an id of its own, so a count is checked with its sum of ids and its
// distinct ids: a row read twice, or a row from neither the old nor the
// new state, is caught, not only a wrong count. Then `lakectl table check
// --repair`, the killed command again, and the final state must be the new
// one exactly, through the folder and the catalog, with the catalog's
// recordCount, and `lakectl table check` must find no problem.

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

// A seg is the rows of one generated source file: ids first..first+n-1,
// row i in day days[i%len(days)]; rows whose day is in drop are left out
// (an overwrite-partitions replaced them).
type seg struct {
	first, n int64
	days     []string
	drop     map[string]bool
}

// A rowset is what a table holds, as the sources its rows came from.
type rowset []seg

// fp is a fingerprint of rows: count, distinct ids, sum of ids, and rows
// whose id belongs to no source allowed.
type fp struct {
	Rows, Distinct, Sum, Foreign int64
}

func (f fp) String() string {
	s := fmt.Sprintf("%d rows", f.Rows)
	if f.Distinct != f.Rows {
		s += fmt.Sprintf(" (%d distinct ids)", f.Distinct)
	}
	if f.Foreign != 0 {
		s += fmt.Sprintf(" (%d foreign)", f.Foreign)
	}
	return s
}

// fingerprint is what reading the rowset must give.
func (r rowset) fingerprint() fp {
	var f fp
	for _, s := range r {
		for i := range s.n {
			if s.drop[s.days[i%int64(len(s.days))]] {
				continue
			}
			f.Rows++
			f.Sum += s.first + i
		}
	}
	f.Distinct = f.Rows
	return f
}

// same says whether a count read matches the expected state.
func (f fp) same(want fp) bool {
	return f.Rows == want.Rows && f.Distinct == want.Distinct && f.Sum == want.Sum && f.Foreign == 0
}

// allowed is a SQL condition on id that holds for every row of the rowsets.
func allowed(sets ...rowset) string {
	var conds []string
	for _, r := range sets {
		for _, s := range r {
			conds = append(conds, fmt.Sprintf("id BETWEEN %d AND %d", s.first, s.first+s.n-1))
		}
	}
	if len(conds) == 0 {
		return "false"
	}
	return strings.Join(conds, " OR ")
}

// days returns n consecutive days from 2024-01-01 plus skip.
func days(skip, n int) []string {
	d := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, skip)
	out := make([]string, n)
	for i := range out {
		out[i] = d.AddDate(0, 0, i).Format("2006-01-02")
	}
	return out
}

// writeSeg writes a source file of the bench's 8 columns, with the ids and
// days of the seg.
func writeSeg(path string, s seg) {
	var b bytes.Buffer
	b.WriteString("id,customer,email,amount,quantity,ordered_at,day,paid\n")
	for i := range s.n {
		id := s.first + i
		day := s.days[i%int64(len(s.days))]
		fmt.Fprintf(&b, "%d,customer %d,user%d@example.com,%d.%02d,%d,%sT%02d:%02d:00Z,%s,%v\n",
			id, id%1000, id%5000, id%10000, id%100, id%50, day, id%24, id%60, day, id%3 == 0)
	}
	check(os.WriteFile(path, b.Bytes(), 0o644))
}

// A plan is one trial's prior state and the command(s) it kills.
type plan struct {
	// cmds: one command; or two run at once (two writers), one of them
	// killed (victim) and the other left to finish.
	cmds [][]string
	// old and new: the rows before and after the command(s) complete.
	old, new rowset
	// clean are the states allowed when no journal is left after the
	// kill (default old and new); for two writers, after the survivor
	// finished.
	clean []rowset
	// same: the rows do not change (compaction): whether the kill came
	// before the commit is told by the files, not the rows.
	same bool
	// newTable: the table does not exist before the command.
	newTable bool
}

type scenario struct {
	name string
	// prepare writes the sources, builds the prior state and returns
	// the plan; victim is the index of the command that will be killed
	// (two writers).
	prepare func(t *trial, victim int) (*plan, error)
	two     bool
}

const table = "kill.t"

// convertArgs is a convert of src into the trial's destination.
func (t *trial) convertArgs(src string, extra ...string) []string {
	return append([]string{"convert", src, "--to", t.dest, "--register", table, "-q"}, extra...)
}

// source writes a seg as a source file of the trial and returns its path.
func (t *trial) source(name string, s seg) string {
	p := filepath.Join(t.dir, "src", name+".csv")
	writeSeg(p, s)
	return p
}

var partitioned = []string{"--partition-by", "day"}

func scenarios() []scenario {
	compactPrior := func(t *trial, parts bool, files int, rows int64) (rowset, error) {
		var r rowset
		for i := range files {
			nd := 1
			if parts {
				nd = 5
			}
			s := seg{first: int64(i) * 1_000_000, n: rows, days: days(0, nd)}
			args := t.convertArgs(t.source(fmt.Sprintf("small%02d", i), s))
			if parts {
				args = append(args, partitioned...)
			}
			if err := t.setup(args...); err != nil {
				return nil, err
			}
			r = append(r, s)
		}
		return r, nil
	}
	return []scenario{
		{name: "new-unpartitioned", prepare: func(t *trial, _ int) (*plan, error) {
			s := seg{first: 1, n: 400_000, days: days(0, 5)}
			return &plan{cmds: [][]string{t.convertArgs(t.source("a", s))}, new: rowset{s}, newTable: true}, nil
		}},
		{name: "new-partitioned-5", prepare: func(t *trial, _ int) (*plan, error) {
			s := seg{first: 1, n: 300_000, days: days(0, 5)}
			return &plan{cmds: [][]string{t.convertArgs(t.source("a", s), partitioned...)}, new: rowset{s}, newTable: true}, nil
		}},
		{name: "append-partitioned", prepare: func(t *trial, _ int) (*plan, error) {
			base := seg{first: 1, n: 40_000, days: days(0, 5)}
			if err := t.setup(t.convertArgs(t.source("base", base), partitioned...)...); err != nil {
				return nil, err
			}
			// A new file each time, into the 5 days and one new day.
			add := seg{first: 1_000_001, n: 300_000, days: days(2, 4)}
			return &plan{cmds: [][]string{t.convertArgs(t.source("add", add), partitioned...)}, old: rowset{base}, new: rowset{base, add}}, nil
		}},
		{name: "append-daily-300", prepare: func(t *trial, _ int) (*plan, error) {
			base := seg{first: 1, n: 30_000, days: days(0, 300)}
			if err := t.setup(t.convertArgs(t.source("base", base), partitioned...)...); err != nil {
				return nil, err
			}
			add := seg{first: 1_000_001, n: 30_000, days: days(0, 300)}
			return &plan{cmds: [][]string{t.convertArgs(t.source("add", add), partitioned...)}, old: rowset{base}, new: rowset{base, add}}, nil
		}},
		{name: "overwrite-partitioned", prepare: func(t *trial, _ int) (*plan, error) {
			base := seg{first: 1, n: 40_000, days: days(0, 5)}
			if err := t.setup(t.convertArgs(t.source("base", base), partitioned...)...); err != nil {
				return nil, err
			}
			// Days 3-7: days 1-2 are dropped, 6-7 are new.
			s := seg{first: 1_000_001, n: 300_000, days: days(2, 5)}
			return &plan{cmds: [][]string{t.convertArgs(t.source("new", s), append([]string{"--mode", "overwrite"}, partitioned...)...)},
				old: rowset{base}, new: rowset{s}}, nil
		}},
		{name: "overwrite-unpartitioned", prepare: func(t *trial, _ int) (*plan, error) {
			base := seg{first: 1, n: 60_000, days: days(0, 5)}
			if err := t.setup(t.convertArgs(t.source("base", base))...); err != nil {
				return nil, err
			}
			s := seg{first: 1_000_001, n: 400_000, days: days(0, 5)}
			return &plan{cmds: [][]string{t.convertArgs(t.source("new", s), "--mode", "overwrite")}, old: rowset{base}, new: rowset{s}}, nil
		}},
		{name: "overwrite-partitions", prepare: func(t *trial, _ int) (*plan, error) {
			base := seg{first: 1, n: 40_000, days: days(0, 5)}
			if err := t.setup(t.convertArgs(t.source("base", base), partitioned...)...); err != nil {
				return nil, err
			}
			// Days 4-7: days 4-5 replaced, 6-7 new, 1-3 kept.
			s := seg{first: 1_000_001, n: 300_000, days: days(3, 4)}
			kept := base
			kept.drop = map[string]bool{}
			for _, d := range s.days {
				kept.drop[d] = true
			}
			return &plan{cmds: [][]string{t.convertArgs(t.source("new", s), append([]string{"--mode", "overwrite-partitions"}, partitioned...)...)},
				old: rowset{base}, new: rowset{kept, s}}, nil
		}},
		{name: "compact-256KiB-partitioned", prepare: func(t *trial, _ int) (*plan, error) {
			r, err := compactPrior(t, true, 12, 15000)
			if err != nil {
				return nil, err
			}
			return &plan{cmds: [][]string{{"convert", "compact", table, "--target-file-size", "256KiB", "--row-group-size", "2000", "-q"}},
				old: r, new: r, same: true}, nil
		}},
		{name: "compact-default-unpartitioned", prepare: func(t *trial, _ int) (*plan, error) {
			r, err := compactPrior(t, false, 12, 35000)
			if err != nil {
				return nil, err
			}
			return &plan{cmds: [][]string{{"convert", "compact", table, "-q"}}, old: r, new: r, same: true}, nil
		}},
		{name: "two-writers-append+overwrite", two: true, prepare: func(t *trial, victim int) (*plan, error) {
			base := seg{first: 1, n: 30_000, days: days(0, 5)}
			if err := t.setup(t.convertArgs(t.source("base", base), partitioned...)...); err != nil {
				return nil, err
			}
			add := seg{first: 1_000_001, n: 40_000, days: days(0, 5)}
			ow := seg{first: 2_000_001, n: 40_000, days: days(1, 5)}
			p := &plan{cmds: [][]string{
				t.convertArgs(t.source("add", add), partitioned...),
				t.convertArgs(t.source("ow", ow), append([]string{"--mode", "overwrite"}, partitioned...)...),
			}, old: rowset{base}}
			if victim == 0 {
				// The overwrite finishes; the append came before it
				// (replaced) or after it, or not at all. Rerun, the
				// append adds its file once after the overwrite.
				p.clean = []rowset{{ow}, {ow, add}}
				p.new = rowset{ow, add}
			} else {
				// The append finishes; the overwrite came before it,
				// after it, or not at all. Rerun, it replaces all.
				p.clean = []rowset{{base, add}, {ow, add}, {ow}}
				p.new = rowset{ow}
			}
			return p, nil
		}},
		{name: "two-compacts", two: true, prepare: func(t *trial, _ int) (*plan, error) {
			r, err := compactPrior(t, true, 12, 5000)
			if err != nil {
				return nil, err
			}
			return &plan{cmds: [][]string{
				{"convert", "compact", table, "--target-file-size", "256KiB", "--row-group-size", "2000", "-q"},
				{"convert", "compact", table, "-q"},
			}, old: r, new: r, same: true}, nil
		}},
	}
}

// A campaign runs the trials and keeps the counts.
type campaign struct {
	lakectl string
	base    string // folder of the trials
	keep    string // folder the failed trials are moved... left in
	seed    uint64
	store   store
	db      *sql.DB
	s3      bool
	window  bool // kill inside the commit: the delay starts when the journal appears
	bucket  string
	prefix  string
	stats   map[string]*tally
	order   []string
	fails   []string
	killed  int // trials whose command was killed while it ran
	printed map[string]bool
	env     []string
}

type tally struct {
	trials, beforeJournal, pending, clean, exited, failures int
	t                                                       time.Duration
	pendingMin, pendingMax                                  float64 // folder rows while pending, as a fraction of max(old,new)
	pendingCatalogOff                                       int     // pending trials whose catalog count was neither old nor new
	checkNoTable                                            int     // pending with no table in the catalog yet
	steps                                                   map[string]int
	kinds                                                   map[string]int // failures by kind
	emptyCatalog                                            int            // kills that left a catalog file with nothing in it
}

type trial struct {
	c      *campaign
	sc     *scenario
	n      int
	dir    string
	home   string
	dest   string // a path, or an s3:// URI ending in /
	log    bytes.Buffer
	failed []string
	kinds  []string
}

// fail records a broken invariant of a kind.
func (t *trial) fail(kind, format string, args ...any) {
	t.kinds = append(t.kinds, kind)
	t.failed = append(t.failed, kind+": "+fmt.Sprintf(format, args...))
}

// cmd is a lakectl command of the trial.
func (t *trial) cmd(args ...string) *exec.Cmd {
	cmd := exec.Command(t.c.lakectl, args...)
	cmd.Env = append(slices.Clone(t.c.env), "LAKECTL_HOME="+t.home)
	return cmd
}

// run runs a lakectl command to its end: its output and exit status.
func (t *trial) run(args ...string) ([]byte, int) {
	cmd := t.cmd(args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	code := 0
	if err != nil {
		code = -1
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
	}
	fmt.Fprintf(&t.log, "$ lakectl %s → %d\n%s", strings.Join(args, " "), code, out.Bytes())
	return out.Bytes(), code
}

// setup runs a command of the prior state, which must succeed.
func (t *trial) setup(args ...string) error {
	if out, code := t.run(args...); code != 0 {
		return fmt.Errorf("setup: lakectl %s: exit %d: %s", strings.Join(args, " "), code, out)
	}
	return nil
}

// view is what a reader sees at one moment.
type view struct {
	journal     bool
	folder      fp
	folderFiles []string
	table       bool // the table exists in the catalog
	// emptyCatalog: the catalog file exists with no catalog in it
	emptyCatalog bool
	catalog      fp
	recordCount  int64 // the table's parameter
	partsCount   int64 // the sum over partitions' (-1: unpartitioned)
	stats        string
}

// look reads the destination's files and the catalog's.
func (t *trial) look(allow string) (*view, error) {
	v := &view{partsCount: -1}
	var err error
	if v.journal, err = t.c.store.exists(t.dest + "_lakectl_journal.json"); err != nil {
		return nil, err
	}
	files, err := t.c.store.data(t.dest)
	if err != nil {
		return nil, err
	}
	v.folderFiles = files
	if v.folder, err = t.count(files, allow); err != nil {
		return nil, err
	}
	out, code := t.run("catalog", "show", table, "-o", "json")
	// No table: none in the catalog, no catalog file, or a catalog file a
	// killed first writer created with nothing in it yet.
	if (code == 3 && strings.Contains(string(out), "not found")) || (code == 2 && (strings.Contains(string(out), "no catalog there yet") || strings.Contains(string(out), "no catalog in it yet"))) {
		v.emptyCatalog = strings.Contains(string(out), "no catalog in it yet")
		return v, nil
	}
	if code != 0 {
		return nil, fmt.Errorf("catalog show: exit %d: %s", code, out)
	}
	var show struct {
		Table struct {
			StorageDescriptor struct{ Location string }
			PartitionKeys     []struct{ Name string }
			Parameters        map[string]string
		}
	}
	if err := json.Unmarshal(out, &show); err != nil {
		return nil, fmt.Errorf("catalog show: %w", err)
	}
	v.table = true
	v.recordCount, _ = strconv.ParseInt(show.Table.Parameters["recordCount"], 10, 64)
	locations := []string{show.Table.StorageDescriptor.Location}
	if len(show.Table.PartitionKeys) > 0 {
		out, code := t.run("catalog", "partitions", table, "-o", "json")
		if code != 0 {
			return nil, fmt.Errorf("catalog partitions: exit %d: %s", code, out)
		}
		var parts struct {
			Partitions []struct {
				StorageDescriptor struct{ Location string }
				Parameters        map[string]string
			}
		}
		if err := json.Unmarshal(out, &parts); err != nil {
			return nil, fmt.Errorf("catalog partitions: %w", err)
		}
		locations = locations[:0]
		v.partsCount = 0
		for _, p := range parts.Partitions {
			locations = append(locations, p.StorageDescriptor.Location)
			n, _ := strconv.ParseInt(p.Parameters["recordCount"], 10, 64)
			v.partsCount += n
		}
	}
	var cfiles []string
	for _, loc := range locations {
		f, err := t.c.store.data(loc)
		if err != nil {
			return nil, err
		}
		cfiles = append(cfiles, f...)
	}
	if v.catalog, err = t.count(cfiles, allow); err != nil {
		return nil, err
	}
	return v, nil
}

// count reads files with DuckDB.
func (t *trial) count(files []string, allow string) (fp, error) {
	var f fp
	if len(files) == 0 {
		return f, nil
	}
	local, err := t.c.store.fetch(files, filepath.Join(t.dir, "s3cache"))
	if err != nil {
		return f, err
	}
	quoted := make([]string, len(local))
	for i, p := range local {
		quoted[i] = "'" + strings.ReplaceAll(p, "'", "''") + "'"
	}
	q := fmt.Sprintf(`SELECT count(*), count(DISTINCT id), coalesce(sum(id), 0)::BIGINT, count(*) FILTER (WHERE NOT (%s))
		FROM read_parquet([%s], hive_partitioning = false)`, allow, strings.Join(quoted, ", "))
	err = t.c.db.QueryRow(q).Scan(&f.Rows, &f.Distinct, &f.Sum, &f.Foreign)
	return f, err
}

// journalStep says how far a pending journal got: files removed and
// moved, whether the table exists (the catalog change comes after the
// moves).
func (t *trial) journalStep() string {
	data, err := t.c.store.read(t.dest + "_lakectl_journal.json")
	if err != nil {
		return "unreadable journal: " + err.Error()
	}
	var j struct {
		Command string
		Remove  []string
		Move    []struct{ From, To string }
	}
	if err := json.Unmarshal(data, &j); err != nil {
		return "unreadable journal: " + err.Error()
	}
	removed, moved := 0, 0
	for _, k := range j.Remove {
		if ok, _ := t.c.store.exists(t.dest + k); !ok {
			removed++
		}
	}
	for _, m := range j.Move {
		if ok, _ := t.c.store.exists(t.dest + m.From); !ok {
			moved++
		}
	}
	switch {
	case removed < len(j.Remove):
		return fmt.Sprintf("%s: removing (%d/%d removed)", j.Command, removed, len(j.Remove))
	case moved == 0 && len(j.Move) > 0:
		return fmt.Sprintf("%s: journaled or removed (%d removed, none moved)", j.Command, removed)
	case moved < len(j.Move):
		return fmt.Sprintf("%s: moving (%d/%d moved)", j.Command, moved, len(j.Move))
	default:
		return fmt.Sprintf("%s: moved all (%d), catalog/record/cleanup left", j.Command, len(j.Move))
	}
}

// trialRun runs one trial; its delay and victim are drawn from rng.
func (c *campaign) trialRun(sc *scenario, n int, T time.Duration, rng *rand.Rand) {
	st := c.stats[sc.name]
	st.trials++
	victim := 0
	if sc.two {
		victim = rng.IntN(2)
	}
	delay := time.Duration(rng.Int64N(int64(T) + 1))
	t, err := c.newTrial(sc, n)
	check(err)
	report := func(kind string) {
		st.failures++
		for _, k := range slices.Compact(slices.Sorted(slices.Values(t.kinds))) {
			st.kinds[k]++
		}
		msg := fmt.Sprintf("FAILURE %s trial %d (seed %d, -only %d): kill after %v of T=%v, victim %d: %s\n  %s\n  kept: %s",
			sc.name, n, c.seed, n, delay.Round(time.Microsecond), T.Round(time.Millisecond), victim, kind, strings.Join(t.failed, "\n  "), t.dir)
		if c.s3 {
			msg += " and " + t.dest
		}
		// The first failure of a kind in a scenario is printed whole, the
		// next ones on a line (every one's log is in its folder).
		seen := sc.name + " " + strings.Join(slices.Compact(slices.Sorted(slices.Values(t.kinds))), ",")
		if c.printed[seen] {
			fmt.Printf("FAILURE %s trial %d (seed %d, -only %d): kill after %v, victim %d: %s, as above; kept: %s\n",
				sc.name, n, c.seed, n, delay.Round(time.Microsecond), victim, strings.Join(t.kinds, ", "), t.dir)
		} else {
			fmt.Println(msg)
			c.printed[seen] = true
		}
		c.fails = append(c.fails, msg)
		check(os.WriteFile(filepath.Join(t.dir, "trial.log"), append([]byte(msg+"\n\n"), t.log.Bytes()...), 0o644))
	}
	p, err := sc.prepare(t, victim)
	if err != nil {
		t.fail("setup", "%v", err)
		report("setup failed")
		return
	}
	oldFP, newFP := p.old.fingerprint(), p.new.fingerprint()
	clean := p.clean
	if clean == nil {
		clean = []rowset{p.old, p.new}
	}
	allow := allowed(append([]rowset{p.old, p.new}, clean...)...)
	before, err := t.look(allow)
	if err != nil {
		t.fail("look-failed", "before the command: %v", err)
		report("unreadable state")
		return
	}
	if !before.folder.same(oldFP) || (!p.newTable && !before.catalog.same(oldFP)) {
		t.fail("prior-state", "prior state: folder %v, catalog %v, want %v", before.folder, before.catalog, oldFP)
		report("wrong prior state")
		return
	}

	// The command(s), and the kill.
	cmds := make([]*exec.Cmd, len(p.cmds))
	outs := make([]*bytes.Buffer, len(p.cmds))
	order := []int{0}
	if sc.two && rng.IntN(2) == 1 {
		order = []int{1, 0}
	} else if sc.two {
		order = []int{0, 1}
	}
	for _, i := range order {
		cmds[i] = t.cmd(p.cmds[i]...)
		outs[i] = &bytes.Buffer{}
		cmds[i].Stdout, cmds[i].Stderr = outs[i], outs[i]
		check(cmds[i].Start())
	}
	// The victim is reaped as soon as it ends: the lease of a dead pid is
	// free only once it is no zombie.
	done := make(chan error, 1)
	go func() { done <- cmds[victim].Wait() }()
	var verr error
	ended := false
	if c.window {
		// -window: the delay starts when the commit's journal appears.
		verr, ended = waitJournal(localPath(t.dest+"_lakectl_journal.json"), done)
	}
	if !ended {
		time.Sleep(delay)
		if err := cmds[victim].Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
			check(err)
		}
		verr = <-done
	}
	exited := verr == nil
	if !exited {
		if ee, ok := verr.(*exec.ExitError); ok && ee.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL {
			c.killed++
		} else {
			t.fail("killed-command-failed", "the killed command failed on its own: %v: %s", verr, outs[victim])
		}
	}
	fmt.Fprintf(&t.log, "$ lakectl %s (killed after %v: %v)\n%s", strings.Join(p.cmds[victim], " "), delay, verr, outs[victim])
	if sc.two {
		other := 1 - victim
		if err := cmds[other].Wait(); err != nil {
			t.fail("other-writer-failed", "the other writer (lakectl %s) failed: %v: %s", strings.Join(p.cmds[other], " "), err, outs[other])
		}
		fmt.Fprintf(&t.log, "$ lakectl %s (left to finish: %v)\n%s", strings.Join(p.cmds[other], " "), cmds[other].ProcessState, outs[other])
	}

	// (a), (b): what readers see right after the kill.
	v, err := t.look(allow)
	if err != nil {
		t.fail("look-failed", "after the kill: %v", err)
		report("unreadable state")
		return
	}
	if v.emptyCatalog {
		st.emptyCatalog++
	}
	fmt.Fprintf(&t.log, "after the kill: journal %v, folder %v, table %v, catalog %v, recordCount %d, partitions' %d\n",
		v.journal, v.folder, v.table, v.catalog, v.recordCount, v.partsCount)
	if v.folder.Distinct != v.folder.Rows || v.folder.Foreign != 0 {
		t.fail("row-twice-or-foreign", "after the kill the folder reads %v: a row twice, or a row of no state", v.folder)
	}
	if v.catalog.Distinct != v.catalog.Rows || v.catalog.Foreign != 0 {
		t.fail("row-twice-or-foreign", "after the kill the catalog's locations read %v: a row twice, or a row of no state", v.catalog)
	}
	if v.journal {
		st.pending++
		step := t.journalStep()
		st.steps[step[:strings.Index(step+" (", " (")]]++
		fmt.Fprintf(&t.log, "pending: %s\n", step)
		fmt.Printf("  pending: %s trial %d, kill after %v: %s; folder %v, catalog %v (table in catalog: %v); old %d rows, new %d\n",
			sc.name, n, delay.Round(time.Microsecond), step, v.folder, v.catalog, v.table, oldFP.Rows, newFP.Rows)
		top := max(oldFP.Rows, newFP.Rows)
		if top > 0 {
			frac := float64(v.folder.Rows) / float64(top)
			st.pendingMin, st.pendingMax = min(st.pendingMin, frac), max(st.pendingMax, frac)
		}
		if !v.catalog.same(oldFP) && !v.catalog.same(newFP) {
			st.pendingCatalogOff++
		}
		if !v.table {
			st.checkNoTable++
		}
	} else {
		// No journal: one state of the allowed ones, the same through the
		// folder and the catalog (a table not created yet reads as none).
		var match []int
		for i, r := range clean {
			want := r.fingerprint()
			if v.folder.same(want) && (v.catalog.same(want) || (!v.table && want.Rows == 0)) {
				match = append(match, i)
			}
		}
		if exited && !sc.two {
			match = slices.DeleteFunc(match, func(i int) bool { return !clean[i].fingerprint().same(newFP) })
		}
		switch {
		case len(match) == 0:
			t.fail("no-journal-mixed-state", "no journal, yet folder %v and catalog %v (table in catalog: %v) are not one allowed state (old %v, new %v, exited before the kill %v)", v.folder, v.catalog, v.table, oldFP, newFP, exited)
		case exited:
			st.exited++
		case p.same:
			// Compaction: the rows are the same; the files tell
			// whether anything was committed.
			if slices.Equal(v.folderFiles, before.folderFiles) {
				st.beforeJournal++
			} else {
				st.clean++
			}
		case slices.Contains(match, 0) && !clean[0].fingerprint().same(newFP):
			// The old state (two writers: the survivor's alone).
			st.beforeJournal++
		default:
			st.clean++
		}
		// With no journal the catalog's statistics are the files'.
		if v.table {
			want := v.catalog.Rows
			if v.recordCount != want || (v.partsCount >= 0 && v.partsCount != want) {
				t.fail("no-journal-recordcount", "no journal, yet recordCount %d (partitions' sum %d) where the catalog's files hold %d rows", v.recordCount, v.partsCount, want)
			}
		}
	}

	// (c): repair, the killed command again, and the new state exactly.
	if v.table || v.journal {
		// A journal and no table in the catalog yet (a commit that
		// creates it): the destination folder is repaired, not the table.
		target := table
		if !v.table {
			target = t.dest
		}
		if out, code := t.run("table", "check", target, "--repair"); code != 0 {
			t.fail("repair-failed", "table check %s --repair: exit %d: %s", target, code, out)
		}
	}
	if out, code := t.run(p.cmds[victim]...); code != 0 {
		t.fail("rerun-failed", "the killed command, run again: exit %d: %s", code, out)
	}
	f, err := t.look(allowed(p.new))
	if err != nil {
		t.fail("look-failed", "at the end: %v", err)
		report("unreadable state")
		return
	}
	fmt.Fprintf(&t.log, "at the end: journal %v, folder %v, catalog %v, recordCount %d, partitions' %d\n",
		f.journal, f.folder, f.catalog, f.recordCount, f.partsCount)
	if f.journal {
		t.fail("final-journal", "a journal is left after the rerun")
	}
	if !f.folder.same(newFP) || !f.catalog.same(newFP) {
		t.fail("final-rows", "at the end the folder reads %v, the catalog %v, want %v", f.folder, f.catalog, newFP)
	}
	if f.recordCount != newFP.Rows || (f.partsCount >= 0 && f.partsCount != newFP.Rows) {
		t.fail("final-recordcount", "at the end recordCount is %d (partitions' sum %d), want %d", f.recordCount, f.partsCount, newFP.Rows)
	}
	if out, code := t.run("table", "check", table); code != 0 || !strings.Contains(string(out), "No problems found.") {
		t.fail("final-check", "table check at the end: exit %d: %s", code, out)
		// What a repair now makes of it.
		rout, rcode := t.run("table", "check", table, "--repair")
		cout, ccode := t.run("table", "check", table)
		t.failed = append(t.failed, fmt.Sprintf("then table check --repair: exit %d: %s\n  and table check: exit %d: %s", rcode, rout, ccode, cout))
	}
	if len(t.failed) > 0 {
		report("invariant broken")
		return
	}
	t.remove()
}

type store interface {
	// data lists the visible *.parquet files under a folder (a path or
	// URI ending in /): no segment below it starts with _ or ..
	data(folder string) ([]string, error)
	exists(key string) (bool, error)
	read(key string) ([]byte, error)
	// fetch makes the files readable by DuckDB: local paths.
	fetch(files []string, cache string) ([]string, error)
	removeAll(prefix string) error
}

// localStore: destinations on this machine's disk; locations are
// file:// URIs.
type localStore struct{}

func localPath(uri string) string { return strings.TrimPrefix(uri, "file://") }

func (localStore) data(folder string) ([]string, error) { return visibleParquet(localPath(folder)) }

func (localStore) exists(key string) (bool, error) {
	_, err := os.Stat(localPath(key))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

func (localStore) read(key string) ([]byte, error) { return os.ReadFile(localPath(key)) }

func (localStore) fetch(files []string, _ string) ([]string, error) { return files, nil }

func (localStore) removeAll(string) error { return nil }

func (c *campaign) newTrial(sc *scenario, n int) (*trial, error) {
	dir, err := os.MkdirTemp(c.base, fmt.Sprintf("%04d-%s-", n, sc.name))
	if err != nil {
		return nil, err
	}
	t := &trial{c: c, sc: sc, n: n, dir: dir, home: filepath.Join(dir, "home")}
	if err := os.MkdirAll(filepath.Join(dir, "src"), 0o755); err != nil {
		return nil, err
	}
	t.dest = filepath.Join(dir, "dest") + "/"
	if c.s3 {
		t.dest = fmt.Sprintf("s3://%s/%s/%s/", c.bucket, c.prefix, filepath.Base(dir))
	}
	return t, nil
}

func (t *trial) remove() {
	os.RemoveAll(t.dir)
	if t.c.s3 {
		t.c.store.removeAll(t.dest)
	}
}

// killMode runs the campaign and returns the number of failures.
func killMode(lakectl string, kills int, seed uint64, s3, window bool, only int, onlyScenario, keep string) int {
	abs, err := filepath.Abs(lakectl)
	check(err)
	if window && s3 {
		check(errors.New("-window watches the journal on local disk: not with -s3"))
	}
	c := &campaign{lakectl: abs, seed: seed, s3: s3, window: window, stats: map[string]*tally{}, store: localStore{}, printed: map[string]bool{}}
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "LAKECTL_") && name != "LAKECTL_S3_ENDPOINT" && name != "LAKECTL_S3_REGION" {
			continue
		}
		c.env = append(c.env, kv)
	}
	if keep == "" {
		keep, err = os.MkdirTemp("", "lakectl-kill-")
		check(err)
	}
	c.base = keep
	if s3 {
		c.bucket = os.Getenv("LAKECTL_KILL_BUCKET")
		if c.bucket == "" {
			c.bucket = "lakectl-kill"
		}
		c.prefix = fmt.Sprintf("kill-%d", seed)
		c.store, err = newS3Store(c.bucket)
		check(err)
	}
	c.db, err = sql.Open("duckdb", "")
	check(err)
	defer c.db.Close()
	c.db.SetMaxOpenConns(1)

	scs := scenarios()
	if window {
		// Two writers: whose journal appeared is not known.
		scs = slices.DeleteFunc(scs, func(s scenario) bool { return s.two })
	}
	if onlyScenario != "" {
		scs = slices.DeleteFunc(scs, func(s scenario) bool { return s.name != onlyScenario })
		if len(scs) == 0 {
			check(fmt.Errorf("no scenario %q", onlyScenario))
		}
	}
	what := "delay uniform over [0, T], T the command's uninterrupted duration"
	if window {
		what = "delay uniform over [0, W] after the journal appears, W the commit's uninterrupted duration (journal seen to exit)"
	}
	fmt.Printf("kill campaign: %d kills (%s), seed %d, %s, trials under %s\n", kills, what, seed, map[bool]string{false: "local disk", true: "S3 " + os.Getenv("LAKECTL_S3_ENDPOINT")}[s3], c.base)
	// T: each scenario's uninterrupted duration, measured once (a trial
	// with the command left to finish).
	Ts := map[string]time.Duration{}
	for i := range scs {
		sc := &scs[i]
		c.stats[sc.name] = &tally{pendingMin: 1, steps: map[string]int{}, kinds: map[string]int{}}
		c.order = append(c.order, sc.name)
		// T is the median of three uninterrupted runs, each a fresh trial.
		var runs []time.Duration
		var p *plan
		for range 3 {
			var d time.Duration
			p, d = c.uninterrupted(sc)
			runs = append(runs, d.Round(time.Millisecond))
		}
		Ts[sc.name] = median(runs)
		c.stats[sc.name].t = Ts[sc.name]
		fmt.Printf("  %-30s T = %v (runs %v; %v rows after)\n", sc.name, Ts[sc.name].Round(time.Millisecond), runs, p.new.fingerprint().Rows)
	}

	start := time.Now()
	// Trials go on until -kills of them killed a running command (a
	// command may end before its delay is up: that trial is no kill).
	for n := 0; c.killed < kills || (only >= 0 && n <= only); n++ {
		if only >= 0 && n != only {
			continue
		}
		sc := &scs[n%len(scs)]
		rng := rand.New(rand.NewPCG(seed, uint64(n)))
		c.trialRun(sc, n, Ts[sc.name], rng)
		if (n+1)%25 == 0 {
			fmt.Printf("  %d trials, %d kills, %v, %d failures\n", n+1, c.killed, time.Since(start).Round(time.Second), len(c.fails))
		}
		if only >= 0 {
			break
		}
	}
	fmt.Printf("\n%d trials, %d of them killed a running command, in %v\n\n", c.total(), c.killed, time.Since(start).Round(time.Second))
	c.printTable(os.Stdout)
	if len(c.fails) == 0 {
		os.Remove(c.base)
	} else {
		fmt.Printf("\n%d failures; their folders are kept under %s\n", len(c.fails), c.base)
	}
	return len(c.fails)
}

// uninterrupted runs a scenario's command(s) to the end in a fresh trial,
// checks the state they leave, and returns how long they took.
func (c *campaign) uninterrupted(sc *scenario) (*plan, time.Duration) {
	t, err := c.newTrial(sc, -1)
	check(err)
	defer t.remove()
	p, err := sc.prepare(t, 0)
	if err != nil {
		check(fmt.Errorf("%s: %w\n%s", sc.name, err, t.log.Bytes()))
	}
	if p.clean == nil {
		p.clean = []rowset{p.old, p.new}
	}
	start := time.Now()
	var cmds []*exec.Cmd
	for _, args := range p.cmds {
		cmd := t.cmd(args...)
		cmd.Stdout, cmd.Stderr = &t.log, &t.log
		check(cmd.Start())
		cmds = append(cmds, cmd)
	}
	var d time.Duration
	if c.window {
		// -window: from the journal's first sight to the end.
		done := make(chan error, 1)
		go func() { done <- cmds[0].Wait() }()
		err, ended := waitJournal(localPath(t.dest+"_lakectl_journal.json"), done)
		seen := time.Now()
		if !ended {
			err = <-done
		}
		if err != nil {
			check(fmt.Errorf("%s: lakectl %s: %v\n%s", sc.name, strings.Join(p.cmds[0], " "), err, t.log.Bytes()))
		}
		if !ended {
			d = time.Since(seen)
		}
	} else {
		for i, cmd := range cmds {
			if err := cmd.Wait(); err != nil {
				check(fmt.Errorf("%s: lakectl %s: %v\n%s", sc.name, strings.Join(p.cmds[i], " "), err, t.log.Bytes()))
			}
		}
		d = time.Since(start)
	}
	// Uninterrupted, the command gives the new state (two writers: one
	// of the states of both finishing, in either order).
	ends := []rowset{p.new}
	if sc.two {
		ends = p.clean
	}
	v, err := t.look(allowed(ends...))
	check(err)
	if !slices.ContainsFunc(ends, func(r rowset) bool { return v.folder.same(r.fingerprint()) && v.catalog.same(r.fingerprint()) }) {
		check(fmt.Errorf("%s uninterrupted: folder %v, catalog %v, want %v", sc.name, v.folder, v.catalog, p.new.fingerprint()))
	}
	return p, d
}

// waitJournal polls for the journal file until it appears or the command
// ends (ended, with its Wait error).
func waitJournal(path string, done <-chan error) (error, bool) {
	for {
		select {
		case err := <-done:
			return err, true
		default:
		}
		if _, err := os.Stat(path); err == nil {
			return nil, false
		}
		time.Sleep(50 * time.Microsecond)
	}
}

func (c *campaign) total() int {
	n := 0
	for _, s := range c.stats {
		n += s.trials
	}
	return n
}

func (c *campaign) printTable(w *os.File) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\tT\ttrials\tkilled before journal\tpending (journal)\tclean after kill\tdone before kill\tfailures\tfolder rows while pending\t")
	var sum tally
	for _, name := range c.order {
		s := c.stats[name]
		rng := "-"
		if s.pending > 0 {
			rng = fmt.Sprintf("%.0f%%–%.0f%%", 100*s.pendingMin, 100*s.pendingMax)
		}
		fmt.Fprintf(tw, "%s\t%v\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t\n", name, s.t.Round(10*time.Millisecond), s.trials, s.beforeJournal, s.pending, s.clean, s.exited, s.failures, rng)
		sum.trials += s.trials
		sum.beforeJournal += s.beforeJournal
		sum.pending += s.pending
		sum.clean += s.clean
		sum.exited += s.exited
		sum.failures += s.failures
	}
	fmt.Fprintf(tw, "total\t\t%d\t%d\t%d\t%d\t%d\t%d\t\t\n", sum.trials, sum.beforeJournal, sum.pending, sum.clean, sum.exited, sum.failures)
	tw.Flush()
	for _, name := range c.order {
		if n := c.stats[name].emptyCatalog; n > 0 {
			fmt.Fprintf(w, "\n%s: %d kills left a catalog file with no catalog in it yet (read commands exit 2 until a writer initializes it)", name, n)
		}
	}
	fmt.Fprintln(w, "\n\npending trials by step reached (from the journal and the files), catalog count while pending neither old nor new, pending with no table in the catalog yet:")
	for _, name := range c.order {
		s := c.stats[name]
		if s.pending == 0 {
			continue
		}
		var steps []string
		for _, k := range slices.Sorted(maps.Keys(s.steps)) {
			steps = append(steps, fmt.Sprintf("%s ×%d", k, s.steps[k]))
		}
		fmt.Fprintf(w, "  %s: %s; catalog neither: %d; no table: %d\n", name, strings.Join(steps, ", "), s.pendingCatalogOff, s.checkNoTable)
	}
	if len(c.fails) > 0 {
		fmt.Fprintln(w, "\nfailed trials by kind of broken invariant:")
		for _, name := range c.order {
			s := c.stats[name]
			var kinds []string
			for _, k := range slices.Sorted(maps.Keys(s.kinds)) {
				kinds = append(kinds, fmt.Sprintf("%s ×%d", k, s.kinds[k]))
			}
			if len(kinds) > 0 {
				fmt.Fprintf(w, "  %s: %s\n", name, strings.Join(kinds, ", "))
			}
		}
	}
}
