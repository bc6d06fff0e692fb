package pipeline

import (
	"runtime/debug"
	"testing"

	"github.com/animetl/animetl"
)

// TestCollectLessWhileTheCatalogueLoads: the collector's GOGC is
// multiplied while a catalogue file loads and set back after; a list
// file's load keeps it, and a GOGC of off stays off.
func TestCollectLessWhileTheCatalogueLoads(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(50))
	gogc := func() int {
		n := debug.SetGCPercent(-1)
		debug.SetGCPercent(n)
		return n
	}
	for _, tc := range []struct {
		kind       animetl.Kind
		gogc, want int
	}{
		{animetl.KindAnime, 50, 50 * catalogueGCFactor},
		{animetl.KindSynopsis, 100, 100 * catalogueGCFactor},
		{animetl.KindAnimeList, 50, 50},
		{animetl.KindListDelete, 50, 50},
		{animetl.KindWatchingStatus, 50, 50},
		{animetl.KindAnime, -1, -1},
	} {
		debug.SetGCPercent(tc.gogc)
		restore := collectLess(tc.kind)
		if got := gogc(); got != tc.want {
			t.Errorf("kind %v at GOGC %d: %d while it loads, want %d", tc.kind, tc.gogc, got, tc.want)
		}
		restore()
		restore() // twice is once
		if got := gogc(); got != tc.gogc {
			t.Errorf("kind %v at GOGC %d: %d after, want it back", tc.kind, tc.gogc, got)
		}
	}
	// Two loads side by side share one raise; the last one done sets it back.
	debug.SetGCPercent(50)
	a := collectLess(animetl.KindAnime)
	b := collectLess(animetl.KindSynopsis)
	if got := gogc(); got != 50*catalogueGCFactor {
		t.Errorf("two loads: %d, want %d", got, 50*catalogueGCFactor)
	}
	a()
	if got := gogc(); got != 50*catalogueGCFactor {
		t.Errorf("one of two loads done: %d, want %d", got, 50*catalogueGCFactor)
	}
	b()
	if got := gogc(); got != 50 {
		t.Errorf("both loads done: %d, want 50", got)
	}
}
