package recommend

import (
	"fmt"
	"math"
)

// Models lists the names New knows, in the order reports show them.
var Models = []string{"popularity", "itemknn", "als"}

// Upper bounds of Params: past them a model would exhaust memory or time
// rather than learn more.
const (
	MaxFactors    = 1024
	MaxIterations = 1000
	MaxNeighbours = 10000
)

// Params configures the models New builds. The zero value of a field means
// its default (DefaultParams); a field a model does not use is ignored.
type Params struct {
	// Seed seeds ALS's random start.
	Seed uint64
	// Factors, Regularization, Iterations and Alpha configure ALS.
	Factors        int
	Regularization float64
	Iterations     int
	Alpha          float64
	// Neighbours and Shrink configure ItemKNN (for practically no
	// shrinkage give a tiny Shrink such as 1e-6: 0 means the default).
	Neighbours int
	Shrink     float64
}

// DefaultParams returns the defaults of every field.
func DefaultParams() Params {
	return Params{Seed: DefaultSeed, Factors: DefaultFactors, Regularization: DefaultRegularization,
		Iterations: DefaultIterations, Alpha: DefaultAlpha, Neighbours: DefaultNeighbours, Shrink: DefaultShrink}
}

// withDefaults fills the zero fields (Seed 0 is a seed like any other).
func (p Params) withDefaults() Params {
	d := DefaultParams()
	if p.Factors == 0 {
		p.Factors = d.Factors
	}
	if p.Regularization == 0 {
		p.Regularization = d.Regularization
	}
	if p.Iterations == 0 {
		p.Iterations = d.Iterations
	}
	if p.Alpha == 0 {
		p.Alpha = d.Alpha
	}
	if p.Neighbours == 0 {
		p.Neighbours = d.Neighbours
	}
	if p.Shrink == 0 {
		p.Shrink = d.Shrink
	}
	return p
}

// Validate reports the first field out of range, naming it and its value.
func (p Params) Validate() error {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case p.Factors < 0 || p.Factors > MaxFactors:
		return fmt.Errorf("recommend: Factors %d: want 0 (the default) to %d", p.Factors, MaxFactors)
	case p.Iterations < 0 || p.Iterations > MaxIterations:
		return fmt.Errorf("recommend: Iterations %d: want 0 (the default) to %d", p.Iterations, MaxIterations)
	case p.Neighbours < 0 || p.Neighbours > MaxNeighbours:
		return fmt.Errorf("recommend: Neighbours %d: want 0 (the default) to %d", p.Neighbours, MaxNeighbours)
	case !finite(p.Regularization) || p.Regularization < 0:
		return fmt.Errorf("recommend: Regularization %v: want a finite number, 0 (the default) or more", p.Regularization)
	case !finite(p.Alpha) || p.Alpha < 0:
		return fmt.Errorf("recommend: Alpha %v: want a finite number, 0 (the default) or more", p.Alpha)
	case !finite(p.Shrink) || p.Shrink < 0:
		return fmt.Errorf("recommend: Shrink %v: want a finite number, 0 (the default) or more", p.Shrink)
	}
	return nil
}

// New returns the untrained model called name ("popularity", "itemknn" or
// "als") configured by p. An unknown name is ErrUnknownModel; a field out of
// range is an error naming it.
func New(name string, p Params) (Model, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	p = p.withDefaults()
	switch name {
	case "popularity":
		return &Popularity{}, nil
	case "itemknn":
		return &ItemKNN{Neighbours: p.Neighbours, Shrink: float32(p.Shrink)}, nil
	case "als":
		return &ALS{Factors: p.Factors, Regularization: float32(p.Regularization), Iterations: p.Iterations,
			Alpha: float32(p.Alpha), CGSteps: DefaultCGSteps, Seed: p.Seed}, nil
	}
	return nil, fmt.Errorf("%w %q (want %s)", ErrUnknownModel, name, "popularity, itemknn or als")
}
