package searchcmd

import (
	"context"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/cli/cmdutil"
	"github.com/lakectl/lakectl/internal/search"
)

func init() { subcommands = append(subcommands, NewCmdObjects) }

type ObjectsOptions struct {
	F            *cmdutil.Factory
	Index        string
	Pattern      string
	Regex        bool
	Meta, Tags   []string
	Since, Until string
	MinSize      string
	MaxSize      string
	StorageClass string
	Deleted      bool
	Limit        int
}

func NewCmdObjects(f *cmdutil.Factory) *cobra.Command {
	opts := &ObjectsOptions{F: f}
	cmd := &cobra.Command{
		Use:   "objects [PATTERN] [--index ROOT|DB] [filters]",
		Short: "Find indexed objects by key, user metadata, tags, date, size and storage class",
		Long: `Search the index that 'lakectl search index' built. PATTERN is a key glob
(* within a path segment, ** across segments, ?, [abc], {a,b}; a pattern
without wildcards is one key), or with --regex a regular expression (RE2)
found anywhere in the key. Every filter given must hold:

  --meta KEY=VALUE   user metadata (repeatable; keys are lowercase, as S3 keeps them)
  --tag KEY=VALUE    object tags (repeatable)
  --since / --until  last modified: a time (2026-11-01, RFC 3339) or a duration back (7d, 24h)
  --min-size / --max-size   bytes, with an optional unit (10MiB)
  --storage-class    STANDARD, STANDARD_IA, GLACIER, ...
  --deleted          objects deleted since they were indexed, from the journal
                     (--since/--until then bound when the deletion was recorded)

The index's row groups whose key, size, date or storage-class range
cannot hold a match are skipped by their Parquet statistics, unread.
--index is the index's ROOT (default $LAKECTL_HOME/search), or the
database it was registered in with --register.`,
		Example: `  # what a customer uploaded last week
  lakectl search objects 'uploads/acme/**' --since 7d
  # invoices tagged for review, over 1 MiB, as JSON
  lakectl search objects --meta category=invoice --tag review=yes --min-size 1MiB -o json
  # what was deleted under raw/
  lakectl search objects 'raw/**' --deleted`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Pattern = args[0]
			}
			return objectsRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Index, "index", "", "the index: its `ROOT`, or the DB it is registered in (default $LAKECTL_HOME/search)")
	fl.BoolVar(&opts.Regex, "regex", false, "PATTERN is a regular expression found anywhere in the key")
	fl.StringArrayVar(&opts.Meta, "meta", nil, "user metadata `KEY=VALUE` the object has (repeatable)")
	fl.StringArrayVar(&opts.Tags, "tag", nil, "tag `KEY=VALUE` the object has (repeatable)")
	fl.StringVar(&opts.Since, "since", "", "last modified at or after this time, or within this long (7d, 24h)")
	fl.StringVar(&opts.Until, "until", "", "last modified before this time, or before this long ago")
	fl.StringVar(&opts.MinSize, "min-size", "", "at least this many bytes (10MiB)")
	fl.StringVar(&opts.MaxSize, "max-size", "", "at most this many bytes")
	fl.StringVar(&opts.StorageClass, "storage-class", "", "in this storage class")
	fl.BoolVar(&opts.Deleted, "deleted", false, "objects deleted, from the journal")
	fl.IntVar(&opts.Limit, "limit", 0, "print at most this many objects (0: all)")
	return cmd
}

// query reads the options into a search query; a bad value is a usage
// error naming its flag.
func (opts *ObjectsOptions) query(now time.Time) (search.Query, error) {
	q := search.Query{Pattern: opts.Pattern, Regex: opts.Regex, MinSize: -1, MaxSize: -1,
		StorageClass: opts.StorageClass, Deleted: opts.Deleted, Limit: opts.Limit}
	var err error
	if q.Meta, err = pairs("--meta", opts.Meta); err != nil {
		return q, err
	}
	if q.Tags, err = pairs("--tag", opts.Tags); err != nil {
		return q, err
	}
	for _, t := range []struct {
		flag, value string
		to          *time.Time
	}{{"--since", opts.Since, &q.Since}, {"--until", opts.Until, &q.Until}} {
		if t.value == "" {
			continue
		}
		if *t.to, err = cmdutil.ParseSince(t.value, now); err != nil {
			return q, cmdutil.Usagef("%s %q: %v", t.flag, t.value, err)
		}
	}
	for _, s := range []struct {
		flag, value string
		to          *int64
	}{{"--min-size", opts.MinSize, &q.MinSize}, {"--max-size", opts.MaxSize, &q.MaxSize}} {
		if s.value == "" {
			continue
		}
		if *s.to, err = cmdutil.ParseSize(s.value); err != nil {
			return q, cmdutil.Usagef("%s: %v", s.flag, err)
		}
	}
	if opts.Limit < 0 {
		return q, cmdutil.Usagef("--limit must not be negative")
	}
	return q, nil
}

func pairs(flag string, args []string) (map[string]string, error) {
	if len(args) == 0 {
		return nil, nil
	}
	m := map[string]string{}
	for _, a := range args {
		k, v, err := search.ParsePair(a)
		if err != nil {
			return nil, cmdutil.Usagef("%s %v", flag, err)
		}
		m[k] = v
	}
	return m, nil
}

// indexOf is the root of the index a --index names: a URI or an existing path, or
// else a database whose inventory table was registered by `search index`.
func indexOf(ctx context.Context, f *cmdutil.Factory, flag string) (string, error) {
	if _, err := os.Stat(flag); flag == "" || strings.ContainsAny(flag, "/\\:") || err == nil {
		return indexRoot(f, flag), nil
	}
	c, err := f.ReadCatalog(ctx)
	if err != nil {
		return "", err
	}
	t, err := c.GetTable(ctx, flag, search.InventoryTable)
	if err != nil {
		return "", cmdutil.Usagef("--index %s: no index registered in that database (%v)", flag, err)
	}
	loc := strings.TrimSuffix(t.StorageDescriptor.Location, "/")
	return strings.TrimSuffix(loc, "/"+search.InventoryTable), nil
}

func objectsRun(ctx context.Context, opts *ObjectsOptions) error {
	f := opts.F
	q, err := opts.query(f.Now())
	if err != nil {
		return err
	}
	root, err := indexOf(ctx, f, opts.Index)
	if err != nil {
		return err
	}
	found, err := search.Search(ctx, f.Store, root, q)
	if err != nil {
		return err // a bad pattern wraps catalog.ErrInvalid: a usage error
	}
	header := []string{"KEY", "SIZE", "LAST MODIFIED", "STORAGE CLASS", "USER METADATA", "TAGS"}
	if q.Deleted {
		header = append(header, "DELETED")
	}
	t := cmdutil.Table{Header: header}
	buckets := map[string]bool{}
	for _, o := range found.Objects {
		buckets[o.Bucket] = true
	}
	for _, o := range found.Objects {
		key := o.Key
		if len(buckets) > 1 {
			key = o.Bucket + ": " + key
		}
		row := []string{key, cmdutil.HumanBytes(o.Size), o.LastModified.Format(time.RFC3339), o.StorageClass, pairText(o.UserMetadata), pairText(o.Tags)}
		if q.Deleted {
			row = append(row, o.RecordTimestamp.Format(time.RFC3339))
		}
		t.Add(row...)
	}
	objects := found.Objects
	if objects == nil {
		objects = []search.Record{}
	}
	return f.Print(t, objects)
}

func pairText(m map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(k + "=" + m[k])
	}
	return b.String()
}
