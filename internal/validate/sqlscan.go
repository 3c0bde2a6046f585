package validate

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lakectl/lakectl/internal/dataset"
)

// scanInput reads an input once on all cores, from its files or, for a
// database source, from its query.
func scanInput(ctx context.Context, in dataset.Input, pick []int, workers int, newSink func() Sink) (Sink, *profiling, error) {
	if in.SQL != nil {
		return scanSQL(ctx, in, pick, workers, newSink)
	}
	files, err := dataset.List(ctx, in)
	if err != nil {
		return nil, nil, err
	}
	return scan(ctx, in.Table, files, pick, workers, newSink)
}

// scanSQL streams the query's rows: one reader, batches handed to the
// workers' sinks. Values are typed by the columns' database types.
// PostgreSQL is read with binary COPY (scanPostgres).
func scanSQL(ctx context.Context, in dataset.Input, pick []int, workers int, newSink func() Sink) (Sink, *profiling, error) {
	if in.SQL.Driver == "pgx" {
		return scanPostgres(ctx, in, pick, workers, newSink)
	}
	db, rows, err := in.SQL.Open(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer db.Close()
	defer rows.Close()
	cols := in.Table.StorageDescriptor.Columns
	convs := make([]func(any) Value, len(pick))
	for i, p := range pick {
		convs[i] = sqlConverter(cols[p].Type)
	}
	return fanOut(ctx, workers, newSink, nil, func(emit func([][]Value) error) error {
		raw := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range raw {
			ptrs[i] = &raw[i]
		}
		var batch [][]Value
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				return in.SQL.Redact(err)
			}
			row := make([]Value, len(pick))
			for i, p := range pick {
				row[i] = convs[i](raw[p])
			}
			batch = append(batch, row)
			if len(batch) == sqlBatchRows {
				if err := emit(batch); err != nil {
					return err
				}
				batch = nil
			}
		}
		if err := rows.Err(); err != nil {
			return in.SQL.Redact(err)
		}
		if len(batch) > 0 {
			return emit(batch)
		}
		return nil
	})
}

// fanOut runs read, which emits batches of rows, and hands the batches to
// workers, each with its own sink; the sinks merge at the end. A batch a
// worker is done with goes to recycle, when given, to be filled again.
func fanOut(ctx context.Context, workers int, newSink func() Sink, recycle func([][]Value), read func(emit func([][]Value) error) error) (Sink, *profiling, error) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	batches := make(chan [][]Value, workers)
	st := &profiling{}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			w := newSink()
			for b := range batches {
				addRows(w, b)
				if recycle != nil {
					recycle(b) // sinks keep copies, never the rows
				}
			}
			st.done(w)
		})
	}
	err := read(func(b [][]Value) error {
		select {
		case batches <- b:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	close(batches)
	wg.Wait()
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return nil, nil, err
	}
	return st.merged, st, nil
}

// sqlConverter turns a driver value into a profile value by the column's
// type (as dataset.HiveType maps database types).
func sqlConverter(hive string) func(any) Value {
	text := func(v any) (string, bool) {
		switch x := v.(type) {
		case nil:
			return "", false
		case []byte:
			return string(x), true
		case string:
			return x, true
		case time.Time:
			if hive == "date" {
				return x.UTC().Format("2006-01-02"), true
			}
			return x.UTC().Format(time.RFC3339Nano), true
		}
		return fmt.Sprint(v), true
	}
	switch {
	case hive == "bigint":
		return func(v any) Value {
			switch x := v.(type) {
			case int64:
				return Value{Kind: KindIntegral, I: x}
			case int32:
				return Value{Kind: KindIntegral, I: int64(x)}
			}
			s, ok := text(v)
			if !ok {
				return Value{}
			}
			if n, err := strconv.ParseInt(s, 10, 64); err == nil {
				return Value{Kind: KindIntegral, I: n}
			}
			return Value{Kind: KindString, S: s}
		}
	case hive == "double" || strings.HasPrefix(hive, "decimal"):
		return func(v any) Value {
			switch x := v.(type) {
			case float64:
				return Value{Kind: KindFractional, F: x}
			case float32:
				return Value{Kind: KindFractional, F: float64(x)}
			case int64:
				return Value{Kind: KindFractional, F: float64(x)}
			}
			s, ok := text(v)
			if !ok {
				return Value{}
			}
			if f, err := strconv.ParseFloat(s, 64); err == nil {
				return Value{Kind: KindFractional, F: f}
			}
			return Value{Kind: KindString, S: s}
		}
	case hive == "boolean":
		return func(v any) Value {
			switch x := v.(type) {
			case bool:
				return Value{Kind: KindBoolean, B: x}
			case int64:
				return Value{Kind: KindBoolean, B: x != 0}
			}
			s, ok := text(v)
			if !ok {
				return Value{}
			}
			b, err := strconv.ParseBool(s)
			if err != nil {
				return Value{Kind: KindString, S: s}
			}
			return Value{Kind: KindBoolean, B: b}
		}
	}
	return func(v any) Value {
		if t, ok := v.(time.Time); ok {
			if hive == "date" {
				return Value{Kind: KindDate, I: t.UnixMicro()}
			}
			return Value{Kind: KindTime, I: t.UnixMicro()}
		}
		s, ok := text(v)
		if !ok {
			return Value{}
		}
		return Value{Kind: KindString, S: s}
	}
}
