package quality_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/duckdb"
	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/quality"
)

// TestRecChecksCatchViolations publishes a warehouse with trained
// recommendations, then plants one defect at a time in a copy and shows
// that the check of that rule fails, and that the clean copy passes.
func TestRecChecksCatchViolations(t *testing.T) {
	dir, _ := contract.Gen(t, contract.Generated)
	clean := filepath.Join(t.TempDir(), "clean.duckdb")
	wh, err := duckdb.Open(duckdb.Options{Path: clean, LockTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := contract.RunRecommend(t, wh, dir, animetl.ModeFull, "popularity", "cooccurrence")
	wh.Close()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, check string
		break_      []string
	}{
		{"clean", "", nil},
		{"seen anime", "rec_user_unseen", []string{`UPDATE rec_user SET anime_id = (SELECT min(u.anime_id) FROM user_anime u WHERE u.user_id = rec_user.user_id)
			WHERE rank = 1 AND user_id = (SELECT min(user_id) FROM rec_user)`}},
		{"unknown user", "rec_user_known_users", []string{"INSERT INTO rec_user VALUES (-1, 1, 1.0, 1)"}},
		{"user rank gap", "rec_user_ranks_dense", []string{"DELETE FROM rec_user WHERE rank = 1 AND user_id = (SELECT min(user_id) FROM rec_user)"}},
		{"user rank past the count", "rec_user_ranks_dense", []string{"UPDATE rec_user SET rank = 99 WHERE rank = 20 AND user_id = (SELECT min(user_id) FROM rec_user)"}},
		{"similar rank gap", "rec_similar_ranks_dense", []string{"DELETE FROM rec_similar WHERE rank = 2 AND anime_id = (SELECT min(anime_id) FROM rec_similar)"}},
		{"similar to itself", "rec_similar_not_self", []string{"UPDATE rec_similar SET similar_id = anime_id WHERE rank = 1 AND anime_id = (SELECT min(anime_id) FROM rec_similar)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "broken.duckdb")
			b, err := os.ReadFile(clean)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			mutate(t, path, tc.break_)
			w, err := duckdb.Open(duckdb.Options{Path: path})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			results, err := quality.Run(context.Background(), w, quality.Defaults(quality.DefaultLimits()),
				quality.Params{RunID: sum.RunID, Dialect: "duckdb"})
			if err != nil {
				t.Fatal(err)
			}
			ran := 0
			for _, r := range results {
				if len(r.Name) < 4 || r.Name[:4] != "rec_" {
					continue
				}
				ran++
				if r.Severity != animetl.SeverityError {
					t.Errorf("%s has severity %s, want error", r.Name, r.Severity)
				}
				if want := r.Name == tc.check; (r.Status == animetl.CheckFail) != want {
					t.Errorf("%s: status %s (observed %s) on %s", r.Name, r.Status, r.Observed, tc.name)
				}
			}
			if ran != 5 {
				t.Errorf("%d recommendation checks ran, want 5", ran)
			}
		})
	}
}

// TestRecChecksSkipCarriedRecommendations: what rec_user says about the
// lists is checked only when the checked run trained it; a later run that
// carried it over is not failed by lists that moved on.
func TestRecChecksSkipCarriedRecommendations(t *testing.T) {
	dir, _ := contract.Gen(t, contract.Generated)
	path := filepath.Join(t.TempDir(), "w.duckdb")
	wh, err := duckdb.Open(duckdb.Options{Path: path, LockTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	if _, err := contract.RunRecommend(t, wh, dir, animetl.ModeFull, "popularity", ""); err != nil {
		t.Fatal(err)
	}
	mutate(t, path, []string{`UPDATE rec_user SET anime_id = (SELECT min(u.anime_id) FROM user_anime u WHERE u.user_id = rec_user.user_id)
		WHERE rank = 1 AND user_id = (SELECT min(user_id) FROM rec_user)`})
	results, err := quality.Run(context.Background(), wh, quality.Defaults(quality.DefaultLimits()),
		quality.Params{RunID: "a-later-run", Dialect: "duckdb"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.Name == "rec_user_unseen" && r.Status != animetl.CheckPass {
			t.Errorf("rec_user_unseen failed for a run that did not train rec_user (observed %s)", r.Observed)
		}
	}
}
