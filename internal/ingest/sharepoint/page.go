package sharepoint

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Page is one answer of a collection: its items, each a JSON object as
// sent, and the link to the next page ("" on the last).
type Page struct {
	Items []json.RawMessage
	Next  string
}

// ParsePage reads a collection in any of the shapes SharePoint and Graph
// send:
//
//	{"value": [...], "@odata.nextLink": "..."}      OData v4 (Graph, SharePoint's v2.0 API)
//	{"value": [...], "odata.nextLink": "..."}       OData v3 JSON light (odata=nometadata, minimalmetadata)
//	{"d": {"results": [...], "__next": "..."}}      OData v2/v3 verbose (odata=verbose)
//
// Anything else — not JSON, items that are not objects, a link that is not
// a string — is malformed; the error says what was expected at which byte.
func ParsePage(body []byte) (*Page, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return nil, syntaxError(body, err)
	}
	if top == nil {
		return nil, fmt.Errorf("%w: a JSON object was expected, found null", ErrMalformed)
	}
	p := &Page{}
	var items json.RawMessage
	if d, ok := top["d"]; ok {
		var verbose map[string]json.RawMessage
		if err := json.Unmarshal(d, &verbose); err != nil || verbose == nil {
			return nil, fmt.Errorf("%w: \"d\" is not an object with \"results\"", ErrMalformed)
		}
		results, ok := verbose["results"]
		if !ok {
			return nil, fmt.Errorf("%w: \"d\" has no \"results\" (not a collection)", ErrMalformed)
		}
		items = results
		if err := link(verbose, "__next", &p.Next); err != nil {
			return nil, err
		}
	} else {
		value, ok := top["value"]
		if !ok {
			return nil, fmt.Errorf("%w: neither \"value\" nor \"d\".\"results\" holds the items (members: %s)", ErrMalformed, members(top))
		}
		items = value
		if err := link(top, "@odata.nextLink", &p.Next); err != nil {
			return nil, err
		}
		if p.Next == "" {
			if err := link(top, "odata.nextLink", &p.Next); err != nil {
				return nil, err
			}
		}
	}
	if err := json.Unmarshal(items, &p.Items); err != nil {
		return nil, fmt.Errorf("%w: the items are not a JSON array", ErrMalformed)
	}
	for i, it := range p.Items {
		if t := bytes.TrimLeft(it, " \t\r\n"); len(t) == 0 || t[0] != '{' {
			return nil, fmt.Errorf("%w: item %d is not a JSON object", ErrMalformed, i)
		}
	}
	return p, nil
}

// link reads an optional string member.
func link(obj map[string]json.RawMessage, name string, dst *string) error {
	raw, ok := obj[name]
	if !ok || string(raw) == "null" {
		return nil
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return fmt.Errorf("%w: %q is not a string", ErrMalformed, name)
	}
	return nil
}

func members(obj map[string]json.RawMessage) string {
	var names []string
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		names = append(names, fmt.Sprintf("%q", k))
	}
	if len(names) == 0 {
		return "none"
	}
	if len(names) > 5 {
		names = append(names[:5], "…")
	}
	return strings.Join(names, ", ")
}

// syntaxError says where JSON went wrong.
func syntaxError(body []byte, err error) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return fmt.Errorf("%w: an empty body where JSON was expected", ErrMalformed)
	}
	if se, ok := err.(*json.SyntaxError); ok {
		return fmt.Errorf("%w: not JSON at byte %d of %d: %v", ErrMalformed, se.Offset, len(body), se)
	}
	return fmt.Errorf("%w: %v", ErrMalformed, err)
}
