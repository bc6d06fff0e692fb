package synth

import (
	"math"
	"math/rand/v2"
)

// Stream numbers: each part of the output draws from its own PCG stream, so
// the catalogue does not change with Rows or DefectRate.
const (
	streamCatalogue = 0x9e3779b97f4a7c15 + iota
	streamAnimeDefects
	streamSynopsis
	streamLists
)

// newRand returns the generator of one stream for seed.
func newRand(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream))
}

// alias samples indices 0..n-1 in proportion to fixed weights in O(1) (Vose's
// alias method); it is built once and never allocates when sampling.
type alias struct {
	prob  []float64
	alias []int32
}

// newAlias builds the table for weights, which must be non-negative with a
// positive sum.
func newAlias(weights []float64) alias {
	n := len(weights)
	a := alias{prob: make([]float64, n), alias: make([]int32, n)}
	var sum float64
	for _, w := range weights {
		sum += w
	}
	scaled := make([]float64, n)
	small := make([]int32, 0, n)
	large := make([]int32, 0, n)
	for i, w := range weights {
		scaled[i] = w * float64(n) / sum
		if scaled[i] < 1 {
			small = append(small, int32(i))
		} else {
			large = append(large, int32(i))
		}
	}
	for len(small) > 0 && len(large) > 0 {
		s, l := small[len(small)-1], large[len(large)-1]
		small = small[:len(small)-1]
		a.prob[s], a.alias[s] = scaled[s], l
		scaled[l] -= 1 - scaled[s]
		if scaled[l] < 1 {
			large = large[:len(large)-1]
			small = append(small, l)
		}
	}
	for _, i := range large {
		a.prob[i], a.alias[i] = 1, i
	}
	for _, i := range small {
		a.prob[i], a.alias[i] = 1, i
	}
	return a
}

// sample draws one index.
func (a *alias) sample(r *rand.Rand) int {
	i := r.IntN(len(a.prob))
	if r.Float64() < a.prob[i] {
		return i
	}
	return int(a.alias[i])
}

// pick returns an index drawn in proportion to weights; for small tables
// used a few thousand times at most.
func pick(r *rand.Rand, weights []float64) int {
	var sum float64
	for _, w := range weights {
		sum += w
	}
	x := r.Float64() * sum
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

// chance reports true with probability p.
func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

// normal draws from N(mean, sd).
func normal(r *rand.Rand, mean, sd float64) float64 { return mean + sd*r.NormFloat64() }

// logNormal draws exp(N(mu, sigma)).
func logNormal(r *rand.Rand, mu, sigma float64) float64 { return math.Exp(normal(r, mu, sigma)) }

// clamp limits x to [lo, hi].
func clamp(x, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, x)) }

// between draws an integer uniformly from [lo, hi].
func between(r *rand.Rand, lo, hi int) int { return lo + r.IntN(hi-lo+1) }
