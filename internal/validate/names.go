package validate

import (
	"fmt"
	"slices"
	"strings"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/dataset"
)

// ColumnName is a column's two names. Source is the name reports show: as
// the source spells it for files and databases (productName, Beak Length
// (mm)), the catalog's name for catalog tables. Catalog is the name in the
// catalog, or as the crawler would register it (productname,
// beak_length__mm_).
type ColumnName struct {
	Source, Catalog string
}

// columnNamesOf is the input's columns, then its partition keys. Files and
// databases are named as the source spells them (productName, Beak Length
// (mm)), as Deequ names them; a catalog table by the catalog's names.
func columnNamesOf(in dataset.Input) []ColumnName {
	var out []ColumnName
	t := in.Table
	for _, c := range append(slices.Clone(t.StorageDescriptor.Columns), t.PartitionKeys...) {
		src := c.Name
		if !in.FromCatalog {
			src = dataset.SourceName(c)
		}
		out = append(out, ColumnName{Source: src, Catalog: c.Name})
	}
	return out
}

// ColumnError says that a name the user gave names no column, or several.
type ColumnError struct {
	Name      string
	In        string   // the data, when the message should say it
	Matches   []string // when it names several
	Available []ColumnName
}

func (e *ColumnError) Error() string {
	if len(e.Matches) > 1 {
		return fmt.Sprintf("column %q is ambiguous: it names %s", e.Name, strings.Join(e.Matches, " and "))
	}
	var names []string
	for _, c := range e.Available {
		n := c.Source
		if c.Catalog != c.Source {
			n += " (catalog: " + c.Catalog + ")"
		}
		names = append(names, n)
	}
	in := ""
	if e.In != "" {
		in = " in " + e.In
	}
	return fmt.Sprintf("no column %q%s (columns: %s)", e.Name, in, strings.Join(names, ", "))
}

// Is makes a ColumnError a usage error, as catalog.Invalidf's.
func (e *ColumnError) Is(target error) bool { return target == catalog.ErrInvalid }

// ResolveColumn finds the column a user names, by either of its names:
// first exactly as the source spells it, then exactly as the catalog does,
// then either ignoring case, then as the crawler would register the name
// ("Beak Length (mm)" finds beak_length__mm_). The first of these that
// finds exactly one column decides; two columns at the same step are
// ambiguous.
func ResolveColumn(name string, cols []ColumnName) (int, error) {
	return resolveIn("", name, cols)
}

// resolveIn is ResolveColumn whose errors name the data.
func resolveIn(in, name string, cols []ColumnName) (int, error) {
	sanitized := catalog.SanitizeName(name)
	for _, same := range []func(ColumnName) bool{
		func(c ColumnName) bool { return c.Source == name },
		func(c ColumnName) bool { return c.Catalog == name },
		func(c ColumnName) bool {
			return strings.EqualFold(c.Source, name) || strings.EqualFold(c.Catalog, name)
		},
		func(c ColumnName) bool { return c.Catalog == sanitized },
	} {
		var found []int
		for i, c := range cols {
			if same(c) {
				found = append(found, i)
			}
		}
		switch len(found) {
		case 0:
			continue
		case 1:
			return found[0], nil
		}
		e := &ColumnError{Name: name, In: in, Available: cols}
		for _, i := range found {
			e.Matches = append(e.Matches, cols[i].Source)
		}
		return -1, e
	}
	return -1, &ColumnError{Name: name, In: in, Available: cols}
}

// resolveColumns resolves the names a user gave (all columns when none) to
// column indexes of the input and the names reports show.
func resolveColumns(in dataset.Input, names []string) (pick []int, reported []string, err error) {
	cols := columnNamesOf(in)
	if len(names) == 0 {
		for i, c := range cols {
			pick, reported = append(pick, i), append(reported, c.Source)
		}
		return pick, reported, nil
	}
	for _, n := range names {
		i, err := resolveIn(in.Name(), n, cols)
		if err != nil {
			return nil, nil, err
		}
		pick, reported = append(pick, i), append(reported, cols[i].Source)
	}
	return pick, reported, nil
}
