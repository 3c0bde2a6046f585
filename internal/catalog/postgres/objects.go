package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/lakectl/lakectl/internal/catalog"
)

// querier is a pool or a transaction.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// ---- databases

func (c *Catalog) CreateDatabase(ctx context.Context, db catalog.Database) error {
	if err := catalog.PrepareDatabase(&db); err != nil {
		return err
	}
	db.CreateTime = c.now()
	tag, err := c.pool.Exec(ctx, c.sql(`INSERT INTO {s}.databases (name, doc) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`), db.Name, encode(db))
	if err != nil {
		return c.fail("create database "+db.Name, err)
	}
	return existsErr(tag.RowsAffected() == 0, "database "+db.Name)
}

func (c *Catalog) GetDatabase(ctx context.Context, name string) (*catalog.Database, error) {
	return getDoc[catalog.Database](ctx, c, c.pool, "database "+name, `SELECT doc FROM {s}.databases WHERE name = $1`, name)
}

func (c *Catalog) ListDatabases(ctx context.Context) iter.Seq2[*catalog.Database, error] {
	return listDocs[catalog.Database](ctx, c, func(after string) (string, []any) {
		return `SELECT name, doc FROM {s}.databases WHERE name > $1 ORDER BY name LIMIT $2`, []any{after}
	}, nil)
}

func (c *Catalog) UpdateDatabase(ctx context.Context, db catalog.Database) error {
	if err := catalog.PrepareDatabase(&db); err != nil {
		return err
	}
	return c.write(ctx, "update database "+db.Name, func(tx pgx.Tx) error {
		old, err := getDoc[catalog.Database](ctx, c, tx, "database "+db.Name, `SELECT doc FROM {s}.databases WHERE name = $1 FOR UPDATE`, db.Name)
		if err != nil {
			return err
		}
		db.CreateTime = old.CreateTime
		_, err = tx.Exec(ctx, c.sql(`UPDATE {s}.databases SET doc = $2 WHERE name = $1`), db.Name, encode(db))
		return err
	})
}

func (c *Catalog) DeleteDatabase(ctx context.Context, name string) error {
	return c.deleteOne(ctx, "database "+name, `DELETE FROM {s}.databases WHERE name = $1`, name)
}

// ---- tables

func (c *Catalog) CreateTable(ctx context.Context, t catalog.Table) error {
	if err := catalog.PrepareTable(&t); err != nil {
		return err
	}
	now := c.now()
	t.CreateTime, t.UpdateTime, t.VersionID = now, now, 1
	name := "table " + t.DatabaseName + "." + t.Name
	tag, err := c.pool.Exec(ctx, c.sql(`INSERT INTO {s}.tables (db, name, version, doc) VALUES ($1, $2, $3, $4) ON CONFLICT (db, name) DO NOTHING`),
		t.DatabaseName, t.Name, t.VersionID, encode(t))
	if isForeignKey(err) {
		return fmt.Errorf("database %s: %w", t.DatabaseName, catalog.ErrNotFound)
	}
	if err != nil {
		return c.fail("create "+name, err)
	}
	return existsErr(tag.RowsAffected() == 0, name)
}

func (c *Catalog) GetTable(ctx context.Context, db, name string) (*catalog.Table, error) {
	return c.tableIn(ctx, c.pool, db, name, "")
}

func (c *Catalog) ListTables(ctx context.Context, db string) iter.Seq2[*catalog.Table, error] {
	return listDocs[catalog.Table](ctx, c, func(after string) (string, []any) {
		return `SELECT name, doc FROM {s}.tables WHERE db = $1 AND name > $2 ORDER BY name LIMIT $3`, []any{db, after}
	}, func() error { return c.needDatabase(ctx, db) })
}

func (c *Catalog) UpdateTable(ctx context.Context, t *catalog.Table) error {
	nt := *t
	if err := catalog.PrepareTable(&nt); err != nil {
		return err
	}
	name := "table " + nt.DatabaseName + "." + nt.Name
	err := c.write(ctx, "update "+name, func(tx pgx.Tx) error {
		// The row lock makes concurrent updates of the table take turns:
		// each compares the version the one before it wrote.
		var version int64
		var doc []byte
		err := tx.QueryRow(ctx, c.sql(`SELECT version, doc FROM {s}.tables WHERE db = $1 AND name = $2 FOR UPDATE`), nt.DatabaseName, nt.Name).Scan(&version, &doc)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("%s: %w", name, catalog.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if version != nt.VersionID {
			return fmt.Errorf("%s: updating version %d, but the current one is %d: %w", name, nt.VersionID, version, catalog.ErrConflict)
		}
		var old catalog.Table
		if err := json.Unmarshal(doc, &old); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, c.sql(`INSERT INTO {s}.table_versions (db, name, version, doc) VALUES ($1, $2, $3, $4)`),
			nt.DatabaseName, nt.Name, version, doc); err != nil {
			return err
		}
		nt.CreateTime, nt.UpdateTime, nt.VersionID = old.CreateTime, c.now(), version+1
		nt.LastAccessTime = catalog.LaterAccess(old.LastAccessTime, nt.LastAccessTime)
		_, err = tx.Exec(ctx, c.sql(`UPDATE {s}.tables SET version = $3, doc = $4 WHERE db = $1 AND name = $2`),
			nt.DatabaseName, nt.Name, nt.VersionID, encode(nt))
		return err
	})
	if err == nil {
		*t = nt
	}
	return err
}

// RecordAccess sets LastAccessTime in the current table's document alone,
// in one conditional UPDATE (the row's lock orders it with updates): the
// version and its archive stay as they are.
func (c *Catalog) RecordAccess(ctx context.Context, db, table string, at time.Time) (bool, error) {
	name := "table " + db + "." + table
	at = catalog.AccessTime(at)
	tag, err := c.pool.Exec(ctx, c.sql(`UPDATE {s}.tables SET doc = jsonb_set(doc, '{LastAccessTime}', $3::jsonb)
		WHERE db = $1 AND name = $2 AND (doc->>'LastAccessTime' IS NULL OR (doc->>'LastAccessTime')::timestamptz < $4)`),
		db, table, encode(at), at.Add(-catalog.AccessInterval))
	if err != nil {
		return false, c.fail("record access to "+name, err)
	}
	if tag.RowsAffected() > 0 {
		return true, nil
	}
	_, err = c.tableIn(ctx, c.pool, db, table, "")
	return false, err
}

func (c *Catalog) DeleteTable(ctx context.Context, db, name string) error {
	return c.deleteOne(ctx, "table "+db+"."+name, `DELETE FROM {s}.tables WHERE db = $1 AND name = $2`, db, name)
}

func (c *Catalog) ListTableVersions(ctx context.Context, db, name string) iter.Seq2[*catalog.Table, error] {
	return func(yield func(*catalog.Table, error) bool) {
		current, err := c.GetTable(ctx, db, name)
		if err != nil {
			yield(nil, err)
			return
		}
		if !yield(current, nil) {
			return
		}
		before := current.VersionID
		for {
			rows, err := c.pool.Query(ctx, c.sql(`SELECT version, doc FROM {s}.table_versions WHERE db = $1 AND name = $2 AND version < $3 ORDER BY version DESC LIMIT $4`),
				db, name, before, c.PageSize)
			page, err := scanPage[catalog.Table](rows, err, func(v *int64) { before = *v })
			if err != nil {
				yield(nil, c.fail("list versions of "+db+"."+name, err))
				return
			}
			for _, t := range page {
				if !yield(t, nil) {
					return
				}
			}
			if len(page) < c.PageSize {
				return
			}
		}
	}
}

// ---- partitions

func (c *Catalog) CreatePartitions(ctx context.Context, db, table string, parts []catalog.Partition) error {
	return c.write(ctx, "create partitions of "+db+"."+table, func(tx pgx.Tx) error {
		// FOR KEY SHARE: the table cannot be dropped under the new
		// partitions, and may still be updated.
		t, err := c.tableIn(ctx, tx, db, table, "FOR KEY SHARE")
		if err != nil {
			return err
		}
		now := c.now()
		keys, docs := make([]string, len(parts)), make([]string, len(parts))
		for i, p := range parts {
			if err := catalog.PreparePartition(t, &p); err != nil {
				return err
			}
			p.CreationTime = now
			keys[i], docs[i] = encode(p.Values), encode(p)
		}
		// In key order, so that two batches that share partitions wait
		// for each other rather than deadlock.
		order := make([]int, len(parts))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(keys[a], keys[b]) })
		sortedKeys, sortedDocs := make([]string, len(parts)), make([]string, len(parts))
		for i, j := range order {
			sortedKeys[i], sortedDocs[i] = keys[j], docs[j]
		}
		rows, err := tx.Query(ctx, c.sql(`INSERT INTO {s}.partitions (db, tbl, vals, doc)
			SELECT $1, $2, k, d::jsonb FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS u(k, d, i) ORDER BY i
			ON CONFLICT (db, tbl, vals) DO NOTHING RETURNING vals`), db, table, sortedKeys, sortedDocs)
		if err != nil {
			return err
		}
		made, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		if len(made) == len(parts) {
			return nil
		}
		// The first partition that was there already, or given twice.
		fresh := map[string]int{}
		for _, k := range made {
			fresh[k]++
		}
		for i, k := range keys {
			if fresh[k] == 0 {
				return fmt.Errorf("%s: %w", partitionName(t, parts[i].Values), catalog.ErrAlreadyExists)
			}
			fresh[k]--
		}
		return fmt.Errorf("%d of %d partitions of %s.%s were made: %w", len(made), len(parts), db, table, catalog.ErrAlreadyExists)
	})
}

func (c *Catalog) GetPartition(ctx context.Context, db, table string, values []string) (*catalog.Partition, error) {
	t, err := c.tableIn(ctx, c.pool, db, table, "")
	if err != nil {
		return nil, err
	}
	return getDoc[catalog.Partition](ctx, c, c.pool, partitionName(t, values),
		`SELECT doc FROM {s}.partitions WHERE db = $1 AND tbl = $2 AND vals = $3`, db, table, encode(values))
}

func (c *Catalog) ListPartitions(ctx context.Context, db, table string, filter catalog.Filter) iter.Seq2[*catalog.Partition, error] {
	return func(yield func(*catalog.Partition, error) bool) {
		t, err := c.tableIn(ctx, c.pool, db, table, "")
		if err == nil {
			err = filter.Check(t.PartitionKeys)
		}
		if err != nil {
			yield(nil, err)
			return
		}
		for p, err := range listDocs[catalog.Partition](ctx, c, func(after string) (string, []any) {
			return `SELECT vals, doc FROM {s}.partitions WHERE db = $1 AND tbl = $2 AND vals > $3 ORDER BY vals LIMIT $4`, []any{db, table, after}
		}, nil) {
			if err == nil && !filter.Match(t.PartitionKeys, p.Values) {
				continue
			}
			if !yield(p, err) || err != nil {
				return
			}
		}
	}
}

func (c *Catalog) UpdatePartition(ctx context.Context, p catalog.Partition) error {
	return c.write(ctx, "update partition", func(tx pgx.Tx) error {
		t, err := c.tableIn(ctx, tx, p.DatabaseName, p.TableName, "FOR KEY SHARE")
		if err != nil {
			return err
		}
		if err := catalog.PreparePartition(t, &p); err != nil {
			return err
		}
		key := encode(p.Values)
		old, err := getDoc[catalog.Partition](ctx, c, tx, partitionName(t, p.Values),
			`SELECT doc FROM {s}.partitions WHERE db = $1 AND tbl = $2 AND vals = $3 FOR UPDATE`, t.DatabaseName, t.Name, key)
		if err != nil {
			return err
		}
		p.CreationTime = old.CreationTime
		_, err = tx.Exec(ctx, c.sql(`UPDATE {s}.partitions SET doc = $4 WHERE db = $1 AND tbl = $2 AND vals = $3`), t.DatabaseName, t.Name, key, encode(p))
		return err
	})
}

func (c *Catalog) DeletePartitions(ctx context.Context, db, table string, values [][]string) error {
	if _, err := c.tableIn(ctx, c.pool, db, table, ""); err != nil {
		return err
	}
	keys := make([]string, len(values))
	for i, v := range values {
		keys[i] = encode(v)
	}
	_, err := c.pool.Exec(ctx, c.sql(`DELETE FROM {s}.partitions WHERE db = $1 AND tbl = $2 AND vals = ANY($3::text[])`), db, table, keys)
	return c.fail("delete partitions of "+db+"."+table, err)
}

// ---- helpers

func partitionName(t *catalog.Table, values []string) string {
	return fmt.Sprintf("partition %v of %s.%s", values, t.DatabaseName, t.Name)
}

func encode(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // catalog types always marshal
	}
	return string(b)
}

func existsErr(found bool, what string) error {
	if !found {
		return nil
	}
	return fmt.Errorf("%s: %w", what, catalog.ErrAlreadyExists)
}

func isForeignKey(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23503"
}

func (c *Catalog) needDatabase(ctx context.Context, name string) error {
	var found bool
	err := c.pool.QueryRow(ctx, c.sql(`SELECT EXISTS (SELECT 1 FROM {s}.databases WHERE name = $1)`), name).Scan(&found)
	if err != nil {
		return c.fail("read database "+name, err)
	}
	if !found {
		return fmt.Errorf("database %s: %w", name, catalog.ErrNotFound)
	}
	return nil
}

// tableIn reads a table, with a row lock when lock is set (FOR KEY SHARE).
func (c *Catalog) tableIn(ctx context.Context, q querier, db, name, lock string) (*catalog.Table, error) {
	return getDoc[catalog.Table](ctx, c, q, "table "+db+"."+name, `SELECT doc FROM {s}.tables WHERE db = $1 AND name = $2 `+lock, db, name)
}

func (c *Catalog) deleteOne(ctx context.Context, what, query string, args ...any) error {
	tag, err := c.pool.Exec(ctx, c.sql(query), args...)
	if err != nil {
		return c.fail("delete "+what, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%s: %w", what, catalog.ErrNotFound)
	}
	return nil
}

func getDoc[T any](ctx context.Context, c *Catalog, q querier, what, query string, args ...any) (*T, error) {
	var doc []byte
	err := q.QueryRow(ctx, c.sql(query), args...).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("%s: %w", what, catalog.ErrNotFound)
	}
	if err != nil {
		return nil, c.fail("read "+what, err)
	}
	var v T
	if err := json.Unmarshal(doc, &v); err != nil {
		return nil, c.fail("read "+what, err)
	}
	return &v, nil
}

// listDocs pages through a keyset query: page(after) returns the query (its
// first column is the key, the second the document; the last placeholder
// is the limit) and its arguments. Each page is read whole and its rows
// closed before anything is yielded, so a consumer may call the catalog
// while it iterates.
func listDocs[T any](ctx context.Context, c *Catalog, page func(after string) (string, []any), before func() error) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		if before != nil {
			if err := before(); err != nil {
				yield(nil, err)
				return
			}
		}
		after := ""
		for {
			query, args := page(after)
			rows, err := c.pool.Query(ctx, c.sql(query), append(args, c.PageSize)...)
			docs, err := scanPage[T](rows, err, func(k *string) { after = *k })
			if err != nil {
				yield(nil, c.fail("list", err))
				return
			}
			for _, d := range docs {
				if !yield(d, nil) {
					return
				}
			}
			if len(docs) < c.PageSize {
				return
			}
		}
	}
}

// scanPage reads (key, doc) rows; last receives the key of the last row.
func scanPage[T any, K any](rows pgx.Rows, err error, last func(*K)) ([]*T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*T
	var key K
	for rows.Next() {
		var doc []byte
		if err := rows.Scan(&key, &doc); err != nil {
			return nil, err
		}
		v := new(T)
		if err := json.Unmarshal(doc, v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if len(out) > 0 {
		last(&key)
	}
	return slices.Clip(out), rows.Err()
}
