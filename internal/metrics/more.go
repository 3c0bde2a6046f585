package metrics

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/dataset"
	"github.com/lakectl/lakectl/internal/storage"
)

// StorageFolder holds the snapshots of `lakectl storage metrics --to`.
const StorageFolder = "storage"

// StorageRow is a prefix's storage on a day, as `lakectl storage metrics`
// saved it (the columns read here are a part of its table's).
type StorageRow struct {
	Time            time.Time `json:"time"`
	URI             string    `json:"uri"`
	Prefix          string    `json:"prefix"`
	Objects         int64     `json:"objects"`
	Bytes           int64     `json:"bytes"`
	MultipartBytes  int64     `json:"multipartBytes"`
	NoncurrentBytes int64     `json:"noncurrentBytes"`
}

// Where names the prefix: the URI and the prefix under it.
func (r StorageRow) Where() string {
	if r.Prefix == "" || r.Prefix == "." {
		return r.URI
	}
	return strings.TrimSuffix(r.URI, "/") + "/" + strings.TrimPrefix(r.Prefix, "/")
}

var storageFields = []field[StorageRow]{
	stamp("snapshot_time", "", func(r *StorageRow) *time.Time { return &r.Time }),
	str("uri", "", func(r *StorageRow) *string { return &r.URI }),
	str("prefix", "", func(r *StorageRow) *string { return &r.Prefix }),
	i64("objects", "", func(r *StorageRow) *int64 { return &r.Objects }),
	i64("bytes", "", func(r *StorageRow) *int64 { return &r.Bytes }),
	i64("multipart_bytes", "", func(r *StorageRow) *int64 { return &r.MultipartBytes }),
	i64("noncurrent_bytes", "", func(r *StorageRow) *int64 { return &r.NoncurrentBytes }),
}

// StorageColumns are the storage snapshot's columns a report reads, as it
// reads them.
func StorageColumns() []catalog.Column { return fieldColumns(storageFields) }

// readStorage reads the storage snapshots under root since a time.
func readStorage(ctx context.Context, open func(ctx context.Context, uri string) (storage.Store, error), root string, since time.Time) ([]StorageRow, error) {
	rows, err := readRows(ctx, open, root+"/"+StorageFolder+"/", storageFields)
	if err != nil {
		return nil, err
	}
	rows = slices.DeleteFunc(rows, func(r StorageRow) bool { return r.Time.Before(since) })
	slices.SortStableFunc(rows, func(a, b StorageRow) int {
		return cmp.Or(a.Time.Compare(b.Time), strings.Compare(a.URI, b.URI), strings.Compare(a.Prefix, b.Prefix))
	})
	return rows, nil
}

// QualityRow is one metric of one run of validate profile or check, as
// --save kept it (Deequ's metrics repository).
type QualityRow struct {
	Time     time.Time
	Dataset  string
	Entity   string
	Instance string
	Name     string
	Value    float64
	Null     bool
	Tags     string
}

var qualityFields = []field[QualityRow]{
	stamp("run_time", "", func(r *QualityRow) *time.Time { return &r.Time }),
	str("dataset", "", func(r *QualityRow) *string { return &r.Dataset }),
	str("entity", "", func(r *QualityRow) *string { return &r.Entity }),
	str("instance", "", func(r *QualityRow) *string { return &r.Instance }),
	str("name", "", func(r *QualityRow) *string { return &r.Name }),
	{col: catalog.Column{Name: "value", Type: "double"}, set: func(r *QualityRow, v dataset.Value) {
		switch v.Kind {
		case dataset.KindFractional:
			r.Value = v.F
		case dataset.KindIntegral:
			r.Value = float64(v.I)
		default:
			r.Null = true
		}
	}},
	str("tags", "", func(r *QualityRow) *string { return &r.Tags }),
}

// QualityColumns are the metrics history's columns a report reads.
func QualityColumns() []catalog.Column { return fieldColumns(qualityFields) }

// QualitySeries is one metric of one dataset over its runs: a column's
// Completeness, a table's Size.
type QualitySeries struct {
	Dataset  string         `json:"dataset"`
	Entity   string         `json:"entity"`
	Instance string         `json:"instance"`
	Name     string         `json:"name"`
	Tags     string         `json:"tags,omitempty"`
	Points   []QualityPoint `json:"points"`
	// Last and Previous are the newest two values (Previous NaN-free: 0
	// with HasPrevious false when there was one run).
	Last        float64 `json:"last"`
	Previous    float64 `json:"previous"`
	HasPrevious bool    `json:"hasPrevious"`
	Min         float64 `json:"min"`
	Max         float64 `json:"max"`
}

// QualityPoint is a metric's value on a run.
type QualityPoint struct {
	Time  time.Time `json:"time"`
	Value float64   `json:"value"`
}

// ReadQuality reads a metrics history table (validate profile or check
// --save) into a series per dataset, metric, instance and tags, runs since
// a time, in order of time.
func ReadQuality(ctx context.Context, in dataset.Input, since time.Time) ([]QualitySeries, error) {
	pick := make([]int, len(qualityFields))
	cols := in.Table.StorageDescriptor.Columns
	for i, f := range qualityFields {
		pick[i] = slices.IndexFunc(cols, func(c catalog.Column) bool { return c.Name == f.col.Name })
		if pick[i] < 0 {
			return nil, catalog.Invalidf("%s is not a metrics history (validate profile or check --save): it has no column %s", in.Name(), f.col.Name)
		}
	}
	sink, _, err := dataset.Scan(ctx, in, pick, dataset.ScanOptions{}, func() dataset.Sink { return &collector[QualityRow]{fields: qualityFields} })
	if err != nil {
		return nil, err
	}
	if sink == nil {
		return []QualitySeries{}, nil
	}
	rows := sink.(*collector[QualityRow]).items
	rows = slices.DeleteFunc(rows, func(r QualityRow) bool { return r.Null || r.Time.Before(since) })
	slices.SortStableFunc(rows, func(a, b QualityRow) int { return a.Time.Compare(b.Time) })
	type key struct{ dataset, entity, instance, name, tags string }
	by := map[key]*QualitySeries{}
	var order []key
	for _, r := range rows {
		k := key{r.Dataset, r.Entity, r.Instance, r.Name, r.Tags}
		s := by[k]
		if s == nil {
			s = &QualitySeries{Dataset: r.Dataset, Entity: r.Entity, Instance: r.Instance, Name: r.Name, Tags: r.Tags, Min: r.Value, Max: r.Value}
			by[k] = s
			order = append(order, k)
		}
		s.Points = append(s.Points, QualityPoint{Time: r.Time, Value: r.Value})
		s.Min, s.Max = min(s.Min, r.Value), max(s.Max, r.Value)
	}
	out := make([]QualitySeries, 0, len(order))
	for _, k := range order {
		s := by[k]
		s.Last = s.Points[len(s.Points)-1].Value
		if n := len(s.Points); n > 1 {
			s.Previous, s.HasPrevious = s.Points[n-2].Value, true
		}
		out = append(out, *s)
	}
	slices.SortStableFunc(out, func(a, b QualitySeries) int {
		return cmp.Or(strings.Compare(a.Dataset, b.Dataset), strings.Compare(a.Name, b.Name), strings.Compare(a.Instance, b.Instance), strings.Compare(a.Tags, b.Tags))
	})
	return out, nil
}
