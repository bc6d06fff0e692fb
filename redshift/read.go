package redshift

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/lake"
)

// ReadFunc reads a lake's file by its path relative to the lake's root
// ("_published.json", "runs/<run_id>/manifest.json"); a missing file is an
// error wrapping animetl.ErrNotFound. Any store that can read a path's
// bytes fits: a local folder (ReadDir), an S3 prefix.
type ReadFunc func(ctx context.Context, path string) ([]byte, error)

// ReadDir returns the ReadFunc of a lake in the local folder root.
func ReadDir(root string) ReadFunc {
	return func(_ context.Context, path string) ([]byte, error) {
		if !fs.ValidPath(path) {
			return nil, fmt.Errorf("redshift: lake path %q is not a relative path", path)
		}
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(path)))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("redshift: %s is not in the lake %s: %w", path, root, animetl.ErrNotFound)
		}
		if err != nil {
			return nil, fmt.Errorf("redshift: read the lake: %w", err)
		}
		return b, nil
	}
}

// Published follows the lake's pointer (_published.json) to the published
// run's manifest, as every lake reader does, and returns the manifest. It
// wraps animetl.ErrNotFound when the lake has no pointer.
func Published(ctx context.Context, read ReadFunc) (lake.Manifest, error) {
	b, err := read(ctx, lake.PointerName)
	if err != nil {
		return lake.Manifest{}, err
	}
	var p lake.Pointer
	if err := json.Unmarshal(b, &p); err != nil {
		return lake.Manifest{}, fmt.Errorf("redshift: %s: %w", lake.PointerName, err)
	}
	if !runIDRE.MatchString(p.RunID) || p.Manifest != lake.ManifestPath(p.RunID) {
		return lake.Manifest{}, fmt.Errorf("redshift: %s names run %q and manifest %q: want a run id and runs/<run_id>/manifest.json", lake.PointerName, p.RunID, p.Manifest)
	}
	b, err = read(ctx, p.Manifest)
	if err != nil {
		return lake.Manifest{}, err
	}
	var m lake.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return lake.Manifest{}, fmt.Errorf("redshift: %s: %w", p.Manifest, err)
	}
	if m.RunID != p.RunID {
		return lake.Manifest{}, fmt.Errorf("redshift: %s is of run %q, the pointer names %q", p.Manifest, m.RunID, p.RunID)
	}
	return m, nil
}
