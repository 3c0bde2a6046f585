// Package cmdutil holds what every command shares: the streams, the
// resolved settings, the catalog and stores they open, output printing and
// the typed errors that decide exit codes.
package cmdutil

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/lakectl/lakectl/internal/awsconfig"
	"github.com/lakectl/lakectl/internal/backends"
	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/crawl"
	"github.com/lakectl/lakectl/internal/dataset"
	"github.com/lakectl/lakectl/internal/redact"
	"github.com/lakectl/lakectl/internal/secret"
	"github.com/lakectl/lakectl/internal/storage"
	"github.com/lakectl/lakectl/internal/storage/s3"
)

// Factory gives commands their dependencies. Tests build one with their
// own streams; commands never reach for globals.
type Factory struct {
	IO       *IOStreams
	Settings *Settings // set once the global flags are resolved
	Getenv   func(string) string
	Now      func() time.Time

	catalog         catalog.Catalog
	catalogWritable bool
	opened          []catalog.Catalog // closed by Close

	awsOnce sync.Once
	aws     *awsconfig.Loader

	secretsOnce sync.Once
	secrets     *secret.Resolver
	known       redact.Secrets
}

// Secrets reads the secrets that references name (password=ssm:/path in a
// database URI, a client secret given as env:VAR) with the command's
// environment and AWS configuration, each once a run. Every secret read is
// hidden from what lakectl prints (Redact).
func (f *Factory) Secrets() *secret.Resolver {
	f.secretsOnce.Do(func() {
		f.secrets = &secret.Resolver{Getenv: f.Getenv, Parameters: secret.NewSSMParameters(f.AWSConfig), Known: &f.known}
	})
	return f.secrets
}

// Redact hides, in text to be printed, the password of every URI and
// every secret this run read.
func (f *Factory) Redact(s string) string { return f.known.Text(s) }

// AWSConfig is the AWS configuration that every AWS client of a command
// shares — the S3 stores, a Glue catalog: the standard chain with --profile
// and --region, loaded once, on first use. An error (a profile that does
// not exist) wraps awsconfig.ErrConfig, a usage error.
func (f *Factory) AWSConfig(ctx context.Context) (aws.Config, error) {
	f.awsOnce.Do(func() {
		f.aws = &awsconfig.Loader{Settings: awsconfig.Settings{Profile: f.Settings.AWSProfile, Region: f.Settings.AWSRegion}}
	})
	return f.aws.Load(ctx)
}

// Catalog opens the configured catalog once, for a command that writes
// to it: the default one is made on first use. Close closes it.
func (f *Factory) Catalog(ctx context.Context) (catalog.Catalog, error) {
	return f.openCatalog(ctx, true)
}

// ReadCatalog opens the configured catalog once, for a command that only
// reads: a catalog that does not exist is an error, never made.
func (f *Factory) ReadCatalog(ctx context.Context) (catalog.Catalog, error) {
	return f.openCatalog(ctx, false)
}

func (f *Factory) openCatalog(ctx context.Context, write bool) (catalog.Catalog, error) {
	if f.catalog != nil && (f.catalogWritable || !write) {
		return f.catalog, nil
	}
	// Opened to read, now to write: a second handle; the first stays open
	// for whatever still reads through it, until Close.
	uri := f.Settings.Catalog
	if uri == "" {
		// The default home is made on first write; folders of a catalog
		// named explicitly are not, so a typo does not make a new catalog.
		if write {
			if err := os.MkdirAll(f.Settings.Home, 0o700); err != nil {
				return nil, fmt.Errorf("LAKECTL_HOME: %w", err)
			}
		}
		uri = backends.DefaultCatalog(f.Settings.Home)
	}
	c, err := f.CatalogAt(ctx, uri, write)
	if err != nil {
		return nil, err
	}
	f.catalog, f.catalogWritable = c, write
	return c, nil
}

// CatalogURI is the configured catalog's URI (the default one unless
// --catalog or LAKECTL_CATALOG names another).
func (f *Factory) CatalogURI() string {
	if f.Settings.Catalog != "" {
		return f.Settings.Catalog
	}
	return backends.DefaultCatalog(f.Settings.Home)
}

// CatalogAt opens the catalog a URI names, besides the configured one: to
// write it (made when it does not exist) or only to read it. Close closes
// it.
func (f *Factory) CatalogAt(ctx context.Context, uri string, write bool) (catalog.Catalog, error) {
	open := backends.OpenExistingCatalogWith
	if write {
		open = backends.OpenCatalogWith
	}
	c, err := open(ctx, uri, backends.CatalogOptions{AWSConfig: f.AWSConfig, Region: f.Settings.AWSRegion})
	if err != nil {
		return nil, err
	}
	f.opened = append(f.opened, c)
	return c, nil
}

// Store opens the object store a URI names, with the S3 settings.
func (f *Factory) Store(ctx context.Context, uri string) (storage.Store, error) {
	return backends.OpenStore(ctx, uri, f.StoreOptions())
}

// ExistingStore opens a store to read, like Store: a local folder that
// does not exist is an error.
func (f *Factory) ExistingStore(ctx context.Context, uri string) (storage.Store, error) {
	return backends.OpenExistingStore(ctx, uri, f.StoreOptions())
}

// StoreOptions are the settings every store the command opens shares
// (S3's endpoint, region, timeouts, AWS configuration).
func (f *Factory) StoreOptions() backends.StoreOptions {
	return backends.StoreOptions{S3: s3.Options{
		Config:      f.AWSConfig,
		Endpoint:    f.Settings.S3Endpoint,
		Region:      f.Settings.S3Region,
		Timeout:     f.Settings.S3Timeout,
		MaxAttempts: f.Settings.S3MaxAttempts,
	}}
}

// Sources resolves sources named on the command line: catalog tables,
// paths and URIs, databases. openStore defaults to Store.
func (f *Factory) Sources(ctx context.Context, openStore func(context.Context, string) (storage.Store, error)) dataset.Sources {
	if openStore == nil {
		openStore = f.Store
	}
	return dataset.Sources{
		Catalog:  func() (catalog.Catalog, error) { return f.ReadCatalog(ctx) },
		Store:    openStore,
		Secrets:  f.Secrets(),
		Describe: crawl.Describe,
	}
}

// Close releases what the commands opened.
func (f *Factory) Close() error {
	var errs []error
	for _, c := range f.opened {
		errs = append(errs, c.Close())
	}
	f.catalog, f.opened = nil, nil
	return errors.Join(errs...)
}

// Print writes a result to stdout in the configured output format.
func (f *Factory) Print(t Table, jsonValue any) error {
	if f.Settings.Output == "junit" {
		return Usagef("--output junit is for lakectl validate check")
	}
	switch f.Settings.Output {
	case "json":
		return f.writeJSON(jsonValue)
	case "csv":
		return WriteCSV(f.IO.Out, t)
	}
	return f.PrintTable(t)
}

// PrintTable writes a table for people to stdout, whatever the output
// format: fitted to the terminal's width when stdout is a terminal, every
// cell whole otherwise (WriteTable).
func (f *Factory) PrintTable(t Table) error {
	return WriteTable(f.IO.Out, t, f.IO.StdoutWidth)
}

// writeJSON prints a JSON result, or what --query selects from it.
func (f *Factory) writeJSON(v any) error {
	if f.Settings.Query == nil {
		return WriteJSON(f.IO.Out, v)
	}
	// JMESPath reads what a JSON parser gives: print, parse, search.
	var b bytes.Buffer
	if err := WriteJSON(&b, v); err != nil {
		return err
	}
	var data any
	if err := json.Unmarshal(b.Bytes(), &data); err != nil {
		return err
	}
	found, err := f.Settings.Query.Search(data)
	if err != nil {
		return Usagef("--query: %v", err)
	}
	return WriteJSON(f.IO.Out, found)
}

// Done confirms a change: one line on stdout in table output (unless
// --quiet), the changed object in JSON, nothing in CSV.
func (f *Factory) Done(jsonValue any, format string, args ...any) error {
	switch f.Settings.Output {
	case "json":
		return f.writeJSON(jsonValue)
	case "table":
		if !f.Settings.Quiet {
			_, err := Fprintf(f.IO.Out, format+"\n", args...)
			return err
		}
	}
	return nil
}
