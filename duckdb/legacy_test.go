package duckdb_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/animetl/animetl/duckdb"
	"github.com/animetl/animetl/internal/contract"
)

// TestLegacyWarehouseConverted: an incremental run on a file published
// before user_anime was a view renames its table to user_anime_base, makes
// the day tables and the view, and merges the day there.
func TestLegacyWarehouseConverted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "legacy.duckdb")
	w, err := duckdb.Open(duckdb.Options{Path: path, LockTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	contract.LegacyConverted(t, newStore, w, "duckdb:"+path, nil)
}
