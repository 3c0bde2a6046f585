package convert

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/commit"
	"github.com/lakectl/lakectl/internal/format"
	"github.com/lakectl/lakectl/internal/storage"
	"github.com/parquet-go/parquet-go"
)

// discard removes the run's staged files.
func (c *conversion) discard() {
	storage.RemoveFolder(context.Background(), c.dest, c.staging)
}

// sameHome: a table's data lives under one folder, the destination of
// every run into it (under that folder's lease); a run into another would
// move the table away from its rows.
func sameHome(t *catalog.Table, dest storage.Store, name string) error {
	if root := commit.TableRoot(t); root != dest.URI("") {
		return catalog.Invalidf("table %s lives at %s: convert into that destination, or register the output as another table", name, root)
	}
	return nil
}

// checkTarget reads the table to register and compares the output with it:
// the changes found, and ErrSchemaChange when they are not allowed.
func checkTarget(ctx context.Context, cat catalog.Catalog, dest storage.Store, opts Options, plan []columnPlan, partIdx []int, fields []format.Field) (*catalog.Table, []string, error) {
	db, name, _ := catalog.ParseTableName(opts.Register)
	t, err := cat.GetTable(ctx, db, name)
	if errors.Is(err, catalog.ErrNotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if cl := t.Parameters[catalog.ParamClassification]; cl != "parquet" {
		return nil, nil, catalog.Invalidf("table %s is %q, not parquet: register the output as another table", opts.Register, cl)
	}
	if err := sameHome(t, dest, opts.Register); err != nil {
		return nil, nil, err
	}
	var keys []string
	for _, k := range t.PartitionKeys {
		keys = append(keys, k.Name)
	}
	if !slices.Equal(keys, opts.PartitionBy) {
		return nil, nil, catalog.OptionErrorf("PartitionBy", "", "table %s is partitioned by (%s), not (%s)", opts.Register, strings.Join(keys, ", "), strings.Join(opts.PartitionBy, ", "))
	}
	var changes []string
	evolving := false
	// A partition key keeps the type of the column it comes from.
	for i, k := range t.PartitionKeys {
		if typ := plan[partIdx[i]].field.Type.String(); k.Type != typ {
			changes = append(changes, fmt.Sprintf("~ %s %s → %s (partition key)", k.Name, k.Type, typ))
			evolving = true
		}
	}
	for _, f := range fields {
		col := t.Column(f.Name)
		switch {
		case col == nil:
			changes = append(changes, fmt.Sprintf("+ %s %s", f.Name, f.Type))
			evolving = true
		case col.Type != f.Type.String():
			changes = append(changes, fmt.Sprintf("~ %s %s → %s", f.Name, col.Type, f.Type))
			evolving = true
		}
	}
	for _, col := range t.StorageDescriptor.Columns {
		if !slices.ContainsFunc(fields, func(f format.Field) bool { return f.Name == col.Name }) {
			changes = append(changes, fmt.Sprintf("  %s %s not in this data (null in the new files)", col.Name, col.Type))
		}
	}
	if evolving && opts.NoSchemaEvolution {
		return t, changes, fmt.Errorf("%w in %s, whose schema may not evolve (NoSchemaEvolution):\n  %s", ErrSchemaChange, opts.Register, strings.Join(changes, "\n  "))
	}
	return t, changes, nil
}

// commit writes the run's journal and carries it out (commit.Commit):
// the files it replaces go, the staged files move into place, the catalog
// is pointed at them, and the run's record is kept. Replacing data is done
// in place, in the partition folders the table already has.
func (c *conversion) commit(ctx context.Context, cat catalog.Catalog, target *catalog.Table) error {
	ctx = context.WithoutCancel(ctx) // a commit, once begun, is finished
	c.progress.Stage("commit")
	root := c.dest.URI("")
	byPart := map[string][]written{}
	for _, f := range c.files {
		byPart[f.Partition] = append(byPart[f.Partition], f)
	}
	var existing map[string]*catalog.Partition
	if target != nil && len(target.PartitionKeys) > 0 {
		existing = map[string]*catalog.Partition{}
		for p, err := range cat.ListPartitions(ctx, target.DatabaseName, target.Name, nil) {
			if err != nil {
				return err
			}
			existing[partPath(c.opts.PartitionBy, p.Values)] = p
		}
	}
	// The partitions written (an unpartitioned output has its one, even
	// with no file).
	parts := slices.Sorted(maps.Keys(byPart))
	if len(c.partIdx) == 0 && len(parts) == 0 {
		parts = []string{""}
	}
	// Where each partition's files go — where the catalog has it, or its
	// Hive folder for a new one — and which older files they replace.
	prefixes := map[string]string{}
	replaced := map[string]bool{}
	for _, part := range parts {
		folder := part
		if folder != "" {
			folder += "/"
		}
		prefixes[part] = folder
		if target != nil && (part == "" || existing[part] != nil) {
			loc := target.StorageDescriptor.Location
			if p := existing[part]; p != nil {
				loc = p.StorageDescriptor.Location
			}
			loc = strings.TrimSuffix(loc, "/") + "/"
			rel, ok := storage.KeyOf(c.dest, loc)
			if !ok {
				return catalog.Invalidf("partition %s of table %s lives at %s, outside the destination %s: a table's data is written under its destination only", cmp.Or(part, "(the table's)"), c.opts.Register, loc, root)
			}
			prefixes[part] = rel
		}
		if c.opts.Mode == Append {
			continue
		}
		old, err := c.dataUnder(ctx, prefixes[part])
		if err != nil {
			return err
		}
		for _, o := range old {
			replaced[o.Key] = true
		}
	}
	if c.opts.Mode == Overwrite {
		all, err := c.dataUnder(ctx, "")
		if err != nil {
			return err
		}
		for _, o := range all {
			replaced[o.Key] = true
		}
	}
	j := &commit.Journal{Run: c.opts.RunID, Command: "convert", Created: time.Now().UTC(), Staging: c.staging,
		Remove: slices.Sorted(maps.Keys(replaced)), State: c.opts.State}
	rec := &commit.Record{Run: c.opts.RunID, Command: "convert", Mode: c.opts.Mode, Table: c.opts.Register,
		Finished: time.Now().UTC(), Rows: c.sum.RowsWritten, Sources: c.sources, ReplaceSources: c.opts.Mode == Overwrite,
		Partitions: slices.DeleteFunc(slices.Clone(parts), func(p string) bool { return p == "" }), ReplacesPartitions: c.opts.Mode == OverwritePartitions}
	after := map[string]PartitionSummary{} // each written partition once committed
	for _, part := range parts {
		ps := PartitionSummary{Partition: part, Location: c.dest.URI(prefixes[part])}
		for _, f := range byPart[part] {
			to := prefixes[part] + f.Name
			j.Move = append(j.Move, commit.Move{From: f.Key, To: to})
			rec.Files = append(rec.Files, to)
			ps.Rows += f.Rows
			ps.Files++
			ps.Bytes += f.Bytes
		}
		if ps.Files > 0 {
			c.sum.Partitions = append(c.sum.Partitions, ps)
		}
		c.sum.FilesWritten += ps.Files
		c.sum.BytesWritten += ps.Bytes
		// What the partition's folder holds once committed: the files the
		// run keeps (an append's; a replacing run keeps none), and its
		// own. The rows of kept files the catalog does not count (a folder
		// written before it was registered) are read from their footers.
		var kept []*storage.Object
		if c.opts.Mode == Append {
			var err error
			if kept, err = c.dataUnder(ctx, prefixes[part]); err != nil {
				return err
			}
		}
		counted := target != nil && (part == "" || existing[part] != nil)
		for _, o := range kept {
			if replaced[o.Key] {
				continue
			}
			ps.Files++
			ps.Bytes += o.Size
			if !counted {
				n, err := footerRows(ctx, c.dest, o)
				if err != nil {
					return err
				}
				ps.kept += n
			}
		}
		after[part] = ps
	}
	if c.opts.Register != "" {
		j.Catalog = c.change(target, existing, after)
	}
	j.Record = rec
	if err := commit.Commit(ctx, c.dest, cat, j, c.opts.Failpoint, c.progress); err != nil {
		return err
	}
	c.sum.FilesReplaced = len(replaced)
	return nil
}

// footerRows reads a kept file's row count from its footer (0 for a file
// that is not Parquet).
func footerRows(ctx context.Context, s storage.Store, o *storage.Object) (int64, error) {
	if !strings.HasSuffix(o.Key, ".parquet") {
		return 0, nil
	}
	f, err := parquet.OpenFile(storage.ReaderAt(ctx, s, o.Key), o.Size, parquet.SkipBloomFilters(true), parquet.SkipPageIndex(true))
	if err != nil {
		return 0, fmt.Errorf("%s: %w", s.URI(o.Key), err)
	}
	return f.NumRows(), nil
}

// dataUnder lists the data files (not hidden ones) under a folder key.
func (c *conversion) dataUnder(ctx context.Context, folder string) ([]*storage.Object, error) {
	var objs []*storage.Object
	for obj, err := range c.dest.List(ctx, folder) {
		if err != nil {
			return nil, err
		}
		if !format.Hidden(strings.TrimPrefix(obj.Key, folder)) && !format.Hidden(obj.Key) {
			objs = append(objs, obj)
		}
	}
	return objs, nil
}

// change is the catalog change of the commit: the table created or
// updated, its written partitions with their statistics once committed
// (after), and in mode overwrite the partitions not written dropped.
func (c *conversion) change(target *catalog.Table, existing map[string]*catalog.Partition, after map[string]PartitionSummary) *commit.Change {
	db, name, _ := catalog.ParseTableName(c.opts.Register)
	var cols, keys []catalog.Column
	// Columns keep the comments the source table has for them.
	column := func(f format.Field) catalog.Column {
		col := catalog.Column{Name: f.Name, Type: f.Type.String()}
		if src := c.t.Column(f.Name); src != nil {
			col.Comment = src.Comment
		}
		return col
	}
	for _, col := range c.fileCols {
		cols = append(cols, column(col.field))
	}
	for _, i := range c.partIdx {
		keys = append(keys, column(c.plan[i].field))
	}
	partitioned := len(keys) > 0
	ch := &commit.Change{Database: db, Table: name, Parameters: map[string]string{
		catalog.ParamCompressionType: c.opts.Compression,
		catalog.ParamConvertRunID:    c.opts.RunID,
	}}
	var sd catalog.StorageDescriptor
	if target == nil {
		loc := c.dest.URI("")
		if !partitioned {
			loc = after[""].Location
		}
		var params map[string]string
		sd, params, _ = catalog.StorageFormat("parquet", loc, cols)
		sd.Compressed = c.opts.Compression != "none"
		maps.Copy(params, ch.Parameters)
		ch.Parameters = params
		ch.Create = &catalog.Table{Name: name, DatabaseName: db, TableType: catalog.ExternalTable, StorageDescriptor: sd, PartitionKeys: keys,
			Parameters: params, CreatedBy: "lakectl convert", Description: "converted from " + c.sum.Source}
		ch.Columns, ch.PartitionKeys = cols, keys
	} else {
		sd = target.StorageDescriptor
		merged := slices.Clone(sd.Columns)
		for _, col := range cols {
			if i := slices.IndexFunc(merged, func(m catalog.Column) bool { return m.Name == col.Name }); i < 0 {
				merged = append(merged, col)
			} else {
				merged[i].Type = col.Type
			}
		}
		pk := slices.Clone(target.PartitionKeys)
		for i := range min(len(pk), len(keys)) {
			pk[i].Type = keys[i].Type
		}
		ch.Columns, ch.PartitionKeys = merged, pk
		sd.Columns = merged
	}
	if !partitioned {
		ps := after[""]
		rows := ps.Rows + ps.kept
		if target != nil && c.opts.Mode == Append {
			prev, _ := strconv.ParseInt(target.Parameters[catalog.ParamRecordCount], 10, 64)
			rows += prev
		}
		ch.Location = ps.Location
		setStats(ch.Parameters, rows, ps.Files, ps.Bytes)
		if ch.Create != nil {
			setStats(ch.Create.Parameters, rows, ps.Files, ps.Bytes)
		}
		return ch
	}
	// The table's statistics are the sum of its partitions'.
	var rows, bytes int64
	files := 0
	for part, p := range existing {
		if _, written := after[part]; written || c.opts.Mode == Overwrite {
			if !written {
				ch.Drop = append(ch.Drop, p.Values)
			}
			continue
		}
		r, _ := strconv.ParseInt(p.Parameters[catalog.ParamRecordCount], 10, 64)
		b, _ := strconv.ParseInt(p.Parameters[catalog.ParamSizeKey], 10, 64)
		n, _ := strconv.Atoi(p.Parameters[catalog.ParamObjectCount])
		rows, bytes, files = rows+r, bytes+b, files+n
	}
	slices.SortFunc(ch.Drop, slices.Compare)
	for _, part := range slices.Sorted(maps.Keys(after)) {
		ps := after[part]
		prows := ps.Rows + ps.kept
		if p := existing[part]; p != nil && c.opts.Mode == Append {
			prev, _ := strconv.ParseInt(p.Parameters[catalog.ParamRecordCount], 10, 64)
			prows += prev
		}
		psd := sd
		psd.Location = ps.Location
		params := map[string]string{catalog.ParamCompressionType: c.opts.Compression}
		setStats(params, prows, ps.Files, ps.Bytes)
		ch.Partitions = append(ch.Partitions, catalog.Partition{DatabaseName: db, TableName: name, Values: partValues(part), StorageDescriptor: psd, Parameters: params})
		rows, bytes, files = rows+prows, bytes+ps.Bytes, files+ps.Files
	}
	setStats(ch.Parameters, rows, files, bytes)
	if ch.Create != nil {
		setStats(ch.Create.Parameters, rows, files, bytes)
	}
	return ch
}

func setStats(params map[string]string, rows int64, files int, bytes int64) {
	params[catalog.ParamRecordCount] = strconv.FormatInt(rows, 10)
	params[catalog.ParamObjectCount] = strconv.Itoa(files)
	params[catalog.ParamSizeKey] = strconv.FormatInt(bytes, 10)
	if rows > 0 {
		params[catalog.ParamAverageRecordSize] = strconv.FormatInt(bytes/rows, 10)
	}
}

// partValues reads the values back from a key=value/... folder (nulls as
// the default partition, as the catalog keeps them).
func partValues(part string) []string {
	_, values, _ := format.ParsePartitionPath(part)
	return values
}
