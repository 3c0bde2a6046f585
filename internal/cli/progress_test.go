package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/cli/cmdutil"
)

// lakectl runs one command line in this process, with stderr a terminal
// or not, and returns its stdout, stderr and exit status.
func lakectl(t *testing.T, home string, tty bool, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	f := &cmdutil.Factory{
		IO:  &cmdutil.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, StderrTTY: tty},
		Now: time.Now,
		Getenv: func(k string) string {
			if k == "LAKECTL_HOME" {
				return home
			}
			return ""
		},
	}
	code := Run(context.Background(), f, args)
	return out.String(), errOut.String(), code
}

// progressEnds parses --progress=json lines and returns the end line of
// each stage, by stage.
func progressEnds(t *testing.T, command, stderr string) map[string]cmdutil.ProgressLine {
	t.Helper()
	ends := map[string]cmdutil.ProgressLine{}
	for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
		var pl cmdutil.ProgressLine
		if err := json.Unmarshal([]byte(l), &pl); err != nil {
			t.Fatalf("%s: not a JSON line on stderr: %q", command, l)
		}
		if pl.Command != command || (pl.Type != "progress" && pl.Type != "end") {
			t.Errorf("%s: line %q", command, l)
		}
		if pl.Type == "end" {
			if _, ok := ends[pl.Stage]; ok {
				t.Errorf("%s: stage %q ended twice", command, pl.Stage)
			}
			ends[pl.Stage] = pl
		}
	}
	return ends
}

func decode(t *testing.T, stdout string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(stdout), v); err != nil {
		t.Fatalf("stdout is not the JSON report: %v\n%s", err, stdout)
	}
}

// The JSON lines of --progress=json count what each command processed:
// the files, rows and bytes of its report.
func TestProgressJSONCountsWhatWasDone(t *testing.T) {
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	raw := filepath.Join(dir, "raw", "orders")
	if err := os.MkdirAll(raw, 0o755); err != nil {
		t.Fatal(err)
	}
	var a bytes.Buffer
	a.WriteString("id,amount,region\n")
	for i := range 1000 {
		fmt.Fprintf(&a, "%d,%d.5,r%d\n", i, i%97, i%5)
	}
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte("id,amount,region\n"))
	for i := 1000; i < 1500; i++ {
		fmt.Fprintf(zw, "%d,%d.5,r%d\n", i, i%97, i%5)
	}
	zw.Close()
	for name, data := range map[string][]byte{"a.csv": a.Bytes(), "b.csv.gz": b.Bytes()} {
		if err := os.WriteFile(filepath.Join(raw, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sourceBytes := int64(a.Len() + b.Len())
	rules := filepath.Join(dir, "rules.yaml")
	os.WriteFile(rules, []byte("checks:\n  - constraints:\n      - isComplete: id\n"), 0o644)
	cur := filepath.Join(dir, "cur")

	run := func(command string, args ...string) (string, map[string]cmdutil.ProgressLine) {
		t.Helper()
		stdout, stderr, code := lakectl(t, home, false, append(args, "--progress=json", "-o", "json")...)
		if code != ExitOK && code != ExitDataFailed { // the compare finds the rows written twice
			t.Fatalf("%s: exit %d: %s", strings.Join(args, " "), code, stderr)
		}
		return stdout, progressEnds(t, command, stderr)
	}
	check := func(what string, got cmdutil.ProgressLine, files, rows, bytes int64) {
		t.Helper()
		if got.Files != files || got.Rows != rows || got.Bytes != bytes {
			t.Errorf("%s: progress counted %d files, %d rows, %d bytes; the report says %d, %d, %d", what, got.Files, got.Rows, got.Bytes, files, rows, bytes)
		}
	}

	stdout, ends := run("crawl", "crawl", filepath.Join(dir, "raw"), "--database", "raw")
	var crawled struct {
		Files struct{ Listed, Read, BytesRead, BytesTotal int64 }
	}
	decode(t, stdout, &crawled)
	check("crawl list", ends["list"], crawled.Files.Listed, 0, crawled.Files.BytesTotal)
	check("crawl read", ends["read"], crawled.Files.Read, 0, crawled.Files.BytesRead)
	if len(ends) != 2 || crawled.Files.Listed != 2 || ends["read"].TotalFiles != 2 {
		t.Errorf("crawl: stages %v, report %+v", ends, crawled)
	}

	// Converted twice (--again), one file each: two files to compact. The
	// commit counts the files it moves into place.
	var converted struct{ FilesRead, RowsRead, RowsWritten, FilesWritten int64 }
	for range 2 {
		stdout, ends = run("convert", "convert", "raw.orders", "--to", cur, "--register", "cur.orders", "--workers", "1", "--again")
		decode(t, stdout, &converted)
		check("convert", ends["convert"], converted.FilesRead, converted.RowsRead, sourceBytes)
		if converted.RowsRead != 1500 || ends["convert"].TotalBytes != sourceBytes || ends["convert"].TotalFiles != 2 {
			t.Errorf("convert: %+v, progress %+v", converted, ends["convert"])
		}
		check("convert: commit", ends["commit"], converted.FilesWritten, 0, 0)
		if len(ends) != 2 || converted.FilesWritten != 1 || ends["commit"].TotalFiles != 1 {
			t.Errorf("convert: stages %v, report %+v", ends, converted)
		}
	}

	// A path named on the command line is described as a crawl would
	// (stages list and read): the same files and bytes as the crawl's.
	stdout, ends = run("convert", "convert", raw, "--to", filepath.Join(dir, "regions"), "--partition-by", "region", "--register", "cur.regions")
	decode(t, stdout, &converted)
	check("convert a path: list", ends["list"], crawled.Files.Listed, 0, crawled.Files.BytesTotal)
	check("convert a path: read", ends["read"], crawled.Files.Read, 0, crawled.Files.BytesRead)
	check("convert a path", ends["convert"], 2, 1500, sourceBytes)
	check("convert a path: commit", ends["commit"], converted.FilesWritten, 0, 0)
	if len(ends) != 4 || converted.FilesWritten < 5 { // 5 regions, a file or more each
		t.Errorf("convert a path: stages %v, report %+v", ends, converted)
	}

	stdout, ends = run("convert compact", "convert", "compact", "cur.orders")
	var compacted struct {
		FilesRead, FilesWritten int64
		Rows                    int64
		Locations               []struct{ BytesBefore int64 }
	}
	decode(t, stdout, &compacted)
	if len(compacted.Locations) != 1 || compacted.FilesRead != 2 {
		t.Fatalf("compact: %+v", compacted)
	}
	check("compact", ends["compact"], compacted.FilesRead, compacted.Rows, compacted.Locations[0].BytesBefore)
	check("compact: commit", ends["commit"], compacted.FilesWritten, 0, 0)
	if len(ends) != 2 || compacted.FilesWritten != 1 {
		t.Errorf("compact: stages %v, report %+v", ends, compacted)
	}

	stdout, ends = run("validate profile", "validate", "profile", "raw.orders")
	var profiled struct{ NumRecords, MalformedRecords int64 }
	decode(t, stdout, &profiled)
	check("profile", ends["profile"], 2, profiled.NumRecords+profiled.MalformedRecords, sourceBytes)

	stdout, ends = run("validate check", "validate", "check", "raw.orders", "--rules", rules)
	var checked struct{ NumRecords int64 }
	decode(t, stdout, &checked)
	check("check", ends["check"], 2, checked.NumRecords, sourceBytes)

	stdout, ends = run("validate compare", "validate", "compare", "--source", "raw.orders", "--target", "cur.orders")
	var compared struct {
		Columns struct{ SourceRows, TargetRows int64 }
	}
	decode(t, stdout, &compared)
	if e, c := ends["compare"], compared.Columns; e.Files != 3 || e.Rows != c.SourceRows+c.TargetRows || e.Rows != 4500 || e.Bytes != e.TotalBytes || e.Bytes <= sourceBytes {
		t.Errorf("compare: progress %+v, report %+v", e, c)
	}

	stdout, ends = run("validate compare", "validate", "compare", "--source", "raw.orders", "--target", "cur.orders", "--key", "id")
	decode(t, stdout, &compared)
	check("compare: the source", ends["match source"], 2, compared.Columns.SourceRows, sourceBytes)
	if e := ends["index target"]; e.Files != 1 || e.Rows != compared.Columns.TargetRows || e.Rows != 3000 || e.Bytes != e.TotalBytes {
		t.Errorf("compare: the target: progress %+v, report %+v", e, compared.Columns)
	}

	// Two paths: each is described in stages of its own.
	_, ends = run("validate compare", "validate", "compare", "--source", raw, "--target", raw)
	for _, side := range []string{"source", "target"} {
		check("compare two paths: list "+side, ends["list "+side], crawled.Files.Listed, 0, crawled.Files.BytesTotal)
		check("compare two paths: read "+side, ends["read "+side], crawled.Files.Read, 0, crawled.Files.BytesRead)
	}
	if len(ends) != 5 || ends["compare"].Rows != 3000 {
		t.Errorf("compare two paths: stages %v", ends)
	}

	// catalog copy counts the databases, tables and partitions it went
	// through, one row each.
	stdout, ends = run("catalog copy", "catalog", "copy", "--to", "sqlite:"+filepath.Join(dir, "copy.db"))
	var copied struct {
		Totals struct {
			Databases, Tables, Partitions struct{ Copied, Same, Differs, Updated int64 }
		}
	}
	decode(t, stdout, &copied)
	objects := int64(0)
	for _, c := range []struct{ Copied, Same, Differs, Updated int64 }{copied.Totals.Databases, copied.Totals.Tables, copied.Totals.Partitions} {
		objects += c.Copied + c.Same + c.Differs + c.Updated
	}
	check("catalog copy", ends["copy"], 0, objects, 0)
	if len(ends) != 1 || objects != 2+3+5 { // raw and cur; raw.orders, cur.orders and cur.regions; 5 regions
		t.Errorf("catalog copy: stages %v, report %+v", ends, copied.Totals)
	}

	// storage metrics counts the objects it lists and their bytes.
	stdout, ends = run("storage metrics", "storage", "metrics", dir)
	var measured struct {
		Prefixes []struct{ Objects, Bytes int64 }
	}
	decode(t, stdout, &measured)
	if len(measured.Prefixes) != 1 || len(ends) != 1 || measured.Prefixes[0].Objects < 5 {
		t.Fatalf("storage metrics: stages %v, report %+v", ends, measured)
	}
	check("storage metrics", ends["list"], measured.Prefixes[0].Objects, 0, measured.Prefixes[0].Bytes)
}

// Without --progress, nothing but the results: in a pipe (or cron), with
// -q, with -o json; on a terminal, a bar is drawn on stderr only.
func TestProgressNotInPipes(t *testing.T) {
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	os.MkdirAll(filepath.Join(dir, "raw", "t"), 0o755)
	os.WriteFile(filepath.Join(dir, "raw", "t", "a.csv"), []byte("id,name\n1,ann\n2,bob\n"), 0o644)
	for _, c := range []struct {
		tty  bool
		args []string
	}{
		{false, []string{"crawl", filepath.Join(dir, "raw"), "--database", "raw"}},
		{false, []string{"validate", "profile", "raw.t"}},
		{true, []string{"validate", "profile", "raw.t", "-q"}},
		{true, []string{"validate", "profile", "raw.t", "-o", "json"}},
		{true, []string{"validate", "profile", "raw.t", "--progress", "none"}},
		{false, []string{"convert", "raw.t", "--to", filepath.Join(dir, "cur")}},
	} {
		stdout, stderr, code := lakectl(t, home, c.tty, c.args...)
		if code != 0 || stdout == "" || stderr != "" {
			t.Errorf("%v (terminal %v): exit %d, stdout %q, stderr %q", c.args, c.tty, code, stdout, stderr)
		}
	}
	// --progress=json is asked for: it prints, even with -q.
	_, stderr, _ := lakectl(t, home, false, "validate", "profile", "raw.t", "-q", "--progress", "JSON")
	if !strings.HasPrefix(stderr, `{"type":"end","command":"validate profile","stage":"profile",`) {
		t.Errorf("--progress JSON -q: %q", stderr)
	}
	_, stderr, code := lakectl(t, home, false, "validate", "profile", "raw.t", "--progress", "always")
	if code != ExitUsage || !strings.Contains(stderr, `--progress "always": want auto, bar, json or none`) {
		t.Errorf("--progress always: exit %d, %q", code, stderr)
	}
}
