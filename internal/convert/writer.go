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

// fileWriter is one Parquet file of a writerSet: its bytes stay in
// memory until its first row group is written, and then stream into an
// atomic Put, so that a file of a partition that gets few rows costs no
// upload until it is finished.
type fileWriter struct {
	*RowWriter
	key  string
	head *bytes.Buffer // the file's bytes before it streams; nil after
	pw   *io.PipeWriter
	done chan error
	used uint64 // for finishing the least recently used file
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
	schema   *Schema
	opts     *Options
	open     map[string]*fileWriter
	seq      int
	tick     uint64
	buffered int64 // bytes in the row groups of all open files
	files    []written
}

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
	before := fw.buffered
	if err := fw.writeValues(cols, n); err != nil {
		return fmt.Errorf("write %s: %w", fw.key, err)
	}
	return ws.wrote(part, fw, before)
}

func (ws *writerSet) write(part string, rows []parquet.Row) error {
	fw, err := ws.writer(part)
	if err != nil {
		return err
	}
	before := fw.buffered
	if err := fw.writeRows(rows); err != nil {
		return fmt.Errorf("write %s: %w", fw.key, err)
	}
	return ws.wrote(part, fw, before)
}

// wrote accounts for rows written to a file whose current row group held
// before bytes: it rolls the file at the target size, starts its stream
// once a row group is out, and writes out the largest row groups while
// the worker holds too many bytes.
func (ws *writerSet) wrote(part string, fw *fileWriter, before int64) error {
	ws.buffered += fw.buffered - before
	if err := ws.rolled(part, fw); err != nil {
		return err
	}
	for ws.buffered > maxBufferedBytes {
		var big string
		for p, f := range ws.open {
			if big == "" || f.buffered > ws.open[big].buffered {
				big = p
			}
		}
		f := ws.open[big]
		if f.buffered == 0 {
			break
		}
		before := f.buffered
		if err := f.flush(); err != nil {
			return fmt.Errorf("write %s: %w", f.key, err)
		}
		ws.buffered += f.buffered - before
		if err := ws.rolled(big, f); err != nil {
			return err
		}
	}
	return nil
}

// rolled finishes a file past the target size, or starts its stream once
// a row group was written (ended by the file, or by the writer itself
// past MaxRowsPerRowGroup: then the file holds more than the magic number).
func (ws *writerSet) rolled(part string, fw *fileWriter) error {
	switch {
	case fw.Bytes() >= ws.opts.TargetFileSize:
		return ws.finish(part)
	case fw.rowGroups > 0 || fw.Bytes() > 4:
		return ws.stream(fw)
	}
	return nil
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
	fw.RowWriter = newRowWriter(fw.head, ws.schema, ws.opts.file())
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
	fw.out.W = pw
	go func() {
		err := ws.store.Put(ws.ctx, fw.key, io.MultiReader(head, pr))
		pr.CloseWithError(err)
		fw.done <- err
	}()
	return nil
}

// finish completes a file: the Put returns once the object is whole.
func (ws *writerSet) finish(part string) error {
	fw := ws.open[part]
	delete(ws.open, part)
	ws.buffered -= fw.buffered
	if err := fw.close(); err != nil {
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
	ws.files = append(ws.files, written{Partition: part, Key: fw.key, Name: path.Base(fw.key), Rows: fw.rows, Bytes: fw.Bytes()})
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
