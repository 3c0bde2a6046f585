package crawl

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/lakectl/lakectl/internal/catalog"
)

// ErrThresholdExceeded: the crawl would create more tables than
// Options.TableThreshold allows; nothing was written.
var ErrThresholdExceeded = errors.New("table threshold exceeded")

// planned is one table's change.
type planned struct {
	want     *catalog.Table
	parts    []catalog.Partition
	existing *catalog.Table
	current  map[string]*catalog.Partition // existing partitions by values
	report   *TableReport
	// gone: an existing table whose files are gone (no want).
	gone bool
	// The partition changes: add, update (including deprecation marks),
	// remove.
	add, update []catalog.Partition
	remove      [][]string
}

func partKey(values []string) string { return strings.Join(values, "\x00") }

// reconcile applies the update behaviour to cur (the table in the catalog)
// given want (the table the data describes). It returns the changes found
// and whether cur now differs; cur is left alone under "log".
func reconcile(cur, want *catalog.Table, behavior string) (changes []string, changed bool) {
	curCols := cur.StorageDescriptor.Columns
	for _, w := range want.StorageDescriptor.Columns {
		i := slices.IndexFunc(curCols, func(c catalog.Column) bool { return c.Name == w.Name })
		switch {
		case i < 0:
			changes = append(changes, fmt.Sprintf("column %s %s added", w.Name, w.Type))
		case curCols[i].Type != w.Type:
			changes = append(changes, fmt.Sprintf("column %s %s → %s", w.Name, curCols[i].Type, w.Type))
		case curCols[i].Parameters[catalog.ParamInferredType] != w.Parameters[catalog.ParamInferredType]:
			changes = append(changes, fmt.Sprintf("column %s holds %s → %s", w.Name, cmp.Or(curCols[i].Parameters[catalog.ParamInferredType], curCols[i].Type), cmp.Or(w.Parameters[catalog.ParamInferredType], w.Type)))
		}
	}
	for _, c := range curCols {
		if !slices.ContainsFunc(want.StorageDescriptor.Columns, func(w catalog.Column) bool { return w.Name == c.Name }) {
			changes = append(changes, fmt.Sprintf("column %s %s no longer in the data", c.Name, c.Type))
		}
	}
	if columnList(cur.PartitionKeys) != columnList(want.PartitionKeys) {
		changes = append(changes, fmt.Sprintf("partition keys (%s) → (%s)", columnList(cur.PartitionKeys), columnList(want.PartitionKeys)))
	}
	csd, wsd := cur.StorageDescriptor, want.StorageDescriptor
	if csd.Location != wsd.Location {
		changes = append(changes, fmt.Sprintf("location %s → %s", csd.Location, wsd.Location))
	}
	if csd.InputFormat != wsd.InputFormat || serde(csd) != serde(wsd) {
		changes = append(changes, fmt.Sprintf("format %s (%s) → %s (%s)", cur.Parameters[catalog.ParamClassification], serde(csd), want.Parameters[catalog.ParamClassification], serde(wsd)))
	} else {
		changes = append(changes, serdeParamChanges(csd, wsd)...)
	}
	for _, k := range []string{catalog.ParamClassification, catalog.ParamDelimiter, catalog.ParamSkipHeaderLineCount, catalog.ParamJSONLayout} {
		if cur.Parameters[k] != want.Parameters[k] {
			changes = append(changes, fmt.Sprintf("%s %q → %q", k, cur.Parameters[k], want.Parameters[k]))
		}
	}
	if orNone(cur.Parameters[catalog.ParamCompressionType]) != orNone(want.Parameters[catalog.ParamCompressionType]) {
		changes = append(changes, fmt.Sprintf("compression %s → %s", orNone(cur.Parameters[catalog.ParamCompressionType]), want.Parameters[catalog.ParamCompressionType]))
	}
	if _, ok := cur.Parameters[catalog.ParamDeprecatedByCrawler]; ok {
		changes = append(changes, "its files are back: no longer deprecated")
	}
	statsChanged := false
	for _, k := range []string{catalog.ParamObjectCount, catalog.ParamSizeKey, catalog.ParamRecordCount, catalog.ParamFingerprint} {
		statsChanged = statsChanged || cur.Parameters[k] != want.Parameters[k]
	}
	if behavior == UpdateLog || len(changes) == 0 && !statsChanged {
		return changes, false
	}
	if len(changes) == 0 {
		changes = []string{"statistics (objects, size, records)"}
	}
	if cur.Parameters == nil {
		cur.Parameters = map[string]string{}
	}
	switch behavior {
	case UpdateInDatabase:
		cols := slices.Clone(want.StorageDescriptor.Columns)
		keepComments(cols, curCols)
		keys := slices.Clone(want.PartitionKeys)
		keepComments(keys, cur.PartitionKeys)
		sd := want.StorageDescriptor
		sd.Columns = cols
		cur.StorageDescriptor = sd
		cur.PartitionKeys = keys
		for k, v := range want.Parameters {
			cur.Parameters[k] = v
		}
	case MergeNewColumns:
		for _, w := range want.StorageDescriptor.Columns {
			if !slices.ContainsFunc(curCols, func(c catalog.Column) bool { return c.Name == w.Name }) {
				cur.StorageDescriptor.Columns = append(cur.StorageDescriptor.Columns, w)
			}
		}
		for _, k := range append(slices.Clone(statParams), catalog.ParamUpdatedByCrawler) {
			if v, ok := want.Parameters[k]; ok {
				cur.Parameters[k] = v
			}
		}
	}
	delete(cur.Parameters, catalog.ParamDeprecatedByCrawler)
	return changes, true
}

// keepComments keeps the comments and parameters the catalog has for the
// columns, but for those the crawler decides (lakectl.inferredType).
func keepComments(cols, old []catalog.Column) {
	for i := range cols {
		for _, o := range old {
			if o.Name != cols[i].Name {
				continue
			}
			params := maps.Clone(o.Parameters)
			delete(params, catalog.ParamInferredType)
			if v := cols[i].Parameters[catalog.ParamInferredType]; v != "" {
				if params == nil {
					params = map[string]string{}
				}
				params[catalog.ParamInferredType] = v
			}
			cols[i].Comment, cols[i].Parameters = o.Comment, params
		}
	}
}

func columnList(cols []catalog.Column) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = c.Name + " " + c.Type
	}
	return strings.Join(parts, ", ")
}

// serdeParamChanges lists the SerDe parameters that differ (a timestamp
// pattern found, a delimiter changed).
func serdeParamChanges(cur, want catalog.StorageDescriptor) []string {
	var c, w map[string]string
	if cur.SerdeInfo != nil {
		c = cur.SerdeInfo.Parameters
	}
	if want.SerdeInfo != nil {
		w = want.SerdeInfo.Parameters
	}
	keys := slices.AppendSeq(slices.Collect(maps.Keys(c)), maps.Keys(w))
	slices.Sort(keys)
	var changes []string
	for _, k := range slices.Compact(keys) {
		if c[k] != w[k] {
			changes = append(changes, fmt.Sprintf("SerDe parameter %s %q → %q", k, c[k], w[k]))
		}
	}
	return changes
}

func serde(sd catalog.StorageDescriptor) string {
	if sd.SerdeInfo == nil {
		return ""
	}
	return sd.SerdeInfo.SerializationLibrary
}

// partitionChanged reports whether an existing partition differs from the
// wanted one (location, files, statistics, or the columns it inherits).
func partitionChanged(cur, want *catalog.Partition) bool {
	if cur.StorageDescriptor.Location != want.StorageDescriptor.Location ||
		columnList(cur.StorageDescriptor.Columns) != columnList(want.StorageDescriptor.Columns) ||
		serde(cur.StorageDescriptor) != serde(want.StorageDescriptor) ||
		len(serdeParamChanges(cur.StorageDescriptor, want.StorageDescriptor)) > 0 {
		return true
	}
	if _, ok := cur.Parameters[catalog.ParamDeprecatedByCrawler]; ok {
		return true
	}
	for _, k := range []string{catalog.ParamObjectCount, catalog.ParamSizeKey, catalog.ParamRecordCount, catalog.ParamFingerprint, catalog.ParamJSONLayout} {
		if cur.Parameters[k] != want.Parameters[k] {
			return true
		}
	}
	return false
}

// planPartitions decides the partition changes against final, the table
// as it will be after the update behaviour is applied.
func (p *planned) planPartitions(final *catalog.Table, opts *Options) {
	t := p.report
	if columnList(final.PartitionKeys) != columnList(p.want.PartitionKeys) {
		if len(p.parts) > 0 {
			t.Changes = append(t.Changes, "partitions left as they are: the table keeps its partition keys")
		}
		return
	}
	wanted := map[string]bool{}
	wantedAt := map[string]bool{}
	for _, w := range p.parts {
		w.StorageDescriptor.Columns = final.StorageDescriptor.Columns // partitions inherit the table's schema
		wanted[partKey(w.Values)] = true
		wantedAt[w.StorageDescriptor.Location] = true
		cur, ok := p.current[partKey(w.Values)]
		switch {
		case !ok:
			p.add = append(p.add, w)
		case opts.UpdateBehavior != UpdateLog && partitionChanged(cur, &w):
			w.DatabaseName, w.TableName = final.DatabaseName, final.Name
			w.CreationTime = cur.CreationTime
			p.update = append(p.update, w)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(p.current)) {
		cur := p.current[k]
		if wanted[k] {
			continue
		}
		if wantedAt[cur.StorageDescriptor.Location] && opts.UpdateBehavior != UpdateLog && opts.DeleteBehavior != DeleteLog {
			// The same folder under other values: registered by a crawl
			// that kept Hive's escapes (a%3Db for a=b). One folder, one
			// partition (unless changes and removals are only logged).
			p.remove = append(p.remove, cur.Values)
			t.Changes = append(t.Changes, fmt.Sprintf("partition (%s) at %s replaced by its unescaped values", strings.Join(cur.Values, ", "), cur.StorageDescriptor.Location))
			continue
		}
		switch opts.DeleteBehavior {
		case DeleteFromCatalog:
			p.remove = append(p.remove, cur.Values)
		case DeleteDeprecate:
			if _, ok := cur.Parameters[catalog.ParamDeprecatedByCrawler]; !ok {
				d := *cur
				d.Parameters = maps.Clone(cur.Parameters)
				if d.Parameters == nil {
					d.Parameters = map[string]string{}
				}
				d.Parameters[catalog.ParamDeprecatedByCrawler] = opts.RunID
				p.update = append(p.update, d)
				t.PartitionsDeprecated++
			}
		default:
			t.PartitionsLogged++
		}
	}
	t.PartitionsAdded = len(p.add)
	t.PartitionsUpdated = len(p.update) - t.PartitionsDeprecated
	t.PartitionsRemoved = len(p.remove)
}

// apply writes one table's change. The writes of a table are not
// interrupted halfway: a cancelled crawl stops between tables.
func (p *planned) apply(ctx context.Context, c catalog.Catalog, opts *Options) error {
	ctx = context.WithoutCancel(ctx)
	switch {
	case p.gone:
		switch opts.DeleteBehavior {
		case DeleteFromCatalog:
			return c.DeleteTable(ctx, opts.Database, p.existing.Name)
		case DeleteDeprecate:
			_, err := catalog.UpdateTableFunc(ctx, c, opts.Database, p.existing.Name, func(cur *catalog.Table) error {
				if cur.Parameters == nil {
					cur.Parameters = map[string]string{}
				}
				cur.Parameters[catalog.ParamDeprecatedByCrawler] = opts.RunID
				return nil
			})
			return err
		}
		return nil
	case p.existing == nil:
		if err := c.CreateTable(ctx, *p.want); err != nil {
			return err
		}
		if err := opts.Failpoint.At("crawl.created"); err != nil {
			return err
		}
		return c.CreatePartitions(ctx, p.want.DatabaseName, p.want.Name, p.add)
	}
	final := p.existing
	if p.report.Action == ActionUpdated {
		var err error
		final, err = catalog.UpdateTableFunc(ctx, c, opts.Database, p.existing.Name, func(cur *catalog.Table) error {
			reconcile(cur, p.want, opts.UpdateBehavior)
			return nil
		})
		if err != nil {
			return err
		}
	}
	for i, u := range p.update {
		if _, gone := u.Parameters[catalog.ParamDeprecatedByCrawler]; !gone {
			p.update[i].StorageDescriptor.Columns = final.StorageDescriptor.Columns
		}
	}
	if err := catalog.UpdatePartitions(ctx, c, opts.Database, final.Name, p.update); err != nil {
		return err
	}
	if len(p.add) > 0 {
		for i := range p.add {
			p.add[i].StorageDescriptor.Columns = final.StorageDescriptor.Columns
		}
		if err := c.CreatePartitions(ctx, final.DatabaseName, final.Name, p.add); err != nil {
			return err
		}
	}
	if len(p.remove) > 0 {
		return c.DeletePartitions(ctx, opts.Database, final.Name, p.remove)
	}
	return nil
}
