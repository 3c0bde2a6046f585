package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lakectl/lakectl/internal/catalog/glue/gluetest"
	"github.com/lakectl/lakectl/internal/storage/s3/s3test"
)

// The write path's failpoints, each one hit in turn: the real binary is
// killed (SIGKILL) exactly at a step of each writing command, on local disk
// and on MinIO. Right after the kill, with no journal left, the rows a
// reader of the folder sees and the rows a reader through the catalog sees
// are both the rows before the command, or both the rows after it; with a
// journal (the commit was decided) they may be in between until the next
// writer or `table check --repair` finishes it. After the repair, and after
// the command is run again, both are exactly the rows after it, the
// catalog's recordCount says so, and `table check` finds nothing.
//
// Rows are counted by Apache Arrow's Parquet reader from the files, listed
// with os (local) or a plain AWS SDK client (MinIO): no lakectl code.
func TestFailpoints(t *testing.T) {
	if testing.Short() {
		t.Skip("kills the binary at every step of every write")
	}
	t.Run("local", func(t *testing.T) { runFailpoints(t, nil, "") })
	t.Run("minio", func(t *testing.T) {
		srv, ok := s3Server(t)
		if !ok {
			t.Skip("no S3 test server (run make test)")
		}
		runFailpoints(t, &srv, "")
	})
	// Data on MinIO, the catalog in Glue (moto), as a lake in AWS is: the
	// steps on either side of the catalog's change.
	t.Run("minio-glue", func(t *testing.T) {
		srv, ok := s3Server(t)
		if !ok {
			t.Skip("no S3 test server (run make test)")
		}
		runFailpoints(t, &srv, glueCatalog(t))
	})
}

// glueCatalog is a glue:// URI on the test's Glue (moto's server, through
// the proxy that adds what moto leaves out), in a region of this test's
// own: the scenarios all name their database lake.
func glueCatalog(t *testing.T) string {
	endpoint := os.Getenv("LAKECTL_TEST_GLUE_ENDPOINT")
	if endpoint == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but no Glue test server (moto): run make test")
		}
		t.Skip("no Glue test server (run make test)")
	}
	proxy := gluetest.NewProxy(t, endpoint)
	return "glue://?region=ap-southeast-2&endpoint=" + proxy.URL
}

// killScenario is a writing command run on a prepared destination.
type killScenario struct {
	name string
	// setup runs (uninterrupted) before the command.
	setup [][]string
	cmd   []string
	// before and after are the rows of the table before and after cmd.
	before, after int64
	steps         []string
}

// days makes a CSV of n rows spread over the given number of days
// starting at day first (1-based, from 2024-01-01), ids from base.
func days(base, n, first, ndays int) string {
	var b strings.Builder
	b.WriteString("id,day,amount\n")
	for i := range n {
		d := first + i%ndays
		fmt.Fprintf(&b, "%d,2024-%02d-%02d,%d.25\n", base+i, (d-1)/28+1, (d-1)%28+1, i)
	}
	return b.String()
}

func killScenarios() []killScenario {
	conv := func(src string, more ...string) []string {
		return append([]string{"convert", src, "--to", "$DEST", "--register", "lake.t", "--partition-by", "day", "-q"}, more...)
	}
	convertSteps := []string{"convert.leased", "convert.staged", "convert.journaled", "convert.moved", "convert.moved#3", "convert.cataloged", "convert.recorded", "convert.finished"}
	replaceSteps := append([]string{"convert.removed", "convert.removed#3"}, convertSteps...)
	compactSteps := []string{"compact.staged", "compact.journaled", "compact.removed", "compact.removed#3", "compact.moved", "compact.cataloged", "compact.finished", "compact.journaled#2"}
	appends := [][]string{conv("raw/a.csv"), conv("raw/b.csv"), conv("raw/c.csv"), conv("raw/d.csv")}
	return []killScenario{
		{name: "new-table", cmd: conv("raw/a.csv"), before: 0, after: 400, steps: convertSteps},
		{name: "append", setup: [][]string{conv("raw/a.csv")}, cmd: conv("raw/b.csv"), before: 400, after: 800, steps: convertSteps},
		{name: "append-300-partitions", setup: [][]string{conv("raw/wide1.csv")}, cmd: conv("raw/wide2.csv"), before: 600, after: 1200,
			steps: append(convertSteps, "convert.moved#150", "convert.moved#300")},
		{name: "overwrite", setup: [][]string{conv("raw/a.csv"), conv("raw/b.csv")}, cmd: conv("raw/c.csv", "--mode", "overwrite"), before: 800, after: 400, steps: replaceSteps},
		// c.csv covers days 3-7; a.csv and b.csv days 1-5, 160 rows a day.
		{name: "overwrite-partitions", setup: [][]string{conv("raw/a.csv"), conv("raw/b.csv")}, cmd: conv("raw/c.csv", "--mode", "overwrite-partitions"), before: 800, after: 800 - 3*160 + 400, steps: replaceSteps},
		{name: "compact-small-target", setup: appends, cmd: []string{"convert", "compact", "lake.t", "--target-file-size", "3KiB", "--row-group-size", "100", "-q"}, before: 1600, after: 1600, steps: compactSteps},
		{name: "compact-default-target", setup: appends, cmd: []string{"convert", "compact", "lake.t", "-q"}, before: 1600, after: 1600, steps: compactSteps},
	}
}

// catalogSteps are the steps a run on another catalog backend kills at:
// just before the catalog changes, and just after.
var catalogSteps = map[string]bool{"convert.moved": true, "convert.cataloged": true, "compact.moved": true, "compact.cataloged": true}

func runFailpoints(t *testing.T, srv *s3test.Server, catalogURI string) {
	sources := map[string]string{
		"a.csv":     days(0, 400, 1, 5),
		"b.csv":     days(1000, 400, 1, 5),
		"c.csv":     days(2000, 400, 3, 5),
		"d.csv":     days(3000, 400, 1, 5),
		"wide1.csv": days(10000, 600, 1, 300),
		"wide2.csv": days(20000, 600, 1, 300),
	}
	for _, sc := range killScenarios() {
		t.Run(sc.name, func(t *testing.T) {
			for _, step := range sc.steps {
				if catalogURI != "" && !catalogSteps[step] {
					continue
				}
				t.Run(step, func(t *testing.T) {
					k := newKillEnv(t, srv, sources)
					if catalogURI != "" {
						k.env = append(k.env, "LAKECTL_CATALOG="+catalogURI)
						t.Cleanup(func() { k.run("catalog", "drop-database", "lake", "--cascade", "--if-exists") })
					}
					for _, args := range sc.setup {
						k.run(args...)
					}
					if got := k.rows(); got.folder != sc.before || got.catalog != sc.before {
						t.Fatalf("before: %+v, want %d", got, sc.before)
					}
					if !k.killedAt(step, sc.cmd...) {
						t.Fatalf("%s: the step was not reached", step)
					}
					got := k.rows()
					switch {
					case got.journal:
						t.Logf("pending commit after the kill: %+v", got)
					case got.folder != got.catalog || (got.folder != sc.before && got.folder != sc.after):
						t.Errorf("after the kill, no journal: folder %d rows, catalog %d, want both %d or both %d", got.folder, got.catalog, sc.before, sc.after)
					}
					// The repair finishes a decided commit, and leaves an
					// undecided one undone.
					if k.tableExists() {
						k.run("table", "check", "lake.t", "--repair", "-q")
						want := got.folder // before or after, as checked
						if got.journal {
							want = sc.after
						}
						if r := k.rows(); r.folder != want || r.catalog != want || r.journal {
							t.Errorf("after the repair: %+v, want %d", r, want)
						}
					}
					k.run(sc.cmd...)
					if r := k.rows(); r.folder != sc.after || r.catalog != sc.after || r.recordCount != sc.after {
						t.Errorf("after the rerun: %+v, want %d", r, sc.after)
					}
					k.run("table", "check", "lake.t")
				})
			}
		})
	}
}

// killEnv is one destination (a folder, or a bucket prefix on MinIO) and
// its own catalog.
type killEnv struct {
	t    *testing.T
	dir  string
	dest string
	srv  *s3test.Server
	// bucket and prefix of dest on MinIO.
	bucket, prefix string
	env            []string // more environment for every command
	raw            string   // $RAW: a raw zone to crawl
}

func newKillEnv(t *testing.T, srv *s3test.Server, sources map[string]string) *killEnv {
	k := &killEnv{t: t, dir: t.TempDir(), srv: srv}
	os.MkdirAll(filepath.Join(k.dir, "raw"), 0o755)
	for name, data := range sources {
		if err := os.WriteFile(filepath.Join(k.dir, "raw", name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	k.dest = filepath.Join(k.dir, "dest")
	if srv != nil {
		bucket, remove, err := srv.CreateBucket(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(remove)
		k.bucket, k.prefix = bucket, "lake/t/"
		k.dest = "s3://" + bucket + "/lake/t"
	}
	return k
}

func (k *killEnv) command(args ...string) *exec.Cmd {
	expanded := make([]string, len(args))
	for i, a := range args {
		expanded[i] = strings.ReplaceAll(strings.ReplaceAll(a, "$DEST", k.dest), "$RAW", k.raw)
	}
	cmd := lakectlCmd(k.dir, expanded...)
	cmd.Env = append(cmd.Env, k.env...)
	if k.srv != nil {
		cmd.Env = append(cmd.Env, k.srv.Env()...)
		cmd.Env = append(cmd.Env, "LAKECTL_S3_ENDPOINT="+k.srv.Endpoint)
	}
	return cmd
}

// run runs lakectl, which must succeed.
func (k *killEnv) run(args ...string) []byte {
	k.t.Helper()
	cmd := k.command(args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		k.t.Fatalf("lakectl %s: %v\n%s%s", strings.Join(args, " "), err, stdout.Bytes(), stderr.Bytes())
	}
	return stdout.Bytes()
}

// killedAt runs lakectl with a failpoint that kills it at step, and says
// whether it died there.
func (k *killEnv) killedAt(step string, args ...string) bool {
	k.t.Helper()
	cmd := k.command(args...)
	cmd.Env = append(cmd.Env, "LAKECTL_FAILPOINT="+step+":kill")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return true
		}
	}
	k.t.Logf("lakectl %s: %v\n%s", strings.Join(args, " "), err, out)
	return false
}

func (k *killEnv) tableExists() bool {
	return k.command("catalog", "show", "lake.t", "-q").Run() == nil
}

// counts are the rows a folder reader and a catalog reader see.
type counts struct {
	folder, catalog, recordCount int64
	journal                      bool
}

// rows counts the table's rows from its files: every data file under the
// destination (names starting with _ or . are not data), and every data
// file under the locations the catalog gives.
func (k *killEnv) rows() counts {
	k.t.Helper()
	var c counts
	files := k.files()
	_, c.journal = files["_lakectl_journal.json"]
	for key, n := range files {
		if !hiddenKey(key) {
			c.folder += n
		}
	}
	if !k.tableExists() {
		return c
	}
	var locs []string
	var parts struct {
		Partitions []struct {
			StorageDescriptor struct{ Location string }
			Parameters        map[string]string
		}
	}
	if err := json.Unmarshal(k.run("catalog", "partitions", "lake.t", "-o", "json"), &parts); err != nil {
		k.t.Fatal(err)
	}
	for _, p := range parts.Partitions {
		locs = append(locs, p.StorageDescriptor.Location)
		n, _ := strconv.ParseInt(p.Parameters["recordCount"], 10, 64)
		c.recordCount += n
	}
	for _, loc := range locs {
		u, err := url.Parse(loc)
		if err != nil {
			k.t.Fatal(err)
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(u.Path, k.dest+"/"), "/"+k.prefix)
		for key, n := range files {
			if strings.HasPrefix(key, rel) && !hiddenKey(strings.TrimPrefix(key, rel)) && !hiddenKey(key) {
				c.catalog += n
			}
		}
	}
	return c
}

func hiddenKey(key string) bool {
	for seg := range strings.SplitSeq(key, "/") {
		if strings.HasPrefix(seg, "_") || strings.HasPrefix(seg, ".") {
			return true
		}
	}
	return false
}

// files lists the destination: each object's rows (Parquet files) or 0.
func (k *killEnv) files() map[string]int64 {
	k.t.Helper()
	out := map[string]int64{}
	add := func(key string, data []byte) {
		out[key] = 0
		if strings.HasSuffix(key, ".parquet") && !hiddenKey(key) {
			r, err := file.NewParquetReader(bytes.NewReader(data))
			if err != nil {
				k.t.Fatalf("%s: %v", key, err)
			}
			out[key] = r.NumRows()
			r.Close()
		}
	}
	if k.srv == nil {
		filepath.WalkDir(k.dest, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			data, err := os.ReadFile(p)
			if err != nil {
				k.t.Fatal(err)
			}
			rel, _ := filepath.Rel(k.dest, p)
			add(filepath.ToSlash(rel), data)
			return nil
		})
		return out
	}
	ctx := context.Background()
	client := k.srv.Client()
	pages := awss3.NewListObjectsV2Paginator(client, &awss3.ListObjectsV2Input{Bucket: aws.String(k.bucket), Prefix: aws.String(k.prefix)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			k.t.Fatal(err)
		}
		for _, o := range page.Contents {
			key := strings.TrimPrefix(aws.ToString(o.Key), k.prefix)
			obj, err := client.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String(k.bucket), Key: o.Key})
			if err != nil {
				k.t.Fatal(err)
			}
			data, err := io.ReadAll(obj.Body)
			obj.Body.Close()
			if err != nil {
				k.t.Fatal(err)
			}
			add(key, data)
		}
	}
	return out
}

// Crawl's catalog writes, killed at each: a table created without its
// partitions yet, and after the first and second table's change. The
// crawl run again leaves the catalog as an uninterrupted crawl does.
func TestCrawlFailpoints(t *testing.T) {
	if testing.Short() {
		t.Skip("kills the binary at every step of a crawl")
	}
	raw := map[string]string{
		"orders/year=2023/part-0.csv": "id,amount\n1,2.5\n2,3.5\n",
		"orders/year=2024/part-0.csv": "id,amount\n3,4.5\n",
		"orders/year=2025/part-0.csv": "id,amount\n4,5.5\n",
		"customers/c.json":            "{\"id\":1,\"name\":\"a\"}\n",
		"events/e.csv":                "at,kind\n2024-01-01,x\n",
	}
	for _, store := range []string{"local", "minio"} {
		t.Run(store, func(t *testing.T) {
			var srv *s3test.Server
			if store == "minio" {
				s, ok := s3Server(t)
				if !ok {
					t.Skip("no S3 test server (run make test)")
				}
				srv = &s
			}
			crawl := []string{"crawl", "$RAW", "--database", "raw", "-q"}
			want := func() string {
				k := newCrawlEnv(t, srv, raw)
				k.run(crawl...)
				return k.catalogState()
			}()
			for _, step := range []string{"crawl.created", "crawl.applied", "crawl.applied#2"} {
				t.Run(step, func(t *testing.T) {
					k := newCrawlEnv(t, srv, raw)
					if !k.killedAt(step, crawl...) {
						t.Fatalf("%s: the step was not reached", step)
					}
					k.run(crawl...)
					if got := k.catalogState(); got != want {
						t.Errorf("after the kill and a second crawl:\n%s\nwant (an uninterrupted crawl):\n%s", got, want)
					}
				})
			}
		})
	}
}

// newCrawlEnv puts raw files in a folder (or a bucket) named by $RAW.
func newCrawlEnv(t *testing.T, srv *s3test.Server, raw map[string]string) *killEnv {
	k := newKillEnv(t, srv, nil)
	rawURI := filepath.Join(k.dir, "rawzone")
	for name, data := range raw {
		if srv == nil {
			p := filepath.Join(rawURI, filepath.FromSlash(name))
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		_, err := srv.Client().PutObject(context.Background(), &awss3.PutObjectInput{Bucket: aws.String(k.bucket), Key: aws.String("raw/" + name), Body: strings.NewReader(data)})
		if err != nil {
			t.Fatal(err)
		}
	}
	if srv != nil {
		rawURI = "s3://" + k.bucket + "/raw/"
	}
	k.raw = rawURI
	return k
}

// catalogState is the catalog's database raw as text: each table's
// columns, keys, location and parameters that a crawl sets, and its
// partitions' values and locations (times and versions left out).
func (k *killEnv) catalogState() string {
	var tables struct {
		TableList []struct {
			Name              string
			StorageDescriptor struct {
				Columns  []struct{ Name, Type string }
				Location string
			}
			PartitionKeys []struct{ Name, Type string }
			Parameters    map[string]string
		}
	}
	if err := json.Unmarshal(k.run("catalog", "tables", "raw", "-o", "json"), &tables); err != nil {
		k.t.Fatal(err)
	}
	var b strings.Builder
	for _, tb := range tables.TableList {
		fmt.Fprintf(&b, "%s %v %v %s records=%s\n", tb.Name, tb.StorageDescriptor.Columns, tb.PartitionKeys,
			k.underRaw(tb.StorageDescriptor.Location), tb.Parameters["recordCount"])
		if len(tb.PartitionKeys) == 0 {
			continue
		}
		var parts struct {
			Partitions []struct {
				Values            []string
				StorageDescriptor struct{ Location string }
			}
		}
		if err := json.Unmarshal(k.run("catalog", "partitions", "raw."+tb.Name, "-o", "json"), &parts); err != nil {
			k.t.Fatal(err)
		}
		for _, p := range parts.Partitions {
			fmt.Fprintf(&b, "  %v %s\n", p.Values, k.underRaw(p.StorageDescriptor.Location))
		}
	}
	return b.String()
}

// underRaw names a location under the raw zone as $RAW/...
func (k *killEnv) underRaw(loc string) string {
	marker := "/rawzone/"
	if k.srv != nil {
		marker = "/raw/"
	}
	if i := strings.Index(loc, marker); i >= 0 {
		return "$RAW/" + loc[i+len(marker):]
	}
	return loc
}
