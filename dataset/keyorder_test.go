package dataset

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/animetl/animetl"
)

// keyOrdered is what KeyOrder must make of es: each run of one user sorted
// stably by anime id, the runs in place.
func keyOrdered(es []animetl.ListEntry) []animetl.ListEntry {
	out := slices.Clone(es)
	for i := 0; i < len(out); {
		j := i + 1
		for j < len(out) && out[j].UserID == out[i].UserID {
			j++
		}
		slices.SortStableFunc(out[i:j], func(a, b animetl.ListEntry) int { return cmp.Compare(a.AnimeID, b.AnimeID) })
		i = j
	}
	return out
}

// TestKeyOrder: runs short (insertion sort) and long (radix), ids small,
// large and negative, repeated keys in file order, runs already in order,
// one user's runs split by another's, and the scratch buffer reused.
func TestKeyOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	ids := map[string]func() int32{
		"small":    func() int32 { return r.Int32N(300) },
		"wide":     func() int32 { return r.Int32N(math.MaxInt32) },
		"negative": func() int32 { return r.Int32N(2000) - 1000 },
		"extremes": func() int32 {
			return []int32{math.MinInt32, -1, 0, 1, 255, 256, 65535, 65536, math.MaxInt32}[r.IntN(9)]
		},
		"one value": func() int32 { return 42 },
	}
	var buf []animetl.ListEntry
	for name, id := range ids {
		for _, runLen := range []int{1, 2, 16, 17, 300, 5000} {
			var es []animetl.ListEntry
			line := int64(2)
			for _, user := range []int32{7, 3, 7, 9, 9 + 1} { // user 7 twice, apart
				for range runLen {
					es = append(es, animetl.ListEntry{UserID: user, AnimeID: id(), Line: line})
					line++
				}
			}
			want := keyOrdered(es)
			KeyOrder(es, &buf)
			if !reflect.DeepEqual(es, want) {
				t.Fatalf("%s, runs of %d: not in key order", name, runLen)
			}
			KeyOrder(es, &buf) // in order already: unchanged
			if !reflect.DeepEqual(es, want) {
				t.Fatalf("%s, runs of %d: an ordered input changed", name, runLen)
			}
		}
	}
}

// TestParallelByAnime: the decoder's ByAnime gives the sequential decoder's
// entries, each user's run within a block in key order, and its rejects
// unchanged, over blocks small enough to split users between them.
func TestParallelByAnime(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var b strings.Builder
	b.WriteString("user_id,anime_id,rating,watching_status,watched_episodes\n")
	for user := range 60 {
		for range 1 + r.IntN(80) {
			switch r.IntN(40) {
			case 0:
				b.WriteString("not,a,line\n")
			case 1:
				fmt.Fprintf(&b, "%d,%d,7,2,3\n", user, 5) // repeats of one key
			default:
				fmt.Fprintf(&b, "%d,%d,%d,%d,%d\n", user, r.IntN(500), r.IntN(11), 1+r.IntN(4), r.IntN(30))
			}
		}
	}
	input := []byte(b.String())
	seq := sequential(input)
	for _, bs := range []int{64, 1000, 1 << 20} {
		var blocks [][]animetl.ListEntry
		var rejects []animetl.RowError
		res, err := DecodeAnimeListParallel(bytes.NewReader(input), "animelist.csv", ListOptions{Workers: 3, BlockSize: bs, ByAnime: true},
			func(es []animetl.ListEntry) error { blocks = append(blocks, slices.Clone(es)); return nil },
			func(e *animetl.RowError) error { rejects = append(rejects, *e); return nil })
		if err != nil || !reflect.DeepEqual(res, seq.res) || !reflect.DeepEqual(rejects, seq.rejects) {
			t.Fatalf("block %d: %v, %+v, %d rejects; sequential %+v, %d rejects", bs, err, res, len(rejects), seq.res, len(seq.rejects))
		}
		var all []animetl.ListEntry
		for _, es := range blocks {
			if !reflect.DeepEqual(es, keyOrdered(es)) {
				t.Fatalf("block %d: a block's runs are not in key order", bs)
			}
			all = append(all, es...)
		}
		byLine := func(es []animetl.ListEntry) []animetl.ListEntry {
			return slices.SortedFunc(slices.Values(es), func(a, b animetl.ListEntry) int { return cmp.Compare(a.Line, b.Line) })
		}
		if !reflect.DeepEqual(byLine(all), seq.entries) {
			t.Fatalf("block %d: the entries differ from the sequential decoder's", bs)
		}
	}
}
