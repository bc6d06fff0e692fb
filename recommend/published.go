package recommend

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/animetl/animetl"
)

// The published recommendations: what `animetl recommend`, `animetl similar`
// and the API read from a snapshot of the published state (rec_user,
// rec_similar and rec_model, schema/sql/rec.sql).

// Errors of the published reads.
var (
	// ErrNotPublished means the published state holds no recommendations:
	// the warehouse predates them, or no run trained the table asked for.
	ErrNotPublished = errors.New("no recommendations published: run `animetl run --recommend`")
	// ErrUnknownUser means the user id is beyond every user the published
	// lists know (ids run 0..max(user_id) of user_anime).
	ErrUnknownUser = errors.New("unknown user")
	// ErrUnknownAnime means the anime id is not in the published catalogue.
	ErrUnknownAnime = errors.New("unknown anime")
)

// PopularityModel is the model name of the fallback a user without
// recommendations gets: the anime on the most lists (anime_stats).
const PopularityModel = "popularity"

// Trained says which model filled a published recommendation table, and
// the run that trained it.
type Trained struct {
	Model     string
	RunID     string
	TrainedAt time.Time
}

// Published is what one published state holds of the recommenders: the
// rec_model row of each table, nil when no model filled it.
type Published struct {
	User    *Trained
	Similar *Trained
}

// Item is one recommended anime. Name is nil when the catalogue has none
// (an anime known only from users' lists).
type Item struct {
	Rank    int
	AnimeID int64
	Name    *string
	Score   float64
}

// Answer is the recommendations for one user or anime. Fallback says the
// user got the popularity list instead of the model's (Reason says why);
// Trained then names the published run the counts come from.
type Answer struct {
	Trained
	Fallback bool
	Reason   string
	Items    []Item
}

// Reasons of a fallback.
const (
	ReasonNoHistory  = "the user has no list entries"
	ReasonNotModeled = "the model has no recommendations for this user"
)

const (
	sqlRecTables = `SELECT table_name FROM information_schema.tables
WHERE table_schema = current_schema() AND table_name IN ('rec_user', 'rec_similar', 'rec_model')`
	sqlRecModel = `SELECT table_name, model, run_id, trained_at FROM rec_model`
	sqlUserRecs = `SELECT CAST(r.rank AS INTEGER) AS rank, r.anime_id, a.name, CAST(r.score AS DOUBLE PRECISION) AS score
FROM rec_user r LEFT JOIN anime a ON a.anime_id = r.anime_id
WHERE r.user_id = $1 ORDER BY r.rank LIMIT $2`
	sqlSimilarRecs = `SELECT CAST(r.rank AS INTEGER) AS rank, r.similar_id AS anime_id, a.name, CAST(r.score AS DOUBLE PRECISION) AS score
FROM rec_similar r LEFT JOIN anime a ON a.anime_id = r.similar_id
WHERE r.anime_id = $1 ORDER BY r.rank LIMIT $2`
	// SQLAllSimilar reads every published similar list, for a reader that
	// holds them in memory; its columns are sqlSimilarRecs' plus the anime.
	SQLAllSimilar = `SELECT r.anime_id AS of_anime, CAST(r.rank AS INTEGER) AS rank, r.similar_id AS anime_id, CAST(r.score AS DOUBLE PRECISION) AS score
FROM rec_similar r ORDER BY r.anime_id, r.rank`
	// SQLAllUsers reads every published per-user list, for a reader that
	// holds them in memory.
	SQLAllUsers = `SELECT r.user_id, r.anime_id, CAST(r.score AS DOUBLE PRECISION) AS score, CAST(r.rank AS INTEGER) AS rank
FROM rec_user r ORDER BY r.user_id, r.rank`
	// SQLListedUsers reads the users with list entries.
	SQLListedUsers = `SELECT DISTINCT user_id FROM user_anime`
	sqlAnimeExists = `SELECT count(*) FROM anime WHERE anime_id = $1`
	sqlSeen        = `SELECT anime_id FROM user_anime WHERE user_id = $1`
	// SQLMaxUser is the largest user id the published lists know.
	SQLMaxUser = `SELECT max(user_id) FROM user_anime`
	// sqlMaxUserFact is SQLMaxUser from the tables behind the user_anime
	// view, whose primary keys (PostgreSQL) or column statistics (DuckDB)
	// answer it at once, where the view's anti-join hides the key order
	// (a scan: 1 s at 8M rows on PostgreSQL). A user whose every entry
	// incremental runs deleted since the last full run still counts.
	sqlMaxUserFact = `SELECT max(m) FROM (SELECT max(user_id) AS m FROM user_anime_base
UNION ALL SELECT max(user_id) FROM user_anime_delta) x`
	// sqlFactTables counts the tables behind the view the reader may read
	// (none in a warehouse made before the view).
	sqlFactTables = `SELECT count(*) FROM information_schema.tables
WHERE table_schema = current_schema() AND table_name IN ('user_anime_base', 'user_anime_delta')`
	sqlPopularity = `SELECT s.anime_id, a.name, CAST(s.list_users AS DOUBLE PRECISION) AS score
FROM anime_stats s JOIN anime a ON a.anime_id = s.anime_id
WHERE s.list_users > 0 ORDER BY s.list_users DESC, s.anime_id LIMIT $1`
)

// ReadPublished reads rec_model through q (a snapshot). It fails with
// ErrNotPublished when the recommendation tables do not exist.
func ReadPublished(ctx context.Context, q animetl.Querier) (*Published, error) {
	names, err := column[string](ctx, q, sqlRecTables)
	if err != nil {
		return nil, fmt.Errorf("recommend: read the published tables: %w", err)
	}
	if len(names) < 3 {
		return nil, ErrNotPublished
	}
	rows, err := q.Query(ctx, sqlRecModel)
	if err != nil {
		return nil, fmt.Errorf("recommend: read rec_model: %w", err)
	}
	defer rows.Close()
	p := &Published{}
	for rows.Next() {
		v, err := rows.Values()
		if err != nil {
			return nil, fmt.Errorf("recommend: read rec_model: %w", err)
		}
		table, _ := v[0].(string)
		t := &Trained{}
		t.Model, _ = v[1].(string)
		t.RunID, _ = v[2].(string)
		t.TrainedAt, _ = v[3].(time.Time)
		switch table {
		case "rec_user":
			p.User = t
		case "rec_similar":
			p.Similar = t
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("recommend: read rec_model: %w", err)
	}
	return p, nil
}

// UserRecs reads a user's top limit recommendations through q, the
// snapshot p was read from. A user the model has no rows for gets the
// popularity list without the anime they listed (Fallback); a user id
// beyond the published users fails with ErrUnknownUser, and a state
// whose rec_user no model filled with ErrNotPublished. maxUser is the
// largest published user id when the caller knows it, else negative.
func (p *Published) UserRecs(ctx context.Context, q animetl.Querier, run animetl.PublishedRun, user int64, limit int, maxUser int64) (*Answer, error) {
	if p == nil || p.User == nil {
		return nil, ErrNotPublished
	}
	items, err := readItems(ctx, q, sqlUserRecs, user, limit)
	if err != nil {
		return nil, fmt.Errorf("recommend: read rec_user: %w", err)
	}
	if len(items) > 0 {
		return &Answer{Trained: *p.User, Items: items}, nil
	}
	seen, err := column[int64](ctx, q, sqlSeen, user)
	if err != nil {
		return nil, fmt.Errorf("recommend: read the user's list: %w", err)
	}
	reason := ReasonNotModeled
	if len(seen) == 0 {
		if maxUser < 0 {
			if maxUser, err = MaxUser(ctx, q); err != nil {
				return nil, err
			}
		}
		if user > maxUser {
			return nil, fmt.Errorf("%w %d: the published lists' user ids go up to %d", ErrUnknownUser, user, maxUser)
		}
		reason = ReasonNoHistory
	}
	items, err = Popular(ctx, q, limit, seen)
	if err != nil {
		return nil, err
	}
	return &Answer{Trained: Trained{Model: PopularityModel, RunID: run.RunID, TrainedAt: run.At},
		Fallback: true, Reason: reason, Items: items}, nil
}

// Popular reads the limit anime on the most lists, but those in skip.
func Popular(ctx context.Context, q animetl.Querier, limit int, skip []int64) ([]Item, error) {
	rows, err := q.Query(ctx, sqlPopularity, limit+len(skip))
	if err != nil {
		return nil, fmt.Errorf("recommend: read the popular anime: %w", err)
	}
	defer rows.Close()
	seen := make(map[int64]bool, len(skip))
	for _, id := range skip {
		seen[id] = true
	}
	items := []Item{}
	for rows.Next() && len(items) < limit {
		v, err := rows.Values()
		if err != nil {
			return nil, fmt.Errorf("recommend: read the popular anime: %w", err)
		}
		id, _ := v[0].(int64)
		if seen[id] {
			continue
		}
		it := Item{Rank: len(items) + 1, AnimeID: id, Name: nameOf(v[1])}
		it.Score, _ = v[2].(float64)
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("recommend: read the popular anime: %w", err)
	}
	return items, nil
}

// MaxUser reads the largest user id of the published lists (-1: none).
func MaxUser(ctx context.Context, q animetl.Querier) (int64, error) {
	tables, err := column[int64](ctx, q, sqlFactTables)
	if err != nil {
		return 0, fmt.Errorf("recommend: read the largest user id: %w", err)
	}
	query := SQLMaxUser
	if len(tables) == 1 && tables[0] == 2 {
		query = sqlMaxUserFact
	}
	ids, err := column[any](ctx, q, query)
	if err != nil {
		return 0, fmt.Errorf("recommend: read the largest user id: %w", err)
	}
	if len(ids) == 0 {
		return -1, nil
	}
	if n, ok := ids[0].(int64); ok {
		return n, nil
	}
	return -1, nil
}

// SimilarRecs reads the limit anime most like an anime through q, the
// snapshot p was read from. An anime not in the catalogue fails with
// ErrUnknownAnime; one the model has no neighbours for has no items.
func (p *Published) SimilarRecs(ctx context.Context, q animetl.Querier, anime int64, limit int) (*Answer, error) {
	if p == nil || p.Similar == nil {
		return nil, ErrNotPublished
	}
	n, err := column[int64](ctx, q, sqlAnimeExists, anime)
	if err != nil {
		return nil, fmt.Errorf("recommend: read the anime: %w", err)
	}
	if len(n) == 0 || n[0] == 0 {
		return nil, fmt.Errorf("%w %d: not in the published catalogue", ErrUnknownAnime, anime)
	}
	items, err := readItems(ctx, q, sqlSimilarRecs, anime, limit)
	if err != nil {
		return nil, fmt.Errorf("recommend: read rec_similar: %w", err)
	}
	return &Answer{Trained: *p.Similar, Items: items}, nil
}

func readItems(ctx context.Context, q animetl.Querier, sql string, id int64, limit int) ([]Item, error) {
	rows, err := q.Query(ctx, sql, id, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	items := []Item{}
	for rows.Next() {
		v, err := rows.Values()
		if err != nil {
			return nil, err
		}
		var it Item
		rank, _ := v[0].(int64)
		it.Rank = int(rank)
		it.AnimeID, _ = v[1].(int64)
		it.Name = nameOf(v[2])
		it.Score, _ = v[3].(float64)
		items = append(items, it)
	}
	return items, rows.Err()
}

func nameOf(v any) *string {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	return &s
}

// column reads the first column of a query's rows.
func column[T any](ctx context.Context, q animetl.Querier, sql string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := rows.Values()
		if err != nil {
			return nil, err
		}
		if v[0] == nil {
			var zero T
			out = append(out, zero)
			continue
		}
		x, ok := v[0].(T)
		if !ok {
			return nil, fmt.Errorf("column %s: got %T", rows.Columns()[0], v[0])
		}
		out = append(out, x)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, rows.Close()
}
