package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"slices"
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
)

// ---- databases

func (c *Catalog) CreateDatabase(ctx context.Context, db catalog.Database) error {
	if err := catalog.PrepareDatabase(&db); err != nil {
		return err
	}
	db.CreateTime = c.now()
	return c.write(ctx, func(tx *sql.Tx) error {
		if found, err := c.exists(ctx, tx, `SELECT 1 FROM databases WHERE name = ?`, db.Name); err != nil || found {
			return errors.Join(err, existsErr(found, "database "+db.Name))
		}
		return c.exec(ctx, tx, "create database", `INSERT INTO databases (name, doc) VALUES (?, ?)`, db.Name, encode(db))
	})
}

func (c *Catalog) GetDatabase(ctx context.Context, name string) (*catalog.Database, error) {
	return getDoc[catalog.Database](ctx, c, c.db, "database "+name, `SELECT doc FROM databases WHERE name = ?`, name)
}

func (c *Catalog) ListDatabases(ctx context.Context) iter.Seq2[*catalog.Database, error] {
	return listDocs[catalog.Database](ctx, c, func(after string) (string, []any) {
		return `SELECT name, doc FROM databases WHERE name > ? ORDER BY name LIMIT ?`, []any{after}
	}, nil)
}

func (c *Catalog) UpdateDatabase(ctx context.Context, db catalog.Database) error {
	if err := catalog.PrepareDatabase(&db); err != nil {
		return err
	}
	return c.write(ctx, func(tx *sql.Tx) error {
		old, err := getDoc[catalog.Database](ctx, c, tx, "database "+db.Name, `SELECT doc FROM databases WHERE name = ?`, db.Name)
		if err != nil {
			return err
		}
		db.CreateTime = old.CreateTime
		return c.exec(ctx, tx, "update database", `UPDATE databases SET doc = ? WHERE name = ?`, encode(db), db.Name)
	})
}

func (c *Catalog) DeleteDatabase(ctx context.Context, name string) error {
	return c.write(ctx, func(tx *sql.Tx) error {
		return c.deleteOne(ctx, tx, "database "+name, `DELETE FROM databases WHERE name = ?`, name)
	})
}

// ---- tables

func (c *Catalog) CreateTable(ctx context.Context, t catalog.Table) error {
	if err := catalog.PrepareTable(&t); err != nil {
		return err
	}
	now := c.now()
	t.CreateTime, t.UpdateTime, t.VersionID = now, now, 1
	return c.write(ctx, func(tx *sql.Tx) error {
		if err := c.needDatabase(ctx, tx, t.DatabaseName); err != nil {
			return err
		}
		if found, err := c.exists(ctx, tx, `SELECT 1 FROM tables WHERE db = ? AND name = ?`, t.DatabaseName, t.Name); err != nil || found {
			return errors.Join(err, existsErr(found, "table "+t.DatabaseName+"."+t.Name))
		}
		return c.exec(ctx, tx, "create table", `INSERT INTO tables (db, name, version, doc) VALUES (?, ?, ?, ?)`,
			t.DatabaseName, t.Name, t.VersionID, encode(t))
	})
}

func (c *Catalog) GetTable(ctx context.Context, db, name string) (*catalog.Table, error) {
	return getDoc[catalog.Table](ctx, c, c.db, "table "+db+"."+name, `SELECT doc FROM tables WHERE db = ? AND name = ?`, db, name)
}

func (c *Catalog) ListTables(ctx context.Context, db string) iter.Seq2[*catalog.Table, error] {
	return listDocs[catalog.Table](ctx, c, func(after string) (string, []any) {
		return `SELECT name, doc FROM tables WHERE db = ? AND name > ? ORDER BY name LIMIT ?`, []any{db, after}
	}, func() error { return c.needDatabase(ctx, c.db, db) })
}

func (c *Catalog) UpdateTable(ctx context.Context, t *catalog.Table) error {
	nt := *t
	if err := catalog.PrepareTable(&nt); err != nil {
		return err
	}
	name := "table " + nt.DatabaseName + "." + nt.Name
	err := c.write(ctx, func(tx *sql.Tx) error {
		var version int64
		var doc string
		err := tx.QueryRowContext(ctx, `SELECT version, doc FROM tables WHERE db = ? AND name = ?`, nt.DatabaseName, nt.Name).Scan(&version, &doc)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%s: %w", name, catalog.ErrNotFound)
		}
		if err != nil {
			return c.fail("update "+name, err)
		}
		if version != nt.VersionID {
			return fmt.Errorf("%s: updating version %d, but the current one is %d: %w", name, nt.VersionID, version, catalog.ErrConflict)
		}
		var old catalog.Table
		if err := json.Unmarshal([]byte(doc), &old); err != nil {
			return c.fail("read "+name, err)
		}
		if err := c.exec(ctx, tx, "archive "+name, `INSERT INTO table_versions (db, name, version, doc) VALUES (?, ?, ?, ?)`,
			nt.DatabaseName, nt.Name, version, doc); err != nil {
			return err
		}
		nt.CreateTime, nt.UpdateTime, nt.VersionID = old.CreateTime, c.now(), version+1
		nt.LastAccessTime = catalog.LaterAccess(old.LastAccessTime, nt.LastAccessTime)
		return c.exec(ctx, tx, "update "+name, `UPDATE tables SET version = ?, doc = ? WHERE db = ? AND name = ?`,
			nt.VersionID, encode(nt), nt.DatabaseName, nt.Name)
	})
	if err == nil {
		*t = nt
	}
	return err
}

// RecordAccess sets LastAccessTime in the current table's document alone,
// in one conditional UPDATE: the version and its archive stay as they are.
// SQLite's julianday reads the RFC 3339 times the documents hold.
func (c *Catalog) RecordAccess(ctx context.Context, db, table string, at time.Time) (bool, error) {
	name := "table " + db + "." + table
	at = catalog.AccessTime(at)
	recorded := false
	err := c.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE tables SET doc = json_set(doc, '$.LastAccessTime', json(?))
			WHERE db = ? AND name = ? AND (json_extract(doc, '$.LastAccessTime') IS NULL
				OR julianday(json_extract(doc, '$.LastAccessTime')) < julianday(?))`,
			encode(at), db, table, at.Add(-catalog.AccessInterval).Format(time.RFC3339Nano))
		if err != nil {
			return c.fail("record access to "+name, err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			recorded = true
			return nil
		}
		_, err = c.tableIn(ctx, tx, db, table)
		return err
	})
	return recorded, err
}

func (c *Catalog) DeleteTable(ctx context.Context, db, name string) error {
	return c.write(ctx, func(tx *sql.Tx) error {
		return c.deleteOne(ctx, tx, "table "+db+"."+name, `DELETE FROM tables WHERE db = ? AND name = ?`, db, name)
	})
}

func (c *Catalog) ListTableVersions(ctx context.Context, db, name string) iter.Seq2[*catalog.Table, error] {
	return func(yield func(*catalog.Table, error) bool) {
		current, err := c.GetTable(ctx, db, name)
		if err != nil || !yield(current, nil) {
			if err != nil {
				yield(nil, err)
			}
			return
		}
		before := current.VersionID
		for {
			rows, err := c.db.QueryContext(ctx, `SELECT version, doc FROM table_versions WHERE db = ? AND name = ? AND version < ? ORDER BY version DESC LIMIT ?`,
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
	return c.write(ctx, func(tx *sql.Tx) error {
		t, err := c.tableIn(ctx, tx, db, table)
		if err != nil {
			return err
		}
		now := c.now()
		for _, p := range parts {
			if err := catalog.PreparePartition(t, &p); err != nil {
				return err
			}
			key := encode(p.Values)
			if found, err := c.exists(ctx, tx, `SELECT 1 FROM partitions WHERE db = ? AND tbl = ? AND vals = ?`, db, table, key); err != nil || found {
				return errors.Join(err, existsErr(found, partitionName(t, p.Values)))
			}
			p.CreationTime = now
			if err := c.exec(ctx, tx, "create partition", `INSERT INTO partitions (db, tbl, vals, doc) VALUES (?, ?, ?, ?)`,
				db, table, key, encode(p)); err != nil {
				return err
			}
		}
		return nil
	})
}

func (c *Catalog) GetPartition(ctx context.Context, db, table string, values []string) (*catalog.Partition, error) {
	t, err := c.tableIn(ctx, c.db, db, table)
	if err != nil {
		return nil, err
	}
	return getDoc[catalog.Partition](ctx, c, c.db, partitionName(t, values),
		`SELECT doc FROM partitions WHERE db = ? AND tbl = ? AND vals = ?`, db, table, encode(values))
}

func (c *Catalog) ListPartitions(ctx context.Context, db, table string, filter catalog.Filter) iter.Seq2[*catalog.Partition, error] {
	return func(yield func(*catalog.Partition, error) bool) {
		t, err := c.tableIn(ctx, c.db, db, table)
		if err == nil {
			err = filter.Check(t.PartitionKeys)
		}
		if err != nil {
			yield(nil, err)
			return
		}
		for p, err := range listDocs[catalog.Partition](ctx, c, func(after string) (string, []any) {
			return `SELECT vals, doc FROM partitions WHERE db = ? AND tbl = ? AND vals > ? ORDER BY vals LIMIT ?`, []any{db, table, after}
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
	return c.write(ctx, func(tx *sql.Tx) error {
		t, err := c.tableIn(ctx, tx, p.DatabaseName, p.TableName)
		if err != nil {
			return err
		}
		if err := catalog.PreparePartition(t, &p); err != nil {
			return err
		}
		key := encode(p.Values)
		var doc string
		err = tx.QueryRowContext(ctx, `SELECT doc FROM partitions WHERE db = ? AND tbl = ? AND vals = ?`, t.DatabaseName, t.Name, key).Scan(&doc)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%s: %w", partitionName(t, p.Values), catalog.ErrNotFound)
		}
		if err != nil {
			return c.fail("update partition", err)
		}
		var old catalog.Partition
		if err := json.Unmarshal([]byte(doc), &old); err != nil {
			return c.fail("read partition", err)
		}
		p.CreationTime = old.CreationTime
		return c.exec(ctx, tx, "update partition", `UPDATE partitions SET doc = ? WHERE db = ? AND tbl = ? AND vals = ?`,
			encode(p), t.DatabaseName, t.Name, key)
	})
}

func (c *Catalog) DeletePartitions(ctx context.Context, db, table string, values [][]string) error {
	return c.write(ctx, func(tx *sql.Tx) error {
		if _, err := c.tableIn(ctx, tx, db, table); err != nil {
			return err
		}
		for _, v := range values {
			if err := c.exec(ctx, tx, "delete partition", `DELETE FROM partitions WHERE db = ? AND tbl = ? AND vals = ?`, db, table, encode(v)); err != nil {
				return err
			}
		}
		return nil
	})
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

func (c *Catalog) exists(ctx context.Context, q querier, query string, args ...any) (bool, error) {
	var one int
	err := q.QueryRowContext(ctx, query, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, c.fail("read", err)
}

func (c *Catalog) needDatabase(ctx context.Context, q querier, name string) error {
	found, err := c.exists(ctx, q, `SELECT 1 FROM databases WHERE name = ?`, name)
	if err == nil && !found {
		err = fmt.Errorf("database %s: %w", name, catalog.ErrNotFound)
	}
	return err
}

func (c *Catalog) tableIn(ctx context.Context, q querier, db, name string) (*catalog.Table, error) {
	return getDoc[catalog.Table](ctx, c, q, "table "+db+"."+name, `SELECT doc FROM tables WHERE db = ? AND name = ?`, db, name)
}

func (c *Catalog) exec(ctx context.Context, tx *sql.Tx, op, query string, args ...any) error {
	_, err := tx.ExecContext(ctx, query, args...)
	return c.fail(op, err)
}

func (c *Catalog) deleteOne(ctx context.Context, tx *sql.Tx, what, query string, args ...any) error {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return c.fail("delete "+what, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%s: %w", what, catalog.ErrNotFound)
	}
	return nil
}

func getDoc[T any](ctx context.Context, c *Catalog, q querier, what, query string, args ...any) (*T, error) {
	var doc string
	err := q.QueryRowContext(ctx, query, args...).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%s: %w", what, catalog.ErrNotFound)
	}
	if err != nil {
		return nil, c.fail("read "+what, err)
	}
	var v T
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
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
			rows, err := c.db.QueryContext(ctx, query, append(args, c.PageSize)...)
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
func scanPage[T any, K any](rows *sql.Rows, err error, last func(*K)) ([]*T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*T
	var key K
	for rows.Next() {
		var doc string
		if err := rows.Scan(&key, &doc); err != nil {
			return nil, err
		}
		v := new(T)
		if err := json.Unmarshal([]byte(doc), v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if len(out) > 0 {
		last(&key)
	}
	return slices.Clip(out), rows.Err()
}
