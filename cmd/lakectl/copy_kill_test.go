package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/lakectl/lakectl/internal/backends"
	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/catalog/catalogtest"
	"github.com/lakectl/lakectl/internal/catalog/glue/gluetest"
	"github.com/lakectl/lakectl/internal/catalog/postgres"
	"github.com/lakectl/lakectl/internal/testenv"
)

// `lakectl catalog copy` is killed (SIGKILL, as a crash would kill it) at
// each of its steps, SQLite to PostgreSQL and back, and SQLite to Glue
// (moto) and back. Run
// again, it finishes without an error and without copying anything twice:
// the two catalogs then hold the same objects (compared as sets), and a
// third run finds everything the same and writes nothing.
func TestCopyKilledAndRerun(t *testing.T) {
	if testing.Short() {
		t.Skip("kills the binary at every step of a copy")
	}
	base := testenv.URL(t, "LAKECTL_TEST_POSTGRES_URL")
	dir := t.TempDir()
	newPG := func(t *testing.T) string {
		uri, drop := testenv.NewPostgresSchema(base)
		t.Cleanup(func() {
			if err := drop(); err != nil {
				t.Error(err)
			}
		})
		return uri
	}
	newSQLite := func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "catalog.db") }

	sqliteSource := newSQLite(t)
	src := openCatalog(t, sqliteSource, true)
	catalogtest.Fill(t, src)
	src.Close()
	pgSource := newPG(t)
	copyCatalog(t, dir, sqliteSource, pgSource)

	// Glue (moto) is shared: its catalogs here are regions of this test's
	// own, emptied after each run.
	glueSource, glueTarget := glueCatalogIn(t, "eu-west-2"), glueCatalogIn(t, "eu-west-3")
	copyCatalog(t, dir, sqliteSource, glueSource)
	newGlue := func(t *testing.T) string {
		t.Cleanup(func() { dropAll(t, glueTarget) })
		return glueTarget
	}

	steps := []string{"copy.database", "copy.database#2", "copy.version", "copy.version#2", "copy.version#4",
		"copy.table", "copy.table#2", "copy.partitions", "copy.partitions#2", "copy.partitions#3"}
	for _, dir := range []struct {
		name   string
		from   string
		target func(*testing.T) string
		steps  []string
	}{
		{"sqlite-to-postgres", sqliteSource, newPG, steps},
		{"postgres-to-sqlite", pgSource, newSQLite, steps},
		{"sqlite-to-glue", sqliteSource, newGlue, steps},
		{"glue-to-sqlite", glueSource, newSQLite, steps},
	} {
		t.Run(dir.name, func(t *testing.T) {
			want := contents(t, dir.from)
			for _, step := range dir.steps {
				t.Run(step, func(t *testing.T) {
					to := dir.target(t)
					cmd := lakectlCmd(t.TempDir(), "catalog", "copy", "--from", dir.from, "--to", to, "-q")
					cmd.Env = append(cmd.Env, "LAKECTL_FAILPOINT="+step+":kill")
					out, err := cmd.CombinedOutput()
					var ee *exec.ExitError
					if !errors.As(err, &ee) || !ee.Sys().(syscall.WaitStatus).Signaled() || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
						t.Fatalf("not killed at %s: %v\n%s", step, err, out)
					}
					if got := contents(t, to); reflect.DeepEqual(got, want) {
						t.Fatalf("killed at %s, the copy was complete already", step)
					}
					copyCatalog(t, t.TempDir(), dir.from, to)
					if got := contents(t, to); !reflect.DeepEqual(got, want) {
						t.Fatalf("after the rerun the catalogs differ:\n%s", diffLines(want, got))
					}
					rep := copyCatalog(t, t.TempDir(), dir.from, to)
					if tt := rep.Totals; tt.Databases.Copied+tt.Tables.Copied+tt.Versions+tt.Partitions.Copied != 0 || tt.Partitions.Same != catalogtest.FilledPartitions {
						t.Errorf("a third run wrote: %+v", tt)
					}
				})
			}
		})
	}
}

// copyCatalog runs `lakectl catalog copy`, which must succeed, and returns
// its report.
func copyCatalog(t *testing.T, dir, from, to string) catalog.CopyReport {
	t.Helper()
	cmd := lakectlCmd(dir, "catalog", "copy", "--from", from, "--to", to, "-o", "json")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("lakectl catalog copy: %v\n%s%s", err, stdout.Bytes(), stderr.Bytes())
	}
	var rep catalog.CopyReport
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	return rep
}

func openCatalog(t *testing.T, uri string, write bool) catalog.Catalog {
	t.Helper()
	open := backends.OpenExistingCatalog
	if write {
		open = backends.OpenCatalog
	}
	c, err := open(context.Background(), uri)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// contents is what a catalog holds (catalogtest.Contents); one that does
// not exist yet holds nothing.
func contents(t *testing.T, uri string) []string {
	t.Helper()
	c, err := backends.OpenExistingCatalog(context.Background(), uri)
	if errors.Is(err, backends.ErrBadURI) || errors.Is(err, postgres.ErrNotCatalog) { // not made yet
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return catalogtest.Contents(t, c)
}

func diffLines(want, got []string) string {
	in := func(list []string) map[string]bool {
		m := map[string]bool{}
		for _, l := range list {
			m[l] = true
		}
		return m
	}
	w, g := in(want), in(got)
	var b strings.Builder
	for _, l := range want {
		if !g[l] {
			b.WriteString("missing: " + l[:min(len(l), 200)] + "\n")
		}
	}
	for _, l := range got {
		if !w[l] {
			b.WriteString("extra:   " + l[:min(len(l), 200)] + "\n")
		}
	}
	return b.String()
}

// glueCatalogIn is a glue:// URI on the test's Glue (moto, through the
// proxy that adds what moto leaves out) in a region of the caller's own,
// emptied when the test ends.
func glueCatalogIn(t *testing.T, region string) string {
	endpoint := testenv.URL(t, "LAKECTL_TEST_GLUE_ENDPOINT")
	proxy := gluetest.NewProxy(t, endpoint)
	uri := "glue://?region=" + region + "&endpoint=" + proxy.URL
	t.Setenv("AWS_ACCESS_KEY_ID", "lakectl-test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "lakectl-test-secret")
	t.Cleanup(func() { dropAll(t, uri) })
	dropAll(t, uri)
	return uri
}

// dropAll drops every database of a catalog.
func dropAll(t *testing.T, uri string) {
	t.Helper()
	c := openCatalog(t, uri, true)
	defer c.Close()
	var names []string
	for db, err := range c.ListDatabases(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, db.Name)
	}
	for _, n := range names {
		if err := c.DeleteDatabase(context.Background(), n); err != nil {
			t.Fatal(err)
		}
	}
}
