package lake

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/animetl/animetl"
)

// DefaultKeep is how many runs `animetl export` and `run --lake` keep in
// a lake by default: the published one and the two before it, so that a
// reader that followed the previous pointer (a training job that started
// before the last run) still finds its files for two more runs, and a
// rollback is a rewrite of the pointer.
const DefaultKeep = 3

// Prune removes the runs of the lake in store past the newest keep, by
// their manifest's published_at, never the run the pointer names. Run
// folders without a manifest (an export that did not finish, or one that
// is still writing) are neither counted nor removed. keep 0 removes
// nothing. It returns the runs removed, also when it stops at an error.
func Prune(ctx context.Context, store Store, keep int) ([]string, error) {
	if keep < 0 {
		return nil, fmt.Errorf("lake: keep %d: want 0 (every run) or more: %w", keep, animetl.ErrConfig)
	}
	return prune(ctx, store, keep)
}

func prune(ctx context.Context, store Store, keep int) ([]string, error) {
	if keep == 0 {
		return nil, nil
	}
	b, err := store.Pointer(ctx)
	if err != nil {
		return nil, fmt.Errorf("lake: prune: %w", err)
	}
	var ptr Pointer
	if err := json.Unmarshal(b, &ptr); err != nil || ptr.RunID == "" {
		return nil, fmt.Errorf("lake: prune: %s does not name a run: %v", PointerName, err)
	}
	ids, err := store.Runs(ctx)
	if err != nil {
		return nil, fmt.Errorf("lake: prune: %w", err)
	}
	var runs []Manifest
	for _, id := range ids {
		raw, err := store.Manifest(ctx, id)
		if errors.Is(err, animetl.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("lake: prune: %w", err)
		}
		var m Manifest
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("lake: prune: %s: %w", ManifestPath(id), err)
		}
		m.RunID = id
		runs = append(runs, m)
	}
	// Newest first; run ids sort by their start time, which breaks ties.
	slices.SortFunc(runs, func(a, b Manifest) int {
		if c := b.PublishedAt.Compare(a.PublishedAt); c != 0 {
			return c
		}
		return cmp.Compare(b.RunID, a.RunID)
	})
	var removed []string
	for i, m := range runs {
		if i < keep || m.RunID == ptr.RunID {
			continue
		}
		if err := store.RemoveRun(ctx, m.RunID); err != nil {
			return removed, fmt.Errorf("lake: prune: %w", err)
		}
		removed = append(removed, m.RunID)
	}
	return removed, nil
}
