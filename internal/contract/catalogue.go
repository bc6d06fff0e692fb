package contract

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/pipeline"
)

// runCatalogue runs an incremental run with ReloadCatalogue as given.
func runCatalogue(t *testing.T, wh animetl.Warehouse, dir string, reload bool) *animetl.RunSummary {
	t.Helper()
	return runIncremental(t, wh, dir, func(cfg *pipeline.Config) { cfg.ReloadCatalogue = reload })
}

// runIncremental runs an incremental run, set changing its configuration,
// and fails the test unless it passes.
func runIncremental(t *testing.T, wh animetl.Warehouse, dir string, set func(*pipeline.Config)) *animetl.RunSummary {
	t.Helper()
	cfg := RunConfig(t, wh, dir)
	cfg.Mode = animetl.ModeIncremental
	set(&cfg)
	sum, err := pipeline.Run(context.Background(), cfg)
	if err != nil {
		t.Fatalf("incremental run: %v", err)
	}
	mustPass(t, sum)
	return sum
}

// keptCatalogue reports whether the run kept the published catalogue
// (anime.csv not loaded, and said so in the summary's ignored entries).
func keptCatalogue(t *testing.T, sum *animetl.RunSummary) bool {
	t.Helper()
	return kept(t, sum, animetl.FileAnime)
}

// keptSynopses reports whether the run kept the published synopses
// (anime_with_synopsis.csv not loaded, and said so).
func keptSynopses(t *testing.T, sum *animetl.RunSummary) bool {
	t.Helper()
	return kept(t, sum, animetl.FileSynopsis)
}

// kept reports whether the run did not load the file name because it was
// unchanged, failing the test unless the summary says so exactly then.
func kept(t *testing.T, sum *animetl.RunSummary, name string) bool {
	t.Helper()
	loaded := false
	for _, f := range sum.Files {
		loaded = loaded || f.Name == name
	}
	said := false
	for _, ig := range sum.Ignored {
		said = said || (ig.Name == name && strings.HasPrefix(ig.Reason, "unchanged since run "))
	}
	if loaded == said {
		t.Fatalf("%s loaded %v, and the summary says it was kept: %v (%+v)", name, loaded, said, sum.Ignored)
	}
	return said
}

// testCatalogueKept: an incremental run keeps the published catalogue side
// when anime.csv is the file it was made from, and the warehouse is still
// what a full run gives: with the synopses changed (loaded, the catalogue
// kept), with the day bringing an anime id the catalogue lacks (an inferred
// row) and taking it away again (the synopses unchanged too: kept as well).
// anime.csv edited in place, its size kept (a name changed), is loaded
// again, and the unchanged synopses with it, as are both unchanged files
// with ReloadCatalogue.
func testCatalogueKept(t *testing.T, newStore NewStore) {
	wh := newStore(t)(t, time.Second)
	dir := sourceWith(t)
	mustMode(t, wh, dir, animetl.ModeFull, pipeline.Backfill{})
	user := QueryAll(t, wh, "SELECT min(user_id) FROM user_anime")[0][0]
	write := func(day, name, body string) {
		p := filepath.Join(dir, "animelist", "date="+day, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A synopsis rewritten, another one gone, and an anime id no file of
	// the catalogue knows.
	syn := filepath.Join(dir, animetl.FileSynopsis)
	edit(t, syn, regexp.MustCompile(`(?m)^(\d+,[^\n]*,")[A-Z]`), "${1}Z")
	edit(t, syn, regexp.MustCompile(`(?m)^\d+,[^"\n]*,"[^"\n]*"\r?\n`), "")
	write("2026-12-01", "part-0.csv", "user_id,anime_id,rating,watching_status,watched_episodes\n"+user+",987654,9,2,3\n")
	sum := runCatalogue(t, wh, dir, false)
	if !keptCatalogue(t, sum) {
		t.Error("an incremental run with anime.csv unchanged loaded it again")
	}
	if keptSynopses(t, sum) {
		t.Error("changed synopses were not loaded")
	}
	sameAs(t, newStore, wh, dir, "after a day with an unknown anime and new synopses, the catalogue kept")
	if got := QueryAll(t, wh, "SELECT count(*) FROM anime WHERE anime_id = 987654 AND is_inferred"); got[0][0] != "1" {
		t.Errorf("the day's unknown anime: %v inferred rows, want 1", got)
	}

	// The entry goes away again: so does its inferred anime.
	write("2026-12-02", "deletes/part-0.csv", "user_id,anime_id\n"+user+",987654\n")
	sum = runCatalogue(t, wh, dir, false)
	if !keptCatalogue(t, sum) {
		t.Error("the second day loaded anime.csv again")
	}
	if !keptSynopses(t, sum) {
		t.Error("the second day loaded the synopses again, unchanged since the first")
	}
	sameAs(t, newStore, wh, dir, "after the unknown anime's entry was deleted, the catalogue kept")

	// anime.csv edited in place: same size, a later modification time.
	p := filepath.Join(dir, animetl.FileAnime)
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	edit(t, p, regexp.MustCompile(`(?m)^((?:\d+,)?\d+,"?)[A-Y]`), "${1}Z")
	if err := os.Chtimes(p, st.ModTime().Add(time.Minute), st.ModTime().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if st2, _ := os.Stat(p); st2.Size() != st.Size() {
		t.Fatalf("the edit changed anime.csv's size: %d -> %d", st.Size(), st2.Size())
	}
	sum = runCatalogue(t, wh, dir, false)
	if keptCatalogue(t, sum) {
		t.Error("anime.csv edited in place (same size, later time) was not loaded")
	}
	if keptSynopses(t, sum) {
		t.Error("the synopses were kept with anime.csv loaded again")
	}
	sameAs(t, newStore, wh, dir, "after anime.csv changed")

	// Unchanged, with ReloadCatalogue: loaded anyway.
	sum = runCatalogue(t, wh, dir, true)
	if keptCatalogue(t, sum) || keptSynopses(t, sum) {
		t.Error("ReloadCatalogue did not load anime.csv and its synopses")
	}
	sameAs(t, newStore, wh, dir, "after a reload of the catalogue")
}

// edit replaces the first match of re in the file with repl, failing the
// test when nothing matches.
func edit(t *testing.T, path string, re *regexp.Regexp, repl string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	loc := re.FindSubmatchIndex(b)
	if loc == nil {
		t.Fatalf("%s: nothing matches %s", path, re)
	}
	var out []byte
	out = re.Expand(out, []byte(repl), b, loc)
	b = append(append(append([]byte{}, b[:loc[0]]...), out...), b[loc[1]:]...)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(fmt.Errorf("edit %s: %w", path, err))
	}
}
