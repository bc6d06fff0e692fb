package pipeline

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/animetl/animetl"
)

func TestListCounterMatchesAMap(t *testing.T) {
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
