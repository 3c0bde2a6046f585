package catalog

// Formats lists the storage formats with a Hive/Glue preset.
var Formats = []string{"csv", "json", "parquet"}

// StorageFormat fills the input/output formats and SerDe that Glue (and
// Athena) expect for a data format, and returns the table parameters that
// go with it (classification, and for CSV the delimiter).
func StorageFormat(format, location string, columns []Column) (StorageDescriptor, map[string]string, error) {
	sd := StorageDescriptor{Location: location, Columns: columns}
	params := map[string]string{ParamClassification: format}
	switch format {
	case "csv":
		sd.InputFormat = "org.apache.hadoop.mapred.TextInputFormat"
		sd.OutputFormat = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
		sd.SerdeInfo = &SerDeInfo{SerializationLibrary: "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe", Parameters: map[string]string{"field.delim": ","}}
		params[ParamDelimiter] = ","
	case "json":
		sd.InputFormat = "org.apache.hadoop.mapred.TextInputFormat"
		sd.OutputFormat = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
		sd.SerdeInfo = &SerDeInfo{SerializationLibrary: "org.openx.data.jsonserde.JsonSerDe"}
	case "parquet":
		sd.InputFormat = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
		sd.OutputFormat = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
		sd.SerdeInfo = &SerDeInfo{SerializationLibrary: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe", Parameters: map[string]string{"serialization.format": "1"}}
	default:
		return sd, nil, Invalidf("format %q: want %s", format, OneOf(Formats...))
	}
	params[ParamTypeOfData] = "file"
	return sd, params, nil
}
