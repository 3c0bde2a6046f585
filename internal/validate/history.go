package validate

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/dataset"
)

// A metrics history in the shape of Deequ's metrics repository: a row per
// run, entity, instance and metric, with the run's tags. `validate profile
// --save` and `validate check --save` append to it; anomaly rules read it.

// Entities a metric is of, as Deequ names them.
const (
	EntityDataset     = "Dataset"
	EntityColumn      = "Column"
	EntityMulticolumn = "Multicolumn"
)

// MetricColumns are the columns of a saved metrics history; it is
// partitioned by run_date.
var MetricColumns = []catalog.Column{
	{Name: "run_time", Type: "timestamp", Comment: "when the run measured the data"},
	{Name: "dataset", Type: "string", Comment: "what was measured: DB.TABLE, or a path or URI (secrets hidden)"},
	{Name: "entity", Type: "string", Comment: "Dataset, Column or Multicolumn"},
	{Name: "instance", Type: "string", Comment: "* for the dataset, the column, or the columns joined by commas"},
	{Name: "name", Type: "string", Comment: "the metric, named as Deequ names it (Size, Completeness, Mean...)"},
	{Name: "value", Type: "double", Comment: "null when the run had no value"},
	{Name: "tags", Type: "string", Comment: "the run's tags: a JSON object, keys sorted"},
	{Name: "command", Type: "string", Comment: "profile or check"},
	{Name: "run_date", Type: "string", Comment: "partition: the day of the run"},
}

// Metric is one measured value of a run.
type Metric struct {
	Entity   string
	Instance string
	Name     string
	Value    *float64 // nil: no value (a mean of no numbers)
}

func (m Metric) key() string { return m.Entity + "\x00" + m.Instance + "\x00" + m.Name }

// MetricRun is what one run saves.
type MetricRun struct {
	Time    time.Time
	Dataset string
	Tags    map[string]string
	Command string
	Metrics []Metric
}

// MetricRows are the run's metrics as rows of MetricColumns.
func MetricRows(run MetricRun) [][]any {
	tags, _ := json.Marshal(orEmpty(run.Tags)) // a map's keys marshal sorted
	day := run.Time.UTC().Format(time.DateOnly)
	var rows [][]any
	for _, m := range run.Metrics {
		var v any
		if m.Value != nil {
			v = *m.Value
		}
		rows = append(rows, []any{run.Time.UTC(), run.Dataset, m.Entity, m.Instance, m.Name, v, string(tags), run.Command, day})
	}
	return rows
}

func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// columnMetric is a metric a column profile holds, by Deequ's name.
type columnMetric struct {
	Name  string
	value func(c *ColumnProfile) (float64, bool)
}

func double(f *Double) (float64, bool) {
	if f == nil {
		return 0, false
	}
	return float64(*f), true
}

func length(l *int) (float64, bool) {
	if l == nil {
		return 0, false
	}
	return float64(*l), true
}

// columnMetrics are what a profile saves of each column, and what an
// anomaly rule may watch beside Size.
var columnMetrics = []columnMetric{
	{"Completeness", func(c *ColumnProfile) (float64, bool) { return c.Completeness, true }},
	{"ApproxCountDistinct", func(c *ColumnProfile) (float64, bool) { return float64(c.ApproxDistinct), true }},
	{"Minimum", func(c *ColumnProfile) (float64, bool) { return double(c.Minimum) }},
	{"Maximum", func(c *ColumnProfile) (float64, bool) { return double(c.Maximum) }},
	{"Mean", func(c *ColumnProfile) (float64, bool) { return double(c.Mean) }},
	{"Sum", func(c *ColumnProfile) (float64, bool) { return double(c.Sum) }},
	{"StandardDeviation", func(c *ColumnProfile) (float64, bool) { return double(c.StdDev) }},
	{"MinLength", func(c *ColumnProfile) (float64, bool) { return length(c.MinLength) }},
	{"MaxLength", func(c *ColumnProfile) (float64, bool) { return length(c.MaxLength) }},
}

// countedRule is the rule whose metric an anomaly rule watching name
// measures by counting the column's values, as that rule does (the first
// of the rules that save it: Uniqueness, Distinctness, UniqueValueRatio,
// CountDistinct); nil for a metric a profile measures.
func countedRule(name string) *Rule { return counted[name] }

// counted are the rules countedRule gives, by metric name, and
// countedNames their names in the rule table's order (made once the rule
// table is).
var (
	counted      = map[string]*Rule{}
	countedNames []string
)

func init() {
	for _, r := range RuleTable {
		if r.counts && counted[r.Saved] == nil {
			counted[r.Saved] = r
			countedNames = append(countedNames, r.Saved)
		}
	}
	ruleNamed("isNewestPointNonAnomalous").Metric = "the metric (Size, or NAME(column) of " + columnMetricList() + ") judged against its history by the strategy"
}

// watchable says whether an anomaly rule may watch a column's metric of
// this name.
func watchable(name string) bool { return columnMetricNamed(name) != nil || countedRule(name) != nil }

func columnMetricNamed(name string) *columnMetric {
	i := slices.IndexFunc(columnMetrics, func(m columnMetric) bool { return m.Name == name })
	if i < 0 {
		return nil
	}
	return &columnMetrics[i]
}

// MetricNames are the metrics an anomaly rule may watch: Size, those a
// profile measures, then those counted as the rules that save them count.
func MetricNames() []string {
	names := []string{"Size"}
	for _, m := range columnMetrics {
		names = append(names, m.Name)
	}
	return append(names, countedNames...)
}

// ProfileMetrics are a profile's metrics: its Size, and each column's
// columnMetrics that have a value.
func ProfileMetrics(p *Profile) []Metric {
	size := float64(p.Rows)
	out := []Metric{{Entity: EntityDataset, Instance: "*", Name: "Size", Value: &size}}
	for i := range p.Columns {
		c := &p.Columns[i]
		for _, m := range columnMetrics {
			if v, ok := m.value(c); ok {
				out = append(out, Metric{Entity: EntityColumn, Instance: c.Column, Name: m.Name, Value: &v})
			}
		}
	}
	return out
}

// History is the saved metrics of one dataset before this run, which
// anomaly rules compare today's values with.
type History struct {
	Table string // the table it was read from, for messages
	rows  []historyRow
}

type historyRow struct {
	time                   time.Time
	entity, instance, name string
	value                  float64
	tags                   map[string]string
	tagText                string
}

// historySink keeps the rows of one dataset before a time.
type historySink struct {
	dataset string
	before  time.Time
	rows    []historyRow
	bad     error
}

func (s *historySink) Add(row []dataset.Value) {
	// run_time, dataset, entity, instance, name, value, tags
	if row[1].Text() != s.dataset || row[0].Kind != dataset.KindTime || row[5].Kind == dataset.KindNull {
		return
	}
	t := time.UnixMicro(row[0].I).UTC()
	if !t.Before(s.before) {
		return
	}
	v, ok := number(row[5])
	if !ok {
		return
	}
	r := historyRow{time: t, entity: row[2].Text(), instance: row[3].Text(), name: row[4].Text(), value: v, tagText: row[6].Text()}
	if r.tagText != "" {
		if err := json.Unmarshal([]byte(r.tagText), &r.tags); err != nil && s.bad == nil {
			s.bad = fmt.Errorf("tags %q of a row of %s: %v", r.tagText, t.Format(time.RFC3339), err)
		}
	}
	s.rows = append(s.rows, r)
}

func (s *historySink) Merge(other dataset.Sink) {
	o := other.(*historySink)
	s.rows = append(s.rows, o.rows...)
	if s.bad == nil {
		s.bad = o.bad
	}
}

// ReadHistory reads the metrics of the dataset measured before the time
// from a saved metrics table (MetricColumns), through the reading layer.
func ReadHistory(ctx context.Context, in dataset.Input, table, datasetName string, before time.Time) (*History, error) {
	cols := columnNamesOf(in)
	var pick []int
	for _, name := range []string{"run_time", "dataset", "entity", "instance", "name", "value", "tags"} {
		i := slices.IndexFunc(cols, func(c ColumnName) bool { return c.Catalog == name })
		if i < 0 {
			return nil, catalog.Invalidf("%s is not a metrics history: it has no column %s (see validate.md, \"Saving metrics\")", table, name)
		}
		pick = append(pick, i)
	}
	merged, _, err := dataset.Scan(ctx, in, pick, dataset.ScanOptions{}, func() dataset.Sink { return &historySink{dataset: datasetName, before: before} })
	if err != nil {
		return nil, fmt.Errorf("history %s: %w", table, err)
	}
	h := &History{Table: table}
	if merged != nil {
		s := merged.(*historySink)
		if s.bad != nil {
			return nil, fmt.Errorf("history %s: %w", table, s.bad)
		}
		h.rows = s.rows
	}
	return h, nil
}

// Points is the history of one metric, from runs whose tags include all
// of tags, ordered by time (runs at one time by their tags, as Deequ
// orders them).
func (h *History) Points(entity, instance, name string, tags map[string]string) []DataPoint {
	var rows []historyRow
	for _, r := range h.rows {
		if r.entity != entity || r.instance != instance || r.name != name {
			continue
		}
		if !hasTags(r.tags, tags) {
			continue
		}
		rows = append(rows, r)
	}
	slices.SortStableFunc(rows, func(a, b historyRow) int {
		return cmp.Or(a.time.Compare(b.time), cmp.Compare(a.tagText, b.tagText))
	})
	out := make([]DataPoint, len(rows))
	for i, r := range rows {
		out[i] = DataPoint{Time: r.time, Value: r.value}
	}
	return out
}

func hasTags(have, want map[string]string) bool {
	for k, w := range want {
		if v, ok := have[k]; !ok || v != w {
			return false
		}
	}
	return true
}
