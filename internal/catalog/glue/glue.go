// Package glue is the catalog in the AWS Glue Data Catalog, where Athena,
// Spark on Glue or EMR, Redshift Spectrum and Lake Formation read tables.
//
// lakectl's catalog types are Glue's shapes, so the mapping is one to one.
// What Glue does differently from lakectl's other backends, and how this
// package bridges it, is in docs/catalog.md ("The AWS Glue Data Catalog"):
//   - optimistic updates are Glue's own: UpdateTable carries the VersionId
//     that was read, and ConcurrentModificationException is ErrConflict;
//   - CreatePartitions is all or nothing: Glue's BatchCreatePartition is
//     not, so partitions a failed batch made are deleted again;
//   - listings page with NextToken; partitions are listed in parallel
//     segments, then sorted by their values, as the interface promises.
package glue

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/smithy-go"

	"github.com/lakectl/lakectl/internal/awsconfig"
	"github.com/lakectl/lakectl/internal/catalog"
)

// Glue's limits on one request.
const (
	// MaxCreatePartitions is BatchCreatePartition's limit.
	MaxCreatePartitions = 100
	// MaxDeletePartitions is BatchDeletePartition's limit.
	MaxDeletePartitions = 25
	// MaxUpdatePartitions is BatchUpdatePartition's limit.
	MaxUpdatePartitions = 100
	// MaxSegments is GetPartitions' largest TotalSegments.
	MaxSegments = 10
	// DefaultSegments is how many segments list a table's partitions at
	// once.
	DefaultSegments = 4
)

// Options configure the catalog.
type Options struct {
	// CatalogID is the AWS account id of the catalog ("" is the caller's).
	CatalogID string
	// Segments is how many GetPartitions segments list a table's
	// partitions in parallel (1 to MaxSegments; 0 is DefaultSegments).
	Segments int
	// PageSize is MaxResults of each listing request (0: Glue's largest
	// for each operation). Tests set it small to page.
	PageSize int32
}

// Catalog is the catalog.Catalog in AWS Glue.
type Catalog struct {
	client    *glue.Client
	catalogID *string
	segments  int
	pageSize  int32
	// Now stamps UpdateTime on the caller's copy after an update (Glue
	// keeps its own).
	Now func() time.Time

	requests awsconfig.Requests
}

var (
	_ catalog.Catalog           = (*Catalog)(nil)
	_ catalog.PartitionsUpdater = (*Catalog)(nil)
)

// New makes a catalog on a Glue client built from cfg; optFns configure
// the client as glue.NewFromConfig's do (a test's endpoint, a retryer).
func New(cfg aws.Config, opts Options, optFns ...func(*glue.Options)) (*Catalog, error) {
	segments := opts.Segments
	if segments == 0 {
		segments = DefaultSegments
	}
	if segments < 1 || segments > MaxSegments {
		return nil, catalog.OptionErrorf("segments", strconv.Itoa(segments), "want 1 to %d", MaxSegments)
	}
	var id *string
	if opts.CatalogID != "" {
		id = aws.String(opts.CatalogID)
	}
	c := &Catalog{catalogID: id, segments: segments, pageSize: opts.PageSize, Now: time.Now}
	optFns = append(optFns, func(o *glue.Options) {
		o.APIOptions = append(o.APIOptions, c.requests.Count)
	})
	c.client = glue.NewFromConfig(cfg, optFns...)
	return c, nil
}

// Client is the Glue client, for tests and operations the catalog does
// not cover.
func (c *Catalog) Client() *glue.Client { return c.client }

// Close releases nothing: the client holds no connection of its own.
func (c *Catalog) Close() error { return nil }

// Requests returns how many requests were sent so far (each retry too),
// by operation.
func (c *Catalog) Requests() map[string]int { return c.requests.Counts() }

// ---- errors

func str(p *string) string { return aws.ToString(p) }

type unexpectedError struct{ what, msg string }

func (e *unexpectedError) Error() string { return "glue: " + e.what + ": " + e.msg }

// wrap maps Glue's errors onto the catalog's sentinels.
func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "EntityNotFoundException":
			return fmt.Errorf("%s: %w", what, catalog.ErrNotFound)
		case "AlreadyExistsException":
			return fmt.Errorf("%s: %w", what, catalog.ErrAlreadyExists)
		case "ConcurrentModificationException":
			return fmt.Errorf("%s: %w", what, catalog.ErrConflict)
		case "InvalidInputException":
			return catalog.Invalidf("%s: %s", what, api.ErrorMessage())
		}
	}
	return fmt.Errorf("glue: %s: %w", what, err)
}

// refusedExpression: Glue (or moto) refused a partition expression.
func refusedExpression(err error) bool {
	var api smithy.APIError
	return errors.As(err, &api) && (api.ErrorCode() == "InvalidInputException" || api.ErrorCode() == "InvalidStateException")
}

func tableName(db, name string) string { return "table " + db + "." + name }

// ---- databases

func (c *Catalog) CreateDatabase(ctx context.Context, db catalog.Database) error {
	if err := catalog.PrepareDatabase(&db); err != nil {
		return err
	}
	in, err := toDatabaseInput(db)
	if err != nil {
		return err
	}
	_, err = c.client.CreateDatabase(ctx, &glue.CreateDatabaseInput{CatalogId: c.catalogID, DatabaseInput: in})
	return wrap("database "+db.Name, err)
}

func (c *Catalog) GetDatabase(ctx context.Context, name string) (*catalog.Database, error) {
	out, err := c.client.GetDatabase(ctx, &glue.GetDatabaseInput{CatalogId: c.catalogID, Name: aws.String(name)})
	if err != nil {
		return nil, wrap("database "+name, err)
	}
	return fromDatabase(out.Database)
}

func (c *Catalog) ListDatabases(ctx context.Context) iter.Seq2[*catalog.Database, error] {
	return func(yield func(*catalog.Database, error) bool) {
		p := glue.NewGetDatabasesPaginator(c.client, &glue.GetDatabasesInput{CatalogId: c.catalogID, MaxResults: c.page(100)})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				yield(nil, wrap("databases", err))
				return
			}
			for i := range out.DatabaseList {
				d, err := fromDatabase(&out.DatabaseList[i])
				if !yield(d, err) || err != nil {
					return
				}
			}
		}
	}
}

func (c *Catalog) UpdateDatabase(ctx context.Context, db catalog.Database) error {
	if err := catalog.PrepareDatabase(&db); err != nil {
		return err
	}
	in, err := toDatabaseInput(db)
	if err != nil {
		return err
	}
	_, err = c.client.UpdateDatabase(ctx, &glue.UpdateDatabaseInput{CatalogId: c.catalogID, Name: aws.String(db.Name), DatabaseInput: in})
	return wrap("database "+db.Name, err)
}

func (c *Catalog) DeleteDatabase(ctx context.Context, name string) error {
	_, err := c.client.DeleteDatabase(ctx, &glue.DeleteDatabaseInput{CatalogId: c.catalogID, Name: aws.String(name)})
	return wrap("database "+name, err)
}

// ---- tables

func (c *Catalog) CreateTable(ctx context.Context, t catalog.Table) error {
	if err := catalog.PrepareTable(&t); err != nil {
		return err
	}
	in, err := toTableInput(&t)
	if err != nil {
		return err
	}
	_, err = c.client.CreateTable(ctx, &glue.CreateTableInput{CatalogId: c.catalogID, DatabaseName: aws.String(t.DatabaseName), TableInput: in})
	if err != nil {
		// Glue answers a missing database with EntityNotFoundException too.
		return wrap(tableName(t.DatabaseName, t.Name), err)
	}
	return nil
}

func (c *Catalog) GetTable(ctx context.Context, db, name string) (*catalog.Table, error) {
	out, err := c.client.GetTable(ctx, &glue.GetTableInput{CatalogId: c.catalogID, DatabaseName: aws.String(db), Name: aws.String(name)})
	if err != nil {
		return nil, wrap(tableName(db, name), err)
	}
	return fromTable(out.Table, nil)
}

func (c *Catalog) ListTables(ctx context.Context, db string) iter.Seq2[*catalog.Table, error] {
	return func(yield func(*catalog.Table, error) bool) {
		p := glue.NewGetTablesPaginator(c.client, &glue.GetTablesInput{CatalogId: c.catalogID, DatabaseName: aws.String(db), MaxResults: c.page(100)})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				yield(nil, wrap("tables of database "+db, err))
				return
			}
			for i := range out.TableList {
				t, err := fromTable(&out.TableList[i], nil)
				if !yield(t, err) || err != nil {
					return
				}
			}
		}
	}
}

// UpdateTable sends the version the caller read as UpdateTable's
// VersionId: Glue refuses it with ConcurrentModificationException when the
// table has moved on. Glue does not answer with the new version; it counts
// versions one by one, so the caller's copy gets the next one.
func (c *Catalog) UpdateTable(ctx context.Context, t *catalog.Table) error {
	nt := *t
	if err := c.updateTable(ctx, &nt, false); err != nil {
		return err
	}
	nt.VersionID++
	nt.UpdateTime = c.Now().UTC()
	*t = nt
	return nil
}

// updateTable sends t as UpdateTable, with the version it was read at;
// skipArchive asks Glue to archive no version of the table it replaces.
func (c *Catalog) updateTable(ctx context.Context, t *catalog.Table, skipArchive bool) error {
	if err := catalog.PrepareTable(t); err != nil {
		return err
	}
	in, err := toTableInput(t)
	if err != nil {
		return err
	}
	req := &glue.UpdateTableInput{
		CatalogId:    c.catalogID,
		DatabaseName: aws.String(t.DatabaseName),
		Name:         aws.String(t.Name),
		TableInput:   in,
		VersionId:    aws.String(strconv.FormatInt(t.VersionID, 10)),
	}
	if skipArchive {
		req.SkipArchive = aws.Bool(true)
	}
	_, err = c.client.UpdateTable(ctx, req)
	return wrap(tableName(t.DatabaseName, t.Name), err)
}

// accessAttempts bounds how often RecordAccess reads the table again
// after another writer changed it between its read and its update.
const accessAttempts = 3

// RecordAccess reads the table and, when the access is due, writes it back
// with its LastAccessTime set, as UpdateTable with SkipArchive: Glue
// archives no version for it. The VersionId read makes the write
// optimistic: a table another writer changed meanwhile is read again, a
// few times at most (then the error wraps ErrConflict). Glue itself stamps
// the update's UpdateTime (docs/catalog.md).
func (c *Catalog) RecordAccess(ctx context.Context, db, table string, at time.Time) (bool, error) {
	for attempt := 1; ; attempt++ {
		t, err := c.GetTable(ctx, db, table)
		if err != nil {
			return false, err
		}
		if !catalog.AccessDue(t.LastAccessTime, at) {
			return false, nil
		}
		t.LastAccessTime = catalog.AccessTime(at)
		err = c.updateTable(ctx, t, true)
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, catalog.ErrConflict) || attempt == accessAttempts {
			return false, err
		}
	}
}

func (c *Catalog) DeleteTable(ctx context.Context, db, name string) error {
	_, err := c.client.DeleteTable(ctx, &glue.DeleteTableInput{CatalogId: c.catalogID, DatabaseName: aws.String(db), Name: aws.String(name)})
	return wrap(tableName(db, name), err)
}

// ListTableVersions reads all versions (Glue pages them in no stated
// order) and yields them newest first.
func (c *Catalog) ListTableVersions(ctx context.Context, db, name string) iter.Seq2[*catalog.Table, error] {
	return func(yield func(*catalog.Table, error) bool) {
		var all []*catalog.Table
		p := glue.NewGetTableVersionsPaginator(c.client, &glue.GetTableVersionsInput{CatalogId: c.catalogID, DatabaseName: aws.String(db), TableName: aws.String(name), MaxResults: c.page(100)})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				yield(nil, wrap(tableName(db, name), err))
				return
			}
			for _, v := range out.TableVersions {
				if v.Table == nil {
					continue
				}
				t, err := fromTable(v.Table, v.VersionId)
				if err != nil {
					yield(nil, err)
					return
				}
				if t.DatabaseName == "" {
					t.DatabaseName, t.Name = db, name
				}
				all = append(all, t)
			}
		}
		slices.SortFunc(all, func(a, b *catalog.Table) int { return cmp.Compare(b.VersionID, a.VersionID) })
		for _, t := range all {
			if !yield(t, nil) {
				return
			}
		}
	}
}

// ---- partitions

// preparePartitions checks partitions against their table.
func (c *Catalog) preparePartitions(ctx context.Context, db, table string, parts []catalog.Partition) ([]catalog.Partition, error) {
	t, err := c.GetTable(ctx, db, table)
	if err != nil {
		return nil, err
	}
	out := make([]catalog.Partition, len(parts))
	seen := make(map[string]bool, len(parts))
	for i, p := range parts {
		p.DatabaseName, p.TableName = t.DatabaseName, t.Name
		if err := catalog.PreparePartition(t, &p); err != nil {
			return nil, err
		}
		// Glue would make the first of two equal partitions of a batch
		// and refuse the second: a call names each partition once.
		if k := valuesKey(p.Values); seen[k] {
			return nil, catalog.Invalidf("%s: partition %v given twice", tableName(db, table), p.Values)
		} else {
			seen[k] = true
		}
		out[i] = p
	}
	return out, nil
}

// CreatePartitions adds the partitions in batches of MaxCreatePartitions.
// Glue adds what it can of a batch and reports the rest; to keep the
// interface's all or nothing, the partitions this call added are deleted
// again when any of them failed. (A reader may see them for that moment.)
// A batch whose answer is lost (a timeout after Glue applied it) is not
// known to be this call's, and is not deleted: a retry then finds its
// partitions there (ErrAlreadyExists).
func (c *Catalog) CreatePartitions(ctx context.Context, db, table string, parts []catalog.Partition) error {
	if len(parts) == 0 {
		return nil
	}
	parts, err := c.preparePartitions(ctx, db, table, parts)
	if err != nil {
		return err
	}
	var made [][]string
	var failed error
	for batch := range slices.Chunk(parts, MaxCreatePartitions) {
		in := make([]types.PartitionInput, len(batch))
		for i, p := range batch {
			pi, err := toPartitionInput(p)
			if err != nil {
				return err
			}
			in[i] = *pi
		}
		out, err := c.client.BatchCreatePartition(ctx, &glue.BatchCreatePartitionInput{CatalogId: c.catalogID, DatabaseName: aws.String(db), TableName: aws.String(table), PartitionInputList: in})
		if err != nil {
			failed = wrap(tableName(db, table)+": create partitions", err)
			break
		}
		bad := map[string]bool{}
		for _, e := range out.Errors {
			bad[valuesKey(e.PartitionValues)] = true
			if failed == nil {
				failed = partitionError(db, table, e)
			}
		}
		for _, p := range batch {
			if !bad[valuesKey(p.Values)] {
				made = append(made, p.Values)
			}
		}
		if failed != nil {
			break
		}
	}
	if failed == nil {
		return nil
	}
	if len(made) > 0 {
		// Removed even when the caller gave up (Ctrl-C), within a bound.
		undo, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if err := c.DeletePartitions(undo, db, table, made); err != nil {
			return errors.Join(failed, fmt.Errorf("%s: removing the %d partitions this batch added: %w", tableName(db, table), len(made), err))
		}
	}
	return failed
}

func partitionError(db, table string, e types.PartitionError) error {
	code, msg := "", ""
	if e.ErrorDetail != nil {
		code, msg = str(e.ErrorDetail.ErrorCode), str(e.ErrorDetail.ErrorMessage)
	}
	what := fmt.Sprintf("%s: partition %v", tableName(db, table), e.PartitionValues)
	switch code {
	case "AlreadyExistsException":
		return fmt.Errorf("%s: %w", what, catalog.ErrAlreadyExists)
	case "EntityNotFoundException":
		return fmt.Errorf("%s: %w", what, catalog.ErrNotFound)
	case "InvalidInputException":
		return catalog.Invalidf("%s: %s", what, msg)
	}
	return fmt.Errorf("glue: %s: %s: %s", what, code, msg)
}

func valuesKey(v []string) string { return fmt.Sprintf("%q", v) }

func (c *Catalog) GetPartition(ctx context.Context, db, table string, values []string) (*catalog.Partition, error) {
	out, err := c.client.GetPartition(ctx, &glue.GetPartitionInput{CatalogId: c.catalogID, DatabaseName: aws.String(db), TableName: aws.String(table), PartitionValues: values})
	if err != nil {
		return nil, wrap(fmt.Sprintf("%s: partition %v", tableName(db, table), values), err)
	}
	return fromPartition(out.Partition)
}

// ListPartitions lists the table's partitions that the filter matches
// (listPartitions: one request for a table of one page, else c.segments
// parallel segments), and yields them in order of their values.
// It holds the listing in memory to sort it.
func (c *Catalog) ListPartitions(ctx context.Context, db, table string, filter catalog.Filter) iter.Seq2[*catalog.Partition, error] {
	return func(yield func(*catalog.Partition, error) bool) {
		// The table's keys are needed to check and translate a filter;
		// without one, GetPartitions alone (a missing table is its
		// EntityNotFoundException).
		var keys []catalog.Column
		expr := ""
		if len(filter) > 0 {
			t, err := c.GetTable(ctx, db, table)
			if err != nil {
				yield(nil, err)
				return
			}
			keys = t.PartitionKeys
			if err := filter.Check(keys); err != nil {
				yield(nil, err)
				return
			}
			// Glue selects by the filter as Glue's expression; lakectl
			// applies it again to what comes back, so both must agree for
			// a partition to be listed. A filter Glue would read otherwise
			// (a test for null, a key named like a keyword) is applied by
			// lakectl alone.
			if expr, err = filter.GlueExpression(keys); errors.Is(err, catalog.ErrGlueUnsupported) {
				expr, err = "", nil
			}
			if err != nil {
				yield(nil, err)
				return
			}
		}
		all, err := c.listPartitions(ctx, db, table, expr)
		if expr != "" && refusedExpression(err) {
			// Glue evaluates an expression on the values as the keys'
			// types read them, and refuses one when a value does not read
			// (Hive's null partition under an int key): list them all.
			all, err = c.listPartitions(ctx, db, table, "")
		}
		if err != nil {
			yield(nil, wrap(tableName(db, table)+": partitions", err))
			return
		}
		slices.SortFunc(all, func(a, b *catalog.Partition) int { return slices.Compare(a.Values, b.Values) })
		for _, p := range all {
			if len(filter) > 0 && !filter.Match(keys, p.Values) {
				continue
			}
			if !yield(p, nil) {
				return
			}
		}
	}
}

// listPartitions lists the partitions expr selects ("": all): a first
// page, and when there are more, all of them in c.segments parallel
// segments (a table of one page of partitions, as most are, costs one
// request, not one a segment); its errors are Glue's, not yet wrapped.
func (c *Catalog) listPartitions(ctx context.Context, db, table, expr string) ([]*catalog.Partition, error) {
	if c.segments > 1 {
		in := &glue.GetPartitionsInput{CatalogId: c.catalogID, DatabaseName: aws.String(db), TableName: aws.String(table), MaxResults: c.page(1000)}
		if expr != "" {
			in.Expression = aws.String(expr)
		}
		out, err := c.client.GetPartitions(ctx, in)
		if err != nil {
			return nil, err
		}
		if aws.ToString(out.NextToken) == "" {
			parts := make([]*catalog.Partition, 0, len(out.Partitions))
			for i := range out.Partitions {
				p, err := fromPartition(&out.Partitions[i])
				if err != nil {
					return nil, err
				}
				parts = append(parts, p)
			}
			return parts, nil
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make([][]*catalog.Partition, c.segments)
	errs := make([]error, c.segments)
	var wg sync.WaitGroup
	for s := range c.segments {
		wg.Go(func() {
			in := &glue.GetPartitionsInput{CatalogId: c.catalogID, DatabaseName: aws.String(db), TableName: aws.String(table), MaxResults: c.page(1000)}
			if expr != "" {
				in.Expression = aws.String(expr)
			}
			if c.segments > 1 {
				in.Segment = &types.Segment{SegmentNumber: int32(s), TotalSegments: aws.Int32(int32(c.segments))}
			}
			p := glue.NewGetPartitionsPaginator(c.client, in)
			for p.HasMorePages() {
				out, err := p.NextPage(ctx)
				if err != nil {
					errs[s] = err
					cancel()
					return
				}
				for i := range out.Partitions {
					p, err := fromPartition(&out.Partitions[i])
					if err != nil {
						errs[s] = err
						cancel()
						return
					}
					results[s] = append(results[s], p)
				}
			}
		})
	}
	wg.Wait()
	// The first segment's own failure, not the cancellation it caused in
	// the others. Glue's errors are returned as they are (the caller
	// wraps them).
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return nil, err
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return slices.Concat(results...), nil
}

func (c *Catalog) UpdatePartition(ctx context.Context, p catalog.Partition) error {
	parts, err := c.preparePartitions(ctx, p.DatabaseName, p.TableName, []catalog.Partition{p})
	if err != nil {
		return err
	}
	p = parts[0]
	in, err := toPartitionInput(p)
	if err != nil {
		return err
	}
	_, err = c.client.UpdatePartition(ctx, &glue.UpdatePartitionInput{CatalogId: c.catalogID, DatabaseName: aws.String(p.DatabaseName), TableName: aws.String(p.TableName), PartitionValueList: p.Values, PartitionInput: in})
	return wrap(fmt.Sprintf("%s: partition %v", tableName(p.DatabaseName, p.TableName), p.Values), err)
}

// UpdatePartitions updates partitions of one table in batches of
// MaxUpdatePartitions. It is not atomic: a failure leaves the batches
// before it applied.
func (c *Catalog) UpdatePartitions(ctx context.Context, db, table string, parts []catalog.Partition) error {
	if len(parts) == 0 {
		return nil
	}
	parts, err := c.preparePartitions(ctx, db, table, parts)
	if err != nil {
		return err
	}
	for batch := range slices.Chunk(parts, MaxUpdatePartitions) {
		entries := make([]types.BatchUpdatePartitionRequestEntry, len(batch))
		for i, p := range batch {
			in, err := toPartitionInput(p)
			if err != nil {
				return err
			}
			entries[i] = types.BatchUpdatePartitionRequestEntry{PartitionValueList: p.Values, PartitionInput: in}
		}
		out, err := c.client.BatchUpdatePartition(ctx, &glue.BatchUpdatePartitionInput{CatalogId: c.catalogID, DatabaseName: aws.String(db), TableName: aws.String(table), Entries: entries})
		if err != nil {
			return wrap(tableName(db, table)+": update partitions", err)
		}
		for _, e := range out.Errors {
			code, msg := "", ""
			if e.ErrorDetail != nil {
				code, msg = str(e.ErrorDetail.ErrorCode), str(e.ErrorDetail.ErrorMessage)
			}
			return partitionError(db, table, types.PartitionError{PartitionValues: e.PartitionValueList, ErrorDetail: &types.ErrorDetail{ErrorCode: aws.String(code), ErrorMessage: aws.String(msg)}})
		}
	}
	return nil
}

// DeletePartitions removes partitions in batches of MaxDeletePartitions;
// values that name no partition are ignored, as the interface says.
func (c *Catalog) DeletePartitions(ctx context.Context, db, table string, values [][]string) error {
	for batch := range slices.Chunk(values, MaxDeletePartitions) {
		in := make([]types.PartitionValueList, len(batch))
		for i, v := range batch {
			in[i] = types.PartitionValueList{Values: v}
		}
		out, err := c.client.BatchDeletePartition(ctx, &glue.BatchDeletePartitionInput{CatalogId: c.catalogID, DatabaseName: aws.String(db), TableName: aws.String(table), PartitionsToDelete: in})
		if err != nil {
			return wrap(tableName(db, table)+": delete partitions", err)
		}
		for _, e := range out.Errors {
			if e.ErrorDetail != nil && str(e.ErrorDetail.ErrorCode) == "EntityNotFoundException" {
				continue
			}
			return partitionError(db, table, e)
		}
	}
	return nil
}

// page is MaxResults for a listing whose largest page is max.
func (c *Catalog) page(max int32) *int32 {
	if c.pageSize > 0 && c.pageSize < max {
		return aws.Int32(c.pageSize)
	}
	return aws.Int32(max)
}
