package dataset

import (
	"fmt"
	"strings"

	"github.com/animetl/animetl"
)

// fileSpec names the columns a file must have. Columns are matched by name,
// case-insensitively and ignoring surrounding spaces, never by position; a
// first column with an empty header (the pandas index of the team's
// re-saved copy) is expected and ignored; unknown extra columns, and columns
// with an empty header elsewhere, are ignored and listed in header.extra so
// that the run can report them.
type fileSpec struct {
	kind     animetl.Kind
	required []string
	optional []string
	aliases  map[string]string // other spelling -> canonical name
	// singleLine says records are single lines (Reader.SingleLine).
	singleLine bool
}

// header is a file's mapped header.
type header struct {
	file    string
	n       int            // fields per record
	pos     map[string]int // canonical lower-case name -> field index
	indexed bool           // the first column has an empty header
	extra   []string       // unknown columns, ignored: their names, or "#N (no name)"
}

func normName(b []byte) string {
	return strings.ToLower(strings.TrimSpace(string(b)))
}

// mapHeader maps the header record of file against spec. Errors wrap
// animetl.ErrHeader and name the missing or repeated columns.
func mapHeader(file string, rec *Record, spec fileSpec) (*header, error) {
	if rec.Problem != "" {
		return nil, fmt.Errorf("%s: header line: %s: %w", file, rec.Problem, animetl.ErrHeader)
	}
	h := &header{file: file, n: len(rec.Fields), pos: make(map[string]int, len(rec.Fields))}
	known := make(map[string]bool, len(spec.required)+len(spec.optional))
	for _, c := range spec.required {
		known[strings.ToLower(c)] = true
	}
	for _, c := range spec.optional {
		known[strings.ToLower(c)] = true
	}
	for i, f := range rec.Fields {
		name := normName(f)
		if name == "" {
			if i == 0 {
				h.indexed = true // expected: not listed
			} else {
				h.extra = append(h.extra, fmt.Sprintf("#%d (no name)", i+1))
			}
			continue
		}
		if canon, ok := spec.aliases[name]; ok {
			name = strings.ToLower(canon)
		}
		if !known[name] {
			h.extra = append(h.extra, strings.TrimSpace(string(f)))
			continue
		}
		if _, dup := h.pos[name]; dup {
			return nil, fmt.Errorf("%s: header repeats column %s: %w", file, animetl.Excerpt(name), animetl.ErrHeader)
		}
		h.pos[name] = i
	}
	var missing []string
	for _, c := range spec.required {
		if _, ok := h.pos[strings.ToLower(c)]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s: header lacks column(s) %s (found %s): %w",
			file, strings.Join(missing, ", "), animetl.Excerpt(rec.Raw), animetl.ErrHeader)
	}
	return h, nil
}

// col returns the field index of a column, or -1 when an optional column is absent.
func (h *header) col(name string) int {
	if i, ok := h.pos[strings.ToLower(name)]; ok {
		return i
	}
	return -1
}
