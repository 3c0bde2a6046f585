package ingestcmd

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/cli/cmdutil"
	"github.com/lakectl/lakectl/internal/ingest"
	"github.com/lakectl/lakectl/internal/ingest/sharepoint"
	"github.com/lakectl/lakectl/internal/secret"
)

// openSource makes the source SOURCE names: an ingest.FileSource or an
// ingest.RowSource.
func openSource(ctx context.Context, opts *Options) (any, error) {
	arg := opts.Source
	scheme, _, ok := strings.Cut(arg, "://")
	if opts.Query != "" && scheme != "postgres" && scheme != "postgresql" && scheme != "mysql" {
		return nil, cmdutil.Usagef("--query reads a database: SOURCE is a postgres:// or mysql:// URI")
	}
	if !ok || scheme == "file" {
		l, err := ingest.NewLocal(arg)
		if err != nil {
			return nil, cmdutil.Usagef("%v", err)
		}
		return l, nil
	}
	switch scheme {
	case "s3":
		src, err := ingest.NewS3Source(ctx, arg, opts.F.StoreOptions().S3)
		if err != nil {
			return nil, err
		}
		return src, nil
	case "http", "https":
		src, err := ingest.NewHTTPSource([]string{arg}, ingest.HTTPOptions{})
		if err != nil {
			return nil, err
		}
		return src, nil
	case "postgres", "postgresql", "mysql":
		src, err := ingest.NewSQLSource(ctx, arg, opts.Query, opts.F.Secrets())
		if err != nil {
			return nil, err
		}
		return src, nil
	case "sharepoint", "sharepoint+http":
		return opts.SharePoint.open(ctx, opts.F, arg)
	}
	return nil, cmdutil.Usagef("source %q: want a local path, s3://, http(s)://, postgres://, mysql:// or sharepoint:// URI", arg)
}

// SharePoint holds the flags of a sharepoint:// source.
type SharePoint struct {
	TenantID, ClientID, ClientSecret string
	Select                           []string
	Filter                           string
	PageSize                         int
	AuthorityURL, GraphURL           string
}

func (sp *SharePoint) flags(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&sp.TenantID, "tenant-id", "", "SharePoint: the Microsoft Entra tenant (directory) id")
	fl.StringVar(&sp.ClientID, "client-id", "", "SharePoint: the app's client id")
	fl.StringVar(&sp.ClientSecret, "client-secret", "", "SharePoint: where the app's client secret is: env:VAR, file:PATH or ssm:/PARAMETER (never the secret itself)")
	cmdutil.ListVar(fl, &sp.Select, "select", "SharePoint list: the fields to read ($select; FIELD,... or repeated)")
	fl.StringVar(&sp.Filter, "filter", "", "SharePoint list: an OData $filter the items must pass")
	fl.IntVar(&sp.PageSize, "page-size", 0, "SharePoint list: items a page ($top, 1 to 5000; the service's default 100)")
	fl.StringVar(&sp.AuthorityURL, "authority-url", "", "SharePoint: the identity platform's URL, for national clouds (default https://login.microsoftonline.com)")
	fl.StringVar(&sp.GraphURL, "graph-url", "", "SharePoint: Microsoft Graph's URL, for national clouds (default https://graph.microsoft.com/v1.0)")
}

// open makes the list (?list=TITLE) or library (?library=NAME[&folder=F])
// source of sharepoint://HOST/SITE-PATH (sharepoint+http:// for a server
// on plain HTTP).
func (sp *SharePoint) open(ctx context.Context, f *cmdutil.Factory, arg string) (any, error) {
	u, err := url.Parse(arg)
	if err != nil {
		return nil, cmdutil.Usagef("source %q: %v", arg, err)
	}
	q := u.Query()
	site := "https://" + u.Host + strings.TrimSuffix(u.Path, "/")
	if u.Scheme == "sharepoint+http" {
		site = "http://" + u.Host + strings.TrimSuffix(u.Path, "/")
	}
	list, library := q.Get("list"), q.Get("library")
	if (list == "") == (library == "") {
		return nil, cmdutil.Usagef("source %q: want ?list=TITLE (a list's items) or ?library=NAME[&folder=PATH] (a document library's files)", arg)
	}
	if sp.TenantID == "" || sp.ClientID == "" || sp.ClientSecret == "" {
		return nil, cmdutil.Usagef("a SharePoint source needs --tenant-id, --client-id and --client-secret")
	}
	if !secret.IsRef(sp.ClientSecret) {
		return nil, cmdutil.Usagef("--client-secret: want env:VAR, file:PATH or ssm:/PARAMETER; a secret on the command line is seen by every user of the machine")
	}
	value, err := f.Secrets().Resolve(ctx, sp.ClientSecret)
	if err != nil {
		return nil, fmt.Errorf("--client-secret: %w", err)
	}
	c, err := sharepoint.New(sharepoint.Options{Credentials: sharepoint.Credentials{TenantID: sp.TenantID, ClientID: sp.ClientID, ClientSecret: value},
		AuthorityURL: sp.AuthorityURL, GraphURL: sp.GraphURL})
	if err != nil {
		return nil, err
	}
	if list != "" {
		return c.List(sharepoint.ListOptions{Site: site, List: list, Select: sp.Select, Filter: sp.Filter, PageSize: sp.PageSize})
	}
	if len(sp.Select) > 0 || sp.Filter != "" {
		return nil, cmdutil.Usagef("--select and --filter read a list's items, not a library's files")
	}
	return c.Library(sharepoint.LibraryOptions{Site: site, Library: library, Folder: q.Get("folder")})
}
