package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/commit"
	"github.com/lakectl/lakectl/internal/progress"
	"github.com/lakectl/lakectl/internal/redact"
	"github.com/lakectl/lakectl/internal/storage"
)

// Layouts of the partition folders a run lands in, from its start (UTC).
const (
	LayoutDate = "ingest_date"    // ingest_date=YYYY-MM-DD
	LayoutYMD  = "year/month/day" // year=YYYY/month=MM/day=DD
)

// Layouts lists the layouts, for flags and messages.
var Layouts = []string{LayoutDate, LayoutYMD}

// Formats rows are landed in.
const (
	FormatJSONL   = "jsonl"
	FormatCSV     = "csv"
	FormatParquet = "parquet"
)

// Formats lists the row formats, for flags and messages.
var Formats = []string{FormatJSONL, FormatCSV, FormatParquet}

// Outcomes of a run, in its record.
const (
	Committed  = "committed"
	NothingNew = "nothing new"
	Failed     = "failed"
)

// Command is the name of ingest's runs in the write path (leases,
// failpoints INGEST.STEP, records).
const Command = "ingest"

// DefaultTargetFileSize is the size at which rows go on in a new file.
const DefaultTargetFileSize = 128 << 20

// Options configure a run.
type Options struct {
	// Layout is LayoutDate (the default) or LayoutYMD.
	Layout string
	// Format is the format rows are landed in (FormatJSONL by default);
	// files are landed as they are.
	Format string
	// Since lands only files modified at or after it (zero: all).
	Since time.Time
	// Again lands files that a run landed before, unchanged.
	Again bool
	// Column is the incremental column of a row source ("" loads all).
	Column string
	// Lookback re-reads this margin below the watermark (a duration for
	// dates and timestamps, a number for numbers), landing only the rows
	// not landed before.
	Lookback string
	// Key names the columns that identify a row, for the de-duplication
	// at the watermark and in the lookback (all columns when empty).
	Key []string
	// TargetFileSize is the size at which rows go on in a new file.
	TargetFileSize int64
	// NoWait fails at once (commit.ErrHeld) while another run holds the
	// dataset, instead of waiting its turn.
	NoWait bool
	// Waiting is told, once, which run holds the dataset while this one
	// waits (nil: wait quietly).
	Waiting func(holder string)
	RunID   string
	Now     func() time.Time
	// Version and Build name the lakectl writing (Parquet's created_by).
	Version, Build string
	// Failpoint is called at each named step (tests stop the process
	// there); nil in normal runs.
	Failpoint commit.Failpoint
	// Progress is told of files, rows and bytes landed; nil when nobody
	// watches.
	Progress progress.Reporter
	// Parquet starts a Parquet file of rows of these columns on w, for
	// Format parquet (the command gives convert's writer: ingest does not
	// import another domain package).
	Parquet func(w io.Writer, cols []catalog.Column) (RowEncoder, error)
	// Redact hides secrets in the text a run keeps in its record (its
	// source, its error): redact.Text when nil; the command gives one that
	// also knows the secrets it read.
	Redact func(string) string
}

func (o *Options) check() error {
	if o.Layout == "" {
		o.Layout = LayoutDate
	}
	if o.Layout != LayoutDate && o.Layout != LayoutYMD {
		return catalog.OptionErrorf("Layout", "", "layout %q: want %s", o.Layout, catalog.OneOf(Layouts...))
	}
	if o.Format == "" {
		o.Format = FormatJSONL
	}
	switch o.Format {
	case FormatJSONL, FormatCSV:
	case FormatParquet:
		if o.Parquet == nil {
			return catalog.OptionErrorf("Format", "", "format parquet: no Parquet writer was given")
		}
	default:
		return catalog.OptionErrorf("Format", "", "format %q: want %s", o.Format, catalog.OneOf(Formats...))
	}
	if o.TargetFileSize <= 0 {
		o.TargetFileSize = DefaultTargetFileSize
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Redact == nil {
		o.Redact = redact.Text
	}
	if o.RunID == "" {
		o.RunID = commit.NewRunID(o.Now())
	}
	if o.Lookback != "" && o.Column == "" {
		return catalog.OptionErrorf("Lookback", "", "a lookback needs an incremental column")
	}
	return nil
}

// partition is the folder a run started at start lands in.
func (o *Options) partition(start time.Time) string {
	d := start.UTC()
	if o.Layout == LayoutYMD {
		return d.Format("year=2006/month=01/day=02")
	}
	return "ingest_date=" + d.Format(time.DateOnly)
}

// Summary is what a run did, for its report.
type Summary struct {
	Run         string `json:"run"`
	Dataset     string `json:"dataset"`
	Source      string `json:"source"`
	Destination string `json:"destination"`
	Outcome     string `json:"outcome"`
	// Files sources: listed, landed, and passed over (unchanged since a
	// run landed them, or older than Since).
	Listed    int `json:"listed,omitempty"`
	Unchanged int `json:"unchanged,omitempty"`
	Older     int `json:"older,omitempty"`
	// Row sources: rows read, landed, and passed over as landed before
	// (at the watermark or in the lookback).
	RowsRead   int64 `json:"rowsRead,omitempty"`
	Rows       int64 `json:"rows"`
	Duplicates int64 `json:"duplicates,omitempty"`
	Bytes      int64 `json:"bytes"`
	// Landed are the files the run wrote, where, and from what.
	Landed []Landed `json:"landed"`
	// WatermarkBefore and WatermarkAfter: an incremental run's.
	WatermarkBefore string        `json:"watermarkBefore,omitempty"`
	WatermarkAfter  string        `json:"watermarkAfter,omitempty"`
	Recovered       string        `json:"recovered,omitempty"`
	Started         time.Time     `json:"started"`
	Duration        time.Duration `json:"durationNs"`
}

// Landed is one file a run wrote.
type Landed struct {
	// Source is the file it was landed from ("" for rows).
	Source string `json:"source,omitempty"`
	// Key is where it lies, below the dataset's folder.
	Key    string `json:"key"`
	Size   int64  `json:"size"`
	Rows   int64  `json:"rows,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
	MD5    string `json:"md5,omitempty"`
	// Renamed: the source's name was not safe as it was (see SafeName).
	Renamed bool `json:"renamed,omitempty"`
	Resumed int  `json:"resumed,omitempty"`
}

// A run holds its dataset (the lease), stages what it lands under
// _lakectl_staging/RUN/, and commits it with its record.
type run struct {
	ds      storage.Store
	cat     catalog.Catalog
	opts    Options
	w       *commit.Writer
	sum     *Summary
	start   time.Time
	staging string
	part    string
	journal commit.Journal
	prog    progress.Reporter
}

// begin takes the dataset, finishing whatever a killed run left.
func begin(ctx context.Context, ds storage.Store, cat catalog.Catalog, name, source string, opts *Options) (*run, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	if err := CheckName(name); err != nil {
		return nil, err
	}
	r := &run{ds: ds, cat: cat, opts: *opts, start: opts.Now(), prog: progress.Or(opts.Progress)}
	r.sum = &Summary{Run: opts.RunID, Dataset: name, Source: opts.Redact(source), Destination: ds.URI(""), Landed: []Landed{}, Started: r.start.UTC()}
	var err error
	if opts.NoWait {
		r.w, err = commit.BeginNow(ctx, ds, cat, Command, opts.RunID, commit.DefaultStaleAfter, opts.Failpoint)
	} else {
		r.w, err = commit.Begin(ctx, ds, cat, Command, opts.RunID, opts.Waiting, commit.DefaultStaleAfter, opts.Failpoint)
	}
	if err != nil {
		return nil, err
	}
	r.sum.Recovered = r.w.Recovered
	r.staging = path.Join(commit.StagingDir, opts.RunID)
	r.part = opts.partition(r.start)
	r.journal = commit.Journal{Run: opts.RunID, Command: Command, Staging: r.staging,
		Record: &commit.Record{Run: opts.RunID, Command: Command, Source: r.sum.Source, Started: r.start.UTC()}}
	return r, nil
}

// stage is the staging key of the run's n-th file.
func (r *run) stage(n int) string { return fmt.Sprintf("%s/%06d", r.staging, n) }

// place adds a staged file to the commit, landing at the run's partition
// under name.
func (r *run) place(staged, name string, l Landed) {
	l.Key = r.part + "/" + name
	r.journal.Move = append(r.journal.Move, commit.Move{From: staged, To: l.Key})
	r.journal.Record.Files = append(r.journal.Record.Files, l.Key)
	r.sum.Landed = append(r.sum.Landed, l)
	r.sum.Bytes += l.Size
	r.sum.Rows += l.Rows
}

// finish commits what the run staged (or records that it landed nothing),
// and ends it. A failed run removes its staging and records its failure;
// err is returned as it was.
func (r *run) finish(ctx context.Context, err error) (*Summary, error) {
	defer r.w.End(ctx)
	rec := r.journal.Record
	rec.Rows, rec.Bytes = r.sum.Rows, r.sum.Bytes
	rec.WatermarkBefore, rec.WatermarkAfter = r.sum.WatermarkBefore, r.sum.WatermarkAfter
	decided := false // the commit is decided: the next run finishes it
	if err == nil && len(r.journal.Move) == 0 && r.journal.State == nil && len(rec.Sources) == 0 {
		r.discard()
		r.sum.Outcome = NothingNew
	} else if err == nil {
		if err = r.w.Check(ctx); err == nil {
			r.prog.Stage("commit")
			// A commit of no file (the index learning new times of files
			// unchanged) landed nothing new.
			outcome := Committed
			if len(r.journal.Move) == 0 {
				outcome = NothingNew
			}
			rec.Outcome, rec.Finished = outcome, time.Now().UTC()
			err = commit.Commit(ctx, r.ds, r.cat, &r.journal, r.opts.Failpoint, r.prog)
			var de *commit.DecidedError
			if err == nil || errors.As(err, &de) {
				r.sum.Outcome, decided = outcome, true
			}
			if err == nil {
				r.sum.Duration = time.Since(r.start)
				return r.sum, nil
			}
		}
		var uncertain *commit.UncertainError
		if !errors.As(err, &uncertain) && !decided {
			r.discard()
		}
	} else {
		r.discard()
	}
	r.sum.Duration = time.Since(r.start)
	if decided { // the next run finishes it
		return r.sum, err
	}
	rec.Files, rec.Sources, rec.WatermarkAfter = nil, nil, ""
	rec.Finished = time.Now().UTC()
	if err != nil {
		r.sum.Outcome, rec.Outcome, rec.Error = Failed, Failed, r.opts.Redact(err.Error())
		rec.Rows, rec.Bytes = 0, 0
	} else {
		rec.Outcome = NothingNew
	}
	if kerr := commit.KeepRecord(context.WithoutCancel(ctx), r.ds, rec); kerr != nil && err == nil {
		err = kerr
	}
	return r.sum, err
}

func (r *run) discard() {
	storage.RemoveFolder(context.Background(), r.ds, r.staging)
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// CheckName refuses a dataset name that is not one plain folder name.
func CheckName(name string) error {
	if !nameRE.MatchString(name) || len(name) > 128 {
		return catalog.OptionErrorf("Dataset", "", "dataset name %q: want letters, digits, '.', '_' or '-', starting with a letter or digit", name)
	}
	return nil
}

// SafeName maps a source file's path below its root to one file name that
// cannot leave the dataset's folder or hide from readers: each segment is
// kept to ASCII letters, digits, '.', '_' and '-' (anything else becomes
// '_'), segments that are empty, '.' or '..' are dropped, and the rest
// are joined with '_'. It is at most 200 bytes, keeping the extension.
func SafeName(rel string) string {
	var segs []string
	for _, seg := range strings.FieldsFunc(rel, func(r rune) bool { return r == '/' || r == '\\' }) {
		if seg == "." || seg == ".." {
			continue
		}
		var b strings.Builder
		for _, c := range seg {
			switch {
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '_', c == '-':
				b.WriteRune(c)
			default:
				b.WriteByte('_')
			}
		}
		segs = append(segs, b.String())
	}
	name := strings.Join(segs, "_")
	if name == "" {
		name = "file"
	}
	if len(name) > 200 {
		ext := path.Ext(name)
		if len(ext) > 20 {
			ext = ""
		}
		name = name[:200-len(ext)] + ext
	}
	return name
}

// Inside says whether the dataset's folder lies in the source's folder
// (local paths, or s3:// URIs), where the source would list it.
func Inside(dataset, source string) bool {
	if i := strings.IndexAny(source, "*?["); i >= 0 {
		source = source[:strings.LastIndexAny(source[:i], "/")+1]
	}
	if !strings.Contains(source, "://") || strings.HasPrefix(source, "file://") {
		if strings.Contains(dataset, "://") {
			return false
		}
		src, err1 := filepath.Abs(strings.TrimPrefix(source, "file://"))
		ds, err2 := filepath.Abs(dataset)
		return err1 == nil && err2 == nil && (ds == src || strings.HasPrefix(ds, src+string(filepath.Separator)))
	}
	if !strings.HasPrefix(source, "s3://") {
		return false
	}
	src := strings.TrimSuffix(source, "/")
	return dataset == src || strings.HasPrefix(dataset, src+"/")
}
