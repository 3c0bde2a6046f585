// Package backends is the one place where catalog and storage backends are
// registered: it turns a URI into an open catalog.Catalog or storage.Store.
// (It lives apart from package catalog and package storage because each
// backend imports those packages.)
package backends

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsglue "github.com/aws/aws-sdk-go-v2/service/glue"

	"github.com/lakectl/lakectl/internal/awsconfig"
	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/catalog/glue"
	"github.com/lakectl/lakectl/internal/catalog/postgres"
	"github.com/lakectl/lakectl/internal/catalog/sqlite"
	"github.com/lakectl/lakectl/internal/redact"
	"github.com/lakectl/lakectl/internal/storage"
	"github.com/lakectl/lakectl/internal/storage/local"
	"github.com/lakectl/lakectl/internal/storage/s3"
)

// ErrBadURI: a catalog or storage URI that lakectl cannot use (an unknown
// scheme, a missing part). It is the caller's mistake.
var ErrBadURI = errors.New("bad URI")

// badURI makes an error that prints as given, with any password in it
// hidden, and matches ErrBadURI.
func badURI(format string, args ...any) error {
	return &uriError{redact.Text(fmt.Sprintf(format, args...))}
}

type uriError struct{ msg string }

func (e *uriError) Error() string        { return e.msg }
func (e *uriError) Is(target error) bool { return target == ErrBadURI }

// CatalogSchemes lists the catalog URIs lakectl understands, for messages.
const CatalogSchemes = "sqlite:PATH[?busy_timeout=60s] (the embedded default), postgres://USER@HOST[:PORT]/DB[?schema=NAME] or glue://?region=R[&catalog-id=ID] (the AWS Glue Data Catalog)"

// DefaultCatalog is the catalog URI used when none is configured.
func DefaultCatalog(home string) string {
	return "sqlite:" + filepath.Join(home, "catalog.db")
}

// OpenCatalog opens the catalog a URI names, making it when it does not
// exist yet: "sqlite:PATH" (or "sqlite://PATH"), or a plain path, which is
// taken as a SQLite file; "postgres://..." (or "postgresql://...").
func OpenCatalog(ctx context.Context, uri string) (catalog.Catalog, error) {
	return openCatalog(ctx, uri, false, CatalogOptions{})
}

// CatalogOptions configure the catalog backends.
type CatalogOptions struct {
	// AWSConfig gives the AWS configuration a Glue catalog uses (nil: the
	// standard chain, with the URI's profile and region).
	AWSConfig func(context.Context) (aws.Config, error)
	// Region is the command's --region, for a URI that names a profile
	// of its own but no region.
	Region string
}

// OpenCatalogWith is OpenCatalog with options.
func OpenCatalogWith(ctx context.Context, uri string, opts CatalogOptions) (catalog.Catalog, error) {
	return openCatalog(ctx, uri, false, opts)
}

// OpenExistingCatalogWith is OpenExistingCatalog with options.
func OpenExistingCatalogWith(ctx context.Context, uri string, opts CatalogOptions) (catalog.Catalog, error) {
	return openCatalog(ctx, uri, true, opts)
}

// OpenExistingCatalog opens the catalog a URI names for a command that only
// reads: one that does not exist is an error, never made, so that a typo
// in a catalog's name does not read as an empty catalog; it is opened read
// only, so that a catalog lakectl may not write can be read.
func OpenExistingCatalog(ctx context.Context, uri string) (catalog.Catalog, error) {
	return openCatalog(ctx, uri, true, CatalogOptions{})
}

func openCatalog(ctx context.Context, uri string, mustExist bool, opts CatalogOptions) (catalog.Catalog, error) {
	scheme, rest, ok := strings.Cut(uri, ":")
	if !ok {
		scheme, rest = "sqlite", uri
		// A bare word that names a kind of catalog is never taken for the
		// name of a SQLite file.
		switch uri {
		case "postgres", "postgresql":
			return nil, badURI("catalog %q: a catalog is named by a URI: want postgres://USER@HOST[:PORT]/DB[?schema=NAME]", uri)
		case "glue":
			return nil, badURI("catalog %q: a catalog is named by a URI: want glue://?region=R[&catalog-id=ID]", uri)
		}
	}
	switch scheme {
	case "sqlite":
		path := strings.TrimPrefix(rest, "//")
		if path == "" {
			return nil, badURI("catalog %q: no file given: want sqlite:PATH", uri)
		}
		// sqlite:PATH?busy_timeout=DURATION: how long a write waits for
		// another process's.
		busy := sqlite.DefaultBusyTimeout
		if p, query, ok := strings.Cut(path, "?"); ok {
			path = p
			q, err := url.ParseQuery(query)
			if err != nil {
				return nil, badURI("catalog %q: %v", uri, err)
			}
			for k := range q {
				if k != "busy_timeout" {
					return nil, badURI("catalog %q: unknown parameter %q: want busy_timeout", uri, k)
				}
			}
			if busy, err = time.ParseDuration(q.Get("busy_timeout")); err != nil || busy < 0 {
				return nil, badURI("catalog %q: busy_timeout %q: want a duration such as 30s", uri, q.Get("busy_timeout"))
			}
		}
		if !mustExist {
			return sqlite.OpenBusy(ctx, path, busy)
		}
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return nil, badURI("catalog %s: no catalog there yet (commands that write make one: crawl, convert --register, catalog create-database)", path)
		}
		return sqlite.OpenReadOnly(ctx, path)
	case "glue":
		return openGlue(ctx, uri, rest, opts)
	case "postgres", "postgresql":
		if mustExist {
			return postgres.OpenExisting(ctx, uri)
		}
		return postgres.Open(ctx, uri)
	}
	return nil, badURI("catalog %q: unknown scheme %q: want %s", uri, scheme, CatalogSchemes)
}

// openGlue opens glue://?region=R&catalog-id=ID&endpoint=URL&profile=P&
// segments=N&retry-mode=standard|adaptive&max-attempts=N. Every parameter
// is optional: the AWS configuration is the command's (opts.AWSConfig:
// the standard chain with --profile and --region), which region= and
// profile= override for this catalog.
func openGlue(ctx context.Context, uri, rest string, opts CatalogOptions) (catalog.Catalog, error) {
	rest = strings.TrimPrefix(rest, "//")
	host, query, _ := strings.Cut(rest, "?")
	if host != "" {
		return nil, badURI("catalog %q: a Glue catalog has no host or path: want glue://?region=R[&catalog-id=ID]", uri)
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return nil, badURI("catalog %q: %v", uri, err)
	}
	var gopts glue.Options
	var settings awsconfig.Settings
	var endpoint, retryMode string
	maxAttempts := 0
	for k, v := range q {
		val := v[len(v)-1]
		switch k {
		case "region":
			settings.Region = val
		case "profile":
			settings.Profile = val
		case "endpoint":
			endpoint = val
		case "retry-mode":
			if val != "standard" && val != "adaptive" {
				return nil, badURI("catalog %q: retry-mode %q: want standard or adaptive", uri, val)
			}
			retryMode = val
		case "max-attempts":
			if maxAttempts, err = strconv.Atoi(val); err != nil || maxAttempts < 1 {
				return nil, badURI("catalog %q: max-attempts %q: want a number from 1", uri, val)
			}
		case "catalog-id":
			gopts.CatalogID = val
		case "segments":
			if gopts.Segments, err = strconv.Atoi(val); err != nil || gopts.Segments < 1 || gopts.Segments > glue.MaxSegments {
				return nil, badURI("catalog %q: segments %q: want 1 to %d", uri, val, glue.MaxSegments)
			}
		default:
			return nil, badURI("catalog %q: unknown parameter %q: want region, catalog-id, endpoint, profile, segments, retry-mode or max-attempts", uri, k)
		}
	}
	var cfg aws.Config
	if settings.Profile != "" || opts.AWSConfig == nil {
		if settings.Region == "" {
			settings.Region = opts.Region // the command's --region
		}
		cfg, err = awsconfig.Load(ctx, settings)
	} else {
		cfg, err = opts.AWSConfig(ctx)
		if settings.Region != "" {
			cfg.Region = settings.Region
		}
	}
	if err != nil {
		return nil, fmt.Errorf("catalog %s: %w", redact.Text(uri), err)
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return nil, fmt.Errorf("catalog glue: %w: %v", s3.ErrNoCredentials, err)
	}
	if cfg.Region == "" {
		return nil, badURI("catalog %q: no AWS region: add region=R to the URI, or set --region, AWS_REGION or a profile's region", uri)
	}
	// The client picks its retryer from the configuration before any
	// option function runs: the retry settings go there.
	if retryMode != "" {
		cfg.RetryMode = aws.RetryMode(retryMode)
	}
	if maxAttempts > 0 {
		cfg.RetryMaxAttempts = maxAttempts
	}
	return glue.New(cfg, gopts, func(o *awsglue.Options) {
		if endpoint != "" {
			o.BaseEndpoint = &endpoint
		}
	})
}

// StoreOptions configure the storage backends.
type StoreOptions struct {
	S3 s3.Options
}

// OpenStore opens the object store a URI names: a plain path or
// file:///path for local disk, s3://bucket/prefix for S3.
func OpenStore(ctx context.Context, uri string, opts StoreOptions) (storage.Store, error) {
	if !strings.Contains(uri, "://") {
		return local.New(uri)
	}
	u, err := url.Parse(uri)
	if err != nil {
		return nil, badURI("storage %q: %v", uri, err)
	}
	switch u.Scheme {
	case "file":
		if u.Host != "" && u.Host != "localhost" {
			return nil, badURI("storage %q: file URIs name local paths (file:///path)", uri)
		}
		return local.New(u.Path)
	case "s3":
		if u.Host == "" {
			return nil, badURI("storage %q: no bucket: want s3://BUCKET/PREFIX", uri)
		}
		return s3.Open(ctx, u.Host, strings.TrimPrefix(u.Path, "/"), opts.S3)
	}
	return nil, badURI("storage %q: unknown scheme %q: want a path, file:///PATH or s3://BUCKET/PREFIX", uri, u.Scheme)
}

// OpenExistingStore opens the store a URI names for a command that reads
// it: a local folder (or file) that does not exist is an error, where a
// destination's would be made.
func OpenExistingStore(ctx context.Context, uri string, opts StoreOptions) (storage.Store, error) {
	path := uri
	if strings.HasPrefix(uri, "file://") {
		if u, err := url.Parse(uri); err == nil {
			path = u.Path
		}
	}
	if !strings.Contains(path, "://") {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return nil, badURI("%s: no such file or folder", uri)
		}
	}
	return OpenStore(ctx, uri, opts)
}

// LocationURI turns a location given by a user into the URI kept in the
// catalog: URIs stay as they are, local paths become file:///abs/path.
func LocationURI(s string) string {
	if strings.Contains(s, "://") {
		return s
	}
	abs, err := filepath.Abs(s)
	if err != nil {
		return s
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}
	if strings.HasSuffix(s, "/") || strings.HasSuffix(s, string(filepath.Separator)) {
		u.Path += "/"
	}
	return u.String()
}
