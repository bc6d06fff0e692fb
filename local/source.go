// Package local is the Source of a folder on the local file system.
package local

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/animetl/animetl"
)

var _ animetl.Source = (*Source)(nil)

// Source reads the source files from a folder. Names are slash-separated
// paths relative to the folder; nothing outside it can be opened. Symbolic
// links are followed while they lead to files and folders inside the folder
// (the folder itself may be a link); List refuses a link that leads out of it.
// A Source holds only its folder: it is safe for concurrent use and keeps
// nothing from one listing to the next.
type Source struct {
	dir  string // the folder as given, absolute: String and locations
	real string // the folder with every link resolved: what is read
}

// resolved is the FileInfo.Pin of a listed file: its path under the
// resolved folder, links resolved, as List saw it.
type resolved string

// New returns a Source over dir. It fails when dir is not a readable folder.
func New(dir string) (*Source, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("local: %s: %w", dir, err)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, fmt.Errorf("local: %w", err)
	}
	st, err := os.Stat(real)
	if err != nil {
		return nil, fmt.Errorf("local: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("local: %s is not a folder: %w", dir, animetl.ErrConfig)
	}
	return &Source{dir: abs, real: real}, nil
}

// String returns the folder's absolute path.
func (s *Source) String() string { return s.dir }

// List walks the folder and returns every regular file, sorted by name,
// following links that stay inside the folder. Hidden files and folders
// (starting with a dot) are skipped. A link that leads out of the folder,
// to nothing, or into a loop fails the listing with an error that names it
// and wraps animetl.ErrSourceLayout.
func (s *Source) List(ctx context.Context) ([]animetl.FileInfo, error) {
	w := &walker{ctx: ctx, src: s, onPath: map[string]bool{s.real: true}}
	if err := w.walk(s.real, ""); err != nil {
		return nil, fmt.Errorf("local: list %s: %w", s.dir, err)
	}
	sort.Slice(w.out, func(i, j int) bool { return w.out[i].Name < w.out[j].Name })
	return w.out, nil
}

// Open opens the file f describes: the path its listing resolved the name
// to (so a link changed since the listing is not followed anew), or, for a
// FileInfo no listing of this folder made, the name itself. Either way
// nothing outside the folder opens.
func (s *Source) Open(ctx context.Context, f animetl.FileInfo) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p := filepath.FromSlash(f.Name)
	if r, ok := f.Pin.(resolved); ok {
		p = string(r)
	}
	file, err := os.OpenInRoot(s.real, p)
	if err != nil {
		return nil, fmt.Errorf("local: open %s: %w", f.Name, err)
	}
	return &ctxReader{ctx: ctx, f: file}, nil
}

// ctxReader stops a long read when the run is cancelled.
type ctxReader struct {
	ctx context.Context
	f   *os.File
}

func (r *ctxReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.f.Read(p)
}

func (r *ctxReader) Close() error { return r.f.Close() }

var _ animetl.LocalFiles = (*Source)(nil)

// LocalPath returns the path a listing of this folder resolved f to, so a
// warehouse in this process can read the file itself; false for a
// FileInfo no listing of this folder made.
func (s *Source) LocalPath(f animetl.FileInfo) (string, bool) {
	r, ok := f.Pin.(resolved)
	if !ok {
		return "", false
	}
	return filepath.Join(s.real, string(r)), true
}
