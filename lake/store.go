package lake

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"github.com/animetl/animetl"
)

// Store is where a lake lives. Files are encoded into a local staging
// folder; the store then makes it the run's folder and moves the pointer.
// Dir is a local folder; package s3's Lake is a bucket prefix (one PUT per
// file, the manifest last, then one PUT for the pointer).
type Store interface {
	// Stage returns a new, empty local folder for the run's files.
	Stage(ctx context.Context, runID string) (string, error)
	// CommitRun makes the staged folder the run's folder runs/<run_id>/,
	// all at once where the store can.
	CommitRun(ctx context.Context, runID, staged string) error
	// Discard removes a staged folder that was not committed.
	Discard(staged string)
	// Manifest returns the run's manifest, or an error wrapping
	// animetl.ErrNotFound when the run is not in the lake.
	Manifest(ctx context.Context, runID string) ([]byte, error)
	// Publish replaces _published.json with pointer atomically: a reader
	// sees the old pointer or the new one, never a part.
	Publish(ctx context.Context, pointer []byte) error
	// Pointer returns _published.json, or an error wrapping
	// animetl.ErrNotFound when there is none.
	Pointer(ctx context.Context) ([]byte, error)
	// Runs lists the ids of the run folders under runs/, in no order
	// (staging folders are not runs).
	Runs(ctx context.Context) ([]string, error)
	// RemoveRun removes the run's folder. A removal cut short leaves the
	// manifest for last (or nothing, where the store can rename), so that
	// the next prune finds the run again.
	RemoveRun(ctx context.Context, runID string) error
}

// Dir is a lake in a local folder.
type Dir struct {
	root string
}

var _ Store = (*Dir)(nil)

// NewDir opens (creating it if need be) the lake in the folder root.
func NewDir(root string) (*Dir, error) {
	if root == "" {
		return nil, fmt.Errorf("lake: empty folder: %w", animetl.ErrConfig)
	}
	if err := os.MkdirAll(filepath.Join(root, "runs"), 0o755); err != nil {
		return nil, fmt.Errorf("lake: %w", err)
	}
	return &Dir{root: root}, nil
}

// runIDPattern keeps a run id one harmless path segment.
var runIDPattern = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]*$`)

func checkRunID(runID string) error {
	if !runIDPattern.MatchString(runID) {
		return fmt.Errorf("lake: run id %q is not a safe folder name", runID)
	}
	return nil
}

// Stage makes a hidden folder under runs/, on the same file system as the
// run's folder so that CommitRun is one rename.
func (d *Dir) Stage(_ context.Context, runID string) (string, error) {
	if err := checkRunID(runID); err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp(filepath.Join(d.root, "runs"), "."+runID+".tmp-")
	if err != nil {
		return "", fmt.Errorf("lake: stage: %w", err)
	}
	return dir, nil
}

// CommitRun renames the staged folder to runs/<run_id>.
func (d *Dir) CommitRun(_ context.Context, runID, staged string) error {
	if err := checkRunID(runID); err != nil {
		return err
	}
	if err := syncDir(staged); err != nil {
		return err
	}
	if err := os.Rename(staged, filepath.Join(d.root, filepath.FromSlash(RunDir(runID)))); err != nil {
		return fmt.Errorf("lake: commit run %s: %w", runID, err)
	}
	return syncDir(filepath.Join(d.root, "runs"))
}

// Discard removes a staged folder.
func (d *Dir) Discard(staged string) { os.RemoveAll(staged) }

// Manifest reads runs/<run_id>/manifest.json.
func (d *Dir) Manifest(_ context.Context, runID string) ([]byte, error) {
	if err := checkRunID(runID); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(d.root, filepath.FromSlash(ManifestPath(runID))))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("lake: run %s: %w", runID, animetl.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("lake: %w", err)
	}
	return b, nil
}

// Publish writes the pointer to a temporary file, syncs it, and renames it
// over _published.json.
func (d *Dir) Publish(_ context.Context, pointer []byte) error {
	f, err := os.CreateTemp(d.root, "."+PointerName+".tmp-")
	if err != nil {
		return fmt.Errorf("lake: publish: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(pointer)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(d.root, PointerName))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("lake: publish: %w", err)
	}
	return syncDir(d.root)
}

// Pointer reads _published.json.
func (d *Dir) Pointer(_ context.Context) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(d.root, PointerName))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("lake: %s: %w", PointerName, animetl.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("lake: %w", err)
	}
	return b, nil
}

// Runs lists the folders of runs/ that are named like a run.
func (d *Dir) Runs(_ context.Context) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(d.root, "runs"))
	if err != nil {
		return nil, fmt.Errorf("lake: list runs: %w", err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() && checkRunID(e.Name()) == nil {
			out = append(out, e.Name())
		}
	}
	return out, nil
}

// RemoveRun renames the run's folder to a hidden name, so that it leaves
// runs/ at once, then removes it.
func (d *Dir) RemoveRun(_ context.Context, runID string) error {
	if err := checkRunID(runID); err != nil {
		return err
	}
	trash, err := os.MkdirTemp(filepath.Join(d.root, "runs"), "."+runID+".removed-")
	if err != nil {
		return fmt.Errorf("lake: remove run %s: %w", runID, err)
	}
	if err := os.Rename(filepath.Join(d.root, filepath.FromSlash(RunDir(runID))), filepath.Join(trash, runID)); err != nil {
		os.Remove(trash)
		return fmt.Errorf("lake: remove run %s: %w", runID, err)
	}
	if err := os.RemoveAll(trash); err != nil {
		return fmt.Errorf("lake: remove run %s: %w", runID, err)
	}
	return nil
}

// writeFile writes name in dir and syncs it.
func writeFile(dir, name string, b []byte) error {
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		return fmt.Errorf("lake: %w", err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("lake: write %s: %w", name, err)
	}
	return nil
}

// syncDir makes a folder's entries durable.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("lake: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("lake: sync %s: %w", dir, err)
	}
	return nil
}
