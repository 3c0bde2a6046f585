package sharepoint

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/format"
	"github.com/lakectl/lakectl/internal/ingest"
)

// ListOptions name a list and what of it to read.
type ListOptions struct {
	// Site is the site's URL: https://contoso.sharepoint.com/sites/Finance.
	Site string
	// List is the list's title, as GetByTitle takes it.
	List string
	// Select names the fields to read ($select); all of them when empty.
	// An incremental read adds its column.
	Select []string
	// Filter is an OData $filter the items must pass; an incremental read
	// adds its own condition to it with "and".
	Filter string
	// PageSize asks for pages of that many items ($top); the service's
	// default (100) when 0.
	PageSize int
	// TempDir holds the items between listing them and handing them on
	// (os.TempDir when empty): a list's columns are typed from all its
	// items, so every item is read before the first row is.
	TempDir string
}

// ListSource is a list's items as rows (an ingest.RowSource).
type ListSource struct {
	c    *Client
	opts ListOptions
	site *url.URL
}

// List is the source of a list's items.
func (c *Client) List(opts ListOptions) (*ListSource, error) {
	site, err := siteURL(opts.Site)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(opts.List) == "" {
		return nil, fmt.Errorf("sharepoint: name a list (its title)")
	}
	if opts.PageSize < 0 || opts.PageSize > 5000 {
		return nil, fmt.Errorf("sharepoint: page size %d: want 1 to 5000", opts.PageSize)
	}
	return &ListSource{c: c, opts: opts, site: site}, nil
}

func siteURL(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSuffix(s, "/"))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("sharepoint: site %q: want https://TENANT.sharepoint.com/sites/NAME", s)
	}
	return u, nil
}

// String names the list: its site and title.
func (s *ListSource) String() string {
	return s.site.String() + "/lists/" + s.opts.List
}

// accept asks for items without OData metadata; the service may answer
// in any of the shapes ParsePage reads.
const accept = "application/json;odata=nometadata"

// ItemsURL is the first page's URL of a read from req.
func (s *ListSource) ItemsURL(req ingest.ReadRequest) (string, error) {
	u := *s.site
	title := strings.ReplaceAll(s.opts.List, "'", "''")
	u.Path += "/_api/web/lists/GetByTitle('" + title + "')/items"
	u.RawPath = s.site.EscapedPath() + "/_api/web/lists/GetByTitle('" + strings.ReplaceAll(url.PathEscape(title), "%27", "'") + "')/items"
	q := url.Values{}
	sel := slices.Clone(s.opts.Select)
	filter := s.opts.Filter
	if req.Column != "" {
		if !slices.ContainsFunc(sel, func(f string) bool { return strings.EqualFold(f, req.Column) }) && len(sel) > 0 {
			sel = append(sel, req.Column)
		}
		if req.From != nil {
			lit, err := literal(req.From)
			if err != nil {
				return "", fmt.Errorf("sharepoint: %s from %v: %w", req.Column, req.From, err)
			}
			cond := req.Column + " ge " + lit
			if filter != "" {
				cond = "(" + filter + ") and " + cond
			}
			filter = cond
		}
	}
	if len(sel) > 0 {
		q.Set("$select", strings.Join(sel, ","))
	}
	if filter != "" {
		q.Set("$filter", filter)
	}
	if s.opts.PageSize > 0 {
		q.Set("$top", strconv.Itoa(s.opts.PageSize))
	}
	u.RawQuery = queryText.Replace(q.Encode())
	return u.String(), nil
}

// queryText keeps an OData query readable, as SharePoint's own links are:
// $, quotes, parentheses, commas and colons as they are, spaces as %20.
var queryText = strings.NewReplacer("+", "%20", "%24", "$", "%27", "'", "%28", "(", "%29", ")", "%2C", ",", "%3A", ":")

// literal writes a value as an OData literal: datetime'…' for a time (to
// the second, rounded down, as SharePoint keeps them), a number, or a
// quoted string.
func literal(v any) (string, error) {
	switch v := v.(type) {
	case time.Time:
		return "datetime'" + v.UTC().Truncate(time.Second).Format("2006-01-02T15:04:05Z") + "'", nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case int:
		return strconv.Itoa(v), nil
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64), nil
	case json.Number:
		return v.String(), nil
	case string:
		return "'" + strings.ReplaceAll(v, "'", "''") + "'", nil
	}
	return "", fmt.Errorf("a %T is no OData literal", v)
}

// Read lists the items (every page), types their columns by the
// crawler's rules, and returns a reader of them. With req.Column set, only
// items whose column is at least req.From are asked for.
func (s *ListSource) Read(ctx context.Context, req ingest.ReadRequest) (ingest.RowReader, error) {
	first, err := s.ItemsURL(req)
	if err != nil {
		return nil, err
	}
	spool, err := os.CreateTemp(s.opts.TempDir, "lakectl-sharepoint-*.jsonl")
	if err != nil {
		return nil, fmt.Errorf("sharepoint: %w", err)
	}
	os.Remove(spool.Name()) // unlinked: gone when closed, whatever happens
	w := bufio.NewWriter(spool)
	var cols format.JSONColumns
	var buf bytes.Buffer
	err = s.c.pages(ctx, first, accept, func(p *Page) error {
		buf.Reset()
		for _, it := range p.Items {
			clean, err := stripMetadata(it)
			if err != nil {
				return err
			}
			buf.Write(clean)
			buf.WriteByte('\n')
		}
		if err := cols.Add(buf.Bytes()); err != nil {
			return fmt.Errorf("sharepoint: %s: %w: %v", s, ErrMalformed, err)
		}
		_, err := w.Write(buf.Bytes())
		return err
	})
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		_, err = spool.Seek(0, io.SeekStart)
	}
	if err != nil {
		spool.Close()
		return nil, err
	}
	fields := cols.Columns()
	r := &listReader{spool: spool, in: bufio.NewReaderSize(spool, 1<<20), fields: fields, columns: format.Columns(fields)}
	if req.Column != "" && len(fields) > 0 && !slices.ContainsFunc(fields, func(f format.Field) bool {
		return strings.EqualFold(f.Source, req.Column) || strings.EqualFold(f.Name, req.Column)
	}) {
		spool.Close()
		return nil, fmt.Errorf("sharepoint: %s: no column %q in the items (columns: %s)", s, req.Column, format.FieldNames(fields))
	}
	return r, nil
}

// stripMetadata drops OData's metadata from an item, keeping its fields
// in their order: __metadata, odata.* and @odata.* annotations, and
// deferred navigation properties ({"__deferred": …}) that hold no value.
func stripMetadata(item json.RawMessage) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(item))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil { // {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	var out bytes.Buffer
	out.WriteByte('{')
	n := 0
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		key := k.(string)
		if key == "__metadata" || strings.HasPrefix(key, "odata.") || strings.HasPrefix(key, "@odata.") || strings.Contains(key, "@odata.") || deferred(v) {
			continue
		}
		if n > 0 {
			out.WriteByte(',')
		}
		n++
		kb, _ := json.Marshal(key)
		out.Write(kb)
		out.WriteByte(':')
		// One line per item: compact what the service indented.
		if err := json.Compact(&out, v); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
	}
	out.WriteByte('}')
	return out.Bytes(), nil
}

func deferred(v json.RawMessage) bool {
	if t := bytes.TrimSpace(v); len(t) == 0 || t[0] != '{' {
		return false
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(v, &m) != nil {
		return false
	}
	_, ok := m["__deferred"]
	return ok && len(m) == 1
}

// listReader hands on the spooled items as typed rows.
type listReader struct {
	spool   *os.File
	in      *bufio.Reader
	fields  []format.Field
	columns []catalog.Column
	line    int
}

// batchRows is how many rows Next returns at most.
const batchRows = 4096

func (r *listReader) Columns() []catalog.Column { return r.columns }

func (r *listReader) Next(ctx context.Context) ([][]any, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var rows [][]any
	for len(rows) < batchRows {
		line, err := r.in.ReadBytes('\n')
		if len(line) == 0 && err == io.EOF {
			break
		}
		if err != nil && err != io.EOF {
			return nil, err
		}
		r.line++
		row, err := r.row(line)
		if err != nil {
			return nil, fmt.Errorf("sharepoint: item %d: %w", r.line, err)
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil, io.EOF
	}
	return rows, nil
}

func (r *listReader) row(line []byte) ([]any, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	var item map[string]any
	if err := dec.Decode(&item); err != nil {
		return nil, err
	}
	row := make([]any, len(r.fields))
	for i, f := range r.fields {
		v, err := typed(item[f.Source], f.Type)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Source, err)
		}
		row[i] = v
	}
	return row, nil
}

// typed gives a JSON value as a row holds a value of type t: the types
// were inferred from these very values, so each fits.
func typed(v any, t *format.Type) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch t.Kind {
	case format.Null:
		return nil, nil
	case format.Boolean:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case format.Int, format.Bigint:
		if n, ok := v.(json.Number); ok {
			return n.Int64()
		}
	case format.Float, format.Double:
		if n, ok := v.(json.Number); ok {
			return n.Float64()
		}
	case format.Decimal:
		if n, ok := v.(json.Number); ok {
			return n, nil
		}
	case format.Date:
		if s, ok := v.(string); ok {
			if d, ok := format.ParseDate(s); ok {
				return time.Unix(int64(d)*86400, 0).UTC(), nil
			}
		}
	case format.Timestamp:
		if s, ok := v.(string); ok {
			if d, ok := format.ParseDate(s); ok {
				return time.Unix(int64(d)*86400, 0).UTC(), nil
			}
			if ts, ok := format.ParseTimestamp(s); ok {
				return time.UnixMicro(ts.Micros).UTC(), nil
			}
		}
	case format.String:
		if s, ok := v.(string); ok {
			return s, nil
		}
		// A column of mixed values is text: each as its JSON.
		b, err := json.Marshal(v)
		return string(b), err
	case format.Array:
		if a, ok := v.([]any); ok {
			return a, nil
		}
	case format.Struct, format.Map:
		if m, ok := v.(map[string]any); ok {
			return m, nil
		}
	}
	return nil, fmt.Errorf("%v is not a %s", v, t)
}

func (r *listReader) Close() error { return r.spool.Close() }
