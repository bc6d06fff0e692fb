package main

import (
	"github.com/animetl/animetl/pipeline"
	"github.com/animetl/animetl/recommend"
)

// newRecModel builds the recommenders `run --recommend` trains, by name,
// with the recommend package's default parameters and the run's seed.
var newRecModel pipeline.ModelFactory = func(name string, seed int64) (recommend.Model, error) {
	p := recommend.DefaultParams()
	p.Seed = uint64(seed)
	return recommend.New(name, p)
}

// recModelNames are the names newRecModel knows, for messages.
var recModelNames = recommend.Models

// validateRecModel checks the model a flag names: one newRecModel knows,
// and a recommend.Similarity when the table is rec_similar. Empty keeps
// the published table.
func validateRecModel(flag, name string, similar bool) error {
	if name == "" {
		return nil
	}
	m, err := newRecModel(name, 0)
	if err != nil {
		return usagef("--%s %q: want one of %v, or empty to keep the published table", flag, name, recModelNames)
	}
	if _, ok := m.(recommend.Similarity); similar && !ok {
		return usagef("--%s %q: the model cannot tell similar anime", flag, name)
	}
	return nil
}

// recommendSomething refuses --recommend with both model flags empty.
func recommendSomething(f runFlags) error {
	if f.recommend && f.recUserModel == "" && f.recSimilar == "" {
		return usagef("--recommend with empty --rec-user-model and --rec-similar-model: name at least one model")
	}
	return nil
}
