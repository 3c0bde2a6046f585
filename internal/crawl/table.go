package crawl

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/dataset"
	"github.com/lakectl/lakectl/internal/format"
)

// statParams change with the data, not the schema: a difference in them
// alone updates statistics, never deprecates or retypes anything.
var statParams = []string{catalog.ParamObjectCount, catalog.ParamSizeKey, catalog.ParamRecordCount, catalog.ParamAverageRecordSize, catalog.ParamRecordCountEstimated, catalog.ParamFingerprint, catalog.ParamCrawlRunID}

// tableName names a table after its root folder (the target's own last
// path element for the target itself).
func tableName(c *candidate, prefix string) string {
	name := c.root.name
	if c.root.key == "" && c.root.target.Table != "" {
		return catalog.SanitizeName(c.root.target.Table)
	}
	if c.root.key == "" {
		u, err := url.Parse(c.root.target.URI)
		if err == nil && u.Scheme != "" {
			p := strings.TrimSuffix(u.Path, "/")
			name = path.Base(p)
			if p == "" || name == "/" || name == "." {
				name = u.Host
			}
		} else {
			name = path.Base(strings.TrimSuffix(c.root.target.URI, "/"))
		}
	}
	return prefix + catalog.SanitizeName(name)
}

func shortHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:4])
}

// partitionLayout splits a partition folder's path below the table root
// into values, and names each level: key for key=value folders that agree
// on the key, partition_N otherwise. Values of key=value folders are
// unescaped as Hive escapes them (k=a%3Db holds a=b); a null is the
// default partition, as the catalog keeps it.
func partitionLayout(c *candidate) (keys []string, values [][]string) {
	depth := c.depth()
	values = make([][]string, len(c.parts))
	for i, p := range c.parts {
		rel := strings.TrimSuffix(strings.TrimPrefix(p.key, c.root.key), "/")
		if rel != "" {
			values[i] = strings.Split(rel, "/")
		}
	}
	for level := range depth {
		key := ""
		for _, v := range values {
			k, _, ok := format.ParsePartitionFolder(v[level])
			if !ok || k == "" || key != "" && k != key {
				key = ""
				break
			}
			key = k
		}
		if key == "" {
			keys = append(keys, fmt.Sprintf("partition_%d", level))
			continue
		}
		keys = append(keys, catalog.SanitizeName(key))
		for _, v := range values {
			_, v[level], _ = format.ParsePartitionFolder(v[level])
		}
	}
	return keys, values
}

// buildTable makes the catalog table and partitions of a candidate, and
// the warnings a user of the table should read: what it holds that a query
// engine reads otherwise than the data says.
func buildTable(c *candidate, name string, opts *Options) (*catalog.Table, []catalog.Partition, []string) {
	d := c.merged()
	keys, values := partitionLayout(c)
	fields, serdeParams, warnings := readableFields(d)
	var cols []catalog.Column
	all := format.Columns(fields)
	for i := range all {
		if inferred := d.fields[i].Type.String(); all[i].Type != inferred {
			if all[i].Parameters == nil {
				all[i].Parameters = map[string]string{}
			}
			all[i].Parameters[catalog.ParamInferredType] = inferred
		}
	}
	for i, col := range all {
		if indexOf(keys, col.Name) >= 0 {
			w := fmt.Sprintf("column %s is also a partition key: the partition key is kept", col.Name)
			if d.csv != nil && i < len(all)-1 {
				// Without it, the columns after it are a place off.
				w += fmt.Sprintf("; Athena reads CSV by position, so the columns after it (%s) read the fields before theirs: rename the key or the column", strings.Join(keyNames(all[i+1:]), ","))
			}
			warnings = append(warnings, w)
			continue
		}
		cols = append(cols, col)
	}
	pkeys := make([]catalog.Column, len(keys))
	for i, k := range keys {
		pkeys[i] = catalog.Column{Name: k, Type: "string"}
	}
	sd, params, _ := catalog.StorageFormat(d.format, c.root.uri(), cols)
	sd.Compressed = d.compression != format.NoCompression
	params[catalog.ParamCompressionType] = d.compression
	if d.csv != nil {
		delim := string(d.csv.Delimiter)
		params[catalog.ParamDelimiter] = delim
		params[catalog.ParamColumnsOrdered] = "true"
		params[catalog.ParamAreColumnsQuoted] = strconv.FormatBool(d.csv.Quoted)
		if d.csv.Header {
			params[catalog.ParamSkipHeaderLineCount] = "1"
		}
		if d.csv.Quoted {
			sd.SerdeInfo = &catalog.SerDeInfo{SerializationLibrary: openCSVSerde,
				Parameters: map[string]string{"separatorChar": delim, "quoteChar": string(d.csv.Quote), "escapeChar": "\\"}}
		} else {
			sd.SerdeInfo.Parameters["field.delim"] = delim
		}
		maps.Copy(sd.SerdeInfo.Parameters, serdeParams)
	}
	if d.format == format.JSON {
		params[catalog.ParamJSONLayout] = jsonLayout(d)
		if len(d.documents) > 0 {
			warnings = append(warnings, "Athena's JSON SerDes read one record a line; these files hold theirs otherwise (an array, or records over several lines), and Athena reads them wrong: "+listSome(d.documents, 5))
		}
	}
	params[catalog.ParamUpdatedByCrawler] = opts.Name
	params[catalog.ParamCrawlerSchemaDeserializerVersion] = "1.0"
	params[catalog.ParamCrawlerSchemaSerializerVersion] = "1.0"
	params[catalog.ParamCrawlRunID] = opts.RunID
	setStats(params, d)
	if len(keys) == 0 {
		params[catalog.ParamFingerprint] = c.parts[0].data.fingerprint
	}
	t := &catalog.Table{
		Name: name, DatabaseName: opts.Database, TableType: catalog.ExternalTable,
		StorageDescriptor: sd, PartitionKeys: pkeys, Parameters: params,
		CreatedBy: "lakectl crawl (" + opts.Name + ")",
	}
	var parts []catalog.Partition
	if len(keys) > 0 {
		for i, p := range c.parts {
			psd := sd
			psd.Location = p.uri()
			pp := map[string]string{catalog.ParamCompressionType: p.data.compression, catalog.ParamFingerprint: p.data.fingerprint}
			if d.format == format.JSON {
				pp[catalog.ParamJSONLayout] = jsonLayout(p.data)
			}
			setStats(pp, p.data)
			parts = append(parts, catalog.Partition{Values: values[i], StorageDescriptor: psd, Parameters: pp})
		}
	}
	return t, parts, warnings
}

// keepKeyTypes gives want's partition keys the types the existing table
// has for them, where every partition's value is of that type: a key
// registered as bigint by convert stays bigint when its folders are
// crawled. The crawler itself types new keys as string.
func keepKeyTypes(want, existing *catalog.Table, parts []catalog.Partition) {
	for i, k := range want.PartitionKeys {
		j := slices.IndexFunc(existing.PartitionKeys, func(c catalog.Column) bool { return c.Name == k.Name })
		if j < 0 || existing.PartitionKeys[j].Type == k.Type {
			continue
		}
		typ, err := format.ParseHive(existing.PartitionKeys[j].Type)
		if err != nil {
			continue
		}
		if !slices.ContainsFunc(parts, func(p catalog.Partition) bool {
			v, isNull := format.CatalogPartitionValue(p.Values[i])
			return !isNull && !typ.Holds(v)
		}) {
			want.PartitionKeys[i].Type = existing.PartitionKeys[j].Type
		}
	}
}

func setStats(params map[string]string, d *folderData) {
	params[catalog.ParamObjectCount] = strconv.Itoa(d.files)
	params[catalog.ParamSizeKey] = strconv.FormatInt(d.bytes, 10)
	params[catalog.ParamRecordCount] = strconv.FormatInt(d.records, 10)
	params[catalog.ParamRecordCountEstimated] = strconv.FormatBool(d.estimated)
	if d.records > 0 {
		params[catalog.ParamAverageRecordSize] = strconv.FormatInt(d.bytes/d.records, 10)
	}
}

// jsonLayout is the catalog.ParamJSONLayout of JSON files.
func jsonLayout(d *folderData) string {
	if len(d.documents) > 0 {
		return catalog.JSONDocuments
	}
	return catalog.JSONLines
}

// listSome lists up to n items, and how many more there are.
func listSome(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:n], ", "), len(items)-n)
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// dataFromCatalog rebuilds a folder's summary from what the catalog kept
// of it, for a folder a re-crawl does not read again.
func dataFromCatalog(uri string, t *catalog.Table, params map[string]string, fp string, files int) *folderData {
	d := &folderData{
		format:      t.Parameters[catalog.ParamClassification],
		compression: orNone(params[catalog.ParamCompressionType]),
		fingerprint: fp,
		files:       files,
		unchanged:   true,
	}
	if params[catalog.ParamJSONLayout] == catalog.JSONDocuments {
		d.documents = []string{"the files of " + uri + " (not read again)"}
	}
	// The files the table held: the folder's files may include some the
	// last crawl skipped.
	if n, err := strconv.Atoi(params[catalog.ParamObjectCount]); err == nil && n <= files {
		d.files = n
	}
	d.bytes, _ = strconv.ParseInt(params[catalog.ParamSizeKey], 10, 64)
	d.records, _ = strconv.ParseInt(params[catalog.ParamRecordCount], 10, 64)
	d.estimated = params[catalog.ParamRecordCountEstimated] == "true"
	// Whether the types came from a sample is not kept; an estimated count
	// says so, and a column typed string for a sample's sake stays string
	// (below).
	d.sampled = d.estimated
	if delim := t.Parameters[catalog.ParamDelimiter]; d.format == format.CSV && delim != "" {
		d.csv = &format.CSVInfo{Delimiter: delim[0], Header: t.Parameters[catalog.ParamSkipHeaderLineCount] == "1", Quote: '"', Quoted: t.Parameters[catalog.ParamAreColumnsQuoted] == "true"}
		if t.StorageDescriptor.SerdeInfo != nil && t.StorageDescriptor.SerdeInfo.Parameters["quoteChar"] != "" {
			d.csv.Quote = t.StorageDescriptor.SerdeInfo.Parameters["quoteChar"][0]
		}
	}
	// Whether a cell was empty is known of an OpenCSVSerde table alone: a
	// column it types other than string had none. Of other tables, assume
	// there were, should the table need OpenCSVSerde now. The Joda
	// patterns a table names are its timestamps' (those LazySimpleSerDe
	// reads without one need none).
	var serde catalog.SerDeInfo
	if t.StorageDescriptor.SerdeInfo != nil {
		serde = *t.StorageDescriptor.SerdeInfo
	}
	openCSV := serde.SerializationLibrary == openCSVSerde
	var patterns []string
	if p := serde.Parameters[timestampFormats]; p != "" {
		patterns = strings.Split(p, ",")
	}
	for _, c := range t.StorageDescriptor.Columns {
		typ, err := format.ParseHive(dataset.ValueType(c))
		if err != nil {
			typ, _ = format.ParseHive("string")
		}
		// A column typed string for OpenCSVSerde's sake was so for a reason
		// (an empty cell, a sample) that holds until its folder is read.
		f := format.Field{Name: c.Name, Type: typ, Empty: !openCSV || c.Parameters[catalog.ParamInferredType] != ""}
		if typ.Kind == format.Timestamp {
			f.TimeFormats = patterns
		}
		d.fields = append(d.fields, f)
	}
	return d
}

// orNone treats a missing compression type as none (a known Glue
// annoyance: null versus "none" must not count as a change).
func orNone(s string) string {
	if s == "" {
		return format.NoCompression
	}
	return s
}
