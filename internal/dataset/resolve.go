package dataset

import (
	"context"
	"os"
	"path"
	"regexp"
	"strings"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/crawl"
	"github.com/lakectl/lakectl/internal/format"
	"github.com/lakectl/lakectl/internal/storage"
)

var tableRE = regexp.MustCompile(`^[A-Za-z0-9_]+\.[A-Za-z0-9_]+$`)

// Sources opens what a source named on the command line needs.
type Sources struct {
	Catalog func() (catalog.Catalog, error) // called only for a table
	Store   func(context.Context, string) (storage.Store, error)
	Getenv  func(string) string // for database passwords
}

// Resolve reads a source named on the command line: a database URI
// (postgres://, mysql://; with query, the query's rows); DB.TABLE, a
// catalog table (unless a local file of that name exists); anything else a
// path or URI whose data is described exactly as the crawler would
// describe it — a folder, or a single file.
func (s Sources) Resolve(ctx context.Context, src, query string) (Input, error) {
	if IsDatabaseURI(src) {
		db, err := ParseDatabaseURI(src, query, s.Getenv)
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
	target, include, err := pathTarget(ctx, src, openStore)
	if err != nil {
		return Input{}, err
	}
	copts := crawl.Options{Format: format.DefaultOptions()}
	if include != "" {
		copts.Include = []string{include}
	}
	tables, rep, err := crawl.Scan(ctx, []crawl.Target{target}, copts)
	if err != nil {
		return Input{}, err
	}
	switch len(tables) {
	case 0:
		reasons := ""
		for i, s := range rep.Skipped {
			if i == 3 {
				reasons += "; ..."
				break
			}
			reasons += "; " + s.File + ": " + s.Reason
		}
		return Input{}, catalog.Invalidf("%s: no data found (%d files skipped%s)", src, len(rep.Skipped), reasons)
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
func pathTarget(ctx context.Context, src string, openStore func(context.Context, string) (storage.Store, error)) (crawl.Target, string, error) {
	if fi, err := os.Stat(src); err == nil && !fi.IsDir() {
		s, err := openStore(ctx, path.Dir(src))
		if err != nil {
			return crawl.Target{}, "", err
		}
		return crawl.Target{URI: s.URI(""), Store: s}, path.Base(src), nil
	}
	if strings.HasPrefix(src, "s3://") && !strings.HasSuffix(src, "/") {
		dir, file := path.Split(strings.TrimPrefix(src, "s3://"))
		if parent, err := openStore(ctx, "s3://"+dir); err == nil {
			if _, err := parent.Stat(ctx, file); err == nil {
				return crawl.Target{URI: parent.URI(""), Store: parent}, file, nil
			}
		}
	}
	s, err := openStore(ctx, src)
	if err != nil {
		return crawl.Target{}, "", err
	}
	return crawl.Target{URI: s.URI(""), Store: s}, "", nil
}
