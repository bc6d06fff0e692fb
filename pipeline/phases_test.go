package pipeline_test

import (
	"path/filepath"
	"testing"

	"github.com/animetl/animetl/duckdb"
	"github.com/animetl/animetl/internal/contract"
)

// TestRunSummaryHasPhasesInOrder: the summary pipeline.Run returns, which
// every caller gets, says where the run's time went, step by step.
func TestRunSummaryHasPhasesInOrder(t *testing.T) {
	dir, _ := contract.Gen(t, contract.Generated)
	wh, err := duckdb.Open(duckdb.Options{Path: filepath.Join(t.TempDir(), "w.duckdb"), MemoryLimit: "512MB"})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	sum := contract.MustRun(t, wh, dir, 0)
	if len(sum.Files) < 4 {
		t.Fatalf("files %v: want the four source files", sum.Files)
	}
	contract.CheckPhases(t, sum, "finalize", "checks", "publish")
}
