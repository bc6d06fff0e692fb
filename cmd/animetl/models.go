package main

import (
	"fmt"

	"github.com/animetl/animetl/pipeline"
	"github.com/animetl/animetl/recommend"
)

// newRecModel builds the recommenders `run --recommend` trains, by name.
// It is the one place the CLI names models.
var newRecModel pipeline.ModelFactory = func(name string, _ int64) (recommend.Model, error) {
	if name == "popularity" {
		return &recommend.Popularity{}, nil
	}
	return nil, fmt.Errorf("%w %q", recommend.ErrUnknownModel, name)
}

// recModelNames are the names newRecModel knows, for messages.
var recModelNames = []string{"popularity"}

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
