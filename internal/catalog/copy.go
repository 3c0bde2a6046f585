package catalog

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/lakectl/lakectl/internal/progress"
)

// What Copy did with an object.
const (
	Copied  = "copied"  // made in the target (for a table: versions written)
	Same    = "same"    // there already, identical: left alone
	Differs = "differs" // there, different: left as it is
	Updated = "updated" // there, different: made as the source's (CopyOptions.Overwrite)
)

// Kinds of objects in a copy's report.
const (
	KindDatabase  = "database"
	KindTable     = "table"
	KindPartition = "partition"
)

// DefaultCopyBatch is how many partitions one CreatePartitions call of a
// copy adds.
const DefaultCopyBatch = 500

// CopyOptions control Copy.
type CopyOptions struct {
	// Databases limits the copy to these databases (every one when empty).
	Databases []string
	// Overwrite makes objects of the target that differ from the source's
	// as the source's: a table gets a new version (its old one is kept
	// in its history), a database or partition is updated. Without it
	// they are reported and left as they are.
	Overwrite bool
	// Batch is how many partitions are added at once (DefaultCopyBatch
	// when 0); each batch is all or nothing.
	Batch int
	// Progress is told of the databases, tables and partitions gone
	// through (copied, the same, differing or updated), one row each, as
	// the catalog keeps them: stage "copy". Nil when nobody watches.
	Progress progress.Reporter
	// Failpoint, when set, is called at each step: copy.database after a
	// database, copy.version after a table version written, copy.table
	// after a table with its versions, copy.partitions after a batch of
	// partitions (tests stop the process there).
	Failpoint func(step string) error
}

// CopyResult is what Copy did with one database, table or partition.
type CopyResult struct {
	Kind     string   `json:"Kind"`
	Database string   `json:"Database"`
	Table    string   `json:"Table,omitempty"`
	Values   []string `json:"Values,omitempty"`
	Result   string   `json:"Result"`
	// Differences names the fields that differ (Differs, Updated), as
	// dotted paths of the Glue-shaped object: StorageDescriptor.Columns.
	Differences []string `json:"Differences,omitempty"`
	// Versions is how many versions of a table were written.
	Versions int `json:"Versions,omitempty"`
	// Partitions counts a table's partitions; nil when they were not
	// compared (the table differs and was left as it is).
	Partitions *CopyCounts `json:"Partitions,omitempty"`
}

// Name is the object as messages name it: sales, sales.orders,
// sales.orders [2024 eu].
func (r CopyResult) Name() string {
	switch {
	case r.Values != nil:
		return fmt.Sprintf("%s.%s %v", r.Database, r.Table, r.Values)
	case r.Table != "":
		return r.Database + "." + r.Table
	}
	return r.Database
}

// CopyCounts count objects of one kind (a table's partitions) by result.
type CopyCounts struct {
	Copied  int `json:"Copied"`
	Same    int `json:"Same"`
	Differs int `json:"Differs"`
	Updated int `json:"Updated"`
}

func (c *CopyCounts) add(result string, n int) {
	switch result {
	case Copied:
		c.Copied += n
	case Same:
		c.Same += n
	case Differs:
		c.Differs += n
	case Updated:
		c.Updated += n
	}
}

// CopyReport is what a copy did: each database and table, and each
// partition that differs, in the order they were copied, with totals.
type CopyReport struct {
	Objects []CopyResult `json:"Objects"`
	Totals  struct {
		Databases  CopyCounts `json:"Databases"`
		Tables     CopyCounts `json:"Tables"`
		Versions   int        `json:"Versions"`
		Partitions CopyCounts `json:"Partitions"`
	} `json:"Totals"`
}

// Differs reports whether the copy left an object of the target that
// differs from the source's.
func (r *CopyReport) Differs() bool {
	t := r.Totals
	return t.Databases.Differs+t.Tables.Differs+t.Partitions.Differs > 0
}

func (r *CopyReport) add(res CopyResult) {
	r.Objects = append(r.Objects, res)
	switch res.Kind {
	case KindDatabase:
		r.Totals.Databases.add(res.Result, 1)
	case KindTable:
		r.Totals.Tables.add(res.Result, 1)
		r.Totals.Versions += res.Versions
		if p := res.Partitions; p != nil {
			r.Totals.Partitions.Copied += p.Copied
			r.Totals.Partitions.Same += p.Same
			r.Totals.Partitions.Differs += p.Differs
			r.Totals.Partitions.Updated += p.Updated
		}
	}
}

// Copy copies databases, tables (each with its history of versions) and
// partitions from one catalog to another. It is idempotent: what the
// target has already, identical, is left alone, so a copy that was
// stopped is finished by running it again. A table whose versions in the
// target are the first of the source's (as a stopped copy leaves it) gets
// the rest. Objects that exist in the target but differ are reported and
// left as they are, unless opts.Overwrite. Copy adds and updates; it never
// deletes. Times of creation and version numbers are the target's own.
//
// The report holds what was done before an error, if one stops the copy.
func Copy(ctx context.Context, from, to Catalog, opts CopyOptions) (*CopyReport, error) {
	if opts.Batch <= 0 {
		opts.Batch = DefaultCopyBatch
	}
	opts.Progress = progress.Or(opts.Progress)
	opts.Progress.Stage("copy")
	cp := &copier{from: from, to: to, opts: opts, rep: &CopyReport{Objects: []CopyResult{}}}
	dbs, err := cp.databases(ctx)
	if err != nil {
		return cp.rep, err
	}
	for _, db := range dbs {
		if err := cp.database(ctx, db); err != nil {
			return cp.rep, err
		}
	}
	return cp.rep, nil
}

type copier struct {
	from, to Catalog
	opts     CopyOptions
	rep      *CopyReport
	// parts are the partitions of the table being copied that differ,
	// reported after it.
	parts []CopyResult
}

// done reports a database or table (with its partitions that differ) and
// passes the failpoint step.
func (cp *copier) done(res CopyResult, step string) error {
	cp.rep.add(res)
	cp.rep.Objects = append(cp.rep.Objects, cp.parts...)
	cp.parts = cp.parts[:0]
	cp.opts.Progress.Add(progress.Counts{Rows: 1})
	return cp.at(step)
}

func (cp *copier) at(step string) error {
	if cp.opts.Failpoint == nil || step == "" {
		return nil
	}
	return cp.opts.Failpoint(step)
}

func fromErr(err error) error { return fmt.Errorf("from: %w", err) }
func toErr(err error) error   { return fmt.Errorf("to: %w", err) }

// databases are the source's databases to copy, in order of name.
func (cp *copier) databases(ctx context.Context) ([]*Database, error) {
	var out []*Database
	if len(cp.opts.Databases) == 0 {
		for db, err := range cp.from.ListDatabases(ctx) {
			if err != nil {
				return nil, fromErr(err)
			}
			out = append(out, db)
		}
		return out, nil
	}
	seen := map[string]bool{}
	for _, name := range cp.opts.Databases {
		name, err := NormalizeName("database", name)
		if err != nil {
			return nil, err
		}
		if seen[name] {
			continue
		}
		seen[name] = true
		db, err := cp.from.GetDatabase(ctx, name)
		if err != nil {
			return nil, fromErr(err)
		}
		out = append(out, db)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (cp *copier) database(ctx context.Context, db *Database) error {
	res := CopyResult{Kind: KindDatabase, Database: db.Name, Result: Same}
	have, err := cp.to.GetDatabase(ctx, db.Name)
	if errors.Is(err, ErrNotFound) {
		err = cp.to.CreateDatabase(ctx, *db)
		if err == nil {
			res.Result = Copied
		} else if errors.Is(err, ErrAlreadyExists) { // made by someone else meanwhile
			have, err = cp.to.GetDatabase(ctx, db.Name)
		}
	}
	if err != nil {
		return toErr(err)
	}
	if have != nil {
		if res.Differences = differences(databaseDoc(db), databaseDoc(have)); res.Differences != nil {
			res.Result = Differs
			if cp.opts.Overwrite {
				if err := cp.to.UpdateDatabase(ctx, *db); err != nil {
					return toErr(err)
				}
				res.Result = Updated
			}
		}
	}
	if err := cp.done(res, "copy.database"); err != nil {
		return err
	}
	for t, err := range cp.from.ListTables(ctx, db.Name) {
		if err != nil {
			return fromErr(err)
		}
		if err := cp.table(ctx, t); err != nil {
			return err
		}
	}
	return nil
}

func (cp *copier) table(ctx context.Context, t *Table) error {
	res := CopyResult{Kind: KindTable, Database: t.DatabaseName, Table: t.Name}
	var history []*Table // oldest first
	for v, err := range cp.from.ListTableVersions(ctx, t.DatabaseName, t.Name) {
		if err != nil {
			return fromErr(err)
		}
		history = append(history, v)
	}
	if len(history) == 0 {
		return fromErr(fmt.Errorf("table %s.%s: no versions", t.DatabaseName, t.Name))
	}
	slices.Reverse(history)
	current := history[len(history)-1]

	var have []*Table // the target's versions, oldest first
	for v, err := range cp.to.ListTableVersions(ctx, t.DatabaseName, t.Name) {
		if errors.Is(err, ErrNotFound) {
			break
		}
		if err != nil {
			return toErr(err)
		}
		have = append(have, v)
	}
	slices.Reverse(have)

	switch {
	case len(have) == 0 || isPrefix(have, history):
		written, err := cp.versions(ctx, history, have)
		res.Versions = written
		if err != nil {
			return err
		}
		res.Result = Same
		if written > 0 {
			res.Result = Copied
		}
	default:
		target := have[len(have)-1]
		res.Result = Same
		if res.Differences = differences(tableDoc(current), tableDoc(target)); res.Differences != nil {
			res.Result = Differs
			if cp.opts.Overwrite {
				next := *current
				next.VersionID = target.VersionID
				if err := cp.to.UpdateTable(ctx, &next); err != nil {
					return toErr(err)
				}
				res.Result, res.Versions = Updated, 1
			}
		}
	}
	if res.Result == Differs && len(current.PartitionKeys) == 0 {
		res.Partitions = &CopyCounts{} // none to compare
	} else if res.Result != Differs {
		counts, err := cp.partitions(ctx, current)
		res.Partitions = &counts
		if err != nil {
			cp.done(res, "")
			return err
		}
	}
	return cp.done(res, "copy.table")
}

// versions writes the versions of history the target lacks: it has the
// first len(have) already.
func (cp *copier) versions(ctx context.Context, history, have []*Table) (int, error) {
	written := 0
	exists := len(have) > 0
	var version int64
	if exists {
		version = have[len(have)-1].VersionID
	}
	for _, v := range history[len(have):] {
		next := *v
		if !exists {
			if err := cp.to.CreateTable(ctx, next); err != nil {
				return written, toErr(err)
			}
			made, err := cp.to.GetTable(ctx, next.DatabaseName, next.Name)
			if err != nil {
				return written, toErr(err)
			}
			version, exists = made.VersionID, true
		} else {
			next.VersionID = version
			if err := cp.to.UpdateTable(ctx, &next); err != nil {
				return written, toErr(err)
			}
			version = next.VersionID
		}
		written++
		if err := cp.at("copy.version"); err != nil {
			return written, err
		}
	}
	return written, nil
}

// partitions copies a table's partitions: the target's are indexed by
// their values (with a digest of each), then the source's are read page
// by page and the missing ones added in batches.
func (cp *copier) partitions(ctx context.Context, t *Table) (CopyCounts, error) {
	var n CopyCounts
	if len(t.PartitionKeys) == 0 {
		return n, nil
	}
	have := map[string][sha256.Size]byte{}
	for p, err := range cp.to.ListPartitions(ctx, t.DatabaseName, t.Name, nil) {
		if err != nil {
			return n, toErr(err)
		}
		have[valuesKey(p.Values)] = sha256.Sum256(canonical(partitionDoc(p)))
	}
	var batch []Partition
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := cp.to.CreatePartitions(ctx, t.DatabaseName, t.Name, batch)
		if errors.Is(err, ErrAlreadyExists) {
			// Someone else added one meanwhile: one at a time, then.
			for _, p := range batch {
				if err := cp.addPartition(ctx, t, &p, &n); err != nil {
					return err
				}
			}
			err = nil
		} else if err == nil {
			cp.count(&n, Copied, len(batch))
		}
		batch = batch[:0]
		if err != nil {
			return toErr(err)
		}
		return cp.at("copy.partitions")
	}
	for p, err := range cp.from.ListPartitions(ctx, t.DatabaseName, t.Name, nil) {
		if err != nil {
			return n, fromErr(err)
		}
		digest, ok := have[valuesKey(p.Values)]
		switch {
		case !ok:
			if batch = append(batch, *p); len(batch) >= cp.opts.Batch {
				if err := flush(); err != nil {
					return n, err
				}
			}
		case digest == sha256.Sum256(canonical(partitionDoc(p))):
			cp.count(&n, Same, 1)
		default:
			if err := cp.comparePartition(ctx, t, p, &n); err != nil {
				return n, err
			}
		}
	}
	return n, flush()
}

// addPartition copies one partition that may exist in the target.
func (cp *copier) addPartition(ctx context.Context, t *Table, p *Partition, n *CopyCounts) error {
	err := cp.to.CreatePartitions(ctx, t.DatabaseName, t.Name, []Partition{*p})
	if err == nil {
		cp.count(n, Copied, 1)
		return nil
	}
	if !errors.Is(err, ErrAlreadyExists) {
		return toErr(err)
	}
	return cp.comparePartition(ctx, t, p, n)
}

// comparePartition compares a partition with the target's, reports what
// differs and, with Overwrite, updates it.
func (cp *copier) comparePartition(ctx context.Context, t *Table, p *Partition, n *CopyCounts) error {
	have, err := cp.to.GetPartition(ctx, t.DatabaseName, t.Name, p.Values)
	if err != nil {
		return toErr(err)
	}
	diff := differences(partitionDoc(p), partitionDoc(have))
	if diff == nil {
		cp.count(n, Same, 1)
		return nil
	}
	res := CopyResult{Kind: KindPartition, Database: t.DatabaseName, Table: t.Name, Values: p.Values, Result: Differs, Differences: diff}
	if cp.opts.Overwrite {
		if err := cp.to.UpdatePartition(ctx, *p); err != nil {
			return toErr(err)
		}
		res.Result = Updated
	}
	cp.count(n, res.Result, 1)
	cp.parts = append(cp.parts, res)
	return nil
}

// count counts partitions of a table by result.
func (cp *copier) count(n *CopyCounts, result string, k int) {
	n.add(result, k)
	cp.opts.Progress.Add(progress.Counts{Rows: int64(k)})
}

// isPrefix reports whether the target's versions are the first of the
// source's, each the same.
func isPrefix(have, history []*Table) bool {
	if len(have) > len(history) {
		return false
	}
	for i := range have {
		if differences(tableDoc(have[i]), tableDoc(history[i])) != nil {
			return false
		}
	}
	return true
}

func valuesKey(values []string) string {
	b, _ := json.Marshal(values)
	return string(b)
}

// The documents compared: the object without what each catalog stamps on
// it itself (times, version numbers; in Glue the account it belongs to,
// the identity that created a table, Lake Formation's registration and
// default permissions).

func databaseDoc(db *Database) any {
	d := *db
	d.CreateTime, d.CatalogID = time.Time{}, ""
	// Lake Formation stamps a new Glue database with its default
	// permissions (IAM_ALLOWED_PRINCIPALS, ALL) when none are given.
	d.CreateTableDefaultPermissions = nil
	return d
}

func tableDoc(t *Table) any {
	d := *t
	d.CreateTime, d.UpdateTime, d.LastAccessTime, d.VersionID = time.Time{}, time.Time{}, time.Time{}, 0
	d.CatalogID, d.CreatedBy, d.IsRegisteredWithLakeFormation = "", "", false
	if d.TableType == "" {
		d.TableType = ExternalTable
	}
	return d
}

func partitionDoc(p *Partition) any {
	d := *p
	d.CreationTime, d.LastAccessTime, d.CatalogID = time.Time{}, time.Time{}, ""
	return d
}

// canonical is v's JSON with empty values (null, "", [], {}, false, 0)
// left out and object keys in order: a field one catalog leaves out and
// another stores empty compares equal.
func canonical(v any) []byte {
	b, _ := json.Marshal(v)
	var tree any
	json.Unmarshal(b, &tree)
	out, _ := json.Marshal(prune(tree))
	return out
}

func prune(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if e = prune(e); isEmpty(e) {
				delete(x, k)
			} else {
				x[k] = e
			}
		}
		return x
	case []any:
		for i := range x {
			x[i] = prune(x[i])
		}
		return x
	}
	return v
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	case string:
		return x == ""
	case bool:
		return !x
	case float64:
		return x == 0
	}
	return false
}

// differences names the fields (two levels deep, dotted) in which two
// documents differ; nil when they are the same.
func differences(a, b any) []string {
	ca, cb := canonical(a), canonical(b)
	if bytes.Equal(ca, cb) {
		return nil
	}
	var ta, tb map[string]any
	json.Unmarshal(ca, &ta)
	json.Unmarshal(cb, &tb)
	var out []string
	for _, k := range unionKeys(ta, tb) {
		va, vb := ta[k], tb[k]
		if jsonEqual(va, vb) {
			continue
		}
		ma, okA := va.(map[string]any)
		mb, okB := vb.(map[string]any)
		if !okA || !okB {
			out = append(out, k)
			continue
		}
		for _, k2 := range unionKeys(ma, mb) {
			if !jsonEqual(ma[k2], mb[k2]) {
				out = append(out, k+"."+k2)
			}
		}
	}
	if out == nil {
		out = []string{"?"} // unreachable: the documents differ somewhere
	}
	return out
}

func unionKeys(a, b map[string]any) []string {
	seen := map[string]bool{}
	for k := range a {
		seen[k] = true
	}
	for k := range b {
		seen[k] = true
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func jsonEqual(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}
