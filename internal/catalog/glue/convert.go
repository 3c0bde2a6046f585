package glue

import (
	"encoding/json"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/lakectl/lakectl/internal/catalog"
)

// The conversions between lakectl's catalog types and the SDK's. Both carry
// the members of the Glue API's shapes under the API's names (lakectl's as
// JSON names, checked against Glue's service model in package catalog; the
// SDK's as Go field names), so one is turned into the other through JSON:
// a member added to both is carried without a line here. Members only Glue
// sets (CreateTime, VersionId, …) are dropped from the *Input shapes by the
// same means: those shapes have no such field.
func convert[T any](from any) (*T, error) {
	b, err := json.Marshal(from)
	if err != nil {
		return nil, err
	}
	out := new(T)
	if err := json.Unmarshal(b, out); err != nil {
		return nil, err
	}
	return out, nil
}

func toDatabaseInput(db catalog.Database) (*types.DatabaseInput, error) {
	return convert[types.DatabaseInput](db)
}

func fromDatabase(d *types.Database) (*catalog.Database, error) {
	return convert[catalog.Database](d)
}

func toTableInput(t *catalog.Table) (*types.TableInput, error) {
	return convert[types.TableInput](t)
}

// fromTable reads a table; versionID, when not nil, is the version a
// TableVersion names it by.
func fromTable(t *types.Table, versionID *string) (*catalog.Table, error) {
	if versionID != nil {
		c := *t
		c.VersionId = versionID
		t = &c
	}
	if t.VersionId != nil {
		if _, err := strconv.ParseInt(*t.VersionId, 10, 64); err != nil {
			return nil, &unexpectedError{what: "table " + str(t.DatabaseName) + "." + str(t.Name), msg: "VersionId " + strconv.Quote(*t.VersionId) + " is not a number"}
		}
	}
	out, err := convert[catalog.Table](t)
	if err != nil {
		return nil, err
	}
	// A table that was never updated has no UpdateTime in some answers:
	// its last change is its creation.
	if out.UpdateTime.IsZero() {
		out.UpdateTime = out.CreateTime
	}
	normalize(&out.StorageDescriptor)
	return out, nil
}

func toPartitionInput(p catalog.Partition) (*types.PartitionInput, error) {
	return convert[types.PartitionInput](p)
}

func fromPartition(p *types.Partition) (*catalog.Partition, error) {
	out, err := convert[catalog.Partition](p)
	if err != nil {
		return nil, err
	}
	normalize(&out.StorageDescriptor)
	return out, nil
}

// normalize reads empty lists and maps as none, as lakectl's other
// backends keep them.
func normalize(sd *catalog.StorageDescriptor) {
	if len(sd.BucketColumns) == 0 {
		sd.BucketColumns = nil
	}
	if len(sd.SortColumns) == 0 {
		sd.SortColumns = nil
	}
	if len(sd.AdditionalLocations) == 0 {
		sd.AdditionalLocations = nil
	}
}
