package convert

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/commit"
	"github.com/lakectl/lakectl/internal/format"
	"github.com/lakectl/lakectl/internal/progress"
)

// Write modes, with awswrangler's meaning.
const (
	Append              = "append"
	Overwrite           = "overwrite"
	OverwritePartitions = "overwrite-partitions"
)

// Modes lists the write modes, for flags and messages.
var Modes = []string{Append, Overwrite, OverwritePartitions}

// Defaults.
const (
	DefaultTargetFileSize = 128 << 20
	DefaultRowGroupSize   = 1 << 20
)

// Errors that mean the data failed the run (exit status 1).
var (
	ErrTooManyBadRecords = errors.New("too many bad records")
	ErrSchemaChange      = errors.New("schema change detected")
)

// Transform kinds.
const (
	Mask     = "mask"
	Tokenize = "tokenize"
	Drop     = "drop"
	Cast     = "cast"
)

// Transform changes one column on the way.
type Transform struct {
	Kind   string
	Column string
	Type   string // for Cast
}

// Options configure a conversion.
type Options struct {
	Compression       string
	PartitionBy       []string
	Mode              string
	TargetFileSize    int64
	RowGroupSize      int
	Transforms        []Transform
	TokenKey          []byte // HMAC-SHA256 key for tokenize; plain SHA-256 without one
	MaxBadRecords     int64
	NoSchemaEvolution bool
	// Register names the catalog table (db.table) to create or update.
	Register string
	Workers  int
	RunID    string
	// Version and Build name the lakectl writing, for the created_by field
	// of the Parquet footers.
	Version, Build string
	Now            func() time.Time
	// StaleAfter is how long a run's heartbeat may be silent before
	// another run into the same destination removes its staging
	// (DefaultStaleAfter when zero), where the destination has no lease;
	// under a lease every other run's staging is a dead run's.
	StaleAfter time.Duration
	// Waiting is told, once, which writer holds the destination while this
	// run waits its turn (nil: wait quietly).
	Waiting func(holder string)
	// Again converts source files that an earlier run into the same
	// destination converted already, unchanged. Without it an append skips
	// them (and a run whose files were all converted writes nothing).
	Again bool
	// State, when set, replaces the destination's state
	// (commit.StateKey) in the run's commit: it advances with the data.
	State json.RawMessage
	// Failpoint is called at each named step of the write (tests stop
	// the process there); nil in normal runs.
	Failpoint commit.Failpoint
	// Progress is told of the source files, rows and bytes read (stage
	// "convert"), then of the files the commit moves into place (stage
	// "commit"); nil when nobody watches.
	Progress progress.Reporter
}

// Check fills defaults and validates the options (errors wrap
// catalog.ErrInvalid).
func (o *Options) Check() error {
	fo := o.file()
	if err := fo.check(); err != nil {
		return err
	}
	o.Compression, o.RowGroupSize = fo.Compression, fo.RowGroupSize
	if o.Mode == "" {
		o.Mode = Append
	}
	if !slices.Contains(Modes, o.Mode) {
		return catalog.Invalidf("mode %q: want %s", o.Mode, catalog.OneOf(Modes...))
	}
	if o.Mode == OverwritePartitions && len(o.PartitionBy) == 0 {
		return catalog.OptionErrorf("PartitionBy", "", "mode overwrite-partitions needs partition columns")
	}
	if o.TargetFileSize == 0 {
		o.TargetFileSize = DefaultTargetFileSize
	}
	if o.TargetFileSize < 0 || o.MaxBadRecords < 0 {
		return catalog.Invalidf("target file size and max bad records cannot be negative")
	}
	for i, p := range o.PartitionBy {
		o.PartitionBy[i] = strings.ToLower(p)
	}
	for i := range o.Transforms {
		tr := &o.Transforms[i]
		tr.Column = strings.ToLower(tr.Column)
		if tr.Kind == Cast {
			typ, err := catalog.ParseType(tr.Type)
			if err != nil {
				return catalog.OptionErrorf("Transforms."+tr.Kind, tr.Column, "%v", err)
			}
			tr.Type = typ
		}
	}
	if o.Register != "" {
		if _, _, err := catalog.ParseTableName(o.Register); err != nil {
			return err
		}
	}
	if o.StaleAfter <= 0 {
		o.StaleAfter = commit.DefaultStaleAfter
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.RunID == "" {
		o.RunID = commit.NewRunID(o.Now())
	}
	return nil
}

// columnPlan says how one output column is made from the input.
type columnPlan struct {
	field format.Field // the output column
	input int          // index of the input column
	kind  string       // "", Mask or Tokenize
}

// plan the output columns: input columns less the dropped, cast ones
// retyped, masked and tokenised ones made strings.
func planColumns(in []format.Field, transforms []Transform) ([]columnPlan, error) {
	byName := map[string]int{}
	for i, f := range in {
		byName[f.Name] = i
	}
	kinds := map[string]string{}
	casts := map[string]string{}
	for _, tr := range transforms {
		if _, ok := byName[tr.Column]; !ok {
			names := make([]string, len(in))
			for i, f := range in {
				names[i] = f.Name
			}
			return nil, catalog.OptionErrorf("Transforms."+tr.Kind, tr.Column, "no such column (columns: %s)", strings.Join(names, ", "))
		}
		if prev, ok := kinds[tr.Column]; ok && prev != tr.Kind {
			return nil, catalog.Invalidf("column %s is both %s and %s", tr.Column, prev, tr.Kind)
		}
		kinds[tr.Column] = tr.Kind
		if tr.Kind == Cast {
			casts[tr.Column] = tr.Type
		}
	}
	var out []columnPlan
	for i, f := range in {
		switch kinds[f.Name] {
		case Drop:
			continue
		case Mask, Tokenize:
			str, _ := format.ParseHive("string")
			out = append(out, columnPlan{field: format.Field{Name: f.Name, Type: str}, input: i, kind: kinds[f.Name]})
		case Cast:
			typ, err := format.ParseHive(casts[f.Name])
			if err != nil {
				return nil, err
			}
			out = append(out, columnPlan{field: format.Field{Name: f.Name, Type: typ}, input: i})
		default:
			out = append(out, columnPlan{field: f, input: i})
		}
	}
	return out, nil
}

// mask keeps a value's length and punctuation and hides its letters and
// digits: "+1-555-123-4567" becomes "+*-***-***-****".
func mask(s string) string {
	b := []rune(s)
	for i, r := range b {
		if r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 127 && !isPunct(r) {
			b[i] = '*'
		}
	}
	return string(b)
}

func isPunct(r rune) bool { return strings.ContainsRune("–—‘’“”…·", r) }

// tokenize replaces a value with a stable hex digest: HMAC-SHA256 with the
// key, or SHA-256 without one.
func tokenize(s string, key []byte) string {
	if len(key) > 0 {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(s))
		return hex.EncodeToString(m.Sum(nil))
	}
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}
