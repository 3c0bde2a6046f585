package validate

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/dataset"
)

// CompareOptions configure a compare.
type CompareOptions struct {
	// Map names the target column of a source column where they differ.
	Map     map[string]string
	Workers int
}

// CompareReport is the source-against-target report: per column (the
// PyDeequ migration blog's report) and the schemas.
type CompareReport struct {
	Source       string             `json:"source"`
	Target       string             `json:"target"`
	SourceRows   int64              `json:"sourceRows"`
	TargetRows   int64              `json:"targetRows"`
	Columns      []ColumnComparison `json:"columns"`
	OnlyInSource []string           `json:"onlyInSource"`
	OnlyInTarget []string           `json:"onlyInTarget"`
	Match        bool               `json:"match"`
}

// ColumnComparison is one column on both sides: Match when data type,
// completeness, approximate distinct count and row count all agree.
type ColumnComparison struct {
	Column          string  `json:"column"`
	TargetColumn    string  `json:"targetColumn"`
	SrcDataType     string  `json:"srcDataType"`
	TgtDataType     string  `json:"tgtDataType"`
	SrcCompleteness float64 `json:"srcCompleteness"`
	TgtCompleteness float64 `json:"tgtCompleteness"`
	SrcDistinct     int64   `json:"srcApproxDistinctValues"`
	TgtDistinct     int64   `json:"tgtApproxDistinctValues"`
	SrcCount        int64   `json:"srcCount"`
	TgtCount        int64   `json:"tgtCount"`
	Status          string  `json:"status"` // Match or No Match
	Differences     string  `json:"differences,omitempty"`
}

// Statuses of a column comparison.
const (
	Match   = "Match"
	NoMatch = "No Match"
)

// Compare profiles both sides and compares them column by column.
func Compare(ctx context.Context, src, tgt dataset.Input, opts CompareOptions) (*CompareReport, error) {
	rep, _, err := compare(ctx, src, tgt, opts, nil)
	return rep, err
}

// CompareWithKey makes the column report and the row-level diff by key in
// one pass over each side.
func CompareWithKey(ctx context.Context, src, tgt dataset.Input, opts CompareOptions, keyed KeyedOptions) (*CompareReport, *KeyedDiff, error) {
	return compare(ctx, src, tgt, opts, &keyed)
}

func compare(ctx context.Context, src, tgt dataset.Input, opts CompareOptions, keyed *KeyedOptions) (*CompareReport, *KeyedDiff, error) {
	srcCols := columnNames(src.Table)
	tgtCols := columnNames(tgt.Table)
	for s, t := range opts.Map {
		if !slices.Contains(srcCols, s) {
			return nil, nil, catalog.Invalidf("--map %s=%s: the source has no column %s (columns: %s)", s, t, s, strings.Join(srcCols, ", "))
		}
		if !slices.Contains(tgtCols, t) {
			return nil, nil, catalog.Invalidf("--map %s=%s: the target has no column %s (columns: %s)", s, t, t, strings.Join(tgtCols, ", "))
		}
	}
	rep := &CompareReport{Source: src.Table.StorageDescriptor.Location, Target: tgt.Table.StorageDescriptor.Location, OnlyInSource: []string{}, OnlyInTarget: []string{}, Columns: []ColumnComparison{}}
	srcPick, tgtPick := pairColumns(srcCols, tgtCols, opts.Map)
	for _, s := range srcCols {
		if !slices.Contains(srcPick, s) {
			rep.OnlyInSource = append(rep.OnlyInSource, s)
		}
	}
	for _, t := range tgtCols {
		if !slices.Contains(tgtPick, t) {
			rep.OnlyInTarget = append(rep.OnlyInTarget, t)
		}
	}
	if len(srcPick) == 0 {
		return nil, nil, catalog.Invalidf("the source and the target have no column in common (use --map SRC=TGT)")
	}
	var sp, tp *Profile
	var diff *KeyedDiff
	var err error
	if keyed == nil {
		if sp, err = ProfileInput(ctx, src, ProfileOptions{Columns: srcPick, Workers: opts.Workers}); err != nil {
			return nil, nil, fmt.Errorf("source: %w", err)
		}
		if tp, err = ProfileInput(ctx, tgt, ProfileOptions{Columns: tgtPick, Workers: opts.Workers}); err != nil {
			return nil, nil, fmt.Errorf("target: %w", err)
		}
	} else {
		keyed.Map, keyed.Workers = opts.Map, opts.Workers
		if sp, tp, diff, err = keyedPass(ctx, src, tgt, srcPick, tgtPick, *keyed); err != nil {
			return nil, nil, err
		}
	}
	rep.SourceRows, rep.TargetRows = sp.Rows, tp.Rows
	rep.Match = len(rep.OnlyInSource) == 0 && len(rep.OnlyInTarget) == 0
	for i := range srcPick {
		s, t := sp.Columns[i], tp.Columns[i]
		c := ColumnComparison{
			Column: s.Column, TargetColumn: t.Column,
			SrcDataType: s.DataType, TgtDataType: t.DataType,
			SrcCompleteness: s.Completeness, TgtCompleteness: t.Completeness,
			SrcDistinct: s.ApproxDistinct, TgtDistinct: t.ApproxDistinct,
			SrcCount: sp.Rows, TgtCount: tp.Rows, Status: Match,
		}
		var diffs []string
		if c.SrcDataType != c.TgtDataType {
			diffs = append(diffs, "data type")
		}
		if c.SrcCompleteness != c.TgtCompleteness {
			diffs = append(diffs, "completeness")
		}
		if c.SrcDistinct != c.TgtDistinct {
			diffs = append(diffs, "distinct values")
		}
		if c.SrcCount != c.TgtCount {
			diffs = append(diffs, "row count")
		}
		if len(diffs) > 0 {
			c.Status, c.Differences = NoMatch, strings.Join(diffs, ", ")
			rep.Match = false
		}
		rep.Columns = append(rep.Columns, c)
	}
	return rep, diff, nil
}

// pairColumns pairs each source column with the target column of the same
// name (or the one --map names); unpaired columns are left out.
func pairColumns(srcCols, tgtCols []string, mapping map[string]string) (srcNames, tgtNames []string) {
	for _, s := range srcCols {
		t := s
		if m, ok := mapping[s]; ok {
			t = m
		}
		if slices.Contains(tgtCols, t) {
			srcNames = append(srcNames, s)
			tgtNames = append(tgtNames, t)
		}
	}
	return srcNames, tgtNames
}

func columnNames(t *catalog.Table) []string {
	var out []string
	for _, c := range append(slices.Clone(t.StorageDescriptor.Columns), t.PartitionKeys...) {
		out = append(out, c.Name)
	}
	return out
}
