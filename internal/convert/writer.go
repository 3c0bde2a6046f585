package convert

import (
	"context"
	"fmt"
	"io"
	"path"

	"github.com/parquet-go/parquet-go"

	"github.com/lakectl/lakectl/internal/storage"
)

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// fileWriter writes one Parquet file, streaming it into an atomic Put.
type fileWriter struct {
	key  string
	pw   *io.PipeWriter
	done chan error
	cw   *countingWriter
	w    *parquet.Writer
	rows int64
	// rgRows: rows in the current row group (columnar writes flush row
	// groups themselves).
	rgRows int64
	used   uint64 // for closing the least recently used writer
}

// written describes a finished output file.
type written struct {
	Partition string // "k=v/k2=v2" or ""
	Key       string // staging key
	Name      string
	Rows      int64
	Bytes     int64
}

// writerSet is one worker's open files, one per partition.
type writerSet struct {
	ctx     context.Context
	store   storage.Store
	staging string // key prefix of the run's staging folder
	prefix  string // file name prefix
	schema  *parquet.Schema
	opts    *Options
	open    map[string]*fileWriter
	seq     int
	tick    uint64
	files   []written
}

// maxRowGroupBytes ends a row group early when its buffered data passes
// this size, so that memory stays bounded whatever the rows' width.
const maxRowGroupBytes = 64 << 20

// maxOpenFiles bounds the files a worker keeps open at once (each holds a
// row group in memory); past it the least recently used is finished.
const maxOpenFiles = 32

// writeColumns writes n rows given column by column (flat schemas): each
// column's values go straight to its column writer.
func (ws *writerSet) writeColumns(part string, cols [][]parquet.Value, n int) error {
	fw, err := ws.writer(part)
	if err != nil {
		return err
	}
	for i, cw := range fw.w.ColumnWriters() {
		if _, err := cw.WriteRowValues(cols[i]); err != nil {
			return fmt.Errorf("write %s: %w", fw.key, err)
		}
	}
	fw.rows += int64(n)
	fw.rgRows += int64(n)
	if fw.rgRows >= int64(ws.opts.RowGroupSize) || fw.w.Size()-fw.cw.n >= maxRowGroupBytes {
		fw.rgRows = 0
		if err := fw.w.Flush(); err != nil {
			return fmt.Errorf("write %s: %w", fw.key, err)
		}
		if fw.cw.n >= ws.opts.TargetFileSize {
			return ws.finish(part)
		}
	}
	return nil
}

func (ws *writerSet) write(part string, rows []parquet.Row) error {
	fw, err := ws.writer(part)
	if err != nil {
		return err
	}
	if _, err := fw.w.WriteRows(rows); err != nil {
		return fmt.Errorf("write %s: %w", fw.key, err)
	}
	fw.rows += int64(len(rows))
	if fw.cw.n >= ws.opts.TargetFileSize {
		return ws.finish(part)
	}
	return nil
}

// writer returns the open file of a partition, opening one (and closing
// the least recently used past maxOpenFiles) when needed.
func (ws *writerSet) writer(part string) (*fileWriter, error) {
	fw := ws.open[part]
	if fw == nil {
		if len(ws.open) >= maxOpenFiles {
			var lru string
			for p, f := range ws.open {
				if lru == "" || f.used < ws.open[lru].used {
					lru = p
				}
			}
			if err := ws.finish(lru); err != nil {
				return nil, err
			}
		}
		var err error
		if fw, err = ws.start(part); err != nil {
			return nil, err
		}
	}
	ws.tick++
	fw.used = ws.tick
	return fw, nil
}

func (ws *writerSet) start(part string) (*fileWriter, error) {
	ws.seq++
	name := fmt.Sprintf("%s-%05d.%s.parquet", ws.prefix, ws.seq, ws.opts.Compression)
	key := path.Join(ws.staging, part, name)
	pr, pw := io.Pipe()
	fw := &fileWriter{key: key, pw: pw, done: make(chan error, 1)}
	go func() {
		err := ws.store.Put(ws.ctx, key, pr)
		pr.CloseWithError(err)
		fw.done <- err
	}()
	fw.cw = &countingWriter{w: pw}
	fw.w = parquet.NewWriter(fw.cw, ws.schema,
		parquet.Compression(Codecs[ws.opts.Compression]),
		parquet.MaxRowsPerRowGroup(int64(ws.opts.RowGroupSize)),
		newCreatedBy(ws.opts.Version, ws.opts.Build))
	ws.open[part] = fw
	return fw, nil
}

// createdBy is the created_by of lakectl's Parquet footers, in the form
// the Parquet spec gives and readers parse to work around writers' bugs:
// "lakectl version 1.2.0 (build 3f2a9c1)". (parquet.CreatedBy leaves out
// the space before the build.)
type createdBy string

func newCreatedBy(version, build string) createdBy {
	s := "lakectl"
	if version != "" {
		s += " version " + version
		if build != "" {
			s += " (build " + build + ")"
		}
	}
	return createdBy(s)
}

func (c createdBy) ConfigureWriter(cfg *parquet.WriterConfig) { cfg.CreatedBy = string(c) }

// finish completes a file: the Put returns once the object is whole.
func (ws *writerSet) finish(part string) error {
	fw := ws.open[part]
	delete(ws.open, part)
	if err := fw.w.Close(); err != nil {
		fw.pw.CloseWithError(err)
		<-fw.done
		return fmt.Errorf("write %s: %w", fw.key, err)
	}
	fw.pw.Close()
	if err := <-fw.done; err != nil {
		return err
	}
	ws.files = append(ws.files, written{Partition: part, Key: fw.key, Name: path.Base(fw.key), Rows: fw.rows, Bytes: fw.cw.n})
	return nil
}

func (ws *writerSet) finishAll() error {
	for part := range ws.open {
		if err := ws.finish(part); err != nil {
			return err
		}
	}
	return nil
}

// abort drops every open file; their Puts fail and leave nothing behind.
func (ws *writerSet) abort(cause error) {
	for part, fw := range ws.open {
		fw.pw.CloseWithError(cause)
		<-fw.done
		delete(ws.open, part)
	}
}
