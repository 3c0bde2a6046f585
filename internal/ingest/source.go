// Package ingest lands data from where it lives — files on local disk, S3
// or web servers, SQL tables, SharePoint lists and libraries — in the raw
// zone: DEST/NAME/ingest_date=YYYY-MM-DD/, in files named by run id,
// through the one commit protocol (internal/commit), so that nothing
// half-written is ever visible and a watermark never runs ahead of the data.
//
// A source is either a FileSource (its files are landed byte for byte) or
// a RowSource (its rows are landed as CSV, JSON lines or Parquet). Run
// decides what is new, lands it, and commits it with the run's record.
package ingest

import (
	"context"
	"errors"
	"iter"
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/storage"
)

// ErrUnchanged: the source says the file did not change since prev (an
// HTTP 304 Not Modified); nothing was landed.
var ErrUnchanged = errors.New("unchanged since the last run")

// A FileSource lists files and lands them.
type FileSource interface {
	// String names the source for people and the run history. It never
	// holds a secret.
	String() string
	// List yields the source's files, with what its listing tells of each.
	List(ctx context.Context) iter.Seq2[RemoteFile, error]
	// Fetch lands the file's bytes, exactly as the source holds them, at
	// key in dst (a staging key), and says what it landed, checked against
	// what the source said of it (size, and MD5 where the source gives
	// one). prev is what the run that last landed this file saw of it (nil
	// when none did): a source that can ask for the file only if it changed
	// (HTTP's If-None-Match / If-Modified-Since) does, and returns
	// ErrUnchanged when it did not.
	Fetch(ctx context.Context, f RemoteFile, prev *Seen, dst storage.Store, key string) (*Fetched, error)
}

// RemoteFile is a file as a source lists it.
type RemoteFile struct {
	// URI names the file at its source (no secret in it); the run history
	// and the index of files already landed are keyed by it.
	URI string
	// Rel is its path below the source's root ('/'-separated), which
	// names the landed file.
	Rel string
	// Size is -1 when the listing does not tell (HTTP before the request).
	Size    int64
	ModTime time.Time
	ETag    string
}

// Fetched is what a Fetch landed.
type Fetched struct {
	Size    int64
	ModTime time.Time
	ETag    string
	// SHA256 is the hex SHA-256 of the bytes landed (computed as they
	// streamed, or "" after a server-side copy, whose check is the ETag).
	SHA256 string
	// MD5 is the hex MD5 checked against the source's, where it gave one.
	MD5 string
	// Resumed counts the times a dropped download went on with a range
	// request.
	Resumed int
}

// Seen is a landed file as the run that landed it saw it.
type Seen struct {
	URI     string
	Size    int64
	ModTime time.Time
	ETag    string
	SHA256  string
}

// A RowSource reads rows: a SQL table or query, a SharePoint list.
type RowSource interface {
	// String names the source for people and the run history. It never
	// holds a secret.
	String() string
	// Read starts reading. With req.Column set it reads only the rows whose
	// value of that column is at least req.From (all of them when From is
	// nil); Run drops the rows it landed before.
	Read(ctx context.Context, req ReadRequest) (RowReader, error)
}

// ReadRequest says which rows to read.
type ReadRequest struct {
	// Column is the incremental column ("" for a full load).
	Column string
	// From is the least value to read, in the column's type as RowReader
	// rows hold it (time.Time, int64, string, …); nil reads from the start.
	From any
}

// A RowReader yields a source's rows in batches.
type RowReader interface {
	// Columns are the rows' columns, in catalog types (bigint, double,
	// decimal(p,s), string, boolean, date, timestamp, array<…>, …).
	// A timestamp column without a zone in the source (local date-times)
	// has the parameter catalog.ParamLocalTime "true", and its values are
	// time.Time in UTC holding the wall clock as written; one with a zone
	// holds instants.
	Columns() []catalog.Column
	// Next returns the next batch, one value per column in each row as
	// convert.AppendRows takes them (nil, string, bool, int64, float64,
	// json.Number, time.Time, map[string]any, []any); io.EOF at the end.
	Next(ctx context.Context) ([][]any, error)
	Close() error
}
