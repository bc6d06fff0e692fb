package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/duckdb"
	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/pipeline"
	"github.com/animetl/animetl/postgres"
	"github.com/animetl/animetl/synth"
)

// TestDeltaChecksCatchPlantedDefects: an incremental run checks user_anime
// and the marts from the day's rows (quality.ScopeDelta), and a defect
// planted in the day's rows of the stage just before the checks still
// fails the run, naming the check; the clean day passes every check.
func TestDeltaChecksCatchPlantedDefects(t *testing.T) {
	engines := []struct {
		name    string
		scratch string
		open    func(t *testing.T) animetl.Warehouse
	}{
		{"duckdb", "scratch.", func(t *testing.T) animetl.Warehouse {
			w, err := duckdb.Open(duckdb.Options{Path: filepath.Join(t.TempDir(), "w.duckdb"), LockTimeout: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			return w
		}},
		{"postgres", "", func(t *testing.T) animetl.Warehouse {
			w, err := postgres.Open(context.Background(), postgres.Options{URL: contract.NewPostgresDB(t)})
			if err != nil {
				t.Fatal(err)
			}
			return w
		}},
	}
	// Each plant names the checks that must fail (and no other), and the statements that
	// break the day's rows ({{S}}: the schema of the day's work tables).
	plants := []struct {
		name, check string
		engines     string
		break_      []string
	}{
		{"clean", "", "duckdb postgres", nil},
		// The merge left a second row for one of the day's keys. PostgreSQL's
		// primary key refuses such a row: its check reads the constraint.
		// The extra row is an extra entry too: the mart recount sees it.
		{"duplicate day key", "user_anime_pk_unique anime_stats_matches_user_anime", "duckdb", []string{
			`INSERT INTO user_anime_delta SELECT u.* FROM user_anime_delta u
			 JOIN (SELECT user_id, anime_id FROM {{S}}list_load ORDER BY user_id, anime_id LIMIT 1) k
			   ON k.user_id = u.user_id AND k.anime_id = u.anime_id`}},
		// A touched anime's rating sum, which neither anime_stats nor the
		// totals carry: only the recount from user_anime sees it.
		{"wrong mart count of a touched anime", "anime_stats_matches_user_anime", "duckdb postgres", []string{
			`UPDATE anime_status_stats SET rating_sum = rating_sum + 1
			 WHERE anime_id = (SELECT min(anime_id) FROM {{S}}list_load)
			   AND watching_status = (SELECT min(watching_status) FROM anime_status_stats
			                          WHERE anime_id = (SELECT min(anime_id) FROM {{S}}list_load))`}},
		// A touched anime's entries moved from one status to another: the
		// per-anime totals hold, the per-status counts do not.
		{"entries moved between statuses", "anime_stats_matches_user_anime", "duckdb postgres", []string{
			`UPDATE anime_status_stats SET entries = entries + 1
			 WHERE anime_id = (SELECT max(anime_id) FROM {{S}}list_load)
			   AND watching_status = (SELECT min(watching_status) FROM anime_status_stats
			                          WHERE anime_id = (SELECT max(anime_id) FROM {{S}}list_load))`,
			`UPDATE anime_stats SET list_users = list_users + 1,
			     watching = watching + CASE WHEN (SELECT min(watching_status) FROM anime_status_stats
			                          WHERE anime_id = (SELECT max(anime_id) FROM {{S}}list_load)) = 1 THEN 1 ELSE 0 END,
			     completed = completed + CASE WHEN (SELECT min(watching_status) FROM anime_status_stats
			                          WHERE anime_id = (SELECT max(anime_id) FROM {{S}}list_load)) = 2 THEN 1 ELSE 0 END
			 WHERE anime_id = (SELECT max(anime_id) FROM {{S}}list_load)`}},
		// A row whose key the day does not name went missing: DuckDB's size
		// proof sees it (PostgreSQL relies on its merge there: quality/delta.go).
		{"row outside the day lost", "anime_stats_matches_user_anime", "duckdb", []string{
			`DELETE FROM user_anime_base WHERE rowid = (SELECT min(u.rowid) FROM user_anime_base u
			   WHERE NOT EXISTS (SELECT 1 FROM {{S}}list_load k WHERE k.user_id = u.user_id AND k.anime_id = u.anime_id)
			     AND NOT EXISTS (SELECT 1 FROM {{S}}delete_load k WHERE k.user_id = u.user_id AND k.anime_id = u.anime_id))`}},
		// A key the day deleted is still there: its row is counted in the
		// day's rows the marts no longer hold.
		{"deleted key left behind", "anime_stats_matches_user_anime", "duckdb postgres", []string{
			`INSERT INTO user_anime_delta (user_id, anime_id, watching_status, rating, watched_episodes)
			 SELECT x.user_id, x.anime_id, 2, NULL, 0 FROM {{S}}delete_load x
			 WHERE NOT EXISTS (SELECT 1 FROM user_anime u WHERE u.user_id = x.user_id AND u.anime_id = x.anime_id)
			 ORDER BY x.user_id, x.anime_id LIMIT 1`}},
		// A base row the day replaced or deleted is not hidden: user_anime
		// shows it again (beside the day's row, for a replaced one).
		{"replaced base row not hidden", "anime_stats_matches_user_anime", "duckdb postgres", []string{
			`DELETE FROM user_anime_gone WHERE (user_id, anime_id) IN
			 (SELECT user_id, anime_id FROM {{S}}ua_old WHERE in_base ORDER BY user_id, anime_id LIMIT 1)`}},
		// A day's row in user_anime with a rating out of range (its rating
		// sum no longer matches the mart either).
		{"day row rating out of range", "user_anime_rating_range anime_stats_matches_user_anime", "duckdb postgres", []string{
			`UPDATE user_anime_delta SET rating = 11
			 WHERE user_id = (SELECT min(user_id) FROM {{S}}list_load)
			   AND anime_id = (SELECT min(anime_id) FROM {{S}}list_load
			                   WHERE user_id = (SELECT min(user_id) FROM {{S}}list_load))`}},
	}
	base, _ := contract.Gen(t, contract.Generated)
	for _, e := range engines {
		for _, p := range plants {
			if !strings.Contains(p.engines, e.name) {
				continue
			}
			t.Run(e.name+"/"+p.name, func(t *testing.T) {
				dir := contract.CopyDir(t, base)
				wh := e.open(t)
				defer wh.Close()
				if _, err := contract.RunMode(t, wh, dir, animetl.ModeFull, pipeline.Backfill{}); err != nil {
					t.Fatal(err)
				}
				if _, err := synth.WriteDelta(context.Background(), dir, synth.DeltaConfig{Date: "2026-11-27", Rows: 600, Deletes: 60, Seed: 27}); err != nil {
					t.Fatal(err)
				}
				planted := false
				pipeline.SetBeforeChecks(func(ctx context.Context, st animetl.Stage) error {
					for _, q := range p.break_ {
						rows, err := st.Query(ctx, strings.ReplaceAll(q, "{{S}}", e.scratch))
						if err != nil {
							return fmt.Errorf("%s: %w", q, err)
						}
						for rows.Next() {
						}
						if err := rows.Close(); err != nil {
							return err
						}
					}
					planted = true
					return nil
				})
				defer pipeline.SetBeforeChecks(nil)
				sum, err := contract.RunMode(t, wh, dir, animetl.ModeIncremental, pipeline.Backfill{})
				if !planted {
					t.Fatalf("the hook did not run: %v", err)
				}
				if p.check == "" {
					if err != nil {
						t.Fatalf("clean incremental run: %v", err)
					}
				} else if !errors.Is(err, animetl.ErrChecks) {
					t.Fatalf("run with a planted %s: err %v, want the checks to fail", p.name, err)
				}
				for _, c := range sum.Checks {
					if c.Severity != animetl.SeverityError {
						continue
					}
					if want := slices.Contains(strings.Fields(p.check), c.Name); (c.Status == animetl.CheckFail) != want {
						t.Errorf("%s: status %s (observed %s) with %s planted", c.Name, c.Status, c.Observed, p.name)
					}
				}
			})
		}
	}
}
