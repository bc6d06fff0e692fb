package contract

import (
	"context"
	"fmt"

	"github.com/animetl/animetl/recommend"
)

// CoOccurrence is a test-only recommend.Similarity: two anime are as alike
// as the number of users who list both, and a user's score of an anime is
// the sum of its co-occurrences with the user's anime. It keeps a dense
// item × item matrix, so it is for the small generated sets only.
type CoOccurrence struct {
	n    int
	co   []float32 // n × n
	data *recommend.Data
}

// Name implements recommend.Model.
func (c *CoOccurrence) Name() string { return "cooccurrence" }

// Fit counts, for every pair of anime, the users who list both.
func (c *CoOccurrence) Fit(ctx context.Context, d *recommend.Data) error {
	c.n, c.data = len(d.Items), d
	c.co = make([]float32, c.n*c.n)
	for u := range d.Users {
		if u&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		cols, _ := d.Row(u)
		for _, a := range cols {
			row := c.co[int(a)*c.n:]
			for _, b := range cols {
				if a != b {
					row[b]++
				}
			}
		}
	}
	return nil
}

// Score implements recommend.Model.
func (c *CoOccurrence) Score(u int, scores []float32) {
	clear(scores)
	cols, _ := c.data.Row(u)
	for _, a := range cols {
		for j, v := range c.co[int(a)*c.n : (int(a)+1)*c.n] {
			scores[j] += v
		}
	}
}

// Similar implements recommend.Similarity.
func (c *CoOccurrence) Similar(i int, scores []float32) { copy(scores, c.co[i*c.n:(i+1)*c.n]) }

// failingModel fails its fit: a run must then publish nothing.
type failingModel struct{ recommend.Popularity }

func (failingModel) Name() string { return "failing" }
func (failingModel) Fit(context.Context, *recommend.Data) error {
	return fmt.Errorf("the model refuses to train")
}

// TestModels builds the models the suite trains by name: "popularity",
// "cooccurrence" and "failing" (whose fit fails).
func TestModels(name string, _ int64) (recommend.Model, error) {
	switch name {
	case "popularity":
		return &recommend.Popularity{}, nil
	case "cooccurrence":
		return &CoOccurrence{}, nil
	case "failing":
		return &failingModel{}, nil
	}
	return nil, fmt.Errorf("%w %q", recommend.ErrUnknownModel, name)
}
