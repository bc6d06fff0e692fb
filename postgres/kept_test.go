package postgres_test

import (
	"context"
	"testing"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/schema"
)

// TestIncrementalLeavesTheKeptCatalogueInPlace: an incremental run with
// anime.csv unchanged since the published run leaves the published tag
// dimensions, bridges and score votes where they are (the same relations,
// not copies: nothing copies 150,000 score votes every morning) and still
// replaces anime, whose inferred rows follow the lists; a full run replaces
// them all. The contract suite (CatalogueKeptWhenUnchanged) proves the
// tables equal to a full run's.
func TestIncrementalLeavesTheKeptCatalogueInPlace(t *testing.T) {
	dbURL := newDatabase(t)
	dir := smallDir(t)
	ctx := context.Background()
	wh := mustOpen(t, dbURL, postgresOptions())
	mustRunOn(t, wh, dir, animetl.ModeFull)
	c := mustConnect(t, dbURL)
	oids := func() map[string]uint32 {
		out := map[string]uint32{}
		for _, tbl := range schema.CatalogueTables {
			var o uint32
			if err := c.QueryRow(ctx, "SELECT $1::regclass::oid", tbl).Scan(&o); err != nil {
				t.Fatalf("%s: %v", tbl, err)
			}
			out[tbl] = o
		}
		return out
	}
	before := oids()
	sum := mustRunOn(t, wh, dir, animetl.ModeIncremental)
	for _, f := range sum.Files {
		if f.Name == animetl.FileAnime {
			t.Fatal("the incremental run loaded anime.csv again; the test proves nothing")
		}
	}
	after := oids()
	for _, tbl := range schema.CatalogueFixed {
		if after[tbl] != before[tbl] {
			t.Errorf("%s was replaced by an incremental run that kept the catalogue", tbl)
		}
	}
	if after["anime"] == before["anime"] {
		t.Error("anime was not replaced by the incremental run")
	}
	mustRunOn(t, wh, dir, animetl.ModeFull)
	for tbl, o := range oids() {
		if o == after[tbl] {
			t.Errorf("%s was not replaced by a full run", tbl)
		}
	}
}
