package pipeline

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/local"
)

// TestRecommendConfig: with Recommend set, the model names and the top are
// validated before the run begins, naming the field; without it they are
// not read.
func TestRecommendConfig(t *testing.T) {
	src, err := local.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var wh animetl.Warehouse = struct{ animetl.Warehouse }{} // never called by validate
	base := func() Config {
		c := DefaultConfig()
		c.Source, c.Warehouse, c.Recommend = src, wh, true
		return c
	}
	c := base()
	if err := c.validate(); err != nil {
		t.Fatalf("the default recommend settings: %v", err)
	}
	if got := c.retrained(); !slices.Equal(got, []string{animetl.RecUserTable, animetl.RecSimilarTable}) {
		t.Errorf("retrained %v, want rec_user and rec_similar (ALS and item-kNN by default)", got)
	}
	tests := []struct {
		field string
		edit  func(*Config)
	}{
		{"RecommendTop", func(c *Config) { c.RecommendTop = 0 }},
		{"RecommendTop", func(c *Config) { c.RecommendTop = 5000 }},
		{"RecommendUserModel", func(c *Config) { c.RecommendUserModel = "magic" }},
		{"RecommendSimilarModel", func(c *Config) { c.RecommendSimilarModel = "popularity" }},
		{"RecommendSimilarModel", func(c *Config) { c.RecommendUserModel, c.RecommendSimilarModel = "", "" }},
	}
	for _, tc := range tests {
		c := base()
		tc.edit(&c)
		err := c.validate()
		if !errors.Is(err, animetl.ErrConfig) || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: got %v, want ErrConfig naming the field", tc.field, err)
		}
	}
	c = base()
	c.Recommend, c.RecommendUserModel = false, "magic"
	if err := c.validate(); err != nil {
		t.Errorf("model names are read only with Recommend: %v", err)
	}
	if got := c.retrained(); got != nil {
		t.Errorf("retrained %v without Recommend", got)
	}
}
