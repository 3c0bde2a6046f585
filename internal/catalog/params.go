package catalog

// Table and partition parameters. The first are the names Glue's crawler
// sets and Athena and Glue's tools read; the lakectl.* ones are lakectl's
// own.
const (
	// ParamClassification is the data format: csv, json, parquet (sql for
	// a database query read as a table).
	ParamClassification = "classification"
	// ParamCompressionType is the codec: none, gzip, bzip2, snappy, zstd...
	ParamCompressionType = "compressionType"
	// ParamTypeOfData is "file" for tables of files.
	ParamTypeOfData = "typeOfData"
	// ParamRecordCount is the number of records (exact unless
	// ParamRecordCountEstimated says otherwise).
	ParamRecordCount = "recordCount"
	// ParamAverageRecordSize is sizeKey / recordCount, in bytes.
	ParamAverageRecordSize = "averageRecordSize"
	// ParamObjectCount is the number of data files.
	ParamObjectCount = "objectCount"
	// ParamSizeKey is the data files' total size in bytes.
	ParamSizeKey = "sizeKey"
	// ParamDelimiter is a CSV table's field delimiter.
	ParamDelimiter = "delimiter"
	// ParamSkipHeaderLineCount is "1" when CSV files start with a header.
	ParamSkipHeaderLineCount = "skip.header.line.count"
	// ParamAreColumnsQuoted: some CSV field is quoted.
	ParamAreColumnsQuoted = "areColumnsQuoted"
	// ParamColumnsOrdered: CSV columns are matched by position.
	ParamColumnsOrdered = "columnsOrdered"
	// ParamUpdatedByCrawler names the crawler that last wrote the table.
	ParamUpdatedByCrawler = "UPDATED_BY_CRAWLER"
	// ParamDeprecatedByCrawler marks a table or partition whose files are
	// gone, with the run that found it so.
	ParamDeprecatedByCrawler = "DEPRECATED_BY_CRAWLER"
	// ParamCrawlerSchemaDeserializerVersion and
	// ParamCrawlerSchemaSerializerVersion are Glue's crawler versions.
	ParamCrawlerSchemaDeserializerVersion = "CrawlerSchemaDeserializerVersion"
	ParamCrawlerSchemaSerializerVersion   = "CrawlerSchemaSerializerVersion"

	// ParamRecordCountEstimated is "true" when recordCount was estimated
	// from a sample.
	ParamRecordCountEstimated = "lakectl.recordCountEstimated"
	// ParamFingerprint identifies a folder's files (names, sizes, times),
	// so that a re-crawl can tell an unchanged folder without reading it.
	ParamFingerprint = "lakectl.fingerprint"
	// ParamCrawlRunID is the crawl run that last wrote the table.
	ParamCrawlRunID = "lakectl.crawlRunId"
	// ParamConvertRunID is the convert run that last wrote the table.
	ParamConvertRunID = "lakectl.convertRunId"
	// ParamJSONLayout is how a JSON table's (or partition's) files hold
	// their records: JSONLines, one a line, which Athena's JSON SerDes
	// read; or JSONDocuments, some file holding them otherwise (an array,
	// records over several lines), which those SerDes read a line at a
	// time, so wrongly. lakectl's readers read both.
	ParamJSONLayout = "lakectl.jsonLayout"
)

// Values of ParamJSONLayout.
const (
	JSONLines     = "lines"
	JSONDocuments = "documents"
)

// ParamSourceName is the column parameter that keeps a column's name as its
// source spells it (a CSV header, a JSON member), when the catalog's name
// differs: readers match members by it, and reports of files show it.
const ParamSourceName = "lakectl.sourceName"

// ParamInferredType is the column parameter that keeps the type a column's
// values have (decimal(18,2), date) when the column is typed string
// because its table's SerDe cannot read that type (OpenCSVSerde): Athena
// reads the strings, and convert writes the values with this type.
const ParamInferredType = "lakectl.inferredType"

// ParamLocalTime is the column parameter ("true") of a timestamp column
// whose values are local date-times, without a zone (SQL's timestamp
// without time zone): written as such, they read back as they were in any
// session time zone. A timestamp column without it holds instants.
const ParamLocalTime = "lakectl.localTime"

// Column parameters of `lakectl catalog classify --apply`.
const (
	// ParamEntity is the entity type detected in a column's values
	// (email, phone, credit_card...), what convert --pii auto acts on.
	ParamEntity = "lakectl.classification"
	// ParamEntityConfidence is the share of the sampled non-null values
	// that matched it (0.9731).
	ParamEntityConfidence = "lakectl.classificationConfidence"
	// ParamGeneratedComment is the comment lakectl wrote on the column: a
	// comment equal to it is lakectl's to replace; any other comment was
	// written by a person and is never overwritten.
	ParamGeneratedComment = "lakectl.generatedComment"
)
