package duckdb_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/duckdb"
	"github.com/animetl/animetl/internal/contract"
)

// newStore gives each test its own warehouse file in a temporary folder.
func newStore(t *testing.T) contract.Opener {
	path := filepath.Join(t.TempDir(), "warehouse.duckdb")
	return func(t *testing.T, lockTimeout time.Duration) animetl.Warehouse {
		w, err := duckdb.Open(duckdb.Options{Path: path, LockTimeout: lockTimeout, MemoryLimit: "512MB"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { w.Close() })
		return w
	}
}

func TestContract(t *testing.T) {
	contract.Run(t, newStore)
}
