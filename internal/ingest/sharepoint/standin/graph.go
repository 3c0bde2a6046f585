package standin

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// parseFilter reads the $filter the stand-in understands: comparisons
// (eq, ne, gt, ge, lt, le) of a field with a literal — datetime'…', '…'
// or a number — joined by "and", in parentheses or not.
func parseFilter(f string, columns []string) (func([]any) bool, error) {
	f = strings.TrimSpace(f)
	if f == "" {
		return func([]any) bool { return true }, nil
	}
	var tests []func([]any) bool
	for _, part := range strings.Split(f, " and ") {
		part = strings.TrimSpace(part)
		for strings.HasPrefix(part, "(") && strings.HasSuffix(part, ")") {
			part = strings.TrimSpace(part[1 : len(part)-1])
		}
		words := strings.SplitN(part, " ", 3)
		if len(words) != 3 {
			return nil, fmt.Errorf("The expression \"%s\" is not valid.", part)
		}
		col := slices.IndexFunc(columns, func(c string) bool { return strings.EqualFold(c, words[0]) })
		if col < 0 {
			return nil, fmt.Errorf("The field or property '%s' does not exist.", words[0])
		}
		op, lit := words[1], words[2]
		var want any
		switch {
		case strings.HasPrefix(lit, "datetime'") && strings.HasSuffix(lit, "'"):
			t, err := time.Parse(time.RFC3339, lit[9:len(lit)-1])
			if err != nil {
				return nil, fmt.Errorf("The expression \"%s\" is not valid.", part)
			}
			want = t
		case strings.HasPrefix(lit, "'") && strings.HasSuffix(lit, "'") && len(lit) >= 2:
			want = strings.ReplaceAll(lit[1:len(lit)-1], "''", "'")
		default:
			n, err := strconv.ParseFloat(lit, 64)
			if err != nil {
				return nil, fmt.Errorf("The expression \"%s\" is not valid.", part)
			}
			want = n
		}
		cmp := func(c int) bool {
			switch op {
			case "eq":
				return c == 0
			case "ne":
				return c != 0
			case "gt":
				return c > 0
			case "ge":
				return c >= 0
			case "lt":
				return c < 0
			case "le":
				return c <= 0
			}
			return false
		}
		if !slices.Contains([]string{"eq", "ne", "gt", "ge", "lt", "le"}, op) {
			return nil, fmt.Errorf("The expression \"%s\" is not valid.", part)
		}
		tests = append(tests, func(row []any) bool {
			switch w := want.(type) {
			case time.Time:
				t, ok := row[col].(time.Time)
				return ok && cmp(t.Compare(w))
			case string:
				s, ok := row[col].(string)
				return ok && cmp(strings.Compare(s, w))
			case float64:
				var v float64
				switch n := row[col].(type) {
				case int:
					v = float64(n)
				case int64:
					v = float64(n)
				case float64:
					v = n
				default:
					return false
				}
				switch {
				case v < w:
					return cmp(-1)
				case v > w:
					return cmp(1)
				}
				return cmp(0)
			}
			return false
		})
	}
	return func(row []any) bool {
		for _, t := range tests {
			if !t(row) {
				return false
			}
		}
		return true
	}, nil
}

// The drive of the library "Documents" and its site, as Graph names them.
const (
	driveID = "b!stand-in-documents"
	siteID  = "standin,5a1e0000-0000-4000-8000-000000000001,5a1e0000-0000-4000-8000-000000000002"
)

// graphPageSize is small, so that a handful of files pages.
const graphPageSize = 2

// graph serves Microsoft Graph's sites, drives, children and content.
func (s *Server) graph(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimPrefix(r.URL.Path, "/v1.0")
	host := strings.TrimPrefix(s.URL, "http://")
	switch {
	case p == "/sites/"+host+":"+SitePath+":":
		s.answer(w, mustJSON(ordered{{"id", siteID}, {"name", "Finance"}, {"webUrl", s.Site}}))
	case strings.HasPrefix(p, "/sites/") && strings.Contains(p, ":"):
		graphError(w, http.StatusNotFound, "itemNotFound", "Requested site could not be found")
	case p == "/sites/"+siteID+"/drives":
		s.answer(w, mustJSON(ordered{{"value", []any{
			ordered{{"id", driveID}, {"name", "Documents"}, {"driveType", "documentLibrary"}, {"webUrl", s.Site + "/Shared%20Documents"}},
			ordered{{"id", "b!stand-in-archive"}, {"name", "Archive"}, {"driveType", "documentLibrary"}},
		}}}))
	case strings.HasPrefix(p, "/drives/"+driveID+"/"):
		rest := strings.TrimPrefix(p, "/drives/"+driveID)
		switch {
		case rest == "/root/children":
			s.children(w, r, "")
		case strings.HasPrefix(rest, "/root:/") && strings.HasSuffix(rest, ":/children"):
			s.children(w, r, strings.TrimSuffix(strings.TrimPrefix(rest, "/root:/"), ":/children"))
		case strings.HasPrefix(rest, "/root:/") && strings.HasSuffix(rest, ":"):
			s.itemByPath(w, strings.TrimSuffix(strings.TrimPrefix(rest, "/root:/"), ":"))
		case strings.HasPrefix(rest, "/items/") && strings.HasSuffix(rest, "/children"):
			s.children(w, r, s.folderOf(strings.TrimSuffix(strings.TrimPrefix(rest, "/items/"), "/children")))
		case strings.HasPrefix(rest, "/items/") && strings.HasSuffix(rest, "/content"):
			s.content(w, r, strings.TrimSuffix(strings.TrimPrefix(rest, "/items/"), "/content"))
		default:
			graphError(w, http.StatusBadRequest, "invalidRequest", "Invalid request")
		}
	default:
		graphError(w, http.StatusNotFound, "itemNotFound", "The resource could not be found.")
	}
}

func graphError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": code, "message": msg}})
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// folderID names a folder as an item id; folderOf reads it back.
func folderID(p string) string { return "folder:" + p }

func (s *Server) folderOf(id string) string { return strings.TrimPrefix(id, "folder:") }

// driveItem is a file as Graph describes it.
func (s *Server) driveItem(p string, f *file) ordered {
	sum := sha256.Sum256(f.content)
	name := p[strings.LastIndex(p, "/")+1:]
	return ordered{
		{"@microsoft.graph.downloadUrl", s.URL + "/download/" + f.id},
		{"id", f.id}, {"name", name}, {"size", len(f.content)},
		{"eTag", fmt.Sprintf("\"{%s},%d\"", f.id, f.version)},
		{"lastModifiedDateTime", f.modified.Format(time.RFC3339)},
		{"webUrl", s.Site + "/Shared%20Documents/" + p},
		{"file", ordered{{"mimeType", "application/octet-stream"}, {"hashes", ordered{{"quickXorHash", "AAAAAAAAAAAAAAAAAAAAAAAAAAA="}, {"sha256Hash", strings.ToUpper(hex.EncodeToString(sum[:]))}}}}},
	}
}

// children lists a folder's files and subfolders, sorted by name, in
// pages with @odata.nextLink ($skiptoken is the index of the next entry).
func (s *Server) children(w http.ResponseWriter, r *http.Request, folder string) {
	folder = strings.Trim(folder, "/")
	s.mu.Lock()
	type entry struct {
		name string
		item ordered
	}
	var entries []entry
	seen := map[string]bool{}
	exists := folder == ""
	for p, f := range s.files {
		rel, ok := strings.CutPrefix(p, folder+"/")
		if folder == "" {
			rel, ok = p, true
		}
		if !ok {
			continue
		}
		exists = true
		if sub, _, isDir := strings.Cut(rel, "/"); isDir {
			if !seen[sub] {
				seen[sub] = true
				full := strings.TrimPrefix(folder+"/"+sub, "/")
				entries = append(entries, entry{sub, ordered{{"id", folderID(full)}, {"name", sub}, {"folder", ordered{{"childCount", 1}}}}})
			}
			continue
		}
		entries = append(entries, entry{rel, s.driveItem(p, f)})
	}
	s.mu.Unlock()
	if !exists {
		graphError(w, http.StatusNotFound, "itemNotFound", "The resource could not be found.")
		return
	}
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.name, b.name) })
	from, _ := strconv.Atoi(r.URL.Query().Get("$skiptoken"))
	end := min(from+graphPageSize, len(entries))
	var items []any
	for _, e := range entries[min(from, len(entries)):end] {
		items = append(items, e.item)
	}
	page := ordered{{"@odata.context", s.Graph + "/$metadata#drives('" + driveID + "')/items"}, {"value", items}}
	if end < len(entries) {
		page = append(page, kv{"@odata.nextLink", s.URL + r.URL.EscapedPath() + "?$skiptoken=" + strconv.Itoa(end)})
	}
	s.answer(w, mustJSON(page))
}

func (s *Server) itemByPath(w http.ResponseWriter, p string) {
	p = strings.Trim(p, "/")
	s.mu.Lock()
	f := s.files[p]
	var item ordered
	if f != nil {
		item = s.driveItem(p, f)
	}
	s.mu.Unlock()
	if f == nil {
		graphError(w, http.StatusNotFound, "itemNotFound", "The resource could not be found.")
		return
	}
	s.answer(w, mustJSON(item))
}

// content redirects to the file's download URL, as Graph does; a matching
// If-None-Match is 304.
func (s *Server) content(w http.ResponseWriter, r *http.Request, id string) {
	s.mu.Lock()
	var found *file
	for _, f := range s.files {
		if f.id == id {
			found = f
		}
	}
	s.mu.Unlock()
	if found == nil {
		graphError(w, http.StatusNotFound, "itemNotFound", "The resource could not be found.")
		return
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" && inm == fmt.Sprintf("\"{%s},%d\"", found.id, found.version) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	http.Redirect(w, r, s.URL+"/download/"+id, http.StatusFound)
}

// download serves a file's bytes without a token, as Graph's
// pre-authenticated download URLs do.
func (s *Server) download(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/download/")
	s.mu.Lock()
	var content []byte
	for _, f := range s.files {
		if f.id == id {
			content = f.content
		}
	}
	s.mu.Unlock()
	if content == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(content)))
	w.Write(content)
}
