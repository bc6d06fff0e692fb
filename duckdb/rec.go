package duckdb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	duck "github.com/duckdb/duckdb-go/v2"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/schema"
)

// The recommendation tables live in the stage file like the model, so the
// rename that publishes the model publishes them too. An incremental run's
// stage is a copy of the published file and already holds them; a full
// run's stage is a new file, which gets them from the published file
// (attached read-only) for the tables the run does not retrain.

// finalizeRecs creates the recommendation tables where they are missing
// and carries the published ones the run does not retrain into a full
// run's stage.
func (s *stage) finalizeRecs(ctx context.Context, retrain []string) error {
	var create []string
	for _, q := range schema.Recommendations() {
		create = append(create, strings.Replace(q, "CREATE TABLE ", "CREATE TABLE IF NOT EXISTS ", 1))
	}
	if err := s.execAll(ctx, create); err != nil {
		return err
	}
	if s.run.Mode != animetl.ModeFull {
		return nil // the copied file holds the published tables as they were
	}
	var carry []string
	for _, t := range []string{animetl.RecUserTable, animetl.RecSimilarTable} {
		if !slices.Contains(retrain, t) {
			carry = append(carry, t)
		}
	}
	if len(carry) == 0 {
		return nil
	}
	if _, err := os.Stat(s.w.opts.Path); errors.Is(err, os.ErrNotExist) {
		return nil // nothing published yet
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("duckdb: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("ATTACH '%s' AS prev_rec (READ_ONLY)", sqlString(s.w.opts.Path))); err != nil {
		return fmt.Errorf("duckdb: attach %s: %w", s.w.opts.Path, err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "DETACH prev_rec")
	var have int
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM duckdb_tables() WHERE database_name = 'prev_rec' AND table_name = 'rec_model'`).Scan(&have); err != nil {
		return fmt.Errorf("duckdb: carry recommendations: %w", err)
	}
	if have == 0 {
		return nil // published before the recommendation tables existed
	}
	for _, t := range carry {
		for _, q := range []string{
			fmt.Sprintf("INSERT INTO %s SELECT * FROM prev_rec.%s", t, t),
			fmt.Sprintf("INSERT INTO rec_model SELECT * FROM prev_rec.rec_model WHERE table_name = '%s'", t),
		} {
			if _, err := conn.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("duckdb: carry %s: %w", t, err)
			}
		}
	}
	return nil
}

// LoadUserRecs replaces rec_user through an appender.
func (s *stage) LoadUserRecs(ctx context.Context, m animetl.RecModel, in <-chan []animetl.UserRec) error {
	return loadRecs(ctx, s, animetl.RecUserTable, m, in, func(a *duck.Appender, r animetl.UserRec) error {
		return a.AppendRow(r.UserID, r.AnimeID, r.Score, r.Rank)
	})
}

// LoadSimilarRecs replaces rec_similar through an appender.
func (s *stage) LoadSimilarRecs(ctx context.Context, m animetl.RecModel, in <-chan []animetl.SimilarRec) error {
	return loadRecs(ctx, s, animetl.RecSimilarTable, m, in, func(a *duck.Appender, r animetl.SimilarRec) error {
		return a.AppendRow(r.AnimeID, r.SimilarID, r.Score, r.Rank)
	})
}

// loadRecs empties table and its rec_model row, appends the batches of in
// and records m.
func loadRecs[T any](ctx context.Context, s *stage, table string, m animetl.RecModel, in <-chan []T, row func(*duck.Appender, T) error) error {
	m.Table = table
	if _, err := s.db.ExecContext(ctx, "DELETE FROM "+table); err != nil {
		return fmt.Errorf("duckdb: empty %s: %w", table, err)
	}
	if _, err := s.db.ExecContext(ctx, "DELETE FROM rec_model WHERE table_name = ?", table); err != nil {
		return fmt.Errorf("duckdb: empty rec_model: %w", err)
	}
	if err := appendAll(ctx, s, "", table, in, row); err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO rec_model (table_name, model, run_id, trained_at, params, users, items, entries, train_seconds)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, m.Table, m.Model, m.RunID, m.TrainedAt.UTC(), m.Params, m.Users, m.Items, m.Entries, m.TrainSeconds); err != nil {
		return fmt.Errorf("duckdb: record rec_model: %w", err)
	}
	return nil
}
