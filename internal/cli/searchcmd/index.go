package searchcmd

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/cli/cmdutil"
	"github.com/lakectl/lakectl/internal/cli/version"
	"github.com/lakectl/lakectl/internal/convert"
	"github.com/lakectl/lakectl/internal/search"
	"github.com/lakectl/lakectl/internal/storage"
)

func init() { subcommands = append(subcommands, NewCmdIndex) }

// DefaultRowGroupRows keeps an index's row groups small enough that a key
// lookup reads few of them: 16,384 objects a group.
const DefaultRowGroupRows = 16384

type IndexOptions struct {
	F            *cmdutil.Factory
	URIs         []string
	To           string
	Register     string
	RowGroupRows int
	Fetchers     int
}

func NewCmdIndex(f *cmdutil.Factory) *cobra.Command {
	opts := &IndexOptions{F: f}
	cmd := &cobra.Command{
		Use:   "index URI... [--to ROOT] [--register DB]",
		Short: "Index the objects under URIs: an inventory of each and a journal of changes",
		Long: `Index every object under the URIs (s3://bucket/prefix, local folders) into
two Parquet tables under ROOT, with the columns of Amazon S3 Metadata's
inventory and journal tables, so that queries written for S3 Metadata
work on them:

  ROOT/inventory/  the current state of every object: bucket, key, size,
                   last_modified_date, e_tag, storage_class, user_metadata,
                   object_tags, encryption_status, ...
  ROOT/journal/    every change seen between runs: CREATE (new or new
                   content), UPDATE_METADATA (same content, other metadata
                   or tags), DELETE

Both are partitioned by the day of the run (index_date=YYYY-MM-DD) and
sorted by key, in row groups of --row-group-rows objects, so that a search
by key reads only the row groups whose key range can hold it. They are
written through lakectl's commit protocol; --register DB registers them as
DB.inventory and DB.journal.

A re-index lists, compares with the last inventory, and reads user
metadata and tags (HeadObject and GetObjectTagging on S3) only for new
and changed objects (size, last modified or ETag differ). On local disk a
file's user.* extended attributes are its user metadata. Tags changed
without a new write do not show in a listing, so they are seen when the
object next changes. A run that finds no change writes nothing.

ROOT is $LAKECTL_HOME/search by default.`,
		Example: `  # index a bucket, then again later: the journal holds what changed
  lakectl search index s3://uploads/ --to s3://lake/index --register index
  # a local folder (user metadata from extended attributes)
  lakectl search index ./landing --to ./index`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.URIs = args
			return indexRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.To, "to", "", "where the index's tables live (default $LAKECTL_HOME/search)")
	cmd.Flags().StringVar(&opts.Register, "register", "", "register the tables as `DB`.inventory and DB.journal")
	cmd.Flags().IntVar(&opts.RowGroupRows, "row-group-rows", DefaultRowGroupRows, "objects per Parquet row group")
	cmd.Flags().IntVar(&opts.Fetchers, "fetchers", search.DefaultFetchers, "objects whose metadata and tags are read at once")
	return cmd
}

// indexRoot is where an index lives: the flag's value, or the default
// under lakectl's home.
func indexRoot(f *cmdutil.Factory, flag string) string {
	if flag != "" {
		return flag
	}
	return filepath.Join(f.Settings.Home, "search")
}

type requestCounter interface{ Requests() map[string]int }

func indexRun(ctx context.Context, opts *IndexOptions) error {
	f := opts.F
	if opts.RowGroupRows <= 0 {
		return cmdutil.Usagef("--row-group-rows must be positive")
	}
	root := indexRoot(f, opts.To)
	var stores []storage.Store
	for _, uri := range opts.URIs {
		s, err := f.ExistingStore(ctx, uri)
		if err != nil {
			return err
		}
		stores = append(stores, s)
	}
	previous, err := search.ReadInventory(ctx, f.Store, root)
	if err != nil {
		return fmt.Errorf("read the last inventory: %w", err)
	}
	prog := f.StartProgress("index")
	res, err := search.Index(ctx, stores, previous, search.IndexOptions{Now: f.Now(), Fetchers: opts.Fetchers, Progress: prog.Reporter()})
	prog.Stop()
	if err != nil {
		return err
	}
	requests := map[string]int{}
	for _, s := range stores {
		if rc, ok := s.(requestCounter); ok {
			for op, n := range rc.Requests() {
				requests[op] += n
			}
		}
	}
	if len(requests) > 0 && !f.Settings.Quiet {
		cmdutil.Fprintf(f.IO.ErrOut, "lakectl: %s\n", cmdutil.RequestLine("S3 request", requests))
	}
	if len(res.Journal) > 0 || len(previous) == 0 && len(res.Inventory) > 0 {
		// The journal first: a run killed between the two leaves the old
		// inventory, and the next run records those changes again rather
		// than losing them.
		if err := writeTable(ctx, f, root, search.JournalTable, res.Journal, convert.Append, opts); err != nil {
			return err
		}
		if err := writeTable(ctx, f, root, search.InventoryTable, res.Inventory, convert.Overwrite, opts); err != nil {
			return err
		}
	}
	t := cmdutil.Table{Header: []string{"LISTED", "CREATED", "METADATA UPDATED", "DELETED", "UNCHANGED", "FETCHED"}}
	t.Add(strconv.FormatInt(res.Listed, 10), strconv.FormatInt(res.Created, 10), strconv.FormatInt(res.Updated, 10),
		strconv.FormatInt(res.Deleted, 10), strconv.FormatInt(res.Unchanged, 10), strconv.FormatInt(res.Fetched, 10))
	return f.Print(t, struct {
		Root string `json:"root"`
		*search.IndexResult
		Requests map[string]int `json:"requests,omitempty"`
	}{root, res, requests})
}

// writeTable writes records as one of the index's tables through the
// commit protocol.
func writeTable(ctx context.Context, f *cmdutil.Factory, root, name string, recs []search.Record, mode string, opts *IndexOptions) error {
	if len(recs) == 0 {
		return nil
	}
	dest, err := f.Store(ctx, strings.TrimSuffix(root, "/")+"/"+name)
	if err != nil {
		return err
	}
	var c catalog.Catalog
	if opts.Register != "" {
		if c, err = f.Catalog(ctx); err != nil {
			return err
		}
	}
	fp, err := f.Failpoint()
	if err != nil {
		return err
	}
	now := f.Now()
	rows := make([][]any, len(recs))
	for i := range recs {
		rows[i] = recs[i].Row(now)
	}
	co := convert.Options{PartitionBy: []string{search.DateKey}, Mode: mode, Workers: 1, RowGroupSize: opts.RowGroupRows,
		Version: version.Version, Build: version.Commit, Failpoint: fp}
	if opts.Register != "" {
		co.Register = opts.Register + "." + name
	}
	if _, err := convert.AppendRows(ctx, c, search.Columns, rows, name, dest, co); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}
