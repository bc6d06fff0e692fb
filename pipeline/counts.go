package pipeline

import (
	"sort"

	"github.com/animetl/animetl"
)

// listCounter counts list entries per anime and status as they stream by,
// so a warehouse can build the marts without scanning the fact table again.
// Anime ids below 1<<20 and statuses below 8 (all real ones) use a dense
// array of 16-byte cells, about 2 ns an entry (cells of whole StatusCounts,
// 40 bytes, made the array of a real catalogue twice as large and its
// counting 1.5 times as slow); the rest a map.
type listCounter struct {
	dense []countCell // index anime<<3 | status
	// carried holds what dense cells counted before they reached
	// cellCarry entries, so their 32-bit counts never wrap.
	carried map[int]*animetl.StatusCount
	sparse  map[[2]int32]*animetl.StatusCount
	// given, when not nil, are counts an engine made (useBaseCounts),
	// which counts returns instead.
	given []animetl.StatusCount
}

type countCell struct {
	entries, ratings uint32
	ratingSum        int64
}

const denseAnime = 1 << 20

// cellCarry is the count at which a dense cell is carried into the wide
// counts (a variable for tests).
var cellCarry uint32 = 1 << 31

func newListCounter() *listCounter {
	return &listCounter{sparse: map[[2]int32]*animetl.StatusCount{}, carried: map[int]*animetl.StatusCount{}}
}

func (c *listCounter) add(batch []animetl.ListEntry) {
	for i := range batch {
		e := &batch[i]
		if e.AnimeID >= 0 && e.AnimeID < denseAnime && e.Status >= 0 && e.Status < 8 {
			idx := int(e.AnimeID)<<3 | int(e.Status)
			if idx >= len(c.dense) {
				grown := make([]countCell, max(idx+1, 2*len(c.dense)))
				copy(grown, c.dense)
				c.dense = grown
			}
			cell := &c.dense[idx]
			cell.entries++
			if e.Rating != 0 {
				cell.ratings++
				cell.ratingSum += int64(e.Rating)
			}
			if cell.entries >= cellCarry {
				c.carry(idx)
			}
			continue
		}
		k := [2]int32{e.AnimeID, int32(e.Status)}
		cell := c.sparse[k]
		if cell == nil {
			cell = &animetl.StatusCount{AnimeID: e.AnimeID, Status: e.Status}
			c.sparse[k] = cell
		}
		cell.Entries++
		if e.Rating != 0 {
			cell.Ratings++
			cell.RatingSum += int64(e.Rating)
		}
	}
}

// carry moves dense cell idx's counts into carried.
func (c *listCounter) carry(idx int) {
	w := c.carried[idx]
	if w == nil {
		w = &animetl.StatusCount{}
		c.carried[idx] = w
	}
	cell := &c.dense[idx]
	w.Entries += int64(cell.entries)
	w.Ratings += int64(cell.ratings)
	w.RatingSum += cell.ratingSum
	*cell = countCell{}
}

// counts returns the non-empty cells, by anime and status.
func (c *listCounter) counts() []animetl.StatusCount {
	if c.given != nil {
		return c.given
	}
	out := make([]animetl.StatusCount, 0, 1024)
	for idx, cell := range c.dense {
		sc := animetl.StatusCount{AnimeID: int32(idx >> 3), Status: int16(idx & 7),
			Entries: int64(cell.entries), Ratings: int64(cell.ratings), RatingSum: cell.ratingSum}
		if w := c.carried[idx]; w != nil {
			sc.Entries += w.Entries
			sc.Ratings += w.Ratings
			sc.RatingSum += w.RatingSum
		}
		if sc.Entries > 0 {
			out = append(out, sc)
		}
	}
	for _, cell := range c.sparse {
		out = append(out, *cell)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].AnimeID != out[j].AnimeID {
			return out[i].AnimeID < out[j].AnimeID
		}
		return out[i].Status < out[j].Status
	})
	return out
}
