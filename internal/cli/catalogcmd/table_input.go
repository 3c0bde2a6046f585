package catalogcmd

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/cli/cmdutil"
)

// readTableInput reads --table-input: the TableInput JSON that `aws glue
// create-table --table-input` takes, given inline ({...}), as file://PATH
// or PATH, or - for stdin. It also reads a Table as `aws glue get-table`
// (or `lakectl catalog show -o json`) prints it, {"Table": ...} or what is
// inside, so that one can be edited and fed back. Times may be written as the aws CLI takes them: seconds
// since 1970 (1700000000, 1700000000.5, "1700000000") or ISO 8601
// ("2023-11-14T22:13:20Z", "2023-11-14 22:13:20.5+01:00", "2023-11-14";
// UTC when no offset is given). Members lakectl does not know are refused,
// not dropped.
func readTableInput(stdin io.Reader, src string) (*catalog.Table, error) {
	t, _, err := readTableInputVersion(stdin, src)
	return t, err
}

// readTableInputVersion is readTableInput that also says whether the input
// names a VersionId: Glue numbers a table's first version 0, so a VersionId
// of 0 is a version given, not none.
func readTableInputVersion(stdin io.Reader, src string) (*catalog.Table, bool, error) {
	var data []byte
	var err error
	switch {
	case src == "-":
		data, err = io.ReadAll(stdin)
	case strings.HasPrefix(strings.TrimSpace(src), "{"):
		data, src = []byte(src), "(inline JSON)"
	default:
		data, err = os.ReadFile(strings.TrimPrefix(src, "file://"))
	}
	if err != nil {
		return nil, false, cmdutil.Usagef("--table-input: %v", err)
	}
	var t catalog.Table
	if err := decodeGlueJSON(data, "Table", &t); err != nil {
		return nil, false, cmdutil.Usagef("--table-input %s: %v", src, err)
	}
	var named struct {
		VersionId *json.RawMessage
		Table     *struct{ VersionId *json.RawMessage }
	}
	json.Unmarshal(data, &named)
	given := named.VersionId != nil || named.Table != nil && named.Table.VersionId != nil
	return &t, given, nil
}

// decodeGlueJSON decodes the JSON of a Glue shape into v, refusing members
// v's type does not have and reading times in every form the aws CLI
// reads. An object whose one member is named wrapper (as in the output of
// a get call, {"Table": ...}) is read as that member.
func decodeGlueJSON(data []byte, wrapper string, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return jsonError(data, err)
	}
	if dec.More() {
		return errors.New("more than one JSON value")
	}
	if obj, ok := raw.(map[string]any); ok && len(obj) == 1 && obj[wrapper] != nil {
		raw = obj[wrapper]
	}
	raw, err := normalizeTimes(raw, reflect.TypeOf(v).Elem(), "")
	if err != nil {
		return err
	}
	norm, err := json.Marshal(raw)
	if err != nil {
		return err
	}
	dec = json.NewDecoder(bytes.NewReader(norm))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// jsonError adds the line number to a JSON syntax error.
func jsonError(data []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line := 1 + bytes.Count(data[:se.Offset], []byte("\n"))
		return fmt.Errorf("line %d: %w", line, err)
	}
	return err
}

var timeType = reflect.TypeFor[time.Time]()

// normalizeTimes rewrites, in decoded JSON, the values of members of type
// time.Time (found by walking t as encoding/json would) as RFC 3339
// strings. Anything it does not expect it leaves for the decoder to refuse.
func normalizeTimes(v any, t reflect.Type, path string) (any, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == timeType {
		if v == nil {
			return nil, nil
		}
		at, err := parseInputTime(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return at.Format(time.RFC3339Nano), nil
	}
	var err error
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return v, nil
		}
		for key, val := range obj {
			f, ok := fieldByJSONName(t, key)
			if !ok {
				continue
			}
			if obj[key], err = normalizeTimes(val, f.Type, joinPath(path, key)); err != nil {
				return nil, err
			}
		}
	case reflect.Slice, reflect.Array:
		list, ok := v.([]any)
		if !ok {
			return v, nil
		}
		for i, val := range list {
			if list[i], err = normalizeTimes(val, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return nil, err
			}
		}
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			return v, nil
		}
		for key, val := range obj {
			if obj[key], err = normalizeTimes(val, t.Elem(), joinPath(path, key)); err != nil {
				return nil, err
			}
		}
	}
	return v, nil
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// fieldByJSONName finds the field a JSON member decodes into: encoding/json
// matches names regardless of case.
func fieldByJSONName(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		tagName, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tagName == "" {
			tagName = f.Name
		}
		if f.IsExported() && tagName != "-" && strings.EqualFold(tagName, name) {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

var epochRE = regexp.MustCompile(`^(-?[0-9]+)(?:\.([0-9]*))?$`)

// inputTimeLayouts are the ISO 8601 and RFC 822 forms a time may take in
// input; without an offset a time is UTC, as the aws CLI takes it.
var inputTimeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	time.DateOnly,
	time.RFC1123,
	time.RFC1123Z,
}

// parseInputTime reads a time as the aws CLI reads one in its input: a
// JSON number or a string.
func parseInputTime(v any) (time.Time, error) {
	var s string
	switch v := v.(type) {
	case json.Number:
		s = v.String()
	case string:
		s = strings.TrimSpace(v)
	default:
		b, _ := json.Marshal(v)
		return time.Time{}, fmt.Errorf("%s is not a time: want seconds since 1970 (1700000000.5) or ISO 8601 (\"2023-11-14T22:13:20Z\")", b)
	}
	if m := epochRE.FindStringSubmatch(s); m != nil {
		sec, err := strconv.ParseInt(m[1], 10, 64)
		frac := (m[2] + "000000000")[:9]
		nsec, _ := strconv.ParseInt(frac, 10, 64)
		if err == nil && sec > -1e11 && sec < 1e11 {
			if strings.HasPrefix(m[1], "-") {
				nsec = -nsec
			}
			return time.Unix(sec, nsec).UTC(), nil
		}
	} else if f, err := strconv.ParseFloat(s, 64); err == nil && f > -1e11 && f < 1e11 {
		// 1.7e9: a JSON number with an exponent.
		return time.Unix(0, int64(f*1e9)).UTC().Truncate(time.Microsecond), nil
	}
	for _, layout := range inputTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time: want seconds since 1970 (1700000000.5) or ISO 8601 (\"2023-11-14T22:13:20Z\")", s)
}
