package search

import (
	"strconv"

	"github.com/lakectl/lakectl/internal/catalog"
)

// ColumnChange is what Apply changed on one column.
type ColumnChange struct {
	Column         string `json:"column"`
	Classification string `json:"classification"`
	// Comment is the comment written ("" when a person's comment was kept).
	Comment string `json:"comment"`
	// KeptComment: the column has a comment of a person's, left as it is.
	KeptComment bool `json:"keptComment"`
}

// Comment is the column comment classify writes for an entity type.
func Comment(entity string) string {
	d, _ := DetectorOf(entity)
	return d.Description + " (detected from its values by lakectl classify)"
}

// Apply writes the classifications onto the table's columns: the
// lakectl.classification and lakectl.classificationConfidence parameters,
// and a comment where the column has none or has the one lakectl wrote
// (lakectl.generatedComment). A column classified before and no longer
// classified loses lakectl's parameters and comment. It reports the
// columns it changed; none when the table already says all of it.
func Apply(t *catalog.Table, classes []ColumnClass) []ColumnChange {
	byName := map[string]ColumnClass{}
	for _, c := range classes {
		byName[c.Column] = c
	}
	var changes []ColumnChange
	apply := func(cols []catalog.Column) {
		for i := range cols {
			c := &cols[i]
			cc, ok := byName[c.Name]
			if !ok {
				continue
			}
			if ch, changed := applyColumn(c, cc); changed {
				changes = append(changes, ch)
			}
		}
	}
	apply(t.StorageDescriptor.Columns)
	apply(t.PartitionKeys)
	return changes
}

func applyColumn(c *catalog.Column, cc ColumnClass) (ColumnChange, bool) {
	ch := ColumnChange{Column: c.Name, Classification: cc.Classification}
	mine := c.Comment == "" || c.Comment == c.Parameters[catalog.ParamGeneratedComment]
	before := c.Comment + "\x00" + c.Parameters[catalog.ParamEntity] + "\x00" + c.Parameters[catalog.ParamEntityConfidence] + "\x00" + c.Parameters[catalog.ParamGeneratedComment]
	if cc.Classification == "" {
		if _, had := c.Parameters[catalog.ParamEntity]; !had {
			return ch, false
		}
		delete(c.Parameters, catalog.ParamEntity)
		delete(c.Parameters, catalog.ParamEntityConfidence)
		if mine {
			c.Comment = ""
		}
		delete(c.Parameters, catalog.ParamGeneratedComment)
		if len(c.Parameters) == 0 {
			c.Parameters = nil
		}
		return ch, true
	}
	if c.Parameters == nil {
		c.Parameters = map[string]string{}
	}
	c.Parameters[catalog.ParamEntity] = cc.Classification
	c.Parameters[catalog.ParamEntityConfidence] = strconv.FormatFloat(cc.Confidence, 'f', -1, 64)
	if mine {
		c.Comment = Comment(cc.Classification)
		c.Parameters[catalog.ParamGeneratedComment] = c.Comment
		ch.Comment = c.Comment
	} else {
		delete(c.Parameters, catalog.ParamGeneratedComment)
		ch.KeptComment = true
	}
	after := c.Comment + "\x00" + c.Parameters[catalog.ParamEntity] + "\x00" + c.Parameters[catalog.ParamEntityConfidence] + "\x00" + c.Parameters[catalog.ParamGeneratedComment]
	return ch, before != after
}

// PIIColumn is a column the catalog marks as personal data.
type PIIColumn struct {
	Column     string
	Entity     string
	Confidence string
}

// PIIColumns are the table's columns whose lakectl.classification is an
// entity of personal data (email, phone, credit_card, iban, us_ssn,
// person_name, ipv4, ipv6, mac_address, geo_point, latitude, longitude).
func PIIColumns(t *catalog.Table) []PIIColumn {
	var out []PIIColumn
	for _, cols := range [][]catalog.Column{t.StorageDescriptor.Columns, t.PartitionKeys} {
		for _, c := range cols {
			e := c.Parameters[catalog.ParamEntity]
			if d, ok := DetectorOf(e); ok && d.PII {
				out = append(out, PIIColumn{Column: c.Name, Entity: e, Confidence: c.Parameters[catalog.ParamEntityConfidence]})
			}
		}
	}
	return out
}
