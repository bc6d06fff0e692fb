// Package taste generates small user lists with a strong, known taste
// signal for the recommenders' tests: every anime has one of a few genres
// and a popularity, every user a favourite genre, and half of a user's
// picks come from that genre. Popularity ranks the anime everyone lists;
// a model that learns the favourite genre ranks better. (synth's lists
// carry the same kind of signal, but weaker: it shows only with tens of
// thousands of users, too many for a unit test.)
package taste

import (
	"math/rand/v2"
	"slices"
)

// Entry is one list entry.
type Entry struct {
	User, Anime           int32
	Status, Rating, Index int16
}

// Config sizes the lists.
type Config struct {
	Users  int
	Genres int
	// ListMin and ListMax bound a list's length (uniform between them).
	ListMin, ListMax int
	// FavShare is the share of a user's picks drawn from the favourite
	// genre (the rest by popularity over every anime).
	FavShare float64
	Seed     uint64
}

// Lists draws the lists over the anime ids (ascending user, then the draw
// order), each pick by popularity (Zipf-like over a seeded ranking of ids),
// without repeats.
func Lists(cfg Config, ids []int32) []Entry {
	r := rand.New(rand.NewPCG(cfg.Seed, 0x7a57e))
	n := len(ids)
	rank := r.Perm(n)
	pop := make([]float64, n)
	for i := range pop {
		pop[i] = 1 / float64(rank[i]+5)
	}
	genre := func(i int) int { return i % cfg.Genres }
	all := cumulative(pop, func(int) bool { return true })
	byGenre := make([][]float64, cfg.Genres)
	for g := range byGenre {
		byGenre[g] = cumulative(pop, func(i int) bool { return genre(i) == g })
	}
	var out []Entry
	seen := make([]bool, n)
	for u := range cfg.Users {
		clear(seen)
		fav := r.IntN(cfg.Genres)
		length := min(n/2, cfg.ListMin+r.IntN(cfg.ListMax-cfg.ListMin+1))
		for k := 0; k < length; {
			table := all
			if r.Float64() < cfg.FavShare {
				table = byGenre[fav]
			}
			i, _ := slices.BinarySearch(table, r.Float64()*table[n-1])
			i = min(i, n-1)
			if seen[i] {
				continue
			}
			seen[i] = true
			rating := int16(5 + r.IntN(4))
			if genre(i) == fav {
				rating += 2
			}
			out = append(out, Entry{User: int32(u + 1), Anime: ids[i], Status: 2, Rating: rating, Index: int16(k)})
			k++
		}
	}
	return out
}

// cumulative is the running sum of pop over the indexes keep admits.
func cumulative(pop []float64, keep func(int) bool) []float64 {
	out := make([]float64, len(pop))
	var s float64
	for i, p := range pop {
		if keep(i) {
			s += p
		}
		out[i] = s
	}
	return out
}
