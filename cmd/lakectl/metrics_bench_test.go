package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsglue "github.com/aws/aws-sdk-go-v2/service/glue"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/catalog/glue"
	"github.com/lakectl/lakectl/internal/catalog/glue/gluetest"
	"github.com/lakectl/lakectl/internal/catalog/sqlite"
	"github.com/lakectl/lakectl/internal/storage/s3/s3test"
	"github.com/lakectl/lakectl/internal/testenv/headless"
)

// lakeShape is a catalog for `lakectl metrics collect` to snapshot: Tables
// tables of Files files each, in one database; every other table is
// partitioned by dt into Partitions partitions (under its location), the
// rest are not.
type lakeShape struct {
	Tables, Files, Partitions int
}

func (s lakeShape) String() string { return fmt.Sprintf("%dx%d", s.Tables, s.Files) }

func (s lakeShape) partitioned(i int) bool { return i%2 == 1 && s.Partitions > 0 }

// key is the j-th file of table i, under the table's folder.
func (s lakeShape) key(i, j int) string {
	if s.partitioned(i) {
		return fmt.Sprintf("t%04d/dt=%02d/part-%03d.parquet", i, j%s.Partitions, j)
	}
	return fmt.Sprintf("t%04d/part-%03d.parquet", i, j)
}

// tables are the shape's tables and partitions, located under root (a
// folder URI ending in /).
func (s lakeShape) tables(db, root string) ([]catalog.Table, [][]catalog.Partition) {
	var ts []catalog.Table
	var ps [][]catalog.Partition
	for i := range s.Tables {
		name := fmt.Sprintf("t%04d", i)
		t := catalog.Table{DatabaseName: db, Name: name, TableType: catalog.ExternalTable,
			Parameters: map[string]string{catalog.ParamClassification: "parquet"},
			StorageDescriptor: catalog.StorageDescriptor{Location: root + name + "/",
				Columns: []catalog.Column{{Name: "id", Type: "bigint"}, {Name: "amount", Type: "double"}}}}
		var parts []catalog.Partition
		if s.partitioned(i) {
			t.PartitionKeys = []catalog.Column{{Name: "dt", Type: "string"}}
			for p := range s.Partitions {
				v := fmt.Sprintf("%02d", p)
				parts = append(parts, catalog.Partition{Values: []string{v},
					StorageDescriptor: catalog.StorageDescriptor{Location: root + name + "/dt=" + v + "/"}})
			}
		}
		ts, ps = append(ts, t), append(ps, parts)
	}
	return ts, ps
}

// createTables registers the shape's tables in c, eight at a time.
func (s lakeShape) createTables(b *testing.B, c catalog.Catalog, db, root string) {
	ctx := context.Background()
	if err := c.CreateDatabase(ctx, catalog.Database{Name: db}); err != nil {
		b.Fatal(err)
	}
	ts, ps := s.tables(db, root)
	parallel(b, len(ts), 8, func(i int) error {
		if err := c.CreateTable(ctx, ts[i]); err != nil {
			return err
		}
		if len(ps[i]) > 0 {
			return c.CreatePartitions(ctx, db, ts[i].Name, ps[i])
		}
		return nil
	})
}

// parallel runs do(0) … do(n-1) in workers goroutines; the first error
// fails the benchmark.
func parallel(b *testing.B, n, workers int, do func(i int) error) {
	work := make(chan int)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range work {
				if err := do(i); err != nil {
					errs <- err
					for range work {
					}
					return
				}
			}
		})
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
}

var (
	requestsLine = regexp.MustCompile(`(?m)^lakectl: (\d+) requests? \((.*)\)$`)
	snapshotLine = regexp.MustCompile(`(?m)^Snapshot of .*, (\d+) tables?, .* in (\d+) files? `)
)

// collect runs `lakectl metrics collect` with env, checks that it saw every
// table and file of the shape, and reports the requests it printed (which
// it must when counted), per operation, as metrics of the benchmark.
func collect(b *testing.B, bin string, shape lakeShape, counted bool, env []string, args ...string) {
	cmd := exec.Command(bin, append([]string{"metrics", "collect"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		b.Fatalf("metrics collect: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	if m := snapshotLine.FindStringSubmatch(stdout.String()); m == nil ||
		m[1] != strconv.Itoa(shape.Tables) || m[2] != strconv.Itoa(shape.Tables*shape.Files) {
		b.Fatalf("metrics collect: want %d tables and %d files, got\n%s", shape.Tables, shape.Tables*shape.Files, stdout.String())
	}
	m := requestsLine.FindStringSubmatch(stderr.String())
	if m == nil {
		if counted {
			b.Fatalf("metrics collect printed no requests:\n%s", stderr.String())
		}
		return
	}
	total, _ := strconv.Atoi(m[1])
	b.ReportMetric(float64(total), "requests/op")
	for part := range strings.SplitSeq(m[2], ", ") {
		op, n, _ := strings.Cut(part, " ")
		v, _ := strconv.Atoi(n)
		b.ReportMetric(float64(v), op+"/op")
	}
}

// BenchmarkMetricsCollectLocal is issue 15's target, the whole command:
// `lakectl metrics collect --register-database metrics` over 1,000 tables of
// 100 files each on local disk, in the embedded SQLite catalog — the
// process starting, the catalog read, the storage listed, the snapshot
// written as Parquet through the commit protocol and registered. Target:
// at most 3 s. The catalog and the files are made before the timer starts.
func BenchmarkMetricsCollectLocal(b *testing.B) {
	bin := buildBinary(b)
	for _, shape := range []lakeShape{{Tables: 1000, Files: 100}, {Tables: 1000, Files: 100, Partitions: 10}} {
		name := shape.String()
		if shape.Partitions > 0 {
			name += "-half-partitioned"
		}
		b.Run(name, func(b *testing.B) {
			dir := b.TempDir()
			data := filepath.Join(dir, "lake")
			for i := range shape.Tables {
				for j := range shape.Files {
					p := filepath.Join(data, filepath.FromSlash(shape.key(i, j)))
					if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
						b.Fatal(err)
					}
					if err := os.WriteFile(p, make([]byte, 1000+j), 0o644); err != nil {
						b.Fatal(err)
					}
				}
			}
			path := filepath.Join(dir, "catalog.db")
			c, err := sqlite.Open(context.Background(), path)
			if err != nil {
				b.Fatal(err)
			}
			shape.createTables(b, c, "lake", "file://"+data+"/")
			c.Close()
			env := []string{"LAKECTL_HOME=" + filepath.Join(dir, "home"), "LAKECTL_CATALOG=sqlite:" + path}
			b.ResetTimer()
			for b.Loop() {
				collect(b, bin, shape, false, env, "--database", "lake", "--to", filepath.Join(dir, "metrics"), "--register-database", "metrics")
			}
		})
	}
}

// BenchmarkMetricsCollectS3Glue runs `lakectl metrics collect` where the
// lake is in AWS: the catalog in Glue (moto, through gluetest's proxy,
// which pages as Glue does), the files in S3 (MinIO), the snapshot written
// to S3 and registered in Glue. It reports the requests collect printed,
// by operation (GetTables/op, ListObjectsV2/op, …), with Glue's partitions
// listed in 4 segments (the default) and in 1 (glue://?segments=1). The
// objects (tiny, put 32 at a time) and the tables are made before the
// timer starts.
//
// 1,000 × 10 and 100 × 100 by default (1,000 × 100 puts 100,000 objects,
// minutes on a small machine: LAKECTL_BENCH_SHAPES=1000x100 asks for it).
// Needs the test services (scripts/with-services.sh).
func BenchmarkMetricsCollectS3Glue(b *testing.B) {
	srv := s3test.Require(b)
	endpoint := gluetest.Endpoint(b)
	shapes := []lakeShape{{Tables: 1000, Files: 10, Partitions: 10}, {Tables: 100, Files: 100, Partitions: 10}}
	if s := os.Getenv("LAKECTL_BENCH_SHAPES"); s != "" {
		shapes = nil
		for f := range strings.SplitSeq(s, ",") {
			var sh lakeShape
			if _, err := fmt.Sscanf(f, "%dx%d", &sh.Tables, &sh.Files); err != nil {
				b.Fatalf("LAKECTL_BENCH_SHAPES: %q: want TABLESxFILES", f)
			}
			sh.Partitions = min(10, sh.Files)
			shapes = append(shapes, sh)
		}
	}
	bin := buildBinary(b)
	proxy := gluetest.NewProxy(b, endpoint)
	for _, shape := range shapes {
		b.Run(shape.String(), func(b *testing.B) {
			ctx := context.Background()
			bucket := srv.NewBucket(b)
			client := srv.Client()
			start := time.Now()
			parallel(b, shape.Tables*shape.Files, 32, func(n int) error {
				_, err := client.PutObject(ctx, &awss3.PutObjectInput{Bucket: &bucket,
					Key: aws.String("lake/" + shape.key(n/shape.Files, n%shape.Files)), Body: strings.NewReader("x")})
				return err
			})
			b.Logf("%d objects put in %v", shape.Tables*shape.Files, time.Since(start).Round(time.Millisecond))
			cat, err := glue.New(gluetest.Config(), glue.Options{}, func(o *awsglue.Options) { o.BaseEndpoint = &endpoint })
			if err != nil {
				b.Fatal(err)
			}
			db := fmt.Sprintf("bench_%s_%d", shape, time.Now().UnixNano()%1e6)
			shape.createTables(b, cat, db, "s3://"+bucket+"/lake/")
			b.Cleanup(func() {
				cat.DeleteDatabase(context.Background(), db)
				cat.DeleteDatabase(context.Background(), db+"_metrics")
			})
			// Glue's default of 4 GetPartitions segments a table, then 1.
			for _, segments := range []int{glue.DefaultSegments, 1} {
				b.Run(fmt.Sprintf("segments=%d", segments), func(b *testing.B) {
					env := append(srv.Env(), "LAKECTL_HOME="+b.TempDir(), "LAKECTL_S3_ENDPOINT="+srv.Endpoint,
						fmt.Sprintf("LAKECTL_CATALOG=glue://?region=us-east-1&endpoint=%s&segments=%d", proxy.URL, segments))
					for b.Loop() {
						collect(b, bin, shape, true, env, "--database", db, "--to", "s3://"+bucket+"/metrics", "--register-database", db+"_metrics")
					}
				})
			}
		})
	}
}

// BenchmarkMetricsDashboard times `lakectl metrics dashboard` over a
// history of a lake's size: 300 tables over 90 days, one snapshot a day
// (made before the timer starts by 90 runs of metrics collect, each with
// LAKECTL_NOW on its day, the tables growing between them at different
// paces), with the rankings of 10 tables (the default) and of all 300. It
// reports the page's size (MiB), and, as the sub-benchmarks chromium-*, how
// long headless Chromium takes from navigation to the first frame painted
// after the load event (load-s).
func BenchmarkMetricsDashboard(b *testing.B) {
	const tables, days = 300, 90
	bin := buildBinary(b)
	dir := b.TempDir()
	data, snapshots := filepath.Join(dir, "lake"), filepath.Join(dir, "metrics")
	path := filepath.Join(dir, "catalog.db")
	c, err := sqlite.Open(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	lakeShape{Tables: tables, Partitions: 10}.createTables(b, c, "lake", "file://"+data+"/")
	c.Close()
	env := []string{"LAKECTL_HOME=" + filepath.Join(dir, "home"), "LAKECTL_CATALOG=sqlite:" + path}
	first := time.Date(2026, 1, 1, 6, 0, 0, 0, time.UTC)
	shape := lakeShape{Tables: tables, Partitions: 10}
	for d := range days {
		// Table i gains a file every i%7+1 days, of a size of its own.
		for i := range tables {
			if d%(i%7+1) != 0 {
				continue
			}
			p := filepath.Join(data, filepath.FromSlash(shape.key(i, d)))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(p, make([]byte, 1000*(i+1)), 0o644); err != nil {
				b.Fatal(err)
			}
		}
		cmd := exec.Command(bin, "metrics", "collect", "--to", snapshots, "--small-file", "100KiB")
		cmd.Env = append(os.Environ(), append(env, "LAKECTL_NOW="+first.AddDate(0, 0, d).Format(time.RFC3339))...)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("metrics collect, day %d: %v\n%s", d, err, out)
		}
	}
	env = append(env, "LAKECTL_NOW="+first.AddDate(0, 0, days-1).Add(time.Hour).Format(time.RFC3339))
	// The default rankings (10 tables each), then every table in each.
	for _, top := range []int{10, tables} {
		out := filepath.Join(dir, fmt.Sprintf("dashboard-top%d.html", top))
		b.Run(fmt.Sprintf("render-%dx%d-top%d", tables, days, top), func(b *testing.B) {
			for b.Loop() {
				cmd := exec.Command(bin, "metrics", "dashboard", "--from", snapshots, "--out", out, "--size-goal", "1MiB", "--top", strconv.Itoa(top))
				cmd.Env = append(os.Environ(), env...)
				if msg, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("metrics dashboard: %v\n%s", err, msg)
				}
			}
			st, err := os.Stat(out)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(st.Size())/(1<<20), "MiB")
		})
		b.Run(fmt.Sprintf("chromium-top%d", top), func(b *testing.B) {
			var load time.Duration
			for b.Loop() {
				p := headless.Open(b, out)
				load += p.Load
				if problems := p.Problems(); len(problems) > 0 {
					b.Fatalf("the console has errors: %v", problems)
				}
			}
			b.ReportMetric(load.Seconds()/float64(b.N), "load-s")
		})
	}
}
