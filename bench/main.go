// Command bench times `lakectl convert` against DuckDB's
// COPY (SELECT * FROM read_csv(...)) TO ... (FORMAT parquet) on the same
// generated CSV, in the same run, and prints both times, their ratio and
// both peak RSS figures. Each side runs as its own process so that its
// peak RSS is its own.
//
//	go run . -rows 1000000 -lakectl ../bin/lakectl [-baseline OLD/bin/lakectl]
//	go run . gencsv FILE ROWS        (the generated CSV alone)
//	go run . -mode realdata -lakectl ../bin/lakectl   (the real-data corpus against DuckDB)
//	go run . -mode compact -rows 10000000 -lakectl ../bin/lakectl -baseline OLD   (compaction, before and after)
//	go run . -mode kill -lakectl ../bin/lakectl -kills 500   (random SIGKILLs of writers; see kill.go)
//
// With -baseline, a second lakectl binary (say, main's) converts the same
// CSV in the same runs, so that before and after are measured side by side.
// Output sizes are reported too: the Parquet files each side wrote.
//
// This module uses cgo (DuckDB's Go driver); lakectl itself stays pure Go.
package main

import (
	"bufio"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "duckdb-copy" {
		duckdbCopy(os.Args[2], os.Args[3], os.Args[4])
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "gencsv" {
		n, err := strconv.Atoi(os.Args[3])
		check(err)
		generate(os.Args[2], n)
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "duckdb-summarize" {
		duckdbSummarize(os.Args[2])
		return
	}
	rows := flag.Int("rows", 1_000_000, "rows of the generated CSV")
	lakectl := flag.String("lakectl", "../bin/lakectl", "the lakectl binary")
	runs := flag.Int("runs", 3, "runs of each side; the median is reported")
	codec := flag.String("compression", "snappy", "Parquet compression of both sides")
	baseline := flag.String("baseline", "", "a second lakectl binary to time in the same runs (convert mode)")
	mode := flag.String("mode", "convert", "convert: CSV to Parquet against DuckDB COPY; profile: lakectl validate profile of the Parquet against DuckDB SUMMARIZE; realdata: the real-data corpus through lakectl and DuckDB, side by side; compact: convert compact of a table of small files, against -baseline; kill: a random SIGKILL campaign against lakectl's writers (docs/reliability.md)")
	corpus := flag.String("corpus", "../testdata/realdata", "the real-data corpus (-mode realdata)")
	kills := flag.Int("kills", 500, "kills of the kill campaign: trials go on until this many killed a running command (-mode kill)")
	seed := flag.Uint64("seed", uint64(time.Now().UnixNano()), "seed of the kill campaign's delays and victims (-mode kill)")
	s3 := flag.Bool("s3", false, "kill campaign against S3: LAKECTL_S3_ENDPOINT, AWS_* credentials, bucket LAKECTL_KILL_BUCKET (default lakectl-kill) (-mode kill)")
	only := flag.Int("only", -1, "run only this trial of the kill campaign (with its -seed) (-mode kill)")
	scenario := flag.String("scenario", "", "run only this scenario of the kill campaign (-mode kill)")
	window := flag.Bool("window", false, "kill campaign inside commits: each delay starts when the journal appears (local disk; one-writer scenarios) (-mode kill)")
	keep := flag.String("keep", "", "folder of the kill campaign's trials; failed ones stay (default: a new one under $TMPDIR) (-mode kill)")
	flag.Parse()
	if *mode == "kill" {
		if killMode(*lakectl, *kills, *seed, *s3, *window, *only, *scenario, *keep) > 0 {
			os.Exit(1)
		}
		return
	}
	if *mode == "realdata" {
		if realData(*lakectl, *corpus) > 0 {
			os.Exit(1)
		}
		return
	}

	dir, err := os.MkdirTemp("", "lakectl-bench-")
	check(err)
	defer os.RemoveAll(dir)
	csv := filepath.Join(dir, "orders.csv")
	size := generate(csv, *rows)
	fmt.Printf("input: %d rows × 8 columns, %.1f MiB CSV\n", *rows, float64(size)/(1<<20))

	// Wall time, and CPU time (user + system), which a shared machine
	// disturbs less.
	var lt, dt, lcpu, dcpu []time.Duration
	var lrss, drss int64
	if *mode == "compact" {
		compactBench(*lakectl, *baseline, csv, dir, *runs)
		return
	}
	if *mode == "profile" {
		pq := filepath.Join(dir, "parquet")
		run(*lakectl, "convert", csv, "--to", pq, "--quiet", "--catalog", "sqlite:"+filepath.Join(dir, "catalog.db"))
		for range *runs {
			d, cpu, rss := run(*lakectl, "validate", "profile", pq, "-o", "json", "--catalog", "sqlite:"+filepath.Join(dir, "catalog.db"))
			lt, lcpu, lrss = append(lt, d), append(lcpu, cpu), max(lrss, rss)
			self, _ := os.Executable()
			d, cpu, rss = run(self, "duckdb-summarize", filepath.Join(pq, "*.parquet"))
			dt, dcpu, drss = append(dt, d), append(dcpu, cpu), max(drss, rss)
		}
		report("lakectl validate profile", "duckdb SUMMARIZE", lt, dt, lcpu, dcpu, lrss, drss)
		return
	}
	var bt, bcpu []time.Duration
	var brss, lsize, bsize, dsize int64
	for i := range *runs {
		out := filepath.Join(dir, fmt.Sprintf("lakectl-%d", i))
		d, cpu, rss := run(*lakectl, "convert", csv, "--to", out, "--compression", *codec, "--quiet", "--catalog", "sqlite:"+filepath.Join(dir, "catalog.db"))
		lt, lcpu, lrss = append(lt, d), append(lcpu, cpu), max(lrss, rss)
		lsize = parquetBytes(out)
		if *baseline != "" {
			out := filepath.Join(dir, fmt.Sprintf("baseline-%d", i))
			d, cpu, rss := run(*baseline, "convert", csv, "--to", out, "--compression", *codec, "--quiet", "--catalog", "sqlite:"+filepath.Join(dir, "catalog-baseline.db"))
			bt, bcpu, brss = append(bt, d), append(bcpu, cpu), max(brss, rss)
			bsize = parquetBytes(out)
		}
		self, _ := os.Executable()
		dout := filepath.Join(dir, fmt.Sprintf("duckdb-%d.parquet", i))
		d, cpu, rss = run(self, "duckdb-copy", csv, dout, *codec)
		dt, dcpu, drss = append(dt, d), append(dcpu, cpu), max(drss, rss)
		dsize = parquetBytes(dout)
	}
	report("lakectl convert", "duckdb COPY", lt, dt, lcpu, dcpu, lrss, drss)
	if *baseline != "" {
		report("baseline convert", "duckdb COPY", bt, dt, bcpu, dcpu, brss, drss)
	}
	fmt.Printf("output (%s): lakectl %.1f MiB, duckdb %.1f MiB, ratio %.2f\n", *codec, mib(lsize), mib(dsize), float64(lsize)/float64(dsize))
	if *baseline != "" {
		fmt.Printf("output (%s): baseline %.1f MiB, ratio %.2f\n", *codec, mib(bsize), float64(bsize)/float64(dsize))
	}
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

// parquetBytes is the size of the Parquet files under path (a file or a
// folder; hidden _ and . names skipped, as query engines do).
func parquetBytes(path string) int64 {
	files, err := visibleParquet(path)
	check(err)
	var n int64
	for _, f := range files {
		fi, err := os.Stat(f)
		check(err)
		n += fi.Size()
	}
	return n
}

// visibleParquet lists the *.parquet files a query engine reads under root
// (a file or a folder): no path segment below root starts with _ or .; a
// root that does not exist holds none.
func visibleParquet(root string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if p != root && (strings.HasPrefix(d.Name(), "_") || strings.HasPrefix(d.Name(), ".")) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.IsDir() && strings.HasSuffix(p, ".parquet") {
			files = append(files, p)
		}
		return nil
	})
	slices.Sort(files)
	return files, err
}

func report(lname, dname string, lt, dt, lcpu, dcpu []time.Duration, lrss, drss int64) {
	l, d := median(lt), median(dt)
	lc, dc := median(lcpu), median(dcpu)
	fmt.Printf("%s: %v (runs %v), CPU %v, peak RSS %d MiB\n", lname, l.Round(time.Millisecond), lt, lc.Round(time.Millisecond), lrss>>10)
	fmt.Printf("%s: %v (runs %v), CPU %v, peak RSS %d MiB\n", dname, d.Round(time.Millisecond), dt, dc.Round(time.Millisecond), drss>>10)
	fmt.Printf("ratio %s/%s: %.2f (CPU %.2f)\n", strings.Fields(lname)[0], strings.Fields(dname)[0], float64(l)/float64(d), float64(lc)/float64(dc))
}

// duckdbSummarize runs SUMMARIZE over Parquet files and reads its result.
func duckdbSummarize(glob string) {
	db, err := sql.Open("duckdb", "")
	check(err)
	defer db.Close()
	rows, err := db.Query(fmt.Sprintf(`SUMMARIZE SELECT * FROM read_parquet('%s')`, glob))
	check(err)
	defer rows.Close()
	for rows.Next() {
	}
	check(rows.Err())
}

// run times a process and returns its wall time, CPU time and peak RSS
// in KiB.
func run(name string, args ...string) (time.Duration, time.Duration, int64) {
	cmd := exec.Command(name, args...)
	cmd.Stderr = os.Stderr
	start := time.Now()
	out, err := cmd.Output()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		os.Exit(1)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return time.Since(start), cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), ru.Maxrss
}

func duckdbCopy(csv, out, codec string) {
	db, err := sql.Open("duckdb", "")
	check(err)
	defer db.Close()
	_, err = db.Exec(fmt.Sprintf(`COPY (SELECT * FROM read_csv('%s')) TO '%s' (FORMAT parquet, COMPRESSION %s)`, csv, out, codec))
	check(err)
}

// generate writes the same 8 mixed columns as lakectl's own tests:
// bigint, string, string, decimal, bigint, timestamp, date, boolean.
func generate(path string, n int) int64 {
	f, err := os.Create(path)
	check(err)
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "id,customer,email,amount,quantity,ordered_at,day,paid")
	for i := range n {
		fmt.Fprintf(w, "%d,customer %d,user%d@example.com,%d.%02d,%d,2024-%02d-%02dT%02d:%02d:00Z,2024-%02d-%02d,%v\n",
			i, i%1000, i%5000, i%10000, i%100, i%50, 1+i%12, 1+i%28, i%24, i%60, 1+i%12, 1+i%28, i%3 == 0)
	}
	check(w.Flush())
	check(f.Close())
	fi, err := os.Stat(path)
	check(err)
	return fi.Size()
}

func median(ds []time.Duration) time.Duration {
	s := slices.Sorted(slices.Values(ds))
	return s[len(s)/2]
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
