package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"errors"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/parquet-go/parquet-go"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	awstypes "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/sys/unix"

	"github.com/lakectl/lakectl/internal/catalog/glue/gluetest"
	"github.com/lakectl/lakectl/internal/cli"
	"github.com/lakectl/lakectl/internal/dataset"
	"github.com/lakectl/lakectl/internal/ingest/sharepoint/standin"
	"github.com/lakectl/lakectl/internal/storage/s3/s3test"
	"github.com/lakectl/lakectl/internal/testenv"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"lakectl": func() { os.Exit(cli.Main()) },
		"ttyrun":  func() { os.Exit(ttyRun()) },
	})
}

// TestScripts runs the end-to-end scripts in testdata/script against the
// real binary. Each script gets its own LAKECTL_HOME (and so its own
// embedded catalog). Scripts that need S3 start with [s3]: they get a fresh
// bucket on the MinIO server that `make test` starts, as $BUCKET, with the
// endpoint in LAKECTL_S3_ENDPOINT and credentials in the AWS variables.
//
// Scripts that need AWS Glue start with [glue]: $GLUE_CATALOG is a glue://
// URI on moto's server (through gluetest's proxy, which adds the paging,
// segments and VersionId checks moto leaves out), $GLUE_ENDPOINT is moto
// itself for the aws CLI to read back what lakectl wrote, and $P is a
// prefix of the script's own for database names (moto is shared).
//
// With a PostgreSQL test server, $PG_CATALOG is the URI of a catalog of
// the script's own there (a new schema, dropped when it ends).
func TestScripts(t *testing.T) {
	params := scriptParams(t)
	params.Dir = "testdata/script"
	testscript.Run(t, params)
}

// TestScriptsOnPostgres runs the catalog scripts again with the PostgreSQL
// catalog as the configured one (LAKECTL_CATALOG=$PG_CATALOG): every
// `lakectl catalog` command, and the 16+16 processes of
// catalog_concurrency.txtar, against the real server. The scripts of
// catalog copy name both their catalogs, and run once.
func TestScriptsOnPostgres(t *testing.T) {
	testenv.URL(t, "LAKECTL_TEST_POSTGRES_URL")
	files, err := filepath.Glob("testdata/script/catalog_*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	files = slices.DeleteFunc(files, func(f string) bool { return strings.HasPrefix(filepath.Base(f), "catalog_copy") })
	if len(files) < 5 {
		t.Fatalf("found only %v", files)
	}
	params := scriptParams(t)
	params.Files = files
	setup := params.Setup
	params.Setup = func(env *testscript.Env) error {
		if err := setup(env); err != nil {
			return err
		}
		env.Setenv("LAKECTL_CATALOG", env.Getenv("PG_CATALOG"))
		return nil
	}
	testscript.Run(t, params)
}

func scriptParams(t *testing.T) testscript.Params {
	srv, haveS3 := s3Server(t)
	// The SharePoint stand-in (not SharePoint: a local server speaking its
	// wire shapes and Microsoft's token endpoint's), shared by the
	// scripts, each with lists and files of its own names.
	sp := standin.New(t)
	glueEndpoint := os.Getenv("LAKECTL_TEST_GLUE_ENDPOINT")
	var glueProxy *gluetest.Proxy
	if glueEndpoint != "" {
		glueProxy = gluetest.NewProxy(t, glueEndpoint)
	}
	return testscript.Params{
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("HOME", env.WorkDir)
			env.Setenv("LAKECTL_HOME", filepath.Join(env.WorkDir, ".lakectl"))
			env.Setenv("AWS_EC2_METADATA_DISABLED", "true")
			env.Setenv("AWS_CONFIG_FILE", os.DevNull)
			env.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
			env.Setenv("SP_SITE", "sharepoint+http://"+strings.TrimPrefix(sp.Site, "http://"))
			env.Setenv("SP_AUTHORITY", sp.Authority)
			env.Setenv("SP_GRAPH", sp.Graph)
			env.Setenv("SP_TENANT", standin.Tenant)
			env.Setenv("SP_CLIENT", standin.ClientID)
			env.Setenv("SP_SECRET", standin.ClientSecret)
			for _, db := range []string{"LAKECTL_TEST_POSTGRES_URL", "LAKECTL_TEST_MYSQL_URL"} {
				env.Setenv(strings.TrimSuffix(strings.TrimPrefix(db, "LAKECTL_TEST_"), "_URL")+"_URL", os.Getenv(db))
			}
			// $POSTGRES_NOPW_URL is $POSTGRES_URL without its password, for
			// scripts that give it as password=env:VAR or ssm:/path.
			if u, err := url.Parse(os.Getenv("LAKECTL_TEST_POSTGRES_URL")); err == nil && u.User != nil {
				u.User = url.User(u.User.Username())
				env.Setenv("POSTGRES_NOPW_URL", u.String())
			}
			if glueProxy != nil {
				env.Setenv("GLUE_CATALOG", "glue://?region=us-east-1&endpoint="+glueProxy.URL)
				env.Setenv("GLUE_ENDPOINT", glueEndpoint)
				env.Setenv("P", fmt.Sprintf("t%08x_", rand.Uint32()))
				if !haveS3 {
					env.Setenv("AWS_ACCESS_KEY_ID", "lakectl-test")
					env.Setenv("AWS_SECRET_ACCESS_KEY", "lakectl-test-secret")
				}
			}
			if base := os.Getenv("LAKECTL_TEST_POSTGRES_URL"); base != "" {
				uri, drop := testenv.NewPostgresSchema(base)
				env.Setenv("PG_CATALOG", uri)
				env.Defer(func() {
					if err := drop(); err != nil {
						env.T().Fatal(err)
					}
				})
			}
			if haveS3 {
				for _, kv := range srv.Env() {
					k, v, _ := cutEnv(kv)
					env.Setenv(k, v)
				}
				env.Setenv("LAKECTL_S3_ENDPOINT", srv.Endpoint)
				bucket, remove, err := srv.CreateBucket(context.Background())
				if err != nil {
					return err
				}
				env.Defer(remove)
				env.Setenv("BUCKET", bucket)
			}
			return nil
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "s3":
				return haveS3, nil
			case "glue":
				if glueProxy == nil && os.Getenv("CI") == "true" {
					return false, errors.New("CI=true but no Glue test server (moto): run make test")
				}
				return glueProxy != nil, nil
			case "postgres", "mysql":
				have := os.Getenv("LAKECTL_TEST_"+strings.ToUpper(map[string]string{"postgres": "POSTGRES", "mysql": "MYSQL"}[cond])+"_URL") != ""
				if !have && os.Getenv("CI") == "true" {
					return false, errors.New("CI=true but no " + cond + " test server: run make test")
				}
				return have, nil
			}
			return false, errors.New("unknown condition " + cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":      cmdExits,
			"httpserve":  cmdHTTPServe,
			"splist":     func(ts *testscript.TestScript, neg bool, args []string) { cmdSPList(ts, sp, args) },
			"spfile":     func(ts *testscript.TestScript, neg bool, args []string) { cmdSPFile(ts, sp, args) },
			"gzip":       cmdGzip,
			"parquet":    cmdParquet,
			"gencsv":     cmdGenCSV,
			"waitfile":   cmdWaitFile,
			"blackhole":  cmdBlackhole,
			"sql":        cmdSQL,
			"setxattr":   cmdSetxattr,
			"s3-put":     func(ts *testscript.TestScript, neg bool, args []string) { cmdS3Put(ts, srv, neg, args) },
			"s3-uploads": func(ts *testscript.TestScript, neg bool, args []string) { cmdS3Uploads(ts, srv, neg, args) },
			"s3-bucket":  func(ts *testscript.TestScript, neg bool, args []string) { cmdS3Bucket(ts, srv, neg, args) },
		},
	}
}

// s3Server finds the test S3 server; under CI=true its absence fails.
func s3Server(t *testing.T) (s3test.Server, bool) {
	if os.Getenv("LAKECTL_TEST_S3_ENDPOINT") == "" && os.Getenv("CI") != "true" {
		t.Log("no S3 test server: [s3] scripts are skipped (run `make test`)")
		return s3test.Server{}, false
	}
	return s3test.Require(t), true
}

func cutEnv(kv string) (string, string, bool) {
	for i := range kv {
		if kv[i] == '=' {
			return kv[:i], kv[i+1:], true
		}
	}
	return kv, "", false
}

// cmdExits runs a command and checks its exact exit status:
//
//	exits 2 lakectl catalog show nodot
//
// Its stdout and stderr are kept for the stdout/stderr commands that follow.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE COMMAND [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: %q is not an exit status", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exits: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}

// cmdS3Put uploads a file of the script's work folder to the test server,
// in a storage class of S3's where -class names one:
//
//	s3-put FILE s3://BUCKET/KEY
//	s3-put -meta customer=acme -tags category=invoice FILE s3://BUCKET/KEY
//	s3-put -class REDUCED_REDUNDANCY FILE s3://BUCKET/KEY
func cmdS3Put(ts *testscript.TestScript, srv s3test.Server, neg bool, args []string) {
	var class awstypes.StorageClass
	var meta map[string]string
	var tags *string
	for len(args) > 2 && strings.HasPrefix(args[0], "-") {
		switch args[0] {
		case "-class":
			class = awstypes.StorageClass(args[1])
		case "-meta":
			if meta == nil {
				meta = map[string]string{}
			}
			k, v, _ := strings.Cut(args[1], "=")
			meta[k] = v
		case "-tags":
			tags = &args[1]
		default:
			ts.Fatalf("s3-put: unknown option %s", args[0])
		}
		args = args[2:]
	}
	if neg || len(args) != 2 || !strings.HasPrefix(args[1], "s3://") {
		ts.Fatalf("usage: s3-put [-class CLASS] [-meta K=V]... [-tags K=V&K=V] FILE s3://BUCKET/KEY")
	}
	bucket, key, _ := strings.Cut(strings.TrimPrefix(args[1], "s3://"), "/")
	f, err := os.Open(ts.MkAbs(args[0]))
	ts.Check(err)
	defer f.Close()
	_, err = srv.Client().PutObject(context.Background(), &awss3.PutObjectInput{Bucket: &bucket, Key: &key, Body: f, StorageClass: class, Metadata: meta, Tagging: tags})
	ts.Check(err)
}

// cmdS3Bucket does to the test bucket what a script cannot do with
// lakectl: turn versioning on, delete an object (a delete marker, once
// versioned), begin a multipart upload of one part of SIZE bytes and leave
// it open (what a killed writer leaves).
//
//	s3-bucket versioning s3://BUCKET
//	s3-bucket delete s3://BUCKET/KEY
//	s3-bucket open-upload s3://BUCKET/KEY SIZE
func cmdS3Bucket(ts *testscript.TestScript, srv s3test.Server, neg bool, args []string) {
	if neg || len(args) < 2 || !strings.HasPrefix(args[1], "s3://") {
		ts.Fatalf("usage: s3-bucket versioning|delete|open-upload s3://BUCKET[/KEY] [SIZE]")
	}
	bucket, key, _ := strings.Cut(strings.TrimPrefix(args[1], "s3://"), "/")
	c, ctx := srv.Client(), context.Background()
	var err error
	switch {
	case args[0] == "versioning" && len(args) == 2:
		_, err = c.PutBucketVersioning(ctx, &awss3.PutBucketVersioningInput{Bucket: &bucket,
			VersioningConfiguration: &awstypes.VersioningConfiguration{Status: awstypes.BucketVersioningStatusEnabled}})
	case args[0] == "delete" && len(args) == 2:
		_, err = c.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: &bucket, Key: &key})
	case args[0] == "open-upload" && len(args) == 3:
		size, aerr := strconv.Atoi(args[2])
		ts.Check(aerr)
		up, cerr := c.CreateMultipartUpload(ctx, &awss3.CreateMultipartUploadInput{Bucket: &bucket, Key: &key})
		ts.Check(cerr)
		_, err = c.UploadPart(ctx, &awss3.UploadPartInput{Bucket: &bucket, Key: &key, UploadId: up.UploadId, PartNumber: aws.Int32(1),
			Body: bytes.NewReader(make([]byte, size))})
	default:
		ts.Fatalf("usage: s3-bucket versioning|delete|open-upload s3://BUCKET[/KEY] [SIZE]")
	}
	ts.Check(err)
}

// cmdS3Uploads checks the multipart uploads open under a prefix: exactly
// N of them, or with -wait, waits (up to a minute) until there is one.
//
//	s3-uploads -wait s3://BUCKET/out/_lakectl_staging/
//	s3-uploads s3://BUCKET/out/ 0
func cmdS3Uploads(ts *testscript.TestScript, srv s3test.Server, neg bool, args []string) {
	wait := false
	if len(args) == 2 && args[0] == "-wait" {
		wait, args = true, args[1:]
	}
	if neg || !strings.HasPrefix(args[0], "s3://") || (!wait && len(args) != 2) || (wait && len(args) != 1) {
		ts.Fatalf("usage: s3-uploads -wait s3://BUCKET/PREFIX | s3-uploads s3://BUCKET/PREFIX N")
	}
	bucket, prefix, _ := strings.Cut(strings.TrimPrefix(args[0], "s3://"), "/")
	count := func() int {
		// Listed whole and filtered: MinIO answers a prefixed listing only
		// for a whole object name.
		out, err := srv.Client().ListMultipartUploads(context.Background(), &awss3.ListMultipartUploadsInput{Bucket: &bucket})
		ts.Check(err)
		n := 0
		for _, u := range out.Uploads {
			if strings.HasPrefix(*u.Key, prefix) {
				n++
			}
		}
		return n
	}
	if wait {
		for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if count() > 0 {
				return
			}
		}
		ts.Fatalf("no multipart upload under %s after a minute", args[0])
	}
	if n := count(); strconv.Itoa(n) != args[1] {
		ts.Fatalf("%d multipart uploads open under %s, want %s", n, args[0], args[1])
	}
}

// cmdGzip compresses FILE into FILE.gz and removes FILE, as gzip(1) does.
func cmdGzip(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: gzip FILE")
	}
	path := ts.MkAbs(args[0])
	data, err := os.ReadFile(path)
	ts.Check(err)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(data)
	ts.Check(zw.Close())
	ts.Check(os.WriteFile(path+".gz", buf.Bytes(), 0o644))
	ts.Check(os.Remove(path))
}

type fixtureRow struct {
	ID     int64     `parquet:"id"`
	Name   string    `parquet:"name"`
	Amount int64     `parquet:"amount,decimal(2:10)"`
	At     time.Time `parquet:"at,timestamp(microsecond)"`
	Tags   []string  `parquet:"tags,list"`
}

// cmdParquet writes a Parquet file of ROWS rows:
//
//	parquet FILE ROWS
//
// with the columns id bigint, name string, amount decimal(10,2),
// at timestamp, tags array<string>.
func cmdParquet(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: parquet FILE ROWS")
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	rows := make([]fixtureRow, n)
	for i := range rows {
		rows[i] = fixtureRow{ID: int64(i), Name: fmt.Sprintf("n%d", i), Amount: int64(i * 100), At: time.Unix(int64(i), 0), Tags: []string{"a"}}
	}
	path := ts.MkAbs(args[0])
	ts.Check(os.MkdirAll(filepath.Dir(path), 0o755))
	f, err := os.Create(path)
	ts.Check(err)
	ts.Check(parquet.Write(f, rows))
	ts.Check(f.Close())
}

// cmdGenCSV writes a CSV file of ROWS rows of 8 mixed columns:
//
//	gencsv FILE ROWS
func cmdGenCSV(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: gencsv FILE ROWS")
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	path := ts.MkAbs(args[0])
	ts.Check(os.MkdirAll(filepath.Dir(path), 0o755))
	f, err := os.Create(path)
	ts.Check(err)
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "id,customer,email,amount,quantity,ordered_at,day,paid")
	for i := range n {
		fmt.Fprintf(w, "%d,customer %d,user%d@example.com,%d.%02d,%d,2024-%02d-%02dT%02d:%02d:00Z,2024-%02d-%02d,%v\n",
			i, i%1000, i%5000, i%10000, i%100, i%50, 1+i%12, 1+i%28, i%24, i%60, 1+i%12, 1+i%28, i%3 == 0)
	}
	ts.Check(w.Flush())
	ts.Check(f.Close())
}

// cmdWaitFile waits (up to a minute) until a file matching GLOB exists:
//
//	waitfile out/_lakectl_staging/*/*.parquet
//
// cmdBlackhole starts a server on loopback that accepts connections and
// never answers (a hung S3 endpoint) and puts its URL in $BLACKHOLE.
func cmdBlackhole(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: blackhole")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // held open, never read or answered
			mu.Unlock()
		}
	}()
	ts.Defer(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	ts.Setenv("BLACKHOLE", "http://"+l.Addr().String())
}

func cmdWaitFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitfile GLOB")
	}
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if m, _ := filepath.Glob(ts.MkAbs(args[0])); len(m) > 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	ts.Fatalf("no file matches %s after a minute", args[0])
}

// cmdSQL runs statements on a test database:
//
//	sql $POSTGRES_URL 'CREATE TABLE t (id bigint)' 'INSERT INTO t VALUES (1)'
func cmdSQL(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: sql URL STATEMENT...")
	}
	src, err := dataset.ParseDatabaseURI(context.Background(), args[0], "SELECT 1", nil)
	ts.Check(err)
	db, rows, err := src.Open(context.Background())
	ts.Check(err)
	rows.Close()
	defer db.Close()
	for _, st := range args[1:] {
		if _, err := db.Exec(st); err != nil {
			ts.Fatalf("%s: %v", st, err)
		}
	}
}

// splist TITLE FILE holds a list on the SharePoint stand-in: FILE is JSON,
// {"columns": [...], "rows": [[...], ...]}, a Modified value an RFC 3339
// time.
func cmdSPList(ts *testscript.TestScript, sp *standin.Server, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: splist TITLE FILE")
	}
	var doc struct {
		Columns []string
		Rows    [][]any
	}
	d := json.NewDecoder(strings.NewReader(ts.ReadFile(args[1])))
	d.UseNumber()
	ts.Check(d.Decode(&doc))
	for _, row := range doc.Rows {
		for i, v := range row {
			if n, ok := v.(json.Number); ok {
				iv, err := n.Int64()
				ts.Check(err)
				row[i] = iv
			}
			if s, ok := v.(string); ok && doc.Columns[i] == "Modified" {
				tm, err := time.Parse(time.RFC3339, s)
				ts.Check(err)
				row[i] = tm
			}
		}
	}
	sp.AddList(args[0], doc.Columns, doc.Rows...)
}

// spfile PATH FILE MODIFIED stores FILE in the stand-in's library
// "Documents" at PATH, modified at MODIFIED (RFC 3339).
func cmdSPFile(ts *testscript.TestScript, sp *standin.Server, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: spfile PATH FILE MODIFIED")
	}
	tm, err := time.Parse(time.RFC3339, args[2])
	ts.Check(err)
	sp.PutFile(args[0], []byte(ts.ReadFile(args[1])), tm)
}

// httpserve DIR serves the files of DIR over HTTP on loopback (Go's file
// server: Last-Modified, If-Modified-Since, Range) until the script ends,
// and sets $HTTP_URL to its root.
func cmdHTTPServe(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: httpserve DIR")
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(ts.MkAbs(args[0]))))
	ts.Defer(srv.Close)
	ts.Setenv("HTTP_URL", srv.URL)
}

// cmdSetxattr sets a file's extended attribute (user.NAME is user
// metadata to lakectl search index).
//
//	setxattr FILE NAME VALUE
func cmdSetxattr(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: setxattr FILE NAME VALUE")
	}
	ts.Check(unix.Setxattr(ts.MkAbs(args[0]), args[1], []byte(args[2]), 0))
}
