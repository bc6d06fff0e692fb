package pipeline

import (
	"sort"

	"github.com/animetl/animetl"
)

// listCounter counts list entries per anime and status as they stream by,
// so a warehouse can build the marts without scanning the fact table again.
// Anime ids below 1<<20 and statuses below 8 (all real ones) use a dense
// array, about 2 ns an entry; the rest a map.
type listCounter struct {
	dense  []animetl.StatusCount // index anime<<3 | status
	sparse map[[2]int32]*animetl.StatusCount
	// given, when not nil, are counts an engine made (useBaseCounts),
	// which counts returns instead.
	given []animetl.StatusCount
}

const denseAnime = 1 << 20

func newListCounter() *listCounter {
	return &listCounter{sparse: map[[2]int32]*animetl.StatusCount{}}
}

func (c *listCounter) add(batch []animetl.ListEntry) {
	for i := range batch {
		e := &batch[i]
		var cell *animetl.StatusCount
		if e.AnimeID < denseAnime && e.Status >= 0 && e.Status < 8 {
			idx := int(e.AnimeID)<<3 | int(e.Status)
			if idx >= len(c.dense) {
				grown := make([]animetl.StatusCount, max(idx+1, 2*len(c.dense)))
				copy(grown, c.dense)
				c.dense = grown
			}
			cell = &c.dense[idx]
		} else {
			k := [2]int32{e.AnimeID, int32(e.Status)}
			if cell = c.sparse[k]; cell == nil {
				cell = &animetl.StatusCount{}
				c.sparse[k] = cell
			}
		}
		cell.AnimeID, cell.Status = e.AnimeID, e.Status
		cell.Entries++
		if e.Rating != 0 {
			cell.Ratings++
			cell.RatingSum += int64(e.Rating)
		}
	}
}

// counts returns the non-empty cells, by anime and status.
func (c *listCounter) counts() []animetl.StatusCount {
	if c.given != nil {
		return c.given
	}
	out := make([]animetl.StatusCount, 0, 1024)
	for _, cell := range c.dense {
		if cell.Entries > 0 {
			out = append(out, cell)
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
