package contract

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/local"
	"github.com/animetl/animetl/pipeline"
	"github.com/animetl/animetl/quality"
)

// cutList keeps the header and the first keep share of a list file's lines,
// as a truncated upload does.
func cutList(t testing.TB, path string, keep float64) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	n := 1 + int(float64(len(lines)-1)*keep)
	if err := os.WriteFile(path, []byte(strings.Join(lines[:n], "")), 0o644); err != nil {
		t.Fatal(err)
	}
}

// testShrink: a base list cut to a tenth of its lines (a truncated upload)
// fails the run on the table_shrink check and leaves the published state as
// it was; --max-shrink 1 lets the same source publish.
func testShrink(t *testing.T, newStore NewStore) {
	dir, _ := Gen(t, Generated)
	wh := newStore(t)(t, time.Second)
	MustRun(t, wh, dir, 0)
	before := Fingerprints(t, wh)

	cut := CopyDir(t, dir)
	cutList(t, filepath.Join(cut, animetl.FileAnimeList), 0.1)
	run := func(maxShrink float64) (*animetl.RunSummary, error) {
		src, err := local.New(cut)
		if err != nil {
			t.Fatal(err)
		}
		cfg := pipeline.DefaultConfig()
		cfg.Source, cfg.Warehouse, cfg.WarehouseName = src, wh, wh.Dialect()
		cfg.MaxShrink = maxShrink
		return pipeline.Run(context.Background(), cfg)
	}
	sum, err := run(quality.DefaultMaxShrink)
	if !errors.Is(err, animetl.ErrChecks) || !strings.Contains(err.Error(), "table_shrink") {
		t.Fatalf("run on a cut list: err = %v, want the table_shrink check to fail it", err)
	}
	if sum.Status != animetl.StatusFailed {
		t.Errorf("status %s, want failed", sum.Status)
	}
	after := Fingerprints(t, wh)
	for table, fp := range before {
		if after[table] != fp {
			t.Errorf("%s changed by a run the shrink check failed: %+v -> %+v", table, fp, after[table])
		}
	}
	if sum, err = run(1); err != nil || sum.Status != animetl.StatusSucceeded {
		t.Fatalf("with max-shrink 1 the cut list must publish: %v", err)
	}
}
