package dataset

import (
	"context"
	"fmt"
	"os"
	"path"
	"regexp"
	"strings"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/progress"
	"github.com/lakectl/lakectl/internal/secret"
	"github.com/lakectl/lakectl/internal/storage"
)

var tableRE = regexp.MustCompile(`^[A-Za-z0-9_]+\.[A-Za-z0-9_]+$`)

// Sources opens what a source named on the command line needs.
type Sources struct {
	Catalog func() (catalog.Catalog, error) // called only for a table
	Store   func(context.Context, string) (storage.Store, error)
	// Secrets reads database passwords given as references (password=env:VAR,
	// file:PATH, ssm:/path), and the drivers' own variables.
	Secrets *secret.Resolver
	// Describe describes the data under a store as the crawler would: its
	// tables (include, when set, is the only file to consider), and the
	// files that are no table's data, with the reason, counting the files
	// it lists and reads on p. The crawler provides it (crawl.Describe);
	// dataset sits below it.
	Describe func(ctx context.Context, s storage.Store, include string, p progress.Reporter) ([]Described, []SkippedFile, error)
	// Progress is told of a path's description (nil when nobody watches).
	Progress progress.Reporter
}

// Described is a table found in a path, with its partitions.
type Described struct {
	Table      *catalog.Table
	Partitions []catalog.Partition
}

// Resolve reads a source named on the command line: a database URI
// (postgres://, mysql://; with query, the query's rows); DB.TABLE, a
// catalog table (unless a local file of that name exists); anything else a
// path or URI whose data is described exactly as the crawler would
// describe it — a folder, or a single file.
func (s Sources) Resolve(ctx context.Context, src, query string) (Input, error) {
	if IsDatabaseURI(src) {
		db, err := ParseDatabaseURI(ctx, src, query, s.Secrets)
		if err != nil {
			return Input{}, err
		}
		t, err := db.Table(ctx)
		if err != nil {
			return Input{}, err
		}
		return Input{Table: t, SQL: db}, nil
	}
	if query != "" {
		return Input{}, catalog.Invalidf("a query needs a database source (postgres:// or mysql://), not %s", src)
	}
	openCatalog, openStore := s.Catalog, s.Store
	if tableRE.MatchString(src) {
		if _, statErr := os.Stat(src); statErr != nil {
			c, err := openCatalog()
			if err != nil {
				return Input{}, err
			}
			db, name, err := catalog.ParseTableName(src)
			if err != nil {
				return Input{}, err
			}
			t, err := c.GetTable(ctx, db, name)
			if err != nil {
				return Input{}, err
			}
			in := Input{Table: t, Store: openStore, FromCatalog: true}
			if len(t.PartitionKeys) > 0 {
				for p, err := range c.ListPartitions(ctx, db, name, nil) {
					if err != nil {
						return Input{}, err
					}
					in.Partitions = append(in.Partitions, *p)
				}
			}
			return in, nil
		}
	}
	store, include, err := pathTarget(ctx, src, openStore)
	if err != nil {
		return Input{}, err
	}
	if s.Describe == nil {
		return Input{}, fmt.Errorf("%s: no crawler to describe a path with", src)
	}
	tables, skipped, err := s.Describe(ctx, store, include, s.Progress)
	if err != nil {
		return Input{}, err
	}
	switch len(tables) {
	case 0:
		reasons := ""
		for i, s := range skipped {
			if i == 3 {
				reasons += "; ..."
				break
			}
			reasons += "; " + s.File + ": " + s.Reason
		}
		return Input{}, catalog.Invalidf("%s: no data found (%d files skipped%s)", src, len(skipped), reasons)
	case 1:
	default:
		var names []string
		for _, t := range tables {
			names = append(names, t.Table.Name+" ("+t.Table.StorageDescriptor.Location+")")
		}
		return Input{}, catalog.Invalidf("%s holds %d tables: %s; name one at a time", src, len(tables), strings.Join(names, ", "))
	}
	in := Input{Table: tables[0].Table, Partitions: tables[0].Partitions, Store: openStore}
	if include != "" {
		in.Files = []string{include}
	}
	return in, nil
}

// pathTarget opens a folder, or the folder of a single file with that file
// as the only one included.
func pathTarget(ctx context.Context, src string, openStore func(context.Context, string) (storage.Store, error)) (storage.Store, string, error) {
	if fi, err := os.Stat(src); err == nil && !fi.IsDir() {
		s, err := openStore(ctx, path.Dir(src))
		return s, path.Base(src), err
	}
	if strings.HasPrefix(src, "s3://") && !strings.HasSuffix(src, "/") {
		dir, file := path.Split(strings.TrimPrefix(src, "s3://"))
		if parent, err := openStore(ctx, "s3://"+dir); err == nil {
			if _, err := parent.Stat(ctx, file); err == nil {
				return parent, file, nil
			}
		}
	}
	s, err := openStore(ctx, src)
	return s, "", err
}
