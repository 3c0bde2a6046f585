package cmdutil

import (
	"bytes"
	"encoding"
	"encoding/json"
	"io"
	"reflect"
	"strings"
	"time"
)

// WriteJSON writes v as lakectl prints JSON results: indented, with the
// field names and order of v's types (as encoding/json writes them), and
// with two rules of the aws CLI v2, so that a Glue user's scripts read it:
// a time is ISO 8601 with its UTC offset, to the microsecond when it is not
// a whole second (2024-01-02T03:04:05.123000+00:00, see FormatJSONTime),
// and an empty list or map is [] or {}, never null.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "    ")
	enc.SetEscapeHTML(false) // types such as array<string> print as they are
	return enc.Encode(jsonView(reflect.ValueOf(v)))
}

// FormatJSONTime writes a time as `aws --cli-timestamp-format iso8601`
// (aws CLI v2's default) does, always in UTC: Python's isoformat() of the
// time, which has microseconds only when they are not zero.
func FormatJSONTime(t time.Time) string {
	t = t.UTC().Truncate(time.Microsecond)
	layout := "2006-01-02T15:04:05-07:00"
	if t.Nanosecond() != 0 {
		layout = "2006-01-02T15:04:05.000000-07:00"
	}
	return t.Format(layout)
}

type jsonTime time.Time

func (t jsonTime) MarshalJSON() ([]byte, error) {
	return []byte(`"` + FormatJSONTime(time.Time(t)) + `"`), nil
}

// jsonObject is a struct's members in their order.
type jsonObject []jsonMember

type jsonMember struct {
	name  string
	value any
}

func (o jsonObject) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b) // its newlines go when the result is compacted
	enc.SetEscapeHTML(false)
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		if err := enc.Encode(m.name); err != nil {
			return nil, err
		}
		b.WriteByte(':')
		if err := enc.Encode(m.value); err != nil {
			return nil, err
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

var (
	timeType          = reflect.TypeFor[time.Time]()
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

// jsonView returns what encoding/json writes for v as WriteJSON's rules
// want it: times and empty collections rewritten, the rest as it is.
func jsonView(v reflect.Value) any {
	if !v.IsValid() {
		return nil
	}
	t := v.Type()
	switch {
	case t == timeType:
		return jsonTime(v.Interface().(time.Time))
	case t.Kind() == reflect.Pointer && t.Elem() == timeType:
		if v.IsNil() {
			return nil
		}
		return jsonTime(v.Elem().Interface().(time.Time))
	case t.Implements(marshalerType) || t.Implements(textMarshalerType):
		if t.Kind() == reflect.Pointer && v.IsNil() {
			return nil
		}
		return v.Interface()
	case v.CanAddr() && (reflect.PointerTo(t).Implements(marshalerType) || reflect.PointerTo(t).Implements(textMarshalerType)):
		return v.Addr().Interface()
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return jsonView(v.Elem())
	case reflect.Struct:
		return structView(v)
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return v.Interface() // base64, as encoding/json writes bytes
		}
		if v.IsNil() {
			return []any{}
		}
		fallthrough
	case reflect.Array:
		out := make([]any, v.Len())
		for i := range out {
			out[i] = jsonView(v.Index(i))
		}
		return out
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return v.Interface()
		}
		out := make(map[string]any, v.Len())
		for it := v.MapRange(); it.Next(); {
			out[it.Key().String()] = jsonView(it.Value())
		}
		return out
	}
	return v.Interface()
}

func structView(v reflect.Value) jsonObject {
	var obj jsonObject
	t := v.Type()
	for i := range t.NumField() {
		f, fv := t.Field(i), v.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			// An embedded struct's members are the outer one's.
			if fv.Kind() == reflect.Pointer {
				if fv.IsNil() {
					continue
				}
				fv = fv.Elem()
			}
			if fv.Kind() == reflect.Struct {
				obj = append(obj, structView(fv)...)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if hasOption(opts, "omitempty") && isEmpty(fv) || hasOption(opts, "omitzero") && isZero(fv) {
			continue
		}
		value := jsonView(fv)
		if hasOption(opts, "string") {
			switch fv.Kind() {
			case reflect.String, reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
				reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
				b, err := json.Marshal(fv.Interface())
				if err == nil {
					value = string(b)
				}
			}
		}
		obj = append(obj, jsonMember{name, value})
	}
	return obj
}

func hasOption(opts, name string) bool {
	for o := range strings.SplitSeq(opts, ",") {
		if o == name {
			return true
		}
	}
	return false
}

// isEmpty is encoding/json's omitempty test.
func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

// isZero is encoding/json's omitzero test: IsZero() when the type has it.
func isZero(v reflect.Value) bool {
	if z, ok := v.Interface().(interface{ IsZero() bool }); ok {
		if v.Kind() == reflect.Pointer && v.IsNil() {
			return true
		}
		return z.IsZero()
	}
	return v.IsZero()
}
