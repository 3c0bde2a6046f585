package crawl

import (
	"fmt"
	"slices"
	"strings"

	"github.com/lakectl/lakectl/internal/format"
)

// folderData summarises the data files directly in one folder.
type folderData struct {
	format      string
	csv         *format.CSVInfo
	compression string
	fields      []format.Field
	files       int
	bytes       int64
	records     int64
	estimated   bool
	// sampled: some records were not read (types come from a sample).
	sampled     bool
	fingerprint string
	// unchanged: taken from the catalog, not read (--recrawl new-folders).
	unchanged bool
	// documents are the JSON files whose records are not one a line.
	documents []string
}

// sig is the format signature: folders group only when theirs agree.
func (d *folderData) sig() string {
	return format.ShapeOf(&format.File{Format: d.format, CSV: d.csv}).Signature()
}

// byPosition: the table's files are read by column position, not by name.
// Athena's SerDes for delimited text (LazySimpleSerDe, OpenCSVSerde) read
// fields by position, which the table states with columnsOrdered; so
// delimited text with a header groups only with headers whose columns
// stand in the same places (format.SamePositions). Without a header the
// columns are col0, col1, ... anyway.
func (d *folderData) byPosition() bool { return d.csv != nil && d.csv.Header }

// positionConflict says why the columns of b cannot be read by position
// in a table that reads chain's ("" when they can).
func positionConflict(chain, b []format.Field) string {
	if format.SamePositions(chain, b) {
		return ""
	}
	return fmt.Sprintf("its columns (%s) are not in the order of %s: delimited text is read by position (Athena's CSV SerDes, columnsOrdered), so one table would read values from the wrong fields", format.FieldNames(b), format.FieldNames(chain))
}

// longer returns the longer of two column lists that SamePositions holds
// for: the one that has the other's columns, and more.
func longer(a, b []format.Field) []format.Field {
	if len(b) > len(a) {
		return b
	}
	return a
}

// Thresholds of grouping, as Glue's crawler documents them.
const (
	// groupShare: siblings group when more than this share of their files
	// have a schema compatible with the majority's.
	groupShare = 0.7
	// maxSchemas: and when they have at most this many distinct schemas.
	maxSchemas = 5
)

func schemaKey(fields []format.Field) string {
	var b strings.Builder
	for _, f := range fields {
		b.WriteString(f.Name + ":" + f.Type.String() + ",")
	}
	return b.String()
}

// summarize turns the files read in a folder into its folderData. Files of
// a format other than the folder's majority, or whose schema is not
// compatible with the majority's, are skipped with the reason; files not
// read (beyond --sample-files) count towards the statistics.
func summarize(f *folder, rep *Report) {
	var read, notRead []*fileEntry
	for _, fe := range f.files {
		if fe.info != nil {
			rep.Files.BytesRead += fe.info.BytesRead
		}
		switch {
		case fe.info == nil:
			notRead = append(notRead, fe)
		case fe.info.Skip != "":
			rep.skip(f.target.Store.URI(fe.obj.Key), fe.info.Skip)
		default:
			read = append(read, fe)
		}
	}
	if len(read) == 0 {
		for _, fe := range notRead {
			rep.skip(f.target.Store.URI(fe.obj.Key), "not sampled, and no sampled file of its folder could be read")
		}
		return
	}
	// The majority format signature, by number of files.
	counts := map[string]int{}
	var order []string
	for _, fe := range read {
		s := (&folderData{format: fe.info.Format, csv: fe.info.CSV}).sig()
		if counts[s] == 0 {
			order = append(order, s)
		}
		counts[s]++
	}
	major := order[0]
	for _, s := range order {
		if counts[s] > counts[major] {
			major = s
		}
	}
	var same []*fileEntry
	for _, fe := range read {
		if s := (&folderData{format: fe.info.Format, csv: fe.info.CSV}).sig(); s != major {
			rep.skip(f.target.Store.URI(fe.obj.Key), fmt.Sprintf("%s differs from the %s of most files in %s", s, major, f.uri()))
			continue
		}
		same = append(same, fe)
	}
	// The majority schema: the most common one among these files.
	schemas := map[string]int{}
	for _, fe := range same {
		schemas[schemaKey(fe.info.Fields)]++
	}
	var ref []format.Field
	best := 0
	for _, fe := range same {
		if n := schemas[schemaKey(fe.info.Fields)]; n > best {
			best, ref = n, fe.info.Fields
		}
	}
	d := &folderData{format: same[0].info.Format}
	if c := same[0].info.CSV; c != nil {
		info := *c
		d.csv = &info
	}
	compressions := map[string]int{}
	chain := ref
	fewest := -1
	for _, fe := range same {
		if sim := format.SchemaSimilarity(ref, fe.info.Fields); sim < format.CompatibleSimilarity {
			rep.skip(f.target.Store.URI(fe.obj.Key), fmt.Sprintf("schema differs from the other files in %s (similarity %.2f, below %.2f)", f.uri(), sim, format.CompatibleSimilarity))
			continue
		}
		if d.byPosition() {
			if why := positionConflict(chain, fe.info.Fields); why != "" {
				rep.skip(f.target.Store.URI(fe.obj.Key), why+" in "+f.uri())
				continue
			}
			chain = longer(chain, fe.info.Fields)
		}
		d.fields = format.MergeColumns(d.fields, fe.info.Fields)
		if d.csv != nil {
			d.csv.Quoted = d.csv.Quoted || fe.info.CSV.Quoted
			if fewest < 0 || len(fe.info.Fields) < fewest {
				fewest = len(fe.info.Fields)
			}
		}
		if fe.info.JSONDocument {
			d.documents = append(d.documents, f.target.Store.URI(fe.obj.Key))
		}
		d.files++
		d.bytes += fe.obj.Size
		d.records += fe.info.Records
		d.estimated = d.estimated || fe.info.Estimated
		d.sampled = d.sampled || fe.info.Sampled
		compressions[fe.info.Compression]++
		fe.used = true
	}
	if d.csv != nil {
		nullsBeyond(d.fields, fewest)
	}
	for c, n := range compressions {
		if n > compressions[d.compression] || n == compressions[d.compression] && c < d.compression {
			d.compression = c
		}
	}
	if len(notRead) > 0 && d.bytes > 0 {
		perByte := float64(d.records) / float64(d.bytes)
		for _, fe := range notRead {
			d.files++
			d.bytes += fe.obj.Size
			d.records += int64(perByte * float64(fe.obj.Size))
			fe.used = true
		}
		d.estimated, d.sampled = true, true
	}
	d.fingerprint = fingerprint(f.files)
	f.data = d
}

// candidate is a table-to-be: a root folder and the folders holding its
// partitions (just the root, for an unpartitioned table).
type candidate struct {
	root  *folder
	parts []*folder
}

// merged returns the table's schema and format from its partitions.
func (c *candidate) merged() *folderData {
	m := *c.parts[0].data
	m.fields = nil
	m.files, m.bytes, m.records = 0, 0, 0
	if m.csv != nil {
		info := *m.csv
		m.csv = &info
	}
	fewest := -1
	m.documents = nil
	for _, p := range c.parts {
		m.documents = append(m.documents, p.data.documents...)
		m.fields = format.MergeColumns(m.fields, p.data.fields)
		m.files += p.data.files
		m.bytes += p.data.bytes
		m.records += p.data.records
		m.estimated = m.estimated || p.data.estimated
		m.sampled = m.sampled || p.data.sampled
		if m.csv != nil && p.data.csv != nil {
			m.csv.Quoted = m.csv.Quoted || p.data.csv.Quoted
		}
		if fewest < 0 || len(p.data.fields) < fewest {
			fewest = len(p.data.fields)
		}
	}
	if m.csv != nil {
		nullsBeyond(m.fields, fewest)
	}
	return &m
}

// nullsBeyond marks the columns of delimited text from position n on as
// holding nulls: files with n columns lack them (columns added at the end
// later), and their rows read them as nulls.
func nullsBeyond(fields []format.Field, n int) {
	for i := max(n, 0); i < len(fields); i++ {
		fields[i].Empty = true
	}
}

// depth is how many folder levels lie between the root and its partitions.
func (c *candidate) depth() int {
	return c.parts[0].depth - c.root.depth
}

// resolve decides, bottom-up, which folders under f form which tables.
func resolve(f *folder, opts *Options, rep *Report) []*candidate {
	children := f.sortedChildren()
	if opts.TableLevel > 0 {
		switch level := f.depth + 1; {
		case level == opts.TableLevel:
			return forceTable(f, rep)
		case level > opts.TableLevel:
			return nil // unreachable: forceTable takes everything below
		}
		skipOwn(f, rep, fmt.Sprintf("lies above table level %d, where tables are formed", opts.TableLevel))
		var out []*candidate
		for _, c := range children {
			out = append(out, resolve(c, opts, rep)...)
		}
		return out
	}

	var singles []*candidate
	var names []string
	split := false
	var all []*candidate
	for _, c := range children {
		cands := resolve(c, opts, rep)
		all = append(all, cands...)
		switch len(cands) {
		case 0:
		case 1:
			singles = append(singles, cands[0])
			names = append(names, c.name)
		default:
			split = true
		}
	}
	if len(all) == 0 {
		if f.data == nil {
			return nil
		}
		return []*candidate{{root: f, parts: []*folder{f}}}
	}
	if split || len(singles) == 1 && !hiveLevel(names) {
		skipOwn(f, rep, "sits beside folders that hold tables of their own")
		return all
	}
	apart, d := decide(f, names, singles, opts)
	rep.Decisions = append(rep.Decisions, d)
	if d.Outcome != Grouped {
		skipOwn(f, rep, "sits beside folders that hold tables of their own")
		return singles
	}
	skipOwn(f, rep, "sits beside partition folders, so it belongs to no partition")
	g := &candidate{root: f}
	out := []*candidate{g}
	for i, s := range singles {
		if apart[i] {
			out = append(out, s)
			continue
		}
		g.parts = append(g.parts, s.parts...)
	}
	return out
}

// hiveLevel: every name is key=value with the same key.
func hiveLevel(names []string) bool {
	key := ""
	for _, n := range names {
		k, _, ok := strings.Cut(n, "=")
		if !ok || k == "" || key != "" && k != key {
			return false
		}
		key = k
	}
	return key != ""
}

// decide whether sibling candidates become one table rooted at f (the
// Decision's outcome is Grouped). Those marked apart stay tables of their
// own: delimited text whose columns stand in other places than those of
// most of the data.
func decide(f *folder, names []string, cands []*candidate, opts *Options) (apart []bool, d Decision) {
	d = Decision{Folder: f.uri(), Children: names}
	datas := make([]*folderData, len(cands))
	total := 0
	for i, c := range cands {
		datas[i] = c.merged()
		total += datas[i].files
	}
	// The majority schema: that of the candidate with the most files.
	ref := datas[0]
	for _, x := range datas {
		if x.files > ref.files {
			ref = x
		}
	}
	keys := map[string]bool{}
	ok := 0
	for _, x := range datas {
		keys[schemaKey(x.fields)] = true
		if x.sig() == ref.sig() && format.SchemaSimilarity(ref.fields, x.fields) >= format.CompatibleSimilarity {
			ok += x.files
		}
	}
	d.Similarity = float64(ok) / float64(total)
	d.Schemas = len(keys)
	// Depths count from f, not from each candidate's own root: a lone
	// folder (2025/01 when 2025 holds one month) is a candidate rooted at
	// itself, yet its data lies as deep below f as 2024/01's.
	sameDepth := true
	for _, c := range cands {
		sameDepth = sameDepth && c.parts[0].depth == cands[0].parts[0].depth
	}
	for _, x := range datas {
		if x.sig() != ref.sig() {
			d.Outcome, d.Reason = Separate, fmt.Sprintf("different formats: %s and %s", ref.sig(), x.sig())
			return nil, d
		}
	}
	if !sameDepth {
		d.Outcome, d.Reason = Separate, "the folders hold their data at different depths: "+depths(f, names, cands)
		return nil, d
	}
	switch {
	case hiveLevel(names):
		d.Outcome, d.Reason = Grouped, fmt.Sprintf("key=value partition folders (%s=...) always form one table; schemas merged", strings.SplitN(names[0], "=", 2)[0])
	case opts.CombineSchemas:
		d.Outcome, d.Reason = Grouped, "schemas combined: one table for folders of the same format"
	case d.Similarity > groupShare && d.Schemas <= maxSchemas:
		d.Outcome, d.Reason = Grouped, fmt.Sprintf("%.0f%% of files have a schema compatible with the majority's (more than %.0f%%) and there are %d distinct schemas (at most %d)", 100*d.Similarity, 100*groupShare, d.Schemas, maxSchemas)
	case d.Schemas > maxSchemas:
		d.Outcome, d.Reason = Separate, fmt.Sprintf("%d distinct schemas (more than %d)", d.Schemas, maxSchemas)
		return nil, d
	default:
		d.Outcome, d.Reason = Separate, fmt.Sprintf("only %.0f%% of files have a schema compatible with the majority's (need more than %.0f%%)", 100*d.Similarity, 100*groupShare)
		return nil, d
	}
	apart = make([]bool, len(cands))
	if !ref.byPosition() {
		return apart, d
	}
	// Whatever groups them (similarity, key=value folders,
	// --combine-schemas), columns in other places cannot share a table read
	// by position: the folders with the most files set the order, the
	// others stay apart.
	order := make([]int, len(datas))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int { return datas[j].files - datas[i].files })
	var chain []format.Field
	var left []string
	for _, i := range order {
		if !format.SamePositions(chain, datas[i].fields) {
			apart[i] = true
			left = append(left, fmt.Sprintf("%s (%s)", names[i], format.FieldNames(datas[i].fields)))
			continue
		}
		chain = longer(chain, datas[i].fields)
	}
	if len(left) == 0 {
		return apart, d
	}
	why := fmt.Sprintf("CSV columns not in the order %s: %s; Athena reads CSV by position, so one table would read values from the wrong fields", format.FieldNames(chain), strings.Join(left, ", "))
	if len(cands)-len(left) < 2 && !hiveLevel(names) {
		d.Outcome, d.Reason = Separate, why
		return apart, d
	}
	d.Reason += "; apart, as tables of their own: " + why
	return apart, d
}

// depths says how deep below f each candidate holds its data ("a at
// depth 2, b at depth 1 below logs/").
func depths(f *folder, names []string, cands []*candidate) string {
	parts := make([]string, len(cands))
	for i, c := range cands {
		parts[i] = fmt.Sprintf("%s at depth %d", names[i], c.parts[0].depth-f.depth)
	}
	return strings.Join(parts, ", ") + " below " + f.uri()
}

// forceTable makes f one table of everything below it (--table-level):
// partitions at the most common depth; folders at other depths, or of
// another format than most files, are skipped with the reason.
func forceTable(f *folder, rep *Report) []*candidate {
	var withData []*folder
	walk(f, func(x *folder) {
		if x.data != nil {
			withData = append(withData, x)
		}
	})
	if len(withData) == 0 {
		return nil
	}
	depthFiles, sigFiles := map[int]int{}, map[string]int{}
	for _, x := range withData {
		depthFiles[x.depth] += x.data.files
		sigFiles[x.data.sig()] += x.data.files
	}
	depth, sig := withData[0].depth, withData[0].data.sig()
	for dd, n := range depthFiles {
		if n > depthFiles[depth] || n == depthFiles[depth] && dd < depth {
			depth = dd
		}
	}
	for s, n := range sigFiles {
		if n > sigFiles[sig] || n == sigFiles[sig] && s < sig {
			sig = s
		}
	}
	// Folders with the most files first: a table read by position takes
	// the column order of most of its data.
	slices.SortStableFunc(withData, func(a, b *folder) int { return b.data.files - a.data.files })
	c := &candidate{root: f}
	var chain []format.Field
	for _, x := range withData {
		switch {
		case x.depth != depth:
			skipOwn(x, rep, fmt.Sprintf("is %d folder levels below the table %s, whose partitions are %d levels below it", x.depth-f.depth, f.uri(), depth-f.depth))
		case x.data.sig() != sig:
			skipOwn(x, rep, fmt.Sprintf("%s differs from the %s of most files of the table %s", x.data.sig(), sig, f.uri()))
		case x.data.byPosition() && positionConflict(chain, x.data.fields) != "":
			skipOwn(x, rep, positionConflict(chain, x.data.fields)+" of the table "+f.uri())
		default:
			chain = longer(chain, x.data.fields)
			c.parts = append(c.parts, x)
		}
	}
	slices.SortFunc(c.parts, func(a, b *folder) int { return strings.Compare(a.key, b.key) })
	if len(c.parts) == 0 {
		return nil
	}
	rep.Decisions = append(rep.Decisions, Decision{Folder: f.uri(), Children: childNames(f), Outcome: Grouped, Similarity: 1,
		Reason: fmt.Sprintf("table level %d: one table of everything below", f.depth+1)})
	return []*candidate{c}
}

func childNames(f *folder) []string {
	var out []string
	for _, c := range f.sortedChildren() {
		out = append(out, c.name)
	}
	return out
}

// skipOwn reports the data files directly in f as skipped.
func skipOwn(f *folder, rep *Report, reason string) {
	if f.data == nil {
		return
	}
	for _, fe := range f.files {
		if fe.used {
			rep.skip(f.target.Store.URI(fe.obj.Key), "file "+reason)
			fe.used = false
		}
	}
	f.data = nil
}
