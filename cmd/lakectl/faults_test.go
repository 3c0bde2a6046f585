package main

import (
	"bytes"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// Two writers at once, in every pair of writing modes, on one table: both
// succeed, the second waits for the first (and says so), and the table
// ends as one serial order of the two would leave it — its rows counted
// from the files, through the catalog and in recordCount. The serial
// results come from running the two one after the other.
func TestTwoWritersEveryModePair(t *testing.T) {
	if testing.Short() {
		t.Skip("runs writers side by side")
	}
	conv := func(src string, more ...string) []string {
		return append([]string{"convert", src, "--to", "$DEST", "--register", "lake.t", "--partition-by", "day", "-q"}, more...)
	}
	writers := []struct {
		name string
		args []string
		step string // a step where it stands while holding the lease
	}{
		{"append", conv("raw/b.csv"), "convert.staged"},
		{"overwrite", conv("raw/c.csv", "--mode", "overwrite"), "convert.staged"},
		{"overwrite-partitions", conv("raw/c.csv", "--mode", "overwrite-partitions"), "convert.staged"},
		{"compact", []string{"convert", "compact", "lake.t", "--target-file-size", "3KiB", "--row-group-size", "100", "-q"}, "compact.staged"},
	}
	sources := map[string]string{"a.csv": days(0, 400, 1, 5), "b.csv": days(1000, 400, 1, 5), "c.csv": days(2000, 400, 3, 5), "d.csv": days(3000, 400, 1, 5)}
	prepare := func(t *testing.T) *killEnv {
		k := newKillEnv(t, nil, sources)
		k.run(conv("raw/a.csv")...)
		k.run(conv("raw/d.csv")...)
		return k
	}
	for i, a := range writers {
		for _, b := range writers[i:] {
			t.Run(a.name+"+"+b.name, func(t *testing.T) {
				serial := map[int64]string{}
				for _, order := range [][2][]string{{a.args, b.args}, {b.args, a.args}} {
					k := prepare(t)
					k.run(order[0]...)
					k.run(order[1]...)
					serial[k.rows().folder] = "serial"
				}
				k := prepare(t)
				first := k.command(a.args...)
				first.Env = append(first.Env, "LAKECTL_FAILPOINT="+a.step+":sleep=700ms")
				var firstErr bytes.Buffer
				first.Stderr = &firstErr
				if err := first.Start(); err != nil {
					t.Fatal(err)
				}
				time.Sleep(250 * time.Millisecond)
				second := k.command(slices.DeleteFunc(slices.Clone(b.args), func(a string) bool { return a == "-q" })...) // it says whom it waits for
				out, err := second.CombinedOutput()
				if err != nil {
					t.Errorf("second writer: %v\n%s", err, out)
				}
				if err := first.Wait(); err != nil {
					t.Errorf("first writer: %v\n%s", err, firstErr.Bytes())
				}
				if !regexp.MustCompile(`Waiting for run \S+ on \S+ \(pid \d+\), which is writing to`).Match(out) {
					t.Errorf("the second writer did not wait for the first:\n%s", out)
				}
				r := k.rows()
				if _, ok := serial[r.folder]; !ok || r.catalog != r.folder || r.recordCount != r.folder || r.journal {
					t.Errorf("side by side: %+v; serial orders give %v rows", r, serial)
				}
				k.run("table", "check", "lake.t")
			})
		}
	}
}

// Two compactions of one table started in the same second: both succeed,
// no row is lost or doubled, and the table checks clean.
func TestTwoCompactionsInOneSecond(t *testing.T) {
	k := newKillEnv(t, nil, map[string]string{"a.csv": days(0, 3000, 1, 3), "b.csv": days(5000, 3000, 1, 3), "c.csv": days(9000, 3000, 1, 3)})
	for _, src := range []string{"raw/a.csv", "raw/b.csv", "raw/c.csv"} {
		k.run("convert", src, "--to", "$DEST", "--register", "lake.t", "--partition-by", "day", "--workers", "1", "-q")
	}
	args := []string{"convert", "compact", "lake.t", "--target-file-size", "16KiB", "--row-group-size", "500", "-q"}
	one, two := k.command(args...), k.command(args...)
	var out1, out2 bytes.Buffer
	one.Stdout, one.Stderr, two.Stdout, two.Stderr = &out1, &out1, &out2, &out2
	start := time.Now()
	if err := one.Start(); err != nil {
		t.Fatal(err)
	}
	if err := two.Start(); err != nil {
		t.Fatal(err)
	}
	if err := one.Wait(); err != nil {
		t.Errorf("first compaction: %v\n%s", err, out1.Bytes())
	}
	if err := two.Wait(); err != nil {
		t.Errorf("second compaction: %v\n%s", err, out2.Bytes())
	}
	t.Logf("both done in %v", time.Since(start))
	if r := k.rows(); r.folder != 9000 || r.catalog != 9000 || r.recordCount != 9000 {
		t.Errorf("after two compactions: %+v, want 9000 rows", r)
	}
	k.run("table", "check", "lake.t")
}

// A catalog held busy by another process across a convert's commit: the
// commit is decided (its journal written, its files in place) but the
// catalog write fails after the catalog's busy timeout, with exit 3 and a
// message that says how it is finished. The natural retry finishes it and
// converts nothing twice.
func TestCatalogBusyAcrossCommit(t *testing.T) {
	k := newKillEnv(t, nil, map[string]string{"a.csv": days(0, 400, 1, 5), "b.csv": days(1000, 400, 1, 5)})
	catPath := filepath.Join(k.dir, "catalog.db")
	catURI := "LAKECTL_CATALOG=sqlite:" + catPath + "?busy_timeout=1s"
	conv := func(src string) *exec.Cmd {
		cmd := k.command("convert", src, "--to", "$DEST", "--register", "lake.t", "--partition-by", "day")
		cmd.Env = append(cmd.Env, catURI)
		return cmd
	}
	k.env = []string{catURI}
	if out, err := conv("raw/a.csv").CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	// Another process takes the catalog's write lock once the convert has
	// moved its files, and keeps it past the busy timeout.
	cmd := conv("raw/b.csv")
	cmd.Env = append(cmd.Env, "LAKECTL_FAILPOINT=convert.moved#5:sleep=1s")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, filepath.Join(k.dest, "_lakectl_journal.json"))
	db, err := sql.Open("sqlite", "file:"+catPath+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(t.Context(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	conn.ExecContext(t.Context(), "ROLLBACK")
	conn.Close()
	var ee *exec.ExitError
	if !errorsAs(err, &ee) || ee.ExitCode() != 3 {
		t.Fatalf("convert with the catalog busy: %v, want exit 3\n%s", err, out.Bytes())
	}
	if !regexp.MustCompile(`the commit of run \S+ is decided \(journaled in _lakectl_journal.json\): the next write into \S+, or .lakectl table check --repair. of its table, finishes it`).Match(out.Bytes()) {
		t.Errorf("the error does not say how the commit is finished:\n%s", out.Bytes())
	}
	// The files are in place, the catalog not yet: the documented window.
	if r := k.rows(); r.folder != 800 || r.recordCount != 400 || !r.journal {
		t.Errorf("after the failed catalog write: %+v", r)
	}
	// The retry finishes the commit and converts nothing twice.
	retry := conv("raw/b.csv")
	got, err := retry.CombinedOutput()
	if err != nil || !strings.Contains(string(got), "Finished the commit of run") || !strings.Contains(string(got), "Unchanged since converted: 1 file ") {
		t.Errorf("retry: %v\n%s", err, got)
	}
	if r := k.rows(); r.folder != 800 || r.catalog != 800 || r.recordCount != 800 || r.journal {
		t.Errorf("after the retry: %+v, want 800 rows", r)
	}
}

// A destination on a full disk: the convert fails with exit 3 naming the
// cause, leaves no data file, no staging and no catalog change, and
// converts whole once there is room.
func TestDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true: the disk-full test mounts a small tmpfs and needs root")
		}
		t.Skip("mounting a small tmpfs needs root")
	}
	k := newKillEnv(t, nil, map[string]string{"big.csv": days(0, 200000, 1, 20)})
	if err := os.MkdirAll(k.dest, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", k.dest).CombinedOutput(); err != nil {
		t.Fatalf("mount a 512 KiB tmpfs: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", k.dest).Run() })
	conv := k.command("convert", "raw/big.csv", "--to", "$DEST", "--register", "lake.t", "--partition-by", "day")
	out, err := conv.CombinedOutput()
	var ee *exec.ExitError
	if !errorsAs(err, &ee) || ee.ExitCode() != 3 || !strings.Contains(string(out), "no space left on device") {
		t.Fatalf("convert onto a full disk: %v, want exit 3 naming the cause\n%s", err, out)
	}
	files := k.files()
	for key := range files {
		// The lease and its lock file (an flock's, kept) may stay.
		if !strings.HasPrefix(key, "_lakectl_lease") && !strings.HasPrefix(key, ".lakectl-tmp-lock-") {
			t.Errorf("left on the full disk: %s", key)
		}
	}
	if k.tableExists() {
		t.Error("the table was registered")
	}
	// Room again: the same command converts the whole file.
	if out, err := exec.Command("mount", "-o", "remount,size=64m", k.dest).CombinedOutput(); err != nil {
		t.Fatalf("remount: %v\n%s", err, out)
	}
	k.run("convert", "raw/big.csv", "--to", "$DEST", "--register", "lake.t", "--partition-by", "day", "-q")
	if r := k.rows(); r.folder != 200000 || r.catalog != 200000 || r.recordCount != 200000 {
		t.Errorf("after room was made: %+v", r)
	}
}

func waitFor(t *testing.T, path string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(path); err == nil {
			return
		}
	}
	t.Fatalf("%s never appeared", path)
}

func errorsAs(err error, target **exec.ExitError) bool {
	ee, ok := err.(*exec.ExitError)
	if ok {
		*target = ee
	}
	return ok && ee.Sys().(syscall.WaitStatus).Exited()
}
