package duckdb_test

import (
	"path/filepath"
	"testing"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/duckdb"
	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/synth"
)

// TestListLoadRawWritesMatchSetter: the list loader's direct writes into
// DuckDB's vectors publish the same tables, rejects (repeats included, which
// depend on the line column) and per-file counts as duckdb-go's typed
// setter, on a generated set with defects and on the hostile fixture. It
// fails too when duckdb-go's DataChunk no longer has the layout the direct
// writes need, so an upgrade that turns them off is seen.
func TestListLoadRawWritesMatchSetter(t *testing.T) {
	if !duckdb.RawChunks() {
		t.Fatal("duckdb-go's DataChunk layout changed: list loads fall back to the typed setter")
	}
	gen, _ := contract.Gen(t, synth.Config{Rows: 30_000, Anime: 300, Seed: 21, DefectRate: 0.02})
	for _, tc := range []struct{ name, dir string }{{"generated with defects", gen}, {"hostile fixture", contract.HostileDir()}} {
		t.Run(tc.name, func(t *testing.T) {
			run := func(setter bool) (animetl.Warehouse, *animetl.RunSummary) {
				defer duckdb.SetListSetter(setter)()
				w := openDuck(t, filepath.Join(t.TempDir(), "w.duckdb"))
				t.Cleanup(func() { w.Close() })
				return w, contract.MustRun(t, w, tc.dir, 0.5)
			}
			rawW, rawSum := run(false)
			setW, setSum := run(true)
			want := contract.SameRun(t, setW, setSum, rawW, rawSum)
			if len(want) == 0 {
				t.Fatal("no rejects: the set proves nothing")
			}
			dups := 0
			for _, r := range want {
				if r[2] == "duplicate" {
					dups++
				}
			}
			if n := contract.QueryInt(t, rawW, "SELECT count(*) FROM user_anime"); n == 0 {
				t.Fatal("no list rows loaded")
			}
			t.Logf("%d rejects, %d of them repeats", len(want), dups)
		})
	}
}
