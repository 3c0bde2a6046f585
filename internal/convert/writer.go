package convert

import (
	"bytes"
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

// fileWriter writes one Parquet file. Its bytes stay in memory until its
// first row group is written, and then stream into an atomic Put: a file
// of a partition that gets few rows costs no upload until it is finished.
type fileWriter struct {
	key  string
	head *bytes.Buffer // the file's bytes before it streams; nil after
	pw   *io.PipeWriter
	done chan error
	cw   *countingWriter
	w    *parquet.Writer
	rows int64
	// rgRows and buffered: rows and bytes in the current row group, not
	// yet written out.
	rgRows, buffered int64
	used             uint64 // for finishing the least recently used file
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
	ctx      context.Context
	store    storage.Store
	staging  string // key prefix of the run's staging folder
	prefix   string // file name prefix
	schema   *parquet.Schema
	opts     *Options
	open     map[string]*fileWriter
	seq      int
	tick     uint64
	buffered int64 // bytes in the row groups of all open files
	files    []written
}

// maxRowGroupBytes ends a row group early when its buffered data passes
// this size, so that memory stays bounded whatever the rows' width.
const maxRowGroupBytes = 64 << 20

// maxBufferedBytes bounds the row groups a worker holds in memory over all
// its open files: past it the largest is written out (the file stays open).
const maxBufferedBytes = 128 << 20

// maxOpenFiles bounds the files a worker keeps open (each costs tens of
// KiB of writer state beyond its rows); past it the least recently used
// is finished. It is large, so that up to that many partitions get one
// file a worker, not one a batch of rows.
const maxOpenFiles = 1000

// maxStreams bounds the files a worker streams into Puts at once (an S3
// upload holds a part buffer); past it the least recently used is
// finished.
const maxStreams = 32

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
	return ws.wrote(part, fw, n)
}

func (ws *writerSet) write(part string, rows []parquet.Row) error {
	fw, err := ws.writer(part)
	if err != nil {
		return err
	}
	if _, err := fw.w.WriteRows(rows); err != nil {
		return fmt.Errorf("write %s: %w", fw.key, err)
	}
	return ws.wrote(part, fw, len(rows))
}

// wrote accounts for n rows written to a file: it ends the row group at
// its size, rolls the file at the target size, and writes out the largest
// row groups while the worker holds too many bytes.
func (ws *writerSet) wrote(part string, fw *fileWriter, n int) error {
	fw.rows += int64(n)
	fw.rgRows += int64(n)
	ws.account(fw)
	var err error
	switch {
	case fw.rgRows >= int64(ws.opts.RowGroupSize) || fw.buffered >= maxRowGroupBytes:
		err = ws.flush(part, fw)
	case fw.cw.n >= ws.opts.TargetFileSize:
		err = ws.finish(part) // the writer ended row groups itself (MaxRowsPerRowGroup)
	case fw.cw.n > 4: // more than the magic number: a row group was written
		err = ws.stream(fw)
	}
	if err != nil {
		return err
	}
	for ws.buffered > maxBufferedBytes {
		var big string
		for p, f := range ws.open {
			if big == "" || f.buffered > ws.open[big].buffered {
				big = p
			}
		}
		if ws.open[big].buffered == 0 {
			break
		}
		if err := ws.flush(big, ws.open[big]); err != nil {
			return err
		}
	}
	return nil
}

// account updates the bytes a file holds in its current row group.
func (ws *writerSet) account(fw *fileWriter) {
	buffered := fw.w.Size() - fw.cw.n
	ws.buffered += buffered - fw.buffered
	fw.buffered = buffered
}

// flush writes out a file's row group and finishes the file past the
// target size.
func (ws *writerSet) flush(part string, fw *fileWriter) error {
	fw.rgRows = 0
	if err := fw.w.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", fw.key, err)
	}
	ws.account(fw)
	if fw.cw.n >= ws.opts.TargetFileSize {
		return ws.finish(part)
	}
	return ws.stream(fw)
}

// writer returns the open file of a partition, opening one (and finishing
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
	fw := &fileWriter{key: path.Join(ws.staging, part, name), head: new(bytes.Buffer)}
	fw.cw = &countingWriter{w: fw.head}
	fw.w = parquet.NewWriter(fw.cw, ws.schema,
		parquet.Compression(Codecs[ws.opts.Compression]),
		parquet.MaxRowsPerRowGroup(int64(ws.opts.RowGroupSize)),
		newCreatedBy(ws.opts.Version, ws.opts.Build))
	ws.open[part] = fw
	return fw, nil
}

// stream starts a file's Put with the bytes it holds, and sends the rest
// through a pipe; past maxStreams it first finishes the least recently
// used streaming file.
func (ws *writerSet) stream(fw *fileWriter) error {
	if fw.head == nil {
		return nil
	}
	var lru string
	streams := 0
	for p, f := range ws.open {
		if f.head == nil {
			streams++
			if lru == "" || f.used < ws.open[lru].used {
				lru = p
			}
		}
	}
	if streams >= maxStreams {
		if err := ws.finish(lru); err != nil {
			return err
		}
	}
	pr, pw := io.Pipe()
	fw.pw, fw.done = pw, make(chan error, 1)
	head := bytes.NewReader(fw.head.Bytes())
	fw.head = nil
	fw.cw.w = pw
	go func() {
		err := ws.store.Put(ws.ctx, fw.key, io.MultiReader(head, pr))
		pr.CloseWithError(err)
		fw.done <- err
	}()
	return nil
}

// createdBy is the created_by of lakectl's Parquet footers, in the form
// the Parquet spec gives and readers parse to work around writers' bugs:
// "lakectl version 1.2.0 (build 3f2a9c1)". (parquet.CreatedBy leaves out
// the space before the build.)
type createdBy string

func newCreatedBy(version, build string) createdBy {
	if version == "" {
		version = "unknown" // readers parse "NAME version VERSION"
	}
	s := "lakectl version " + version
	if build != "" {
		s += " (build " + build + ")"
	}
	return createdBy(s)
}

func (c createdBy) ConfigureWriter(cfg *parquet.WriterConfig) { cfg.CreatedBy = string(c) }

// finish completes a file: the Put returns once the object is whole.
func (ws *writerSet) finish(part string) error {
	fw := ws.open[part]
	delete(ws.open, part)
	ws.buffered -= fw.buffered
	if err := fw.w.Close(); err != nil {
		if fw.pw != nil {
			fw.pw.CloseWithError(err)
			<-fw.done
		}
		return fmt.Errorf("write %s: %w", fw.key, err)
	}
	if fw.head != nil {
		if err := ws.store.Put(ws.ctx, fw.key, bytes.NewReader(fw.head.Bytes())); err != nil {
			return err
		}
	} else {
		fw.pw.Close()
		if err := <-fw.done; err != nil {
			return err
		}
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
		if fw.pw != nil {
			fw.pw.CloseWithError(cause)
			<-fw.done
		}
		delete(ws.open, part)
	}
}
