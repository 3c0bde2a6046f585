package storagecmd

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/cli/cmdutil"
	"github.com/lakectl/lakectl/internal/cli/metricscmd"
	"github.com/lakectl/lakectl/internal/metrics"
	"github.com/lakectl/lakectl/internal/storage/usage"
)

type MetricsOptions struct {
	F     *cmdutil.Factory
	URI   string
	Depth int
	// To is the root of the snapshots (ROOT/storage/year=/month=/day=);
	// Database registers them as DATABASE.storage.
	To       string
	Database string
}

func NewCmdMetrics(f *cmdutil.Factory) *cobra.Command {
	opts := &MetricsOptions{F: f}
	cmd := &cobra.Command{
		Use:   "metrics URI",
		Short: "Measure what a location holds, per prefix, as S3 Storage Lens does",
		Long: `Measure what a location (a local path, file:///PATH or s3://BUCKET/PREFIX)
holds, per prefix at --depth (0: the location as a whole; 1: each folder
in it; 2: each folder in those, ...; objects lying shallower count under
the folder they are in, "." being the location itself):

  - objects and their bytes;
  - objects and bytes by storage class (STANDARD where the store names
    none: S3's default, and every file on local disk);
  - bytes by age since each object was last written, by the run's clock:
    0-30d, 30-90d, 90-365d, over-365d;
  - multipart uploads left open (S3), with the bytes of their parts and
    when the oldest began;
  - on a versioned bucket, noncurrent versions with their bytes, and
    delete markers.

The location is listed once (its versions, on a versioned bucket) and its
open multipart uploads once, with a request per upload for its parts. On
S3 the requests sent are printed on stderr by operation (in --output json,
as "Requests").

With --to ROOT the rows are also saved as the day's snapshot under
ROOT/storage/year=YYYY/month=MM/day=DD/location=URI/ (Parquet, through
the commit protocol: a rerun on the same day over the same URI replaces
that day's rows of it; other locations' rows stay), and with
--register-database DB registered as the table DB.storage, partitioned by
year, month, day and location. The columns are in docs/storage.md.

JSON output: {"URI", "Time", "Depth", "Versioned", "Prefixes": [{"Prefix",
"Objects", "Bytes", "ObjectsByClass", "BytesByClass", "BytesByAge",
"MultipartUploads", "MultipartBytes", "OldestMultipart",
"NoncurrentVersions", "NoncurrentBytes", "DeleteMarkers"}], "Requests",
"SavedTo"}.`,
		Example: `  lakectl storage metrics s3://lake/ --depth 1
  lakectl storage metrics s3://lake/raw/ --depth 2 --output json
  lakectl storage metrics s3://lake/ --depth 1 --to s3://lake/_metrics --register-database lake_metrics`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.URI = args[0]
			return metricsRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&opts.Depth, "depth", 0, "how deep the prefixes go: 0 the location as a whole, 1 each folder in it, ...")
	fl.StringVar(&opts.To, "to", "", "save the rows as the day's snapshot under ROOT/storage (a path or s3:// URI)")
	fl.StringVar(&opts.Database, "register-database", "", "register the snapshots as the table DATABASE.storage (needs --to)")
	return cmd
}

// The JSON output.
type metricsReport struct {
	URI       string          `json:"URI"`
	Time      time.Time       `json:"Time"`
	Depth     int             `json:"Depth"`
	Versioned bool            `json:"Versioned"`
	Prefixes  []metricsPrefix `json:"Prefixes"`
	Requests  map[string]int  `json:"Requests,omitempty"`
	SavedTo   string          `json:"SavedTo,omitempty"`
}

type metricsPrefix struct {
	Prefix             string           `json:"Prefix"`
	Objects            int64            `json:"Objects"`
	Bytes              int64            `json:"Bytes"`
	ObjectsByClass     map[string]int64 `json:"ObjectsByClass"`
	BytesByClass       map[string]int64 `json:"BytesByClass"`
	BytesByAge         map[string]int64 `json:"BytesByAge"`
	MultipartUploads   int64            `json:"MultipartUploads"`
	MultipartBytes     int64            `json:"MultipartBytes"`
	OldestMultipart    time.Time        `json:"OldestMultipart,omitzero"`
	NoncurrentVersions int64            `json:"NoncurrentVersions"`
	NoncurrentBytes    int64            `json:"NoncurrentBytes"`
	DeleteMarkers      int64            `json:"DeleteMarkers"`
}

// requestCounter is a store that counts the requests it sends (S3).
type requestCounter interface{ Requests() map[string]int }

func metricsRun(ctx context.Context, opts *MetricsOptions) error {
	if opts.Depth < 0 {
		return cmdutil.Usagef("--depth %d: want 0 or more", opts.Depth)
	}
	if opts.Database != "" && opts.To == "" {
		return cmdutil.Usagef("--register-database %s: needs --to ROOT, where the snapshots are kept", opts.Database)
	}
	s, err := opts.F.ExistingStore(ctx, opts.URI)
	if err != nil {
		return err
	}
	prog := opts.F.StartProgress("storage metrics")
	rep, err := usage.Measure(ctx, s, usage.Options{Depth: opts.Depth, Now: opts.F.Now, Progress: prog.Reporter()})
	prog.Stop()
	if err != nil {
		return fmt.Errorf("storage metrics %s: %w", s.URI(""), err)
	}
	out := metricsReport{URI: s.URI(""), Time: rep.Time, Depth: rep.Depth, Versioned: rep.Versioned, Prefixes: []metricsPrefix{}}
	for _, p := range rep.Prefixes {
		out.Prefixes = append(out.Prefixes, toMetricsPrefix(p))
	}
	if opts.To != "" {
		out.SavedTo, err = metricscmd.Save(ctx, opts.F, metricscmd.Snapshot{Root: opts.To, Kind: "storage",
			Columns: MetricsColumns, Rows: MetricsRows(out.URI, rep), Database: opts.Database, Keys: MetricsKeys})
		if err != nil {
			return err
		}
	}
	if rc, ok := s.(requestCounter); ok {
		out.Requests = rc.Requests()
		if opts.F.Settings.Output != "json" && !opts.F.Settings.Quiet {
			cmdutil.Fprintf(opts.F.IO.ErrOut, "lakectl: %s\n", cmdutil.RequestLine("S3 request", out.Requests))
		}
	}
	if err := opts.F.Print(metricsTable(rep), out); err != nil {
		return err
	}
	if out.SavedTo != "" && opts.F.Settings.Output == "table" && !opts.F.Settings.Quiet {
		_, err = cmdutil.Fprintf(opts.F.IO.Out, "\nSnapshot saved in %s\n", out.SavedTo)
	}
	return err
}

func toMetricsPrefix(p *usage.Prefix) metricsPrefix {
	ages := map[string]int64{}
	for i, a := range usage.Ages {
		ages[a.Name] = p.BytesByAge[i]
	}
	return metricsPrefix{Prefix: p.Prefix, Objects: p.Objects, Bytes: p.Bytes, ObjectsByClass: p.ObjectsByClass, BytesByClass: p.BytesByClass,
		BytesByAge: ages, MultipartUploads: p.MultipartUploads, MultipartBytes: p.MultipartBytes, OldestMultipart: p.OldestMultipart,
		NoncurrentVersions: p.NoncurrentVersions, NoncurrentBytes: p.NoncurrentBytes, DeleteMarkers: p.DeleteMarkers}
}

func metricsTable(rep *usage.Report) cmdutil.Table {
	header := []string{"PREFIX", "OBJECTS", "BYTES", "BYTES BY CLASS"}
	for _, a := range usage.Ages {
		header = append(header, strings.ToUpper(a.Name))
	}
	header = append(header, "UPLOADS", "UPLOAD BYTES", "OLDEST UPLOAD", "NONCURRENT", "NONCURRENT BYTES", "DELETE MARKERS")
	t := cmdutil.Table{Header: header}
	n := func(x int64) string { return strconv.FormatInt(x, 10) }
	for _, p := range rep.Prefixes {
		var classes []string
		for _, c := range slices.Sorted(maps.Keys(p.BytesByClass)) {
			classes = append(classes, c+"="+n(p.BytesByClass[c]))
		}
		row := []string{cmp.Or(strings.TrimSuffix(p.Prefix, "/"), "."), n(p.Objects), n(p.Bytes), cmdutil.OrDash(strings.Join(classes, ","))}
		for _, b := range p.BytesByAge {
			row = append(row, n(b))
		}
		row = append(row, n(p.MultipartUploads), n(p.MultipartBytes), cmdutil.FormatTime(p.OldestMultipart),
			n(p.NoncurrentVersions), n(p.NoncurrentBytes), n(p.DeleteMarkers))
		t.Add(row...)
	}
	return t
}

// MetricsColumns are the columns of the storage snapshots (the table
// DB.storage): a row per prefix a day, partitioned by DayKeys.
// docs/storage.md documents them; dashboards chart objects and bytes over
// time from them.
var MetricsColumns = slices.Concat([]catalog.Column{
	{Name: "snapshot_time", Type: "timestamp", Comment: "when the location was measured"},
	{Name: "uri", Type: "string", Comment: "the location measured"},
	{Name: "prefix", Type: "string", Comment: "the prefix under uri, empty for uri itself"},
	{Name: "depth", Type: "int", Comment: "the --depth of the run"},
	{Name: "objects", Type: "bigint"},
	{Name: "bytes", Type: "bigint"},
}, ageColumns(), []catalog.Column{
	{Name: "objects_by_class", Type: "string", Comment: `JSON object: storage class to objects, {"STANDARD":3}`},
	{Name: "bytes_by_class", Type: "string", Comment: `JSON object: storage class to bytes, {"STANDARD":75}`},
	{Name: "multipart_uploads", Type: "bigint", Comment: "multipart uploads left open"},
	{Name: "multipart_bytes", Type: "bigint", Comment: "bytes of their parts"},
	{Name: "oldest_multipart", Type: "timestamp", Comment: "when the oldest began; null when none is open"},
	{Name: "noncurrent_versions", Type: "bigint"},
	{Name: "noncurrent_bytes", Type: "bigint"},
	{Name: "delete_markers", Type: "bigint"},
	{Name: "year", Type: "string"},
	{Name: "month", Type: "string"},
	{Name: "day", Type: "string"},
	{Name: "location", Type: "string", Comment: "partition: the location measured (uri), so that runs of one day over different locations each keep their own rows"},
})

// MetricsKeys are the storage snapshot's partition keys: the day, then the
// location measured.
var MetricsKeys = append(slices.Clone(metricscmd.DayKeys), "location")

// ageColumns are a column per age bucket: bytes_0_30d, ..., bytes_over_365d.
func ageColumns() []catalog.Column {
	var cols []catalog.Column
	for _, a := range usage.Ages {
		cols = append(cols, catalog.Column{Name: "bytes_" + strings.ReplaceAll(a.Name, "-", "_"), Type: "bigint",
			Comment: "bytes of objects last written " + a.Name + " before"})
	}
	return cols
}

// MetricsRows are a report as rows of MetricsColumns, of the day of its
// time.
func MetricsRows(uri string, rep *usage.Report) [][]any {
	rows := [][]any{}
	for _, p := range rep.Prefixes {
		var oldest any
		if !p.OldestMultipart.IsZero() {
			oldest = p.OldestMultipart
		}
		row := []any{rep.Time, uri, p.Prefix, int64(rep.Depth), p.Objects, p.Bytes}
		for _, b := range p.BytesByAge {
			row = append(row, b)
		}
		row = append(row, jsonText(p.ObjectsByClass), jsonText(p.BytesByClass), p.MultipartUploads, p.MultipartBytes, oldest,
			p.NoncurrentVersions, p.NoncurrentBytes, p.DeleteMarkers)
		rows = append(rows, append(append(row, metrics.DayValues(rep.Time)...), uri))
	}
	return rows
}

// jsonText is a map as JSON, its keys sorted.
func jsonText(m map[string]int64) string {
	b, _ := json.Marshal(m) // a map of strings to numbers always marshals
	return string(b)
}
