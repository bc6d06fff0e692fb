// Package local is the Source of a folder on the local file system.
package local

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/animetl/animetl"
)

var _ animetl.Source = (*Source)(nil)

// Source reads the source files from a folder. Names are slash-separated
// paths relative to the folder; nothing outside it can be opened.
type Source struct {
	dir string
}

// New returns a Source over dir. It fails when dir is not a readable folder.
func New(dir string) (*Source, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("local: %s: %w", dir, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("local: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("local: %s is not a folder: %w", dir, animetl.ErrConfig)
	}
	return &Source{dir: abs}, nil
}

// String returns the folder's absolute path.
func (s *Source) String() string { return s.dir }

// List walks the folder and returns every regular file, sorted by name.
// Hidden files and folders (starting with a dot) are skipped.
func (s *Source) List(ctx context.Context) ([]animetl.FileInfo, error) {
	var out []animetl.FileInfo
	err := filepath.WalkDir(s.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if p != s.dir && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(s.dir, p)
		if err != nil {
			return err
		}
		out = append(out, animetl.FileInfo{
			Name:     filepath.ToSlash(rel),
			Location: p,
			Size:     info.Size(),
			ModTime:  info.ModTime().UTC(),
		})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("local: list %s: %w", s.dir, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Open opens one file by the name List gave it.
func (s *Source) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.OpenInRoot(s.dir, filepath.FromSlash(name))
	if err != nil {
		return nil, fmt.Errorf("local: open %s: %w", name, err)
	}
	return &ctxReader{ctx: ctx, f: f}, nil
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
