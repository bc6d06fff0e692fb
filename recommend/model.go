package recommend

import (
	"context"
	"errors"
)

// Model is a trained recommender over one Data's users and items.
type Model interface {
	// Name is the model's name in tables, flags and reports: "popularity",
	// "itemknn", "als".
	Name() string
	// Fit trains the model on d. It returns ctx's error when cancelled.
	Fit(ctx context.Context, d *Data) error
	// Score fills scores (len(d.Items)) with user row u's score of every
	// item; higher is better. It is safe for concurrent use after Fit, and
	// allocates nothing per call.
	Score(u int, scores []float32)
}

// Similarity is a Model that can also say which items are alike.
type Similarity interface {
	Model
	// Similar fills scores (len(d.Items)) with every item's similarity to
	// item column i; higher is more alike. Safe for concurrent use after Fit.
	Similar(i int, scores []float32)
}

// ErrUnknownModel is returned by New for a name it does not know.
var ErrUnknownModel = errors.New("recommend: unknown model")

// Popularity recommends what the most users list: the baseline every model
// must beat. A user's score of an item is the number of users who list it.
type Popularity struct {
	counts []float32
}

// Name implements Model.
func (p *Popularity) Name() string { return "popularity" }

// Fit counts the users of every item.
func (p *Popularity) Fit(ctx context.Context, d *Data) error {
	p.counts = make([]float32, len(d.Items))
	for _, c := range d.Cols {
		p.counts[c]++
	}
	return ctx.Err()
}

// Score implements Model: the same scores for every user.
func (p *Popularity) Score(_ int, scores []float32) { copy(scores, p.counts) }
