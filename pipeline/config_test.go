package pipeline

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/local"
	"github.com/animetl/animetl/quality"
)

// TestConfigZeroMeansZero: no setting is read as "unset" and replaced; a
// zero MaxRejectRate stays zero, and a value without meaning is refused
// with ErrConfig naming the field.
func TestConfigZeroMeansZero(t *testing.T) {
	src, err := local.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var wh animetl.Warehouse = struct{ animetl.Warehouse }{} // never called by validate
	base := func() Config {
		c := DefaultConfig()
		c.Source, c.Warehouse = src, wh
		return c
	}
	c := base()
	c.MaxRejectRate = 0
	if err := c.validate(); err != nil {
		t.Fatal(err)
	}
	if c.MaxRejectRate != 0 {
		t.Errorf("MaxRejectRate 0 became %v", c.MaxRejectRate)
	}
	for _, chk := range c.Checks {
		if chk.Name == "reject_rate" && chk.Threshold != 0 {
			t.Errorf("reject_rate threshold %v, want 0", chk.Threshold)
		}
	}
	tests := []struct {
		field string
		edit  func(*Config)
	}{
		{"MaxRejectRate", func(c *Config) { c.MaxRejectRate = -0.1 }},
		{"MaxRejectRate", func(c *Config) { c.MaxRejectRate = math.NaN() }},
		{"MaxDrift", func(c *Config) { c.MaxDrift = 0 }},
		{"MaxDeltaAgeDays", func(c *Config) { c.MaxDeltaAgeDays = 0 }},
		{"PriorRatings", func(c *Config) { c.PriorRatings = 0 }},
		{"BatchSize", func(c *Config) { c.BatchSize = 0 }},
		{"ParseWorkers", func(c *Config) { c.ParseWorkers = -1 }},
		{"AbortTimeout", func(c *Config) { c.AbortTimeout = 0 }},
		{"Mode", func(c *Config) { c.Mode = "" }},
	}
	for _, tc := range tests {
		c := base()
		tc.edit(&c)
		err := c.validate()
		if !errors.Is(err, animetl.ErrConfig) || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: got %v, want ErrConfig naming the field", tc.field, err)
		}
	}
	if d := DefaultConfig(); d.MaxRejectRate != quality.DefaultMaxRejectRate || d.PriorRatings != animetl.DefaultPriorRatings {
		t.Errorf("DefaultConfig: %+v", d)
	}
}
