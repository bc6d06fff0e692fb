package recommend

import (
	"cmp"
	"slices"
)

// better orders Scored best first: higher score, then lower column, so
// that every ranking is a total order and deterministic.
func better(a, b Scored) int {
	if a.Score != b.Score {
		return cmp.Compare(b.Score, a.Score)
	}
	return cmp.Compare(a.Item, b.Item)
}

// bestOf reorders xs so that its k best (by better) come first, sorted, and
// returns them. It runs in linear time plus the sort of k.
func bestOf(xs []Scored, k int) []Scored {
	if len(xs) > k {
		selectBest(xs, k)
		xs = xs[:k]
	}
	slices.SortFunc(xs, better)
	return xs
}

// selectBest partitions xs so that xs[:k] holds its k best, in any order
// (quickselect with a median-of-three pivot).
func selectBest(xs []Scored, k int) {
	lo, hi := 0, len(xs)-1
	for lo < hi {
		mid := lo + (hi-lo)/2
		if better(xs[mid], xs[lo]) < 0 {
			xs[mid], xs[lo] = xs[lo], xs[mid]
		}
		if better(xs[hi], xs[lo]) < 0 {
			xs[hi], xs[lo] = xs[lo], xs[hi]
		}
		if better(xs[hi], xs[mid]) < 0 {
			xs[hi], xs[mid] = xs[mid], xs[hi]
		}
		pivot := xs[mid]
		i, j := lo, hi
		for i <= j {
			for better(xs[i], pivot) < 0 {
				i++
			}
			for better(pivot, xs[j]) < 0 {
				j--
			}
			if i <= j {
				xs[i], xs[j] = xs[j], xs[i]
				i++
				j--
			}
		}
		switch {
		case k-1 <= j:
			hi = j
		case k-1 >= i:
			lo = i
		default:
			return
		}
	}
}
