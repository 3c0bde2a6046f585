package format

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
)

// errTruncated: the sample ended inside the first record; more data may
// hold a complete one.
var errTruncated = errors.New("no complete JSON record in the sample")

// sniffJSON infers the schema of JSON records: one document (an object, or
// an array of objects) or JSON lines. Nested objects become structs (fields
// in the order first seen), lists arrays; integers are bigint, other numbers
// double; strings that are ISO dates or timestamps become date or timestamp.
func sniffJSON(data []byte, atEOF bool, max int) ([]Field, sampled, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	row := &Type{Kind: Struct}
	records := 0
	document := false
	add := func(t *Type) error {
		if t.Kind != Struct {
			return fmt.Errorf("JSON values are not objects (found %s)", t)
		}
		row = Widen(row, t)
		records++
		return nil
	}
	start := 0 // where the first record starts (after an array's '[')
	done := func(array bool) ([]Field, sampled, error) {
		n := countJSON(dec, data, start, records, array, atEOF)
		n.document = document
		return memberColumns(row.Fields), n, nil
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, sampled{}, jsonErr(err, atEOF, 0)
	}
	if d, ok := tok.(json.Delim); ok && d == '[' {
		document = true
		start = int(dec.InputOffset())
		for dec.More() && records < max {
			offset := dec.InputOffset()
			t, err := jsonType(dec, nil, true)
			if err != nil {
				return finishJSON(row, records, start, int(offset), data, document, err, atEOF)
			}
			if err := add(t); err != nil {
				return nil, sampled{}, err
			}
		}
		return done(true)
	}
	first := tok
	next := 0 // where the text of the next record (and the space before it) starts
	for records < max {
		offset := dec.InputOffset()
		t, err := jsonType(dec, first, true)
		first = nil
		if err != nil {
			if err == io.EOF && records > 0 {
				break
			}
			return finishJSON(row, records, start, int(offset), data, document, err, atEOF)
		}
		if err := add(t); err != nil {
			return nil, sampled{}, err
		}
		end := int(dec.InputOffset())
		document = document || !onItsLine(data[next:end], records == 1)
		next = end
	}
	return done(false)
}

// countJSON counts the records of the whole sample: the records already
// read for the schema, then every whole value after them (the values of an
// array, or of a stream of values).
func countJSON(dec *json.Decoder, data []byte, start, records int, array, atEOF bool) sampled {
	n := sampled{records: records, start: start, end: int(dec.InputOffset())}
	var err error
	for {
		if array && !dec.More() {
			// The closing ']', and nothing after it.
			if tok, terr := dec.Token(); terr == nil && tok == json.Delim(']') {
				_, err = dec.Token()
			}
			break
		}
		var v json.RawMessage
		if err = dec.Decode(&v); err != nil {
			break
		}
		n.records++
		n.end = int(dec.InputOffset())
	}
	n.lines = bytes.Count(data[n.start:n.end], []byte("\n"))
	n.complete = atEOF && err == io.EOF
	n.partial = !n.complete || n.records > records
	return n
}

// onItsLine: the text of a record (after the space before it) is one line,
// and, unless it is the first, a new line starts it: JSON lines, which
// Athena's JSON SerDes read one record a line.
func onItsLine(text []byte, first bool) bool {
	value := bytes.TrimLeft(text, " \t\r\n")
	space := text[:len(text)-len(value)]
	return !bytes.ContainsRune(value, '\n') && (first || bytes.ContainsRune(space, '\n'))
}

// MemberNames names the members of one nested object as fields, the way
// columns are named: sanitised, and a member whose name is taken (Id and
// id) suffixed _2, _3 — in the order of the members' own names, so that
// the crawler and every reader name them alike whatever their order in
// the text.
func MemberNames(keys []string) map[string]string {
	sorted := slices.Clone(keys)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	names := make(map[string]string, len(sorted))
	for i, n := range headerNames(sorted, len(sorted)) {
		names[sorted[i]] = n
	}
	return names
}

// memberColumns names the top-level members as columns, the way CSV
// headers are named: sanitised, and a member whose name is taken (Id and
// id) suffixed _2, _3 in the order first seen. Source keeps the member's
// own spelling, by which readers find it.
func memberColumns(fields []Field) []Field {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.Source
	}
	for i, n := range headerNames(names, len(names)) {
		fields[i].Name = n
	}
	return fields
}

func finishJSON(row *Type, records, start, offset int, data []byte, document bool, err error, atEOF bool) ([]Field, sampled, error) {
	if records > 0 && !atEOF && isTruncation(err) {
		// The sample cut a record short.
		n := sampled{records: records, start: start, end: offset, partial: true, document: document}
		n.lines = bytes.Count(data[start:offset], []byte("\n"))
		return memberColumns(row.Fields), n, nil
	}
	return nil, sampled{}, jsonErr(err, atEOF, records)
}

func isTruncation(err error) bool {
	return err == io.ErrUnexpectedEOF || err == io.EOF
}

func jsonErr(err error, atEOF bool, records int) error {
	if isTruncation(err) && !atEOF && records == 0 {
		return errTruncated
	}
	return fmt.Errorf("not JSON: %v", err)
}

// jsonType reads one value (whose first token may already be read) and
// returns its type. The members of an object are named as its text spells
// them when exact is set (a record's), else as columns are named, members
// equal once named so merging.
func jsonType(dec *json.Decoder, tok json.Token, exact bool) (*Type, error) {
	if tok == nil {
		var err error
		if tok, err = dec.Token(); err != nil {
			return nil, err
		}
	}
	switch v := tok.(type) {
	case json.Delim:
		switch v {
		case '{':
			t := &Type{Kind: Struct}
			var keys []string
			var types []*Type
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				ft, err := jsonType(dec, nil, false)
				if err != nil {
					return nil, err
				}
				keys, types = append(keys, k.(string)), append(types, ft)
			}
			var names map[string]string
			if !exact {
				names = MemberNames(keys)
			}
			for i, k := range keys {
				if exact {
					t.Fields = append(t.Fields, Field{Name: k, Source: k, Type: types[i]})
					continue
				}
				name := names[k]
				if j := slices.IndexFunc(t.Fields, func(f Field) bool { return f.Name == name }); j >= 0 {
					t.Fields[j].Type = Widen(t.Fields[j].Type, types[i]) // a key given twice
					continue
				}
				t.Fields = append(t.Fields, Field{Name: name, Type: types[i]})
			}
			_, err := dec.Token() // }
			return t, err
		case '[':
			elem := tNull
			for dec.More() {
				et, err := jsonType(dec, nil, false)
				if err != nil {
					return nil, err
				}
				elem = Widen(elem, et)
			}
			_, err := dec.Token() // ]
			return &Type{Kind: Array, Elem: elem}, err
		}
		return nil, fmt.Errorf("unexpected %v", v)
	case string:
		if isDate(v) {
			return tDate, nil
		}
		if isTimestamp(v) {
			return tTimestamp, nil
		}
		return tString, nil
	case json.Number:
		if _, err := v.Int64(); err == nil {
			return tBigint, nil
		}
		return tDouble, nil
	case bool:
		return tBoolean, nil
	case nil:
		return tNull, nil
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}

// JSONColumns infers the columns of JSON records that come in parts (the
// pages of a web service's answer) by the crawler's rules, every record
// considered: Add each part, then Columns. Members are merged by their own
// spelling before they are named, so a part that lacks one changes no
// other's name.
type JSONColumns struct {
	row *Type
}

// Add widens the columns with the records of data: JSON lines, one
// object, or an array of objects. Data without a record adds nothing.
func (c *JSONColumns) Add(data []byte) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	fields, _, err := sniffJSON(data, true, math.MaxInt)
	if err != nil {
		return err
	}
	for i := range fields {
		fields[i].Name = fields[i].Source
	}
	if c.row == nil {
		c.row = &Type{Kind: Struct}
	}
	c.row = Widen(c.row, &Type{Kind: Struct, Fields: fields})
	return nil
}

// Columns are the columns so far, named as the crawler names JSON
// members (Source keeps each member's own spelling).
func (c *JSONColumns) Columns() []Field {
	if c.row == nil {
		return nil
	}
	return memberColumns(slices.Clone(c.row.Fields))
}
