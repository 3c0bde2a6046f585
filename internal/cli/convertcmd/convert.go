// Package convertcmd is `lakectl convert` and `lakectl convert compact`.
package convertcmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/cli/cmdutil"
	"github.com/lakectl/lakectl/internal/cli/version"
	"github.com/lakectl/lakectl/internal/commit"
	"github.com/lakectl/lakectl/internal/convert"
	"github.com/lakectl/lakectl/internal/dataset"
	"github.com/lakectl/lakectl/internal/search"
	"github.com/lakectl/lakectl/internal/storage"
)

type Options struct {
	F              *cmdutil.Factory
	Source, Dest   string
	Convert        convert.Options
	PartitionBy    []string
	TargetFileSize string
	Mask, Tokenize []string
	Drop, Cast     []string
	TransformFile  string
	TokenKeyEnv    string
	// PII is "auto": mask (PIITokenize: tokenize) the columns the catalog
	// classifies as personal data.
	PII         string
	PIITokenize bool
}

func NewCmdConvert(f *cmdutil.Factory) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "convert SOURCE --to DEST [--register DB.TABLE]",
		Short: "Convert CSV/JSON to partitioned Parquet, masking sensitive columns, and register it",
		Long: `Convert CSV or JSON data to Parquet. SOURCE is a catalog table (DB.TABLE, as the
crawler registered it: format, delimiter, header, schema) or a path or URI
(a file or folder, whose format and schema are inferred as the crawler would).
DEST is a local path or an s3:// URI. (A PostgreSQL or MySQL table is a
source of 'lakectl validate', not yet of convert.)

Rows stream through in bounded memory on all cores. Types are written
faithfully: bigint INT64, double DOUBLE, boolean, string UTF-8, date DATE,
timestamp TIMESTAMP (microseconds, UTC), decimal(p,s) DECIMAL, nested JSON as
Parquet groups and lists; nulls are kept. An empty CSV value is a null.

--partition-by writes key=value folders. --mode append (default) adds files;
overwrite replaces the whole dataset; overwrite-partitions replaces only the
partitions written. --register creates or updates the table and its
partitions in the catalog.

Transforms: --mask keeps length and punctuation and hides letters and
digits (+1-555-123-4567 becomes +*-***-***-****); --tokenize replaces a value
with its SHA-256 hex digest, or HMAC-SHA256 when a key is set in the
environment variable named by --token-key-env (default LAKECTL_TOKEN_KEY);
--drop removes a column; --cast COL=TYPE reads a column as another type.
Masked and tokenised columns are strings. The same can be declared in a
--transforms YAML file (keys mask, tokenize, drop: lists; cast: a map).

--pii auto masks (with --pii-tokenize, tokenizes) the columns of a catalog
table SOURCE that 'lakectl catalog classify --apply' classified as personal
data — email, phone, credit_card, iban, us_ssn, person_name, ipv4, ipv6,
mac_address, geo_point, latitude, longitude — except those --mask,
--tokenize or --drop already name, and says which on stderr, with each
one's classification and confidence. A SOURCE that is not a catalog table,
or whose columns are not classified as personal data, is a usage error
(exit 2).

A row that does not fit the schema is written, with its file, line, raw
text and reason, to DEST/_lakectl_quarantine/RUN.jsonl and counted. More than
--max-bad-records of them (default 0: any bad row fails the run, so a
changed row count never goes unnoticed) fails the run with exit status 1 and
commits nothing. Rows read always equal rows written plus rows quarantined.

One writer at a time per DEST (a lease: a second waits, and says for whom).
Output files are staged under DEST/_lakectl_staging; a journal
(DEST/_lakectl_journal.json) then lists what the commit does, before any of
it is visible: the replaced files go, the new ones move into place (in the
table's own partition folders), the catalog follows. An interrupted (Ctrl-C)
or failed run leaves no data file and no catalog change. A run killed
outright during its commit leaves it to be finished by the next lakectl
command that touches DEST (or 'lakectl table check --repair'); a reader never
sees a row twice. See docs/convert.md, "Safety".

In append mode, source files that an earlier run into DEST converted, and
that have not changed since (size, and ETag or modification time), are
skipped: the same source converted twice adds no rows. --again converts them
anyway.

Exit status 1: more bad records than allowed, or (--no-schema-evolution) the
data adds or retypes a column of the registered table.`,
		Example: `  lakectl convert raw.orders --to s3://lake/curated/orders/ --register curated.orders --partition-by year
  lakectl convert ./exports/customers.csv --to ./curated/customers --mask phone --tokenize email --drop ssn
  lakectl catalog classify raw.customers --apply
  lakectl convert raw.customers --to ./curated/customers --pii auto
  lakectl convert raw.events --to s3://lake/events/ --mode overwrite-partitions --partition-by day --compression zstd`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Source = args[0]
			return convertRun(cmd.Context(), opts)
		},
		ValidArgsFunction: cmdutil.SourceArg(f),
	}
	fl := cmd.Flags()
	c := &opts.Convert
	fl.StringVar(&opts.Dest, "to", "", "destination folder: a path or s3:// URI (required)")
	fl.StringVar(&c.Register, "register", "", "create or update this catalog table (DB.TABLE) for the output")
	cmd.RegisterFlagCompletionFunc("register", cmdutil.TableFlag(f))
	cmdutil.EnumVar(cmd, &c.Compression, "compression", "snappy", convert.CodecNames, "Parquet compression")
	cmdutil.ListVar(fl, &opts.PartitionBy, "partition-by", "partition columns, in order (COL,... or repeated)")
	cmdutil.EnumVar(cmd, &c.Mode, "mode", convert.Append, convert.Modes, "what happens to the data already in DEST")
	fl.StringVar(&opts.TargetFileSize, "target-file-size", "128MiB", "start a new file past this size (e.g. 64MiB, 1GiB)")
	fl.IntVar(&c.RowGroupSize, "row-group-size", convert.DefaultRowGroupSize, "rows per Parquet row group")
	cmdutil.ListVar(fl, &opts.Mask, "mask", "mask these columns (COL,... or repeated)")
	cmdutil.ListVar(fl, &opts.Tokenize, "tokenize", "tokenize these columns (COL,... or repeated)")
	cmdutil.ListVar(fl, &opts.Drop, "drop", "leave out these columns (COL,... or repeated)")
	cmdutil.ListVar(fl, &opts.Cast, "cast", "read columns as other types (COL=TYPE,... or repeated; a comma inside a type, decimal(10,2), does not split)")
	cmdutil.EnumVar(cmd, &opts.PII, "pii", "", []string{"auto"}, "auto: mask the columns 'lakectl catalog classify --apply' classified as personal data")
	fl.BoolVar(&opts.PIITokenize, "pii-tokenize", false, "with --pii auto: tokenize those columns instead of masking them")
	fl.StringVar(&opts.TransformFile, "transforms", "", "a YAML file of transforms (mask, tokenize, drop, cast)")
	fl.StringVar(&opts.TokenKeyEnv, "token-key-env", "LAKECTL_TOKEN_KEY", "environment variable holding the HMAC key for --tokenize (never printed)")
	fl.Int64Var(&c.MaxBadRecords, "max-bad-records", 0, "fail (exit 1) when more rows than this do not fit the schema")
	fl.BoolVar(&c.Again, "again", false, "convert source files an earlier run into DEST converted already, unchanged (append mode skips them without it)")
	fl.BoolVar(&c.NoSchemaEvolution, "no-schema-evolution", false, "fail (exit 1) if the data adds or retypes a column of the registered table")
	fl.IntVar(&c.Workers, "workers", 0, "parallel workers (default: one per core)")
	fl.DurationVar(&c.StaleAfter, "stale-staging-after", commit.DefaultStaleAfter, "remove the staged files of other runs into DEST whose heartbeat is older than this")
	fl.MarkDeprecated("stale-staging-after", "a run holds DEST's lease and removes dead runs' staged files at once")
	cmd.AddCommand(NewCmdCompact(f))
	return cmd
}

// convertMemoryLimit is the Go runtime's soft memory limit during a
// conversion.
const convertMemoryLimit = 200 << 20

// transformFile is the YAML of --transforms.
type transformFile struct {
	Mask     []string          `yaml:"mask"`
	Tokenize []string          `yaml:"tokenize"`
	Drop     []string          `yaml:"drop"`
	Cast     map[string]string `yaml:"cast"`
}

func (o *Options) transforms() ([]convert.Transform, error) {
	var out []convert.Transform
	if o.TransformFile != "" {
		data, err := os.ReadFile(o.TransformFile)
		if err != nil {
			return nil, cmdutil.Usagef("--transforms: %v", err)
		}
		var tf transformFile
		dec := yaml.NewDecoder(strings.NewReader(string(data)))
		dec.KnownFields(true)
		if err := dec.Decode(&tf); err != nil && err != io.EOF {
			return nil, cmdutil.Usagef("--transforms %s: %v", o.TransformFile, err)
		}
		o.Mask = append(o.Mask, tf.Mask...)
		o.Tokenize = append(o.Tokenize, tf.Tokenize...)
		o.Drop = append(o.Drop, tf.Drop...)
		for col, typ := range tf.Cast {
			o.Cast = append(o.Cast, col+"="+typ)
		}
	}
	for kind, cols := range map[string][]string{convert.Mask: o.Mask, convert.Tokenize: o.Tokenize, convert.Drop: o.Drop} {
		for _, c := range cols {
			out = append(out, convert.Transform{Kind: kind, Column: c})
		}
	}
	for _, c := range o.Cast {
		col, typ, ok := strings.Cut(c, "=")
		if !ok {
			return nil, cmdutil.Want("--cast", c, "COL=TYPE")
		}
		out = append(out, convert.Transform{Kind: convert.Cast, Column: col, Type: typ})
	}
	return out, nil
}

func convertRun(ctx context.Context, opts *Options) error {
	if opts.Dest == "" {
		return cmdutil.Usagef("--to is required: the destination folder")
	}
	var err error
	if opts.Convert.TargetFileSize, err = cmdutil.ParseSize(opts.TargetFileSize); err != nil {
		return cmdutil.Usagef("--target-file-size: %v", err)
	}
	if opts.Convert.Transforms, err = opts.transforms(); err != nil {
		return err
	}
	opts.Convert.PartitionBy = opts.PartitionBy
	opts.Convert.Version, opts.Convert.Build = version.Version, version.Commit
	opts.Convert.Waiting = cmdutil.WaitingMessage(opts.F, opts.Dest)
	if opts.Convert.Failpoint, err = opts.F.Failpoint(); err != nil {
		return err
	}
	if opts.Convert.StaleAfter <= 0 {
		opts.Convert.StaleAfter = time.Nanosecond // any other run's staging is stale
	}
	if key := opts.F.Getenv(opts.TokenKeyEnv); key != "" {
		opts.Convert.TokenKey = []byte(key)
	}
	if opts.PIITokenize && opts.PII != "auto" {
		return cmdutil.Usagef("--pii-tokenize goes with --pii auto")
	}
	if err := opts.Convert.Check(); err != nil {
		return cmdutil.FlagErrors(err, convertFlags)
	}
	if opts.F.Getenv("GOMEMLIMIT") == "" {
		// Keep the garbage collector's headroom within the memory budget of
		// a conversion (peak RSS ≤ 256 MiB); GOMEMLIMIT overrides it.
		debug.SetMemoryLimit(convertMemoryLimit)
	}
	stores := map[string]storage.Store{}
	openStore := func(ctx context.Context, uri string) (storage.Store, error) {
		if s, ok := stores[uri]; ok {
			return s, nil
		}
		s, err := opts.F.Store(ctx, uri)
		if err == nil {
			stores[uri] = s
		}
		return s, err
	}
	prog := opts.F.StartProgress("convert")
	defer prog.Stop()
	in, err := opts.F.Resolve(ctx, openStore, opts.Source, "", prog.Reporter())
	if err != nil {
		return err
	}
	if opts.PII == "auto" {
		if err := opts.piiTransforms(in, prog); err != nil {
			return err
		}
	}
	dest, err := opts.F.Store(ctx, opts.Dest)
	if err != nil {
		return err
	}
	var cat catalog.Catalog
	if opts.Convert.Register != "" {
		if cat, err = opts.F.Catalog(ctx); err != nil {
			return err
		}
	}
	opts.Convert.Progress = prog.Reporter()
	sum, err := convert.Run(ctx, cat, in, dest, opts.Convert)
	prog.Stop()
	failed := errors.Is(err, convert.ErrTooManyBadRecords) || errors.Is(err, convert.ErrSchemaChange)
	if err == nil || failed {
		opts.F.RecordAccess(ctx, in) // read, whatever the data made of the run
	}
	if sum != nil && (err == nil || failed) {
		if perr := printSummary(opts.F, sum); perr != nil {
			return perr
		}
	}
	if failed {
		// The domain names the option; the user knows the flag.
		msg := strings.Replace(err.Error(), "(NoSchemaEvolution)", "(--no-schema-evolution)", 1)
		return &cmdutil.ExitError{Code: 1, Msg: msg}
	}
	return cmdutil.FlagErrors(err, convertFlags)
}

// piiTransforms adds a mask (or a tokenization) of each column the
// catalog classifies as personal data, and says which on stderr.
func (o *Options) piiTransforms(in dataset.Input, stderr io.Writer) error {
	if !in.FromCatalog {
		return cmdutil.Usagef("--pii auto acts on the columns a catalog table's classification marks as personal data: %s is not a catalog table (run 'lakectl catalog classify DB.TABLE --apply' on one)", o.Source)
	}
	cols := search.PIIColumns(in.Table)
	if len(cols) == 0 {
		return cmdutil.Usagef("--pii auto: no column of %s is classified as personal data (run 'lakectl catalog classify %s --apply' first, or name the columns with --mask)", o.Source, o.Source)
	}
	kind, verb := convert.Mask, "masking"
	if o.PIITokenize {
		kind, verb = convert.Tokenize, "tokenizing"
	}
	named := map[string]bool{}
	for _, tr := range o.Convert.Transforms {
		if tr.Kind != convert.Cast {
			named[tr.Column] = true
		}
	}
	for _, c := range cols {
		if named[c.Column] {
			cmdutil.Fprintf(stderr, "lakectl: --pii auto: %s (classified %s) is transformed as the flags say\n", c.Column, c.Entity)
			continue
		}
		o.Convert.Transforms = append(o.Convert.Transforms, convert.Transform{Kind: kind, Column: c.Column})
		cmdutil.Fprintf(stderr, "lakectl: --pii auto: %s %s: classified %s (confidence %s)\n", verb, c.Column, c.Entity, c.Confidence)
	}
	return nil
}

// convertFlags are the flags of convert's options.
var convertFlags = map[string]string{
	"PartitionBy":         "--partition-by",
	"Transforms.cast":     "--cast",
	"Transforms.mask":     "--mask",
	"Transforms.tokenize": "--tokenize",
	"Transforms.drop":     "--drop",
}

func printSummary(f *cmdutil.Factory, s *convert.Summary) error {
	parts := cmdutil.Table{Header: []string{"PARTITION", "ROWS", "FILES", "BYTES", "LOCATION"}}
	for _, p := range s.Partitions {
		parts.Add(cmdutil.OrDash(p.Partition), strconv.FormatInt(p.Rows, 10), strconv.Itoa(p.Files), strconv.FormatInt(p.Bytes, 10), p.Location)
	}
	if f.Settings.Output != "table" {
		return f.Print(parts, s)
	}
	w := f.IO.Out
	reg := ""
	if s.Table != "" {
		reg = ", registered as " + s.Table
	}
	cmdutil.Fprintf(w, "Convert %s: %s → %s (%s, %s%s)\n", s.RunID, s.Source, s.Destination, s.Mode, s.Compression, reg)
	cmdutil.Fprintf(w, "Rows: %d read, %d written, %d quarantined (at most %d allowed)\n", s.RowsRead, s.RowsWritten, s.RowsQuarantined, s.MaxBadRecords)
	if s.Quarantine != "" {
		cmdutil.Fprintf(w, "Quarantine: %s\n", s.Quarantine)
	}
	cmdutil.Fprintf(w, "Files: %d read, %d written (%d bytes), %d replaced\n", s.FilesRead, s.FilesWritten, s.BytesWritten, s.FilesReplaced)
	for _, sk := range s.FilesSkipped {
		cmdutil.Fprintf(w, "Skipped %s: %s\n", sk.File, sk.Reason)
	}
	for _, c := range s.SchemaChanges {
		cmdutil.Fprintf(w, "Schema: %s\n", strings.TrimSpace(c))
	}
	for _, r := range s.StaleRunsRemoved {
		cmdutil.Fprintf(w, "Removed the staged files of dead run %s\n", r)
	}
	if s.Recovered != "" {
		cmdutil.Fprintf(w, "Finished the commit of run %s, which had stopped before its end\n", s.Recovered)
	}
	if n := len(s.FilesUnchanged); n > 0 {
		cmdutil.Fprintf(w, "Unchanged since converted: %s (%s by run %s%s); --again converts them again\n", cmdutil.Count(n, "file"), s.FilesUnchanged[0].File, s.FilesUnchanged[0].Run, map[bool]string{true: ", …", false: ""}[n > 1])
	}
	if !s.Committed {
		fmt.Fprintln(w, "Nothing was written.")
		return nil
	}
	fmt.Fprintln(w)
	return f.Print(parts, nil)
}
