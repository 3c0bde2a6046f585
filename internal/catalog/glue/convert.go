package glue

import (
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/lakectl/lakectl/internal/catalog"
)

// The conversions between lakectl's Glue-shaped types and the SDK's. They
// are one to one: lakectl's types carry Glue's members under Glue's names.

func str(p *string) string { return aws.ToString(p) }

// optStr is nil for "", so that an absent member stays absent on the wire.
func optStr(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

func tm(p *time.Time) time.Time {
	if p == nil {
		return time.Time{}
	}
	return p.UTC()
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return aws.Time(t)
}

func toDatabaseInput(db catalog.Database) *types.DatabaseInput {
	return &types.DatabaseInput{
		Name:        aws.String(db.Name),
		Description: optStr(db.Description),
		LocationUri: optStr(db.LocationURI),
		Parameters:  db.Parameters,
	}
}

func fromDatabase(d *types.Database) *catalog.Database {
	return &catalog.Database{
		Name:        str(d.Name),
		Description: str(d.Description),
		LocationURI: str(d.LocationUri),
		Parameters:  emptyNil(d.Parameters),
		CreateTime:  tm(d.CreateTime),
	}
}

func toColumns(cols []catalog.Column) []types.Column {
	if cols == nil {
		return nil
	}
	out := make([]types.Column, len(cols))
	for i, c := range cols {
		out[i] = types.Column{Name: aws.String(c.Name), Type: optStr(c.Type), Comment: optStr(c.Comment), Parameters: c.Parameters}
	}
	return out
}

func fromColumns(cols []types.Column) []catalog.Column {
	if cols == nil {
		return nil
	}
	out := make([]catalog.Column, len(cols))
	for i, c := range cols {
		out[i] = catalog.Column{Name: str(c.Name), Type: str(c.Type), Comment: str(c.Comment), Parameters: emptyNil(c.Parameters)}
	}
	return out
}

func toStorageDescriptor(sd catalog.StorageDescriptor) *types.StorageDescriptor {
	out := &types.StorageDescriptor{
		Columns:                toColumns(sd.Columns),
		Location:               optStr(sd.Location),
		InputFormat:            optStr(sd.InputFormat),
		OutputFormat:           optStr(sd.OutputFormat),
		Compressed:             sd.Compressed,
		Parameters:             sd.Parameters,
		NumberOfBuckets:        int32(sd.NumberOfBuckets),
		BucketColumns:          sd.BucketColumns,
		StoredAsSubDirectories: sd.StoredAsSubDirectories,
	}
	if sd.SerdeInfo != nil {
		out.SerdeInfo = &types.SerDeInfo{
			Name:                 optStr(sd.SerdeInfo.Name),
			SerializationLibrary: optStr(sd.SerdeInfo.SerializationLibrary),
			Parameters:           sd.SerdeInfo.Parameters,
		}
	}
	for _, o := range sd.SortColumns {
		out.SortColumns = append(out.SortColumns, types.Order{Column: aws.String(o.Column), SortOrder: int32(o.SortOrder)})
	}
	return out
}

func fromStorageDescriptor(sd *types.StorageDescriptor) catalog.StorageDescriptor {
	if sd == nil {
		return catalog.StorageDescriptor{}
	}
	out := catalog.StorageDescriptor{
		Columns:                fromColumns(sd.Columns),
		Location:               str(sd.Location),
		InputFormat:            str(sd.InputFormat),
		OutputFormat:           str(sd.OutputFormat),
		Compressed:             sd.Compressed,
		Parameters:             emptyNil(sd.Parameters),
		NumberOfBuckets:        int(sd.NumberOfBuckets),
		BucketColumns:          emptyNilSlice(sd.BucketColumns),
		StoredAsSubDirectories: sd.StoredAsSubDirectories,
	}
	if sd.SerdeInfo != nil {
		out.SerdeInfo = &catalog.SerDeInfo{
			Name:                 str(sd.SerdeInfo.Name),
			SerializationLibrary: str(sd.SerdeInfo.SerializationLibrary),
			Parameters:           emptyNil(sd.SerdeInfo.Parameters),
		}
	}
	for _, o := range sd.SortColumns {
		out.SortColumns = append(out.SortColumns, catalog.SortOrder{Column: str(o.Column), SortOrder: int(o.SortOrder)})
	}
	return out
}

func toTableInput(t *catalog.Table) *types.TableInput {
	return &types.TableInput{
		Name:              aws.String(t.Name),
		Description:       optStr(t.Description),
		Owner:             optStr(t.Owner),
		LastAccessTime:    optTime(t.LastAccessTime),
		Retention:         int32(t.Retention),
		StorageDescriptor: toStorageDescriptor(t.StorageDescriptor),
		PartitionKeys:     toColumns(t.PartitionKeys),
		TableType:         optStr(t.TableType),
		Parameters:        t.Parameters,
		ViewOriginalText:  optStr(t.ViewOriginalText),
		ViewExpandedText:  optStr(t.ViewExpandedText),
	}
}

func fromTable(t *types.Table, versionID *string) (*catalog.Table, error) {
	out := &catalog.Table{
		Name:              str(t.Name),
		DatabaseName:      str(t.DatabaseName),
		Description:       str(t.Description),
		Owner:             str(t.Owner),
		CreateTime:        tm(t.CreateTime),
		UpdateTime:        tm(t.UpdateTime),
		LastAccessTime:    tm(t.LastAccessTime),
		Retention:         int(t.Retention),
		StorageDescriptor: fromStorageDescriptor(t.StorageDescriptor),
		PartitionKeys:     fromColumns(t.PartitionKeys),
		TableType:         str(t.TableType),
		Parameters:        emptyNil(t.Parameters),
		CreatedBy:         str(t.CreatedBy),
		ViewOriginalText:  str(t.ViewOriginalText),
		ViewExpandedText:  str(t.ViewExpandedText),
	}
	// A table that was never updated has no UpdateTime in some answers:
	// its last change is its creation.
	if out.UpdateTime.IsZero() {
		out.UpdateTime = out.CreateTime
	}
	if versionID == nil {
		versionID = t.VersionId
	}
	if versionID != nil {
		v, err := strconv.ParseInt(*versionID, 10, 64)
		if err != nil {
			return nil, &unexpectedError{what: "table " + out.DatabaseName + "." + out.Name, msg: "VersionId " + strconv.Quote(*versionID) + " is not a number"}
		}
		out.VersionID = v
	}
	return out, nil
}

func toPartitionInput(p catalog.Partition) types.PartitionInput {
	sd := toStorageDescriptor(p.StorageDescriptor)
	return types.PartitionInput{
		Values:            p.Values,
		LastAccessTime:    optTime(p.LastAccessTime),
		StorageDescriptor: sd,
		Parameters:        p.Parameters,
	}
}

func fromPartition(p *types.Partition) *catalog.Partition {
	return &catalog.Partition{
		DatabaseName:      str(p.DatabaseName),
		TableName:         str(p.TableName),
		Values:            p.Values,
		CreationTime:      tm(p.CreationTime),
		LastAccessTime:    tm(p.LastAccessTime),
		StorageDescriptor: fromStorageDescriptor(p.StorageDescriptor),
		Parameters:        emptyNil(p.Parameters),
	}
}

// emptyNil reads an empty map as none, as lakectl's other backends store it.
func emptyNil(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}

func emptyNilSlice(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}
