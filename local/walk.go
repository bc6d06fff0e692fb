package local

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/animetl/animetl"
)

// walker lists a folder, following the links that stay inside the source.
type walker struct {
	ctx    context.Context
	src    *Source
	onPath map[string]bool // resolved folders being walked: a link back to one is a loop
	out    []animetl.FileInfo
}

// walk lists the resolved folder dir, whose name in the source is rel.
func (w *walker) walk(dir, rel string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		name := path.Join(rel, e.Name())
		p := filepath.Join(dir, e.Name())
		if e.Type()&os.ModeSymlink != 0 {
			if p, err = w.follow(name, p); err != nil {
				return err
			}
		}
		st, err := os.Stat(p)
		if err != nil {
			return err
		}
		switch {
		case st.IsDir() && looksLikeData(e.Name()):
			return fmt.Errorf("%s is a folder, not a file: a source file must be a regular file: %w", name, animetl.ErrSourceLayout)
		case st.IsDir():
			if w.onPath[p] {
				return fmt.Errorf("%s is a link to a folder that holds it, a loop: %w", name, animetl.ErrSourceLayout)
			}
			w.onPath[p] = true
			if err := w.walk(p, name); err != nil {
				return err
			}
			delete(w.onPath, p)
		case st.Mode().IsRegular():
			inner, err := filepath.Rel(w.src.real, p)
			if err != nil {
				return err
			}
			w.out = append(w.out, animetl.FileInfo{
				Name:     name,
				Location: filepath.Join(w.src.dir, filepath.FromSlash(name)),
				Size:     st.Size(),
				ModTime:  st.ModTime().UTC(),
				Pin:      resolved(inner),
			})
		}
	}
	return nil
}

// follow resolves the link p, named name in the source, and returns where
// it leads, or an error when that is nowhere or outside the source folder.
func (w *walker) follow(name, p string) (string, error) {
	target, err := filepath.EvalSymlinks(p)
	if err != nil {
		to, _ := os.Readlink(p)
		return "", fmt.Errorf("%s is a link to %s, which cannot be followed: %w", name, to, animetl.ErrSourceLayout)
	}
	if rel, err := filepath.Rel(w.src.real, target); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%s is a link to %s, outside the source folder: copy it in or link to a folder inside: %w",
			name, target, animetl.ErrSourceLayout)
	}
	return target, nil
}

// looksLikeData says a name is that of a source file (a folder of that name
// would otherwise be walked and the file reported missing).
func looksLikeData(name string) bool {
	for _, ext := range []string{".csv", ".csv.gz", ".csv.zst"} {
		if strings.HasSuffix(strings.ToLower(name), ext) {
			return true
		}
	}
	return false
}
