package search

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/commit"
	"github.com/lakectl/lakectl/internal/convert"
	"github.com/lakectl/lakectl/internal/dataset"
	"github.com/lakectl/lakectl/internal/format"
)

// An index is three tables written one after the other, each in a commit
// of its own: the journal (appended), then the inventory and the pairs
// table (each replaced whole). The journal is the log and the inventory
// its checkpoint: each commit's state (commit.StateKey) says which
// journal runs it holds, so a run killed between the commits leaves
// nothing lost and nothing twice. The next run replays the journal runs
// the inventory lacks onto it before comparing, so their changes are not
// journaled again; and a pairs table behind the inventory is not searched
// (the inventory is, slower) until it is rewritten.

// PairsTable is the index's third table: the inventory once per user
// metadata pair and per tag of each object, sorted by the pair, so that
// a search by metadata or tag reads only the row groups of that pair.
const PairsTable = "inventory_pairs"

// The pairs table's own columns, after Columns' and before the partition
// key: where the pair is from (PairMetadata or PairTag), its key and its
// value.
const (
	PairMetadata = "user_metadata"
	PairTag      = "object_tags"
)

// PairsColumns are the pairs table's columns.
var PairsColumns = slices.Concat(Columns[:colDate], []catalog.Column{
	{Name: "pair_source", Type: "string", Comment: "user_metadata or object_tags: where the pair is"},
	{Name: "pair_key", Type: "string", Comment: "the key of the user metadata pair or tag"},
	{Name: "pair_value", Type: "string", Comment: "its value"},
}, Columns[colDate:])

// journalState is the journal's state: the journal runs not known to be
// in the inventory when the last of them was written, oldest first, and
// the inventory's journal run before the first of them.
type journalState struct {
	Base string   `json:"base"`
	Runs []string `json:"runs"`
}

// tableState is the inventory's and the pairs table's state: the last
// journal run whose changes the table holds, and the run that wrote the
// inventory (the inventory's own, or the one the pairs table mirrors).
// An inventory whose files are another run's was written by a lakectl
// that kept no states: its state is stale.
type tableState struct {
	JournalRun   string `json:"journalRun"`
	InventoryRun string `json:"inventoryRun"`
}

// Loaded is an index as a run finds it: the inventory with the journal's
// runs it lacked replayed onto it.
type Loaded struct {
	// Inventory is the current state of every object, sorted by key.
	Inventory []Record
	// Replayed are the journal runs that were not in the inventory (a run
	// killed after its journal's commit), replayed onto it.
	Replayed []string
	// PairsCurrent: the pairs table holds what the inventory holds.
	PairsCurrent bool

	journal   journalState
	inventory tableState
	// hasState: the inventory has a state; trusted: its files are the
	// ones the state names (not those of an earlier lakectl's run since).
	hasState, trusted bool
	// Skipped: journal runs that could not be replayed (their files
	// changed since), with the reason; their changes are journaled again.
	Skipped string
}

// Load reads an index to re-index it: the last inventory, with what the
// journal holds beyond it. Call it holding the root's lease. A commit of
// a table left unfinished by a killed run is finished first (cat opens
// the catalog, for one that registers the table).
func Load(ctx context.Context, open Opener, root string, cat func(context.Context) (catalog.Catalog, error)) (*Loaded, error) {
	open = open.once()
	for _, name := range []string{JournalTable, InventoryTable, PairsTable} {
		if err := recoverTable(ctx, open, root, name, cat); err != nil {
			return nil, err
		}
	}
	l := &Loaded{}
	var err error
	if l.hasState, err = readTableState(ctx, open, root, InventoryTable, &l.inventory); err != nil {
		return nil, err
	}
	if _, err := readTableState(ctx, open, root, JournalTable, &l.journal); err != nil {
		return nil, err
	}
	if l.hasState {
		if l.trusted, err = inventoryOf(ctx, open, root, l.inventory.InventoryRun); err != nil {
			return nil, err
		}
	}
	var pairs tableState
	hasPairs, err := readTableState(ctx, open, root, PairsTable, &pairs)
	if err != nil {
		return nil, err
	}
	l.PairsCurrent = l.trusted && hasPairs && pairs == l.inventory
	if l.Inventory, err = ReadInventory(ctx, open, root); err != nil {
		return nil, fmt.Errorf("read the last inventory: %w", err)
	}
	pending := l.pending()
	if len(pending) == 0 {
		return l, nil
	}
	js, err := open(ctx, tableLocation(root, JournalTable))
	if err != nil {
		return nil, err
	}
	byKey := make(map[id]*Record, len(l.Inventory))
	for i := range l.Inventory {
		byKey[id{l.Inventory[i].Bucket, l.Inventory[i].Key}] = &l.Inventory[i]
	}
	for _, run := range pending {
		rec, err := commit.ReadRecord(ctx, js, run)
		if err != nil {
			return nil, err
		}
		var recs []Record
		if rec != nil && len(rec.Files) > 0 {
			in := tableInput(open, root, JournalTable)
			in.Files = rec.Files
			if recs, _, err = scan(ctx, in, nil, nil); err != nil {
				return nil, fmt.Errorf("replay journal run %s: %w", run, err)
			}
		}
		// A run is replayed whole or not at all, and the runs after one
		// that is not are not either (their changes build on it): their
		// changes are then journaled again, which the caller says.
		switch {
		case rec == nil:
			l.Skipped = fmt.Sprintf("journal run %s is not in the inventory, and its record is gone", run)
		case int64(len(recs)) != rec.Rows:
			l.Skipped = fmt.Sprintf("journal run %s is not in the inventory, and its files hold %d of its %d records (rewritten since?)", run, len(recs), rec.Rows)
		}
		if l.Skipped != "" {
			break
		}
		sortRecords(recs)
		for i := range recs {
			r := recs[i]
			k := id{r.Bucket, r.Key}
			if r.RecordType == Delete {
				delete(byKey, k)
			} else {
				byKey[k] = &r
			}
		}
		l.Replayed = append(l.Replayed, run)
	}
	inv := make([]*Record, 0, len(byKey))
	for _, r := range byKey {
		inv = append(inv, r)
	}
	slices.SortFunc(inv, compareRecords)
	l.Inventory = make([]Record, len(inv))
	for i, r := range inv {
		l.Inventory[i] = *r
	}
	l.PairsCurrent = len(l.Replayed) == 0 && l.PairsCurrent
	return l, nil
}

// inventoryOf says whether the inventory's data files are all of run.
func inventoryOf(ctx context.Context, open Opener, root, run string) (bool, error) {
	s, err := open(ctx, tableLocation(root, InventoryTable))
	if err != nil {
		return false, err
	}
	for o, err := range s.List(ctx, DateKey+"=") {
		if err != nil {
			return false, err
		}
		if format.Hidden(o.Key) {
			continue
		}
		if !strings.HasPrefix(path.Base(o.Key), "part-"+run+"-") {
			return false, nil
		}
	}
	return true, nil // files all of run, or none (an inventory emptied)
}

// pairsCurrent says whether an index's pairs table holds what its
// inventory holds (a run killed between their commits leaves it behind).
func pairsCurrent(ctx context.Context, open Opener, root string) (bool, error) {
	var inv, pairs tableState
	hasInv, err := readTableState(ctx, open, root, InventoryTable, &inv)
	if err != nil || !hasInv {
		return false, err
	}
	hasPairs, err := readTableState(ctx, open, root, PairsTable, &pairs)
	if err != nil || !hasPairs || pairs != inv {
		return false, err
	}
	return inventoryOf(ctx, open, root, inv.InventoryRun)
}

// pending are the journal runs the inventory lacks, oldest first. An
// inventory without a state lacks those after Base "" (a first run of
// this lakectl, on a new index or an earlier lakectl's, killed between
// its commits); one rewritten by an earlier lakectl since its state was
// written lacks none the journal's state knows of.
func (l *Loaded) pending() []string {
	j, at := l.journal, l.inventory.JournalRun
	switch {
	case len(j.Runs) == 0 || l.hasState && !l.trusted || at == j.Runs[len(j.Runs)-1]:
		return nil
	case at == j.Base:
		return j.Runs
	}
	if i := slices.Index(j.Runs, at); i >= 0 {
		return j.Runs[i+1:]
	}
	return nil
}

// last is the journal run the inventory holds once the loaded index's
// replayed runs are written.
func (l *Loaded) last() string {
	if n := len(l.Replayed); n > 0 {
		return l.Replayed[n-1]
	}
	return l.inventory.JournalRun
}

// recoverTable finishes a table's commit a killed run left unfinished.
func recoverTable(ctx context.Context, open Opener, root, name string, cat func(context.Context) (catalog.Catalog, error)) error {
	s, err := open(ctx, tableLocation(root, name))
	if err != nil {
		return err
	}
	j, err := commit.ReadJournal(ctx, s)
	if j == nil || err != nil {
		return err
	}
	var c catalog.Catalog
	if j.Catalog != nil {
		if c, err = cat(ctx); err != nil {
			return err
		}
	}
	_, err = commit.Recover(ctx, s, c, nil)
	return err
}

func readTableState(ctx context.Context, open Opener, root, name string, v any) (bool, error) {
	s, err := open(ctx, tableLocation(root, name))
	if err != nil {
		return false, err
	}
	found, err := commit.ReadState(ctx, s, v)
	if err != nil {
		return false, fmt.Errorf("%s: %w", name, err)
	}
	return found, nil
}

func tableLocation(root, name string) string {
	return strings.TrimSuffix(root, "/") + "/" + name
}

// WriteOptions configure the writing of an index run.
type WriteOptions struct {
	// Now is the run's time: its tables' partition (index_date) and run.
	Now time.Time
	// RowGroupRows is the objects per Parquet row group.
	RowGroupRows int
	// Catalog and Register: register the tables in database Register.
	Catalog  catalog.Catalog
	Register string
	// Version and Build name the lakectl writing (Parquet's created_by).
	Version, Build string
	// Failpoint is called at each step of each commit (tests stop the
	// process there); nil in normal runs.
	Failpoint commit.Failpoint
}

// Write writes an index run over a loaded index: the journal's new
// records, then the inventory, then the pairs table, each in its own
// commit. It writes nothing when nothing changed, and it reports whether
// it wrote.
func Write(ctx context.Context, open Opener, root string, l *Loaded, res *IndexResult, opts WriteOptions) (bool, error) {
	open = open.once()
	last := l.last()
	changed := len(res.Journal) > 0 || len(l.Replayed) > 0 || !l.trusted && len(res.Inventory) > 0
	if !changed && (l.PairsCurrent || len(res.Inventory) == 0) {
		return false, nil
	}
	if len(res.Journal) > 0 {
		last = commit.NewRunID(opts.Now)
		// The runs replayed are not in the inventory yet either.
		js := journalState{Base: l.inventory.JournalRun, Runs: append(slices.Clone(l.Replayed), last)}
		if err := writeTable(ctx, open, root, JournalTable, Columns, recordRows(res.Journal, opts.Now), convert.Append, js, last, opts); err != nil {
			return false, err
		}
	}
	st := tableState{JournalRun: last, InventoryRun: l.inventory.InventoryRun}
	invRows := recordRows(res.Inventory, opts.Now)
	if changed {
		st.InventoryRun = commit.NewRunID(opts.Now)
		if err := writeTable(ctx, open, root, InventoryTable, Columns, invRows, convert.Overwrite, st, st.InventoryRun, opts); err != nil {
			return false, err
		}
	}
	if err := writeTable(ctx, open, root, PairsTable, PairsColumns, pairRows(res.Inventory, invRows), convert.Overwrite, st, "", opts); err != nil {
		return false, err
	}
	return true, nil
}

func recordRows(recs []Record, now time.Time) [][]any {
	rows := make([][]any, len(recs))
	for i := range recs {
		rows[i] = recs[i].Row(now)
	}
	return rows
}

// pairRows are the pairs table's rows of an inventory sorted by key
// (whose rows are invRows): a row per user metadata pair and per tag of
// each object, sorted by the pair, then key. Each pair's objects are
// gathered in the inventory's order, so only the distinct pairs are
// sorted.
func pairRows(inv []Record, invRows [][]any) [][]any {
	type pair struct{ source, key, value string }
	objects := map[pair][]int32{}
	n := 0
	for i := range inv {
		for k, v := range inv[i].UserMetadata {
			p := pair{PairMetadata, k, v}
			objects[p] = append(objects[p], int32(i))
		}
		for k, v := range inv[i].Tags {
			p := pair{PairTag, k, v}
			objects[p] = append(objects[p], int32(i))
		}
		n += len(inv[i].UserMetadata) + len(inv[i].Tags)
	}
	pairs := slices.SortedFunc(maps.Keys(objects), func(a, b pair) int {
		return cmp.Or(strings.Compare(a.source, b.source), strings.Compare(a.key, b.key), strings.Compare(a.value, b.value))
	})
	rows := make([][]any, 0, n)
	for _, p := range pairs {
		for _, i := range objects[p] {
			row := invRows[i]
			rows = append(rows, slices.Concat(row[:colDate], []any{p.source, p.key, p.value}, row[colDate:]))
		}
	}
	return rows
}

// writeTable writes rows as one of the index's tables in one commit,
// with the table's new state.
func writeTable(ctx context.Context, open Opener, root, name string, columns []catalog.Column, rows [][]any, mode string, state any, run string, opts WriteOptions) error {
	dest, err := open(ctx, tableLocation(root, name))
	if err != nil {
		return err
	}
	data, _ := json.Marshal(state)
	co := convert.Options{PartitionBy: []string{DateKey}, Mode: mode, RowGroupSize: opts.RowGroupRows, RunID: run,
		Version: opts.Version, Build: opts.Build, Failpoint: opts.Failpoint, State: data,
		Now: func() time.Time { return opts.Now }}
	if opts.Register != "" {
		co.Register = opts.Register + "." + name
	}
	if _, err := convert.AppendRows(ctx, opts.Catalog, columns, rows, name, dest, co); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// scan reads rows of a table of an index through the one reading layer.
func scan(ctx context.Context, in dataset.Input, prune func([]dataset.Bounds) bool, keep func(row []dataset.Value) bool) ([]Record, *dataset.ScanStats, error) {
	pick := make([]int, colDate) // the partition key is not read
	for i := range pick {
		pick[i] = i
	}
	sink, st, err := dataset.Scan(ctx, in, pick, dataset.ScanOptions{RowGroups: prune}, func() dataset.Sink { return &collector{keep: keep} })
	if err != nil {
		return nil, st, err
	}
	if sink == nil {
		return nil, st, nil
	}
	return sink.(*collector).records, st, nil
}
