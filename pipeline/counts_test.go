package pipeline

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/animetl/animetl"
)

// TestListCounterMatchesAMap, also with dense cells carried every few
// entries (as they are before their 32-bit counts could wrap).
func TestListCounterMatchesAMap(t *testing.T) {
	for _, carry := range []uint32{cellCarry, 3} {
		old := cellCarry
		cellCarry = carry
		testListCounterMatchesAMap(t)
		cellCarry = old
	}
}

func testListCounterMatchesAMap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	var batch []animetl.ListEntry
	want := map[[2]int32]animetl.StatusCount{}
	for i := 0; i < 20000; i++ {
		e := animetl.ListEntry{AnimeID: int32(r.IntN(3000) + 1), Status: int16(r.IntN(9)), Rating: int16(r.IntN(11))}
		if i%500 == 0 {
			e.AnimeID = denseAnime + int32(r.IntN(5)) // beyond the dense array
		}
		batch = append(batch, e)
		k := [2]int32{e.AnimeID, int32(e.Status)}
		c := want[k]
		c.AnimeID, c.Status = e.AnimeID, e.Status
		c.Entries++
		if e.Rating != 0 {
			c.Ratings++
			c.RatingSum += int64(e.Rating)
		}
		want[k] = c
	}
	c := newListCounter()
	c.add(batch[:7000])
	c.add(batch[7000:])
	got := map[[2]int32]animetl.StatusCount{}
	for _, sc := range c.counts() {
		got[[2]int32{sc.AnimeID, int32(sc.Status)}] = sc
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("counter disagrees with a map: %d cells, want %d", len(got), len(want))
	}
}

// BenchmarkListCounter counts entries spread over a real catalogue's anime
// and statuses.
func BenchmarkListCounter(b *testing.B) {
	r := rand.New(rand.NewPCG(2, 2))
	batch := make([]animetl.ListEntry, 1<<16)
	for i := range batch {
		batch[i] = animetl.ListEntry{AnimeID: int32(r.IntN(48000) + 1), Status: int16(r.IntN(6) + 1), Rating: int16(r.IntN(11))}
	}
	c := newListCounter()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.add(batch)
	}
	b.SetBytes(int64(len(batch)))
}
