package catalog

import (
	"fmt"
)

// Backends call the Prepare functions before they write: they normalize
// names and types in place and reject what Glue would reject, with errors
// that wrap ErrInvalid. Members a catalog sets itself and no Glue *Input
// shape carries (the CatalogId of the account, a table's Lake Formation
// registration) are cleared: an object read from one catalog (Glue) and
// written to another (catalog copy) does not claim the first one's.

// PrepareDatabase normalizes and checks a database.
func PrepareDatabase(db *Database) error {
	db.CatalogID = ""
	var err error
	if db.Name, err = NormalizeName("database", db.Name); err != nil {
		return err
	}
	return checkText("database "+db.Name+": description", db.Description, MaxDescriptionBytes)
}

// PrepareTable normalizes and checks a table.
func PrepareTable(t *Table) error {
	t.CatalogID, t.IsRegisteredWithLakeFormation = "", false
	var err error
	if t.DatabaseName, err = NormalizeName("database", t.DatabaseName); err != nil {
		return err
	}
	if t.Name, err = NormalizeName("table", t.Name); err != nil {
		return err
	}
	where := "table " + t.DatabaseName + "." + t.Name
	if err := checkText(where+": description", t.Description, MaxDescriptionBytes); err != nil {
		return err
	}
	if t.TableType == "" {
		t.TableType = ExternalTable
	}
	if t.TableType != ExternalTable && t.TableType != VirtualView && t.TableType != "MANAGED_TABLE" {
		return Invalidf("%s: table type %q: want %s or %s", where, t.TableType, ExternalTable, VirtualView)
	}
	if t.Retention < 0 {
		return Invalidf("%s: retention %d is negative", where, t.Retention)
	}
	// Glue prints empty lists as [], never null.
	if t.PartitionKeys == nil {
		t.PartitionKeys = []Column{}
	}
	if t.StorageDescriptor.Columns == nil {
		t.StorageDescriptor.Columns = []Column{}
	}
	seen := map[string]bool{}
	if err := prepareColumns(where, t.StorageDescriptor.Columns, seen, false); err != nil {
		return err
	}
	return prepareColumns(where+": partition key", t.PartitionKeys, seen, true)
}

func prepareColumns(where string, cols []Column, seen map[string]bool, primitiveOnly bool) error {
	for i := range cols {
		c := &cols[i]
		var err error
		if c.Name, err = NormalizeName("column", c.Name); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		if seen[c.Name] {
			return Invalidf("%s: column %s appears twice", where, c.Name)
		}
		seen[c.Name] = true
		if c.Type, err = ParseType(c.Type); err != nil {
			return fmt.Errorf("%s: column %s: %w", where, c.Name, err)
		}
		if primitiveOnly && !IsPrimitiveType(c.Type) {
			return Invalidf("%s %s: type %s: partition keys must have primitive types", where, c.Name, c.Type)
		}
		if err := checkText(where+": column "+c.Name+": comment", c.Comment, MaxCommentBytes); err != nil {
			return err
		}
	}
	return nil
}

// PreparePartition normalizes and checks a partition of table t: one value
// per partition key.
func PreparePartition(t *Table, p *Partition) error {
	p.DatabaseName, p.TableName, p.CatalogID = t.DatabaseName, t.Name, ""
	if len(p.Values) != len(t.PartitionKeys) {
		return Invalidf("partition %v of %s.%s: %d values for %d partition keys",
			p.Values, t.DatabaseName, t.Name, len(p.Values), len(t.PartitionKeys))
	}
	for i, v := range p.Values {
		if v == "" || len(v) > 1024 {
			return Invalidf("partition %v of %s.%s: value of %s must be 1 to 1024 bytes",
				p.Values, t.DatabaseName, t.Name, t.PartitionKeys[i].Name)
		}
	}
	return nil
}
