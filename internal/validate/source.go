package validate

import (
	"context"
	"runtime"
	"slices"
	"strings"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/dataset"
	"github.com/lakectl/lakectl/internal/format"
	"github.com/lakectl/lakectl/internal/progress"
)

// ProfileOptions configure a profile.
type ProfileOptions struct {
	// Columns to profile; all when empty.
	Columns     []string
	Percentiles bool
	Workers     int
	// HistogramThreshold: histograms for columns with at most this many
	// distinct values (0: Deequ's 120).
	HistogramThreshold int
	// Progress is told of the files, rows and bytes read; nil when nobody
	// watches.
	Progress progress.Reporter
}

// ProfileInput profiles a table's data in one pass on all cores. CSV cells
// and JSON values are text whose types are inferred, as Deequ does for
// such files; Parquet columns are typed from their Parquet types.
func ProfileInput(ctx context.Context, in dataset.Input, opts ProfileOptions) (*Profile, error) {
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	t := in.Table
	pick, names, err := resolveColumns(in, opts.Columns)
	if err != nil {
		return nil, err
	}
	typed := columnTypes(t, pick)
	newProfiler := func() dataset.Sink {
		p := NewProfiler(names, typed, opts.Percentiles)
		p.HistogramThreshold = opts.HistogramThreshold
		return p
	}
	p := progress.Or(opts.Progress)
	p.Stage("profile")
	merged, st, err := dataset.Scan(ctx, in, pick, dataset.ScanOptions{Workers: opts.Workers, Progress: p}, newProfiler)
	if err != nil {
		return nil, err
	}
	if merged == nil {
		merged = newProfiler()
	}
	out := merged.(*Profiler).Result(in.Name())
	out.MalformedRecords = st.Malformed()
	out.FirstMalformed = st.FirstMalformed()
	out.MembersOutsideSchema = st.MembersOutsideSchema()
	out.FilesSkipped = st.Skipped
	return out, nil
}

// columnTypes is the Deequ type of each picked column: "" (inferred) for
// CSV and JSON text, mapped from the column type for Parquet and
// databases; partition keys always by their catalog type, whatever the
// format of the files, so a key has one type in raw and curated data.
func columnTypes(t *catalog.Table, pick []int) []string {
	typed := schemaTypes(t, pick)
	if c := t.Parameters[catalog.ParamClassification]; c == format.Parquet || c == "sql" {
		return typed
	}
	for i, p := range pick {
		if p < len(t.StorageDescriptor.Columns) {
			typed[i] = "" // text: inferred
		}
	}
	return typed
}

// schemaTypes is the Deequ type of each picked column by its type in the
// table, whatever the format: compare types a file by the schema the
// crawler gives it — the one its conversion is written with — so that a
// file and its conversion are compared by the same types (a profile
// infers the types of text instead, as Deequ does).
func schemaTypes(t *catalog.Table, pick []int) []string {
	all := append(slices.Clone(t.StorageDescriptor.Columns), t.PartitionKeys...)
	typed := make([]string, len(pick))
	for i, p := range pick {
		typed[i] = deequType(dataset.ValueType(all[p]))
	}
	return typed
}

// deequType maps a Hive type to Deequ's: integers Integral, floating and
// decimal numbers Fractional, boolean Boolean, everything else String.
func deequType(hive string) string {
	switch {
	case hive == "bigint" || hive == "int" || hive == "integer" || hive == "smallint" || hive == "tinyint":
		return Integral
	case hive == "double" || hive == "float" || strings.HasPrefix(hive, "decimal"):
		return Fractional
	case hive == "boolean":
		return Boolean
	}
	return String
}
