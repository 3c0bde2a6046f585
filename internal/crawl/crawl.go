package crawl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/dataset"
	"github.com/lakectl/lakectl/internal/format"
	"github.com/lakectl/lakectl/internal/progress"
	"github.com/lakectl/lakectl/internal/storage"
)

// Run crawls the targets into opts.Database and reports what it did. With
// opts.DryRun it changes nothing. It fails with ErrThresholdExceeded
// (returning the report, and writing nothing) when the crawl would create
// more than opts.TableThreshold tables. Data files are only ever read.
func Run(ctx context.Context, cat catalog.Catalog, targets []Target, opts Options) (*Report, error) {
	if err := opts.Check(); err != nil {
		return nil, err
	}
	rep := &Report{RunID: opts.RunID, Crawler: opts.Name, Database: opts.Database, DryRun: opts.DryRun,
		Started: opts.Now().UTC(), Skipped: []Skipped{}, Decisions: []Decision{}, Tables: []TableReport{}}
	st, err := loadState(ctx, cat, opts.Database)
	if err != nil {
		return nil, err
	}
	known := func(roots []*folder) (map[string]knownFolder, error) {
		if opts.Recrawl != RecrawlNewFolders {
			return nil, nil
		}
		return st.knownFolders(ctx, roots)
	}
	roots, cands, err := scan(ctx, targets, &opts, rep, known)
	if err != nil {
		return rep, err
	}

	plans, err := plan(ctx, st, roots, cands, &opts)
	if err != nil {
		return nil, err
	}
	created := 0
	for _, p := range plans {
		rep.Tables = append(rep.Tables, *p.report)
		if p.report.Action == ActionCreated {
			created++
		}
	}
	if opts.TableThreshold > 0 && created > opts.TableThreshold {
		rep.ThresholdExceeded = true
		rep.nothingWritten()
		rep.Finished = opts.Now().UTC()
		return rep, fmt.Errorf("the crawl would create %d tables, more than the threshold of %d; nothing was written: %w", created, opts.TableThreshold, ErrThresholdExceeded)
	}
	if opts.DryRun {
		rep.nothingWritten()
	}
	if !opts.DryRun && len(plans) > 0 {
		if !st.dbExists {
			err := cat.CreateDatabase(ctx, catalog.Database{Name: opts.Database, Description: "created by lakectl crawl"})
			if err != nil && !errors.Is(err, catalog.ErrAlreadyExists) {
				return rep, err
			}
		}
		for _, p := range plans {
			if err := ctx.Err(); err != nil {
				return rep, err
			}
			err := p.apply(ctx, cat, &opts)
			if err == nil {
				err = opts.Failpoint.At("crawl.applied")
			}
			if err != nil {
				return rep, fmt.Errorf("table %s.%s: %w", opts.Database, p.report.Name, err)
			}
		}
	}
	rep.Finished = opts.Now().UTC()
	return rep, nil
}

// scan lists the targets, reads what it must, and decides the tables.
// known, when it returns folders, spares them from being read again.
func scan(ctx context.Context, targets []Target, opts *Options, rep *Report, known func([]*folder) (map[string]knownFolder, error)) ([]*folder, []*candidate, error) {
	opts.Progress.Stage("list")
	var roots []*folder
	for i := range targets {
		rep.Targets = append(rep.Targets, targets[i].URI)
		root, err := list(ctx, &targets[i], opts, rep)
		if err != nil {
			return nil, nil, err
		}
		roots = append(roots, root)
	}
	seen, err := known(roots)
	if err != nil {
		return nil, nil, err
	}
	var jobs []*readJob
	for _, root := range roots {
		walk(root, func(f *folder) {
			if len(f.files) == 0 {
				return
			}
			if k, ok := seen[f.uri()]; ok && k.fingerprint == fingerprint(f.files) {
				f.data = dataFromCatalog(f.uri(), k.table, k.params, k.fingerprint, len(f.files))
				for _, fe := range f.files {
					fe.used = true
				}
				return
			}
			for i, fe := range f.files {
				if opts.SampleFiles > 0 && i >= opts.SampleFiles {
					break
				}
				jobs = append(jobs, &readJob{store: f.target.Store, file: fe})
			}
		})
	}
	opts.Progress.Stage("read")
	readFiles(ctx, jobs, opts)
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	var cands []*candidate
	for _, root := range roots {
		walk(root, func(f *folder) {
			if len(f.files) > 0 && f.data == nil {
				summarize(f, rep)
			}
		})
		cands = append(cands, resolve(root, opts, rep)...)
	}
	for _, root := range roots {
		walk(root, func(f *folder) { countUsed(f, &rep.Files) })
	}
	return roots, cands, nil
}

// countUsed counts the files of a folder that its table holds, by how
// they came to be there. The others were skipped, and counted so: each
// listed file is counted once.
func countUsed(f *folder, c *FileSummary) {
	for _, fe := range f.files {
		switch {
		case !fe.used:
		case f.data.unchanged:
			c.Unchanged++
		case fe.info == nil:
			c.NotSampled++
		default:
			c.Read++
		}
	}
}

// Describe describes the tables the data under a store forms, exactly as a
// crawl would, without a catalog: for commands that read data named by a
// path rather than a table (dataset.Sources.Describe). include, when set,
// is the only file to consider. The files listed and read are counted on
// p, in the stages "list" and "read" as a crawl's.
func Describe(ctx context.Context, s storage.Store, include string, p progress.Reporter) ([]dataset.Described, []dataset.SkippedFile, error) {
	opts := Options{Database: "scan", Format: format.DefaultOptions(), Progress: p}
	// The command reads the data whole anyway: a compressed file's records
	// are not counted twice (the description's counts are estimates).
	opts.Format.CountCompressed = 0
	if include != "" {
		opts.Include = []string{include}
	}
	if err := opts.Check(); err != nil {
		return nil, nil, err
	}
	rep := &Report{RunID: opts.RunID, Crawler: opts.Name, Database: opts.Database, DryRun: true, Started: opts.Now().UTC(), Skipped: []Skipped{}, Decisions: []Decision{}}
	_, cands, err := scan(ctx, []Target{{URI: s.URI(""), Store: s}}, &opts, rep, func([]*folder) (map[string]knownFolder, error) { return nil, nil })
	if err != nil {
		return nil, nil, err
	}
	var out []dataset.Described
	for _, c := range cands {
		t, parts, _ := buildTable(c, tableName(c, opts.TablePrefix), &opts)
		out = append(out, dataset.Described{Table: t, Partitions: parts})
	}
	var skipped []dataset.SkippedFile
	for _, sk := range rep.Skipped {
		skipped = append(skipped, dataset.SkippedFile{File: sk.File, Reason: sk.Reason})
	}
	return out, skipped, nil
}

// state is what the catalog held before the crawl.
type state struct {
	cat      catalog.Catalog
	db       string
	dbExists bool
	tables   []*catalog.Table
	parts    map[string]map[string]*catalog.Partition // by table name, then values
}

func loadState(ctx context.Context, cat catalog.Catalog, db string) (*state, error) {
	st := &state{cat: cat, db: db, parts: map[string]map[string]*catalog.Partition{}}
	for t, err := range cat.ListTables(ctx, db) {
		if errors.Is(err, catalog.ErrNotFound) {
			return st, nil
		}
		if err != nil {
			return nil, err
		}
		st.tables = append(st.tables, t)
	}
	st.dbExists = true
	return st, nil
}

func (st *state) partitions(ctx context.Context, t *catalog.Table) (map[string]*catalog.Partition, error) {
	if m, ok := st.parts[t.Name]; ok {
		return m, nil
	}
	m := map[string]*catalog.Partition{}
	if len(t.PartitionKeys) > 0 {
		for p, err := range st.cat.ListPartitions(ctx, st.db, t.Name, nil) {
			if err != nil {
				return nil, err
			}
			m[partKey(p.Values)] = p
		}
	}
	st.parts[t.Name] = m
	return m, nil
}

// knownFolder is a folder the catalog already describes.
type knownFolder struct {
	table       *catalog.Table
	params      map[string]string
	fingerprint string
}

// knownFolders maps the locations of the tables and partitions under the
// targets to what the catalog kept of them.
func (st *state) knownFolders(ctx context.Context, roots []*folder) (map[string]knownFolder, error) {
	known := map[string]knownFolder{}
	for _, t := range st.tables {
		if !under(t.StorageDescriptor.Location, roots) {
			continue
		}
		if len(t.PartitionKeys) == 0 {
			known[t.StorageDescriptor.Location] = knownFolder{t, t.Parameters, t.Parameters[catalog.ParamFingerprint]}
			continue
		}
		parts, err := st.partitions(ctx, t)
		if err != nil {
			return nil, err
		}
		for _, p := range parts {
			known[p.StorageDescriptor.Location] = knownFolder{t, p.Parameters, p.Parameters[catalog.ParamFingerprint]}
		}
	}
	return known, nil
}

func under(location string, roots []*folder) bool {
	return slices.ContainsFunc(roots, func(r *folder) bool { return strings.HasPrefix(location, r.uri()) })
}

// plan compares the tables the data describes with the catalog.
func plan(ctx context.Context, st *state, roots []*folder, cands []*candidate, opts *Options) ([]*planned, error) {
	byLocation, byName := map[string]*catalog.Table{}, map[string]*catalog.Table{}
	for _, t := range st.tables {
		byLocation[t.StorageDescriptor.Location] = t
		byName[t.Name] = t
	}
	matched := map[string]bool{}
	used := map[string]bool{}
	var plans []*planned
	for _, c := range cands {
		name := tableName(c, opts.TablePrefix)
		if used[name] {
			name = catalog.SanitizeName(name + "_" + shortHash(c.root.uri()))
		}
		used[name] = true
		want, parts, warnings := buildTable(c, name, opts)
		for _, col := range want.StorageDescriptor.Columns {
			if src := col.Parameters[catalog.ParamSourceName]; src != "" && catalog.SanitizeName(src) != col.Name {
				warnings = append(warnings, fmt.Sprintf("column %s holds %q, renamed: another column has that name in the catalog, whose names ignore case (Glue merges the two and loses one's values)", col.Name, src))
			}
		}
		d := c.merged()
		p := &planned{want: want, parts: parts, report: &TableReport{
			Name: name, Location: want.StorageDescriptor.Location, Format: d.format,
			Columns: len(want.StorageDescriptor.Columns), PartitionKeys: keyNames(want.PartitionKeys),
			Files: d.files, Records: d.records, RecordsEstimated: d.estimated, Warnings: warnings,
		}}
		ex := byLocation[want.StorageDescriptor.Location]
		if ex == nil {
			if t := byName[name]; t != nil && !matched[t.Name] {
				ex = t
			}
		}
		if ex == nil || matched[ex.Name] {
			p.report.Action = ActionCreated
			p.add = parts
			p.report.PartitionsAdded = len(parts)
			plans = append(plans, p)
			continue
		}
		matched[ex.Name] = true
		want.Name, p.report.Name = ex.Name, ex.Name
		for i := range p.parts {
			p.parts[i].TableName = ex.Name
		}
		p.existing = ex
		keepKeyTypes(want, ex, parts)
		var err error
		if p.current, err = st.partitions(ctx, ex); err != nil {
			return nil, err
		}
		final := clone(ex)
		changes, changed := reconcile(final, want, opts.UpdateBehavior)
		p.report.Changes = append(p.report.Changes, changes...)
		switch {
		case changed:
			p.report.Action = ActionUpdated
		case len(changes) > 0:
			p.report.Action = ActionLogged
			final = ex
		default:
			p.report.Action = ActionUnchanged
			final = ex
		}
		p.planPartitions(final, opts)
		plans = append(plans, p)
	}
	for _, t := range st.tables {
		if matched[t.Name] || t.Parameters[catalog.ParamUpdatedByCrawler] != opts.Name || !under(t.StorageDescriptor.Location, roots) {
			continue
		}
		if _, done := t.Parameters[catalog.ParamDeprecatedByCrawler]; done && opts.DeleteBehavior == DeleteDeprecate {
			continue
		}
		action := map[string]string{DeleteDeprecate: ActionDeprecated, DeleteFromCatalog: ActionDeleted, DeleteLog: ActionLogged}[opts.DeleteBehavior]
		plans = append(plans, &planned{existing: t, gone: true, report: &TableReport{
			Name: t.Name, Location: t.StorageDescriptor.Location, Action: action,
			Format: t.Parameters[catalog.ParamClassification], Columns: len(t.StorageDescriptor.Columns),
			Changes: []string{"no data files left at its location"},
		}})
	}
	slices.SortFunc(plans, func(a, b *planned) int { return strings.Compare(a.report.Name, b.report.Name) })
	return plans, nil
}

func keyNames(cols []catalog.Column) []string {
	var out []string
	for _, c := range cols {
		out = append(out, c.Name)
	}
	return out
}

func clone(t *catalog.Table) *catalog.Table {
	b, _ := json.Marshal(t)
	var c catalog.Table
	json.Unmarshal(b, &c)
	return &c
}
