package convert

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/format"
	"github.com/lakectl/lakectl/internal/storage"
)

// discard removes the run's staged files.
func (c *conversion) discard() {
	storage.RemoveFolder(context.Background(), c.dest, c.staging)
}

// checkTarget reads the table to register and compares the output with it:
// the changes found, and ErrSchemaChange when they are not allowed.
func checkTarget(ctx context.Context, cat catalog.Catalog, opts Options, plan []columnPlan, partIdx []int, fields []format.Field) (*catalog.Table, []string, error) {
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
		return t, changes, fmt.Errorf("%w in %s (--no-schema-evolution):\n  %s", ErrSchemaChange, opts.Register, strings.Join(changes, "\n  "))
	}
	return t, changes, nil
}

// commit moves the staged files into place, registers them, and removes
// the files they replace — in that order, so that the catalog only ever
// points at complete files.
func (c *conversion) commit(ctx context.Context, cat catalog.Catalog, target *catalog.Table) error {
	ctx = context.WithoutCancel(ctx) // a commit, once begun, is finished
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
	// Where each partition's files go, and which older files they replace.
	prefixes := map[string]string{}
	var replaced []string
	for _, part := range slices.Sorted(maps.Keys(byPart)) {
		folder := part
		if folder != "" {
			folder += "/"
		}
		current := folder
		if target != nil {
			loc := target.StorageDescriptor.Location
			if p := existing[part]; p != nil {
				loc = p.StorageDescriptor.Location
			}
			if rel, ok := strings.CutPrefix(loc, root); ok && (part == "" || existing[part] != nil) {
				current = rel
			}
		}
		if c.opts.Mode == Append {
			prefixes[part] = current
			continue
		}
		old, err := c.dataUnder(ctx, folder)
		if err != nil {
			return err
		}
		if len(old) == 0 {
			prefixes[part] = folder
			continue
		}
		// Replacing data: the new files go to a fresh folder, which the
		// catalog is then pointed at, before the old files go.
		prefixes[part] = folder + "run-" + c.opts.RunID + "/"
		replaced = append(replaced, old...)
	}
	if c.opts.Mode == Overwrite {
		all, err := c.dataUnder(ctx, "")
		if err != nil {
			return err
		}
		for _, k := range all {
			if !slices.Contains(replaced, k) && !slices.ContainsFunc(slices.Collect(maps.Values(prefixes)), func(p string) bool { return p != "" && strings.HasPrefix(k, p) }) {
				replaced = append(replaced, k)
			}
		}
	}
	// 1. Move the new files into place: each appears whole.
	for _, part := range slices.Sorted(maps.Keys(byPart)) {
		ps := PartitionSummary{Partition: part, Location: c.dest.URI(prefixes[part])}
		for _, f := range byPart[part] {
			if err := storage.Move(ctx, c.dest, f.Key, prefixes[part]+f.Name); err != nil {
				return fmt.Errorf("commit %s: %w", f.Name, err)
			}
			ps.Rows += f.Rows
			ps.Files++
			ps.Bytes += f.Bytes
		}
		c.sum.Partitions = append(c.sum.Partitions, ps)
		c.sum.FilesWritten += ps.Files
		c.sum.BytesWritten += ps.Bytes
	}
	// 2. Point the catalog at them.
	if c.opts.Register != "" {
		if err := c.register(ctx, cat, target, existing, prefixes); err != nil {
			return err
		}
	}
	// 3. Remove what they replace.
	for _, k := range replaced {
		if err := c.dest.Delete(ctx, k); err != nil {
			return fmt.Errorf("remove replaced %s: %w", c.dest.URI(k), err)
		}
	}
	c.sum.FilesReplaced = len(replaced)
	c.discard()
	return nil
}

// dataUnder lists the data files (not hidden ones) under a folder key.
func (c *conversion) dataUnder(ctx context.Context, folder string) ([]string, error) {
	var keys []string
	for obj, err := range c.dest.List(ctx, folder) {
		if err != nil {
			return nil, err
		}
		if !format.Hidden(obj.Key) {
			keys = append(keys, obj.Key)
		}
	}
	return keys, nil
}

// register creates or updates the table and its partitions.
func (c *conversion) register(ctx context.Context, cat catalog.Catalog, target *catalog.Table, existing map[string]*catalog.Partition, prefixes map[string]string) error {
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
	unpartitionedLoc := c.dest.URI(prefixes[""])
	if target == nil {
		if _, err := cat.GetDatabase(ctx, db); errors.Is(err, catalog.ErrNotFound) {
			if err := cat.CreateDatabase(ctx, catalog.Database{Name: db, Description: "created by lakectl convert"}); err != nil && !errors.Is(err, catalog.ErrAlreadyExists) {
				return err
			}
		}
		loc := c.dest.URI("")
		if !partitioned {
			loc = unpartitionedLoc
		}
		sd, params, _ := catalog.StorageFormat("parquet", loc, cols)
		sd.Compressed = c.opts.Compression != "none"
		params[catalog.ParamCompressionType] = c.opts.Compression
		params[catalog.ParamConvertRunID] = c.opts.RunID
		t := catalog.Table{Name: name, DatabaseName: db, TableType: catalog.ExternalTable, StorageDescriptor: sd, PartitionKeys: keys,
			Parameters: params, CreatedBy: "lakectl convert", Description: "converted from " + c.sum.Source}
		if !partitioned {
			setStats(t.Parameters, c.sum.RowsWritten, c.sum.FilesWritten, c.sum.BytesWritten)
		}
		if err := cat.CreateTable(ctx, t); err != nil {
			return err
		}
		target = &t
	} else {
		_, err := catalog.UpdateTableFunc(ctx, cat, db, name, func(t *catalog.Table) error {
			for i := range min(len(t.PartitionKeys), len(keys)) {
				t.PartitionKeys[i].Type = keys[i].Type
			}
			for _, col := range cols {
				if cur := t.Column(col.Name); cur == nil {
					t.StorageDescriptor.Columns = append(t.StorageDescriptor.Columns, col)
				} else {
					cur.Type = col.Type
				}
			}
			t.Parameters[catalog.ParamCompressionType] = c.opts.Compression
			t.Parameters[catalog.ParamConvertRunID] = c.opts.RunID
			if !partitioned {
				t.StorageDescriptor.Location = unpartitionedLoc
				rows, _ := strconv.ParseInt(t.Parameters[catalog.ParamRecordCount], 10, 64)
				if c.opts.Mode != Append {
					rows = 0
				}
				files, bytes := c.countUnder(ctx, prefixes[""])
				setStats(t.Parameters, rows+c.sum.RowsWritten, files, bytes)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if target, err = cat.GetTable(ctx, db, name); err != nil {
			return err
		}
	}
	if !partitioned {
		return nil
	}
	var create []catalog.Partition
	for _, ps := range c.sum.Partitions {
		values := partValues(ps.Partition)
		p := existing[ps.Partition]
		rows := ps.Rows
		if p != nil && c.opts.Mode == Append {
			prev, _ := strconv.ParseInt(p.Parameters[catalog.ParamRecordCount], 10, 64)
			rows += prev
		}
		files, bytes := c.countUnder(ctx, prefixes[ps.Partition])
		sd := target.StorageDescriptor
		sd.Location = ps.Location
		params := map[string]string{catalog.ParamCompressionType: c.opts.Compression}
		setStats(params, rows, files, bytes)
		np := catalog.Partition{DatabaseName: db, TableName: name, Values: values, StorageDescriptor: sd, Parameters: params}
		if p == nil {
			create = append(create, np)
			continue
		}
		if err := cat.UpdatePartition(ctx, np); err != nil {
			return err
		}
	}
	if len(create) > 0 {
		if err := cat.CreatePartitions(ctx, db, name, create); err != nil {
			return err
		}
	}
	if err := c.dropGone(ctx, cat, db, name, existing); err != nil {
		return err
	}
	// The table's statistics are the sum of its partitions'.
	var rows, bytes int64
	files := 0
	for p, err := range cat.ListPartitions(ctx, db, name, nil) {
		if err != nil {
			return err
		}
		r, _ := strconv.ParseInt(p.Parameters[catalog.ParamRecordCount], 10, 64)
		b, _ := strconv.ParseInt(p.Parameters[catalog.ParamSizeKey], 10, 64)
		n, _ := strconv.Atoi(p.Parameters[catalog.ParamObjectCount])
		rows, bytes, files = rows+r, bytes+b, files+n
	}
	_, err := catalog.UpdateTableFunc(ctx, cat, db, name, func(t *catalog.Table) error {
		setStats(t.Parameters, rows, files, bytes)
		return nil
	})
	return err
}

// dropGone removes from the catalog (mode overwrite) the partitions this
// run did not write: their files were replaced.
func (c *conversion) dropGone(ctx context.Context, cat catalog.Catalog, db, name string, existing map[string]*catalog.Partition) error {
	if c.opts.Mode == Overwrite {
		var gone [][]string
		for part, p := range existing {
			if !slices.ContainsFunc(c.sum.Partitions, func(ps PartitionSummary) bool { return ps.Partition == part }) {
				gone = append(gone, p.Values)
			}
		}
		if len(gone) > 0 {
			if err := cat.DeletePartitions(ctx, db, name, gone); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *conversion) countUnder(ctx context.Context, prefix string) (int, int64) {
	files, bytes := 0, int64(0)
	for obj, err := range c.dest.List(ctx, prefix) {
		if err != nil {
			break
		}
		if !format.Hidden(strings.TrimPrefix(obj.Key, prefix)) && !(prefix == "" && format.Hidden(obj.Key)) {
			files++
			bytes += obj.Size
		}
	}
	return files, bytes
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
