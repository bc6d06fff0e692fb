package postgres

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/schema"
)

// The recommendation tables are built in the stage schema, full and
// incremental runs alike, and the publish transaction moves them into the
// target schema with the model (schema.RecTables). They are created and
// filled on the pool's connections, outside an incremental run's
// transaction: they are the stage's own tables, which nothing else reads
// before the publish, and the transaction sees them once committed.

// finalizeRecs creates the stage's recommendation tables and copies the
// published ones the run does not retrain into them.
func (s *stage) finalizeRecs(ctx context.Context, retrain []string) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	defer conn.Release()
	for _, q := range schema.Recommendations() {
		if _, err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("postgres: create recommendation tables: %w", err)
		}
	}
	var published bool
	if err := conn.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, ident(s.w.target, "rec_model")).Scan(&published); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	if !published {
		return nil // nothing published yet, or published before these tables existed
	}
	cols := map[string]string{
		animetl.RecUserTable:    "user_id, anime_id, score, rank",
		animetl.RecSimilarTable: "anime_id, similar_id, score, rank",
	}
	for _, t := range []string{animetl.RecUserTable, animetl.RecSimilarTable} {
		if slices.Contains(retrain, t) {
			continue
		}
		if _, err := conn.Exec(ctx, fmt.Sprintf("INSERT INTO %s (%s) SELECT %[2]s FROM %s",
			ident(s.w.stage, t), cols[t], ident(s.w.target, t))); err != nil {
			return fmt.Errorf("postgres: carry %s: %w", t, err)
		}
		if _, err := conn.Exec(ctx, fmt.Sprintf(`INSERT INTO %s (table_name, model, run_id, trained_at, params, users, items, entries, train_seconds)
			SELECT table_name, model, run_id, trained_at, params, users, items, entries, train_seconds
			FROM %s WHERE table_name = $1`, ident(s.w.stage, "rec_model"), ident(s.w.target, "rec_model")), t); err != nil {
			return fmt.Errorf("postgres: carry the rec_model row of %s: %w", t, err)
		}
	}
	return nil
}

// LoadUserRecs replaces the stage's rec_user by one binary COPY.
func (s *stage) LoadUserRecs(ctx context.Context, m animetl.RecModel, in <-chan []animetl.UserRec) error {
	return loadRecs(ctx, s, animetl.RecUserTable, "user_id, anime_id, score, rank", m, in, func(b []byte, r *animetl.UserRec) []byte {
		return recRow(b, r.UserID, r.AnimeID, r.Score, r.Rank)
	})
}

// LoadSimilarRecs replaces the stage's rec_similar by one binary COPY.
func (s *stage) LoadSimilarRecs(ctx context.Context, m animetl.RecModel, in <-chan []animetl.SimilarRec) error {
	return loadRecs(ctx, s, animetl.RecSimilarTable, "anime_id, similar_id, score, rank", m, in, func(b []byte, r *animetl.SimilarRec) []byte {
		return recRow(b, r.AnimeID, r.SimilarID, r.Score, r.Rank)
	})
}

// recRowSize is the length of a recRow: the field count, then int4, int4,
// float4 and int2, each after its length.
const recRowSize = 2 + 4 + 4 + 4 + 4 + 4 + 4 + 4 + 2

// recRow encodes one recommendation row in the binary COPY format.
func recRow(b []byte, key, item int32, score float32, rank int16) []byte {
	be := binary.BigEndian
	b = be.AppendUint16(b, 4)
	b = be.AppendUint32(b, 4)
	b = be.AppendUint32(b, uint32(key))
	b = be.AppendUint32(b, 4)
	b = be.AppendUint32(b, uint32(item))
	b = be.AppendUint32(b, 4)
	b = be.AppendUint32(b, math.Float32bits(score))
	b = be.AppendUint32(b, 2)
	return be.AppendUint16(b, uint16(rank))
}

// loadRecs empties table and its rec_model row, COPYs the batches of in
// and records m, on one connection.
func loadRecs[T any](ctx context.Context, s *stage, table, cols string, m animetl.RecModel, in <-chan []T, row func([]byte, *T) []byte) error {
	m.Table = table
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	defer conn.Release()
	for _, q := range []string{"TRUNCATE " + ident(s.w.stage, table), fmt.Sprintf("DELETE FROM %s WHERE table_name = '%s'", ident(s.w.stage, "rec_model"), table)} {
		if _, err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("postgres: empty %s: %w", table, err)
		}
	}
	if _, err := copyBatches(ctx, conn, pgx.Identifier{s.w.stage, table}, cols, in, row, recRowSize); err != nil {
		return fmt.Errorf("postgres: copy %s: %w", table, err)
	}
	if _, err := conn.Exec(ctx, fmt.Sprintf(`INSERT INTO %s (table_name, model, run_id, trained_at, params, users, items, entries, train_seconds)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, ident(s.w.stage, "rec_model")),
		m.Table, m.Model, m.RunID, m.TrainedAt.UTC(), m.Params, m.Users, m.Items, m.Entries, m.TrainSeconds); err != nil {
		return fmt.Errorf("postgres: record rec_model: %w", err)
	}
	return nil
}
