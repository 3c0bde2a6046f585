package searchcmd

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/cli/cmdutil"
	"github.com/lakectl/lakectl/internal/cli/version"
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
	// Inventories are S3 Inventory reports' manifest.json, read instead
	// of listing.
	Inventories   []string
	FetchMetadata bool
}

func NewCmdIndex(f *cmdutil.Factory) *cobra.Command {
	opts := &IndexOptions{F: f}
	cmd := &cobra.Command{
		Use:   "index {URI... | --inventory MANIFEST...} [--to ROOT] [--register DB]",
		Short: "Index the objects under URIs: an inventory of each and a journal of changes",
		Long: `Index every object under the URIs (s3://bucket/prefix, local folders) into
three Parquet tables under ROOT; the first two have the columns of Amazon
S3 Metadata's inventory and journal tables, so that queries written for
S3 Metadata work on them:

  ROOT/inventory/        the current state of every object: bucket, key,
                         size, last_modified_date, e_tag, storage_class,
                         user_metadata, object_tags, encryption_status, ...
  ROOT/journal/          every change seen between runs: CREATE (new or new
                         content), UPDATE_METADATA (same content, other
                         metadata or tags), DELETE
  ROOT/inventory_pairs/  the inventory once per user metadata pair and tag
                         (pair_source, pair_key, pair_value), sorted by the
                         pair: what a search by --meta or --tag reads

All are partitioned by the day of the run (index_date=YYYY-MM-DD) and
sorted, in row groups of --row-group-rows objects, so that a search reads
only the row groups whose key (or pair) range can hold it. Each is written
in a commit of lakectl's commit protocol, the journal first; a run killed
between them is finished by the next, which replays the journal the
inventory lacks instead of journaling its changes again. --register DB
registers them as DB.inventory, DB.journal and DB.inventory_pairs.

A re-index lists, compares with the last inventory, and reads user
metadata and tags (HeadObject and GetObjectTagging on S3) only for new
and changed objects (size, last modified or ETag differ). On local disk a
file's user.* extended attributes are its user metadata. Tags changed
without a new write do not show in a listing, so they are seen when the
object next changes. A run that finds no change writes nothing, unless the
index needs bringing up to date (a pairs table behind its inventory, an
index an earlier lakectl wrote).

--inventory MANIFEST reads an Amazon S3 Inventory report instead of
listing: the manifest.json (s3://... or a local path) and its data files,
gzip-compressed CSV or Parquet (ORC is refused), each checked against the
manifest's MD5. This is how a bucket of billions of objects is indexed.
The latest version of each object is indexed; older versions and delete
markers are not. A report carries no user metadata or tags: they are null
unless --fetch-metadata reads them (HeadObject and GetObjectTagging in the
source bucket) for the new and changed objects only.

Two runs on one ROOT take turns: each holds a lease on ROOT from reading
the last inventory to writing the new one.

ROOT is $LAKECTL_HOME/search by default.`,
		Example: `  # index a bucket, then again later: the journal holds what changed
  lakectl search index s3://uploads/ --to s3://lake/index --register index
  # a local folder (user metadata from extended attributes)
  lakectl search index ./landing --to ./index
  # from the day's S3 Inventory report
  lakectl search index --inventory s3://inventory/uploads/daily/2026-03-01T01-00Z/manifest.json --to s3://lake/index`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.URIs = args
			if len(args) == 0 && len(opts.Inventories) == 0 {
				return cmdutil.Usagef("give the URIs to index, or --inventory MANIFEST")
			}
			if len(args) > 0 && len(opts.Inventories) > 0 {
				return cmdutil.Usagef("give either URIs to list or --inventory, not both")
			}
			if opts.FetchMetadata && len(opts.Inventories) == 0 {
				return cmdutil.Usagef("--fetch-metadata goes with --inventory (a listing reads metadata anyway)")
			}
			return indexRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.To, "to", "", "where the index's tables live (default $LAKECTL_HOME/search)")
	cmd.Flags().StringVar(&opts.Register, "register", "", "register the tables as `DB`.inventory, DB.journal and DB.inventory_pairs")
	cmd.Flags().IntVar(&opts.RowGroupRows, "row-group-rows", DefaultRowGroupRows, "objects per Parquet row group")
	cmd.Flags().IntVar(&opts.Fetchers, "fetchers", search.DefaultFetchers, "objects whose metadata and tags are read at once")
	cmd.Flags().StringArrayVar(&opts.Inventories, "inventory", nil, "index from an S3 Inventory report: its `MANIFEST` (manifest.json; repeatable)")
	cmd.Flags().BoolVar(&opts.FetchMetadata, "fetch-metadata", false, "with --inventory: read user metadata and tags of new and changed objects from the source bucket")
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
	// The lease on the whole ROOT spans reading the last inventory to
	// writing the new one: two runs at once take turns, and the second
	// compares with what the first wrote (no change lost or journaled
	// twice).
	release, err := f.HoldRoot(ctx, root)
	if err != nil {
		return err
	}
	defer release()
	loaded, err := search.Load(ctx, f.Store, root, f.Catalog)
	if err != nil {
		return err
	}
	previous := loaded.Inventory
	prog := f.StartProgress("index")
	now := f.Now()
	iopts := search.IndexOptions{Now: now, Fetchers: opts.Fetchers, Progress: prog.Reporter()}
	var res *search.IndexResult
	if len(opts.Inventories) > 0 {
		res, stores, err = indexReports(ctx, f, opts, previous, iopts)
	} else {
		res, err = search.Index(ctx, stores, previous, iopts)
	}
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
	wo := search.WriteOptions{Now: now, RowGroupRows: opts.RowGroupRows, Catalog: c, Register: opts.Register,
		Version: version.Version, Build: version.Commit, Failpoint: fp}
	if _, err := search.Write(ctx, f.Store, root, loaded, res, wo); err != nil {
		return err
	}
	if loaded.Skipped != "" {
		// Not quiet: the journal holds those changes twice.
		cmdutil.Fprintf(f.IO.ErrOut, "lakectl: warning: %s: its changes, and those of the runs after it, are journaled again\n", loaded.Skipped)
	}
	if len(loaded.Replayed) > 0 && !f.Settings.Quiet {
		cmdutil.Fprintf(f.IO.ErrOut, "lakectl: replayed the journal of run %s onto the inventory (killed before it wrote the inventory; its changes are not journaled again)\n", strings.Join(loaded.Replayed, ", "))
	}
	t := cmdutil.Table{Header: []string{"LISTED", "CREATED", "METADATA UPDATED", "DELETED", "UNCHANGED", "FETCHED"}}
	t.Add(strconv.FormatInt(res.Listed, 10), strconv.FormatInt(res.Created, 10), strconv.FormatInt(res.Updated, 10),
		strconv.FormatInt(res.Deleted, 10), strconv.FormatInt(res.Unchanged, 10), strconv.FormatInt(res.Fetched, 10))
	return f.Print(t, struct {
		Root string `json:"root"`
		*search.IndexResult
		Requests map[string]int `json:"requests,omitempty"`
		// Replayed are the journal runs of killed runs replayed onto the
		// inventory.
		Replayed []string `json:"replayed,omitempty"`
	}{root, res, requests, loaded.Replayed})
}

// indexReports indexes from S3 Inventory reports: each one's records are
// compared with the previous inventory, the next with what the one
// before made of it. It returns the source buckets' stores when
// --fetch-metadata read from them (for their request counts).
func indexReports(ctx context.Context, f *cmdutil.Factory, opts *IndexOptions, previous []search.Record, iopts search.IndexOptions) (*search.IndexResult, []storage.Store, error) {
	var stores []storage.Store
	total := &search.IndexResult{Inventory: previous}
	for _, m := range opts.Inventories {
		rep, err := search.ReadReport(ctx, f.Store, m)
		if errors.Is(err, search.ErrUnsupportedFormat) {
			return nil, nil, &cmdutil.UsageError{Err: err}
		}
		if err != nil {
			return nil, nil, err
		}
		var source storage.Store
		if opts.FetchMetadata {
			if source, err = f.ExistingStore(ctx, "s3://"+rep.Manifest.SourceBucket+"/"); err != nil {
				return nil, nil, err
			}
			stores = append(stores, source)
		}
		if total, err = total.AddReport(ctx, rep, source, iopts); err != nil {
			return nil, nil, err
		}
	}
	return total, stores, nil
}
