// Package recommend trains the recommenders animetl publishes with a run
// (popularity, item-kNN, implicit ALS), splits the list entries for offline
// evaluation and measures the models on that split. It is pure Go: nothing
// runs in Python at run time.
//
// The input is the published (or staged) list as Interactions; the models
// work on Data, a sparse user × anime matrix of confidence weights in
// compressed-row form, which holds the 8M-entry list in about 100 MB.
package recommend

import (
	"cmp"
	"fmt"
	"slices"
)

// Interaction is one list entry as the recommenders see it.
type Interaction struct {
	UserID  int32
	AnimeID int32
	// Status is the watching_status code (1 watching, 2 completed, 3 on
	// hold, 4 dropped, 6 plan to watch; other codes are kept).
	Status int16
	// Rating is the user's score, 1 to 10; 0 means not rated.
	Rating int16
}

// WeightFunc turns an interaction into the confidence that the user likes
// the anime. It must be positive: every listed anime is in the matrix, so
// that the models know what a user has seen.
type WeightFunc func(Interaction) float32

// Data is a sparse user × anime matrix in compressed-row form. Users and
// Items map the dense row and column indexes to user and anime ids; both are
// ascending. Row u holds Cols[Ptr[u]:Ptr[u+1]] (ascending) with their
// Weights.
type Data struct {
	Users   []int32
	Items   []int32
	Ptr     []int64
	Cols    []int32
	Weights []float32
}

// NNZ is the number of stored entries.
func (d *Data) NNZ() int { return len(d.Cols) }

// Row returns user row u's columns and weights (slices of d; do not modify).
func (d *Data) Row(u int) ([]int32, []float32) {
	lo, hi := d.Ptr[u], d.Ptr[u+1]
	return d.Cols[lo:hi], d.Weights[lo:hi]
}

// UserIndex returns the row of a user id.
func (d *Data) UserIndex(id int32) (int, bool) { return slices.BinarySearch(d.Users, id) }

// ItemIndex returns the column of an anime id.
func (d *Data) ItemIndex(id int32) (int, bool) { return slices.BinarySearch(d.Items, id) }

// Builder collects interactions and builds Data. The zero Builder is not
// usable: call NewBuilder.
type Builder struct {
	weight WeightFunc
	rows   []Interaction
}

// NewBuilder returns a Builder that weighs interactions with w (nil means
// DefaultWeight).
func NewBuilder(w WeightFunc) *Builder {
	if w == nil {
		w = DefaultWeight
	}
	return &Builder{weight: w}
}

// Add collects one interaction.
func (b *Builder) Add(in Interaction) { b.rows = append(b.rows, in) }

// Len is the number of interactions collected.
func (b *Builder) Len() int { return len(b.rows) }

// Build sorts the interactions by user and anime and builds the matrix. A
// (user, anime) pair given twice is an error: the warehouse's key forbids it.
// A weight that is not positive is an error.
func (b *Builder) Build() (*Data, error) {
	rows := b.rows
	b.rows = nil
	slices.SortFunc(rows, func(x, y Interaction) int {
		if c := cmp.Compare(x.UserID, y.UserID); c != 0 {
			return c
		}
		return cmp.Compare(x.AnimeID, y.AnimeID)
	})
	d := &Data{}
	items := make([]int32, 0, 1024)
	for _, r := range rows {
		items = append(items, r.AnimeID)
	}
	slices.Sort(items)
	d.Items = slices.Compact(items)
	d.Ptr = append(d.Ptr, 0)
	for i, r := range rows {
		if i > 0 && rows[i-1].UserID == r.UserID && rows[i-1].AnimeID == r.AnimeID {
			return nil, fmt.Errorf("recommend: user %d lists anime %d twice", r.UserID, r.AnimeID)
		}
		if i == 0 || rows[i-1].UserID != r.UserID {
			if i > 0 {
				d.Ptr = append(d.Ptr, int64(len(d.Cols)))
			}
			d.Users = append(d.Users, r.UserID)
		}
		w := b.weight(r)
		if !(w > 0) {
			return nil, fmt.Errorf("recommend: weight %v for user %d, anime %d: want > 0", w, r.UserID, r.AnimeID)
		}
		col, _ := d.ItemIndex(r.AnimeID)
		d.Cols = append(d.Cols, int32(col))
		d.Weights = append(d.Weights, w)
	}
	if len(rows) > 0 {
		d.Ptr = append(d.Ptr, int64(len(d.Cols)))
	}
	return d, nil
}
