package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/recommend"
)

// ModelFactory builds an untrained recommender by name, seeded with seed.
// It returns an error wrapping recommend.ErrUnknownModel for a name it does
// not know. The CLI passes the recommend package's constructor; pipeline
// names no model itself.
type ModelFactory func(name string, seed int64) (recommend.Model, error)

// Defaults of the recommend phase.
const (
	// DefaultRecommendTop is how many recommendations (per user) and similar
	// anime (per anime) a run keeps.
	DefaultRecommendTop = 20
	// DefaultRecommendUserModel fills rec_user: implicit ALS, which ranks
	// best on the evaluation split (animetl evaluate).
	DefaultRecommendUserModel = "als"
	// DefaultRecommendSimilarModel fills rec_similar: item-kNN, whose
	// similarity is the share of users two anime have in common, which a
	// reader can check; empty keeps the published rec_similar.
	DefaultRecommendSimilarModel = "itemknn"
)

// maxRecommendTop bounds RecommendTop: rank is a SMALLINT.
const maxRecommendTop = 1000

// recModels builds the configured models; a nil one leaves its table as
// published.
func (c *Config) recModels() (recommend.Model, recommend.Similarity, error) {
	bad := func(field, v, why string) error {
		return fmt.Errorf("pipeline: %s = %q: %s: %w", field, v, why, animetl.ErrConfig)
	}
	var user recommend.Model
	var sim recommend.Similarity
	if c.RecommendUserModel != "" {
		m, err := c.NewModel(c.RecommendUserModel, c.RecSeed)
		if err != nil {
			return nil, nil, bad("RecommendUserModel", c.RecommendUserModel, err.Error())
		}
		user = m
	}
	if c.RecommendSimilarModel != "" {
		m, err := c.NewModel(c.RecommendSimilarModel, c.RecSeed)
		if c.RecommendSimilarModel == c.RecommendUserModel {
			m, err = user, nil // one model for both tables, fitted once
		}
		if err != nil {
			return nil, nil, bad("RecommendSimilarModel", c.RecommendSimilarModel, err.Error())
		}
		s, ok := m.(recommend.Similarity)
		if !ok {
			return nil, nil, bad("RecommendSimilarModel", c.RecommendSimilarModel, "the model cannot tell similar anime")
		}
		sim = s
	}
	if user == nil && sim == nil {
		return nil, nil, fmt.Errorf("pipeline: Recommend is set but RecommendUserModel and RecommendSimilarModel are both empty: %w", animetl.ErrConfig)
	}
	return user, sim, nil
}

// validateRecommend checks the recommend settings when Recommend is set.
func (c *Config) validateRecommend() error {
	if !c.Recommend {
		return nil
	}
	if c.RecommendTop < 1 || c.RecommendTop > maxRecommendTop {
		return fmt.Errorf("pipeline: RecommendTop = %d: want 1 to %d: %w", c.RecommendTop, maxRecommendTop, animetl.ErrConfig)
	}
	if c.NewModel == nil {
		c.NewModel = builtinModel
	}
	_, _, err := c.recModels()
	return err
}

// builtinModel builds the recommend package's models with their default
// parameters and the run's seed.
func builtinModel(name string, seed int64) (recommend.Model, error) {
	p := recommend.DefaultParams()
	p.Seed = uint64(seed)
	return recommend.New(name, p)
}

// retrained names the tables the run's recommend phase refills, for
// FinalizeOptions.Recommend.
func (c *Config) retrained() []string {
	if !c.Recommend {
		return nil
	}
	var t []string
	if c.RecommendUserModel != "" {
		t = append(t, animetl.RecUserTable)
	}
	if c.RecommendSimilarModel != "" {
		t = append(t, animetl.RecSimilarTable)
	}
	return t
}

// recommendAll trains the configured models on the stage's user_anime and
// streams their top lists into the stage: every user's best unseen anime
// into rec_user, every anime's most similar ones into rec_similar.
func recommendAll(ctx context.Context, cfg Config, log *slog.Logger, stage animetl.Stage, runID string) error {
	t0 := time.Now()
	user, sim, err := cfg.recModels()
	if err != nil {
		return err
	}
	d, err := recommend.Load(ctx, stage, nil)
	if err != nil {
		return fmt.Errorf("recommend: %w", err)
	}
	log.Info("recommend: list loaded", "users", len(d.Users), "anime", len(d.Items), "entries", d.NNZ(),
		animetl.LogDuration, time.Since(t0).Round(time.Millisecond))
	if user != nil {
		m, err := fit(ctx, cfg, user, d, runID)
		if err != nil {
			return err
		}
		if err := streamRecs(ctx, func(ctx context.Context, in <-chan []animetl.UserRec) error {
			return stage.LoadUserRecs(ctx, m, in)
		}, func(ctx context.Context, emit func([]animetl.UserRec) error) error {
			return recommend.RecommendAll(ctx, user, d, cfg.RecommendTop, emit)
		}); err != nil {
			return fmt.Errorf("recommend: rec_user: %w", err)
		}
		log.Info("recommend: rec_user written", "model", m.Model, "train_seconds", m.TrainSeconds)
	}
	if sim != nil {
		var m animetl.RecModel
		if recommend.Model(sim) == user { // fitted above
			m = recModelRow(cfg, sim, d, runID, 0)
		} else if m, err = fit(ctx, cfg, sim, d, runID); err != nil {
			return err
		}
		if err := streamRecs(ctx, func(ctx context.Context, in <-chan []animetl.SimilarRec) error {
			return stage.LoadSimilarRecs(ctx, m, in)
		}, func(ctx context.Context, emit func([]animetl.SimilarRec) error) error {
			return recommend.SimilarAll(ctx, sim, d, cfg.RecommendTop, emit)
		}); err != nil {
			return fmt.Errorf("recommend: rec_similar: %w", err)
		}
		log.Info("recommend: rec_similar written", "model", m.Model, "train_seconds", m.TrainSeconds)
	}
	log.Info("recommended", animetl.LogDuration, time.Since(t0).Round(time.Millisecond))
	return nil
}

// fit trains m on d and describes it as a rec_model row.
func fit(ctx context.Context, cfg Config, m recommend.Model, d *recommend.Data, runID string) (animetl.RecModel, error) {
	t0 := time.Now()
	if err := m.Fit(ctx, d); err != nil {
		return animetl.RecModel{}, fmt.Errorf("recommend: fit %s: %w", m.Name(), err)
	}
	return recModelRow(cfg, m, d, runID, time.Since(t0).Seconds()), nil
}

// recModelRow describes a fitted model. Params holds the run's settings
// and the model's exported fields (its hyperparameters), as JSON.
func recModelRow(cfg Config, m recommend.Model, d *recommend.Data, runID string, seconds float64) animetl.RecModel {
	p := map[string]any{"top": cfg.RecommendTop, "seed": cfg.RecSeed}
	if b, err := json.Marshal(m); err == nil && len(b) > 2 && b[0] == '{' {
		p["model"] = json.RawMessage(b)
	}
	params, _ := json.Marshal(p)
	return animetl.RecModel{
		Model: m.Name(), RunID: runID, TrainedAt: time.Now().UTC(), Params: string(params),
		Users: int32(len(d.Users)), Items: int32(len(d.Items)), Entries: int64(d.NNZ()), TrainSeconds: seconds,
	}
}

// streamRecs runs produce, which hands batches to emit, and load, which
// consumes them from a channel, side by side (streamBatches); the first
// error stops both.
func streamRecs[T any](ctx context.Context, load func(context.Context, <-chan []T) error, produce func(context.Context, func([]T) error) error) error {
	_, err := streamBatches(ctx, load, func(send func([]T) error) (int64, error) {
		return 0, produce(ctx, send)
	})
	return err
}
