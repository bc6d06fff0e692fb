package serve

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/recommend"
)

// recModel is what a run's model holds of the published recommendations:
// rec_model's rows, the largest user id (what tells an unknown user from
// one with no history) and every similar list, compactly: ~17.5k anime x
// 20 neighbours is 350k entries of 12 bytes. The names come from the
// model's anime at answer time.
type recModel struct {
	recs      *recommend.Published // nil: the warehouse has no recommendation tables
	maxUser   int64
	similarOf map[int64][]simEntry
	users     userIndex
}

// userIndex holds every published per-user list, in columns: 10 bytes a
// row, so 60 MB for the real data's 300k users x 20 (6M rows), 5 MB at the
// generated 8M set; a per-request read through a snapshot cost 100s of ms
// under 100 clients (an open snapshot, a scan of rec_user, and for users
// without rows one of user_anime). Users with list entries but no rows
// (rare) are still read through SQL, which knows what they listed.
type userIndex struct {
	ids   []int32 // ascending
	start []int32 // rows of ids[i]: start[i]:start[i+1]
	anime []int32
	score []float32
	rank  []int16
	// listed marks the user ids (0..maxUser) with list entries.
	listed []uint64
	// popular is the fallback of a user with no history.
	popular []recommend.Item
}

type simEntry struct {
	id    int32
	score float32
	rank  int16
}

// readRecs reads the recommendations' part of the model. A warehouse
// without the tables (one older than them) builds a model all the same:
// its recommendation answers say none are published.
func (m *model) readRecs(ctx context.Context, q animetl.Querier) error {
	p, err := recommend.ReadPublished(ctx, q)
	if errors.Is(err, recommend.ErrNotPublished) {
		return nil
	}
	if err != nil {
		return err
	}
	if m.maxUser, err = recommend.MaxUser(ctx, q); err != nil {
		return err
	}
	m.recs, m.similarOf = p, map[int64][]simEntry{}
	if p.User != nil {
		if err := m.readUsers(ctx, q); err != nil {
			return err
		}
	}
	if p.Similar == nil {
		return nil
	}
	t, err := queryTable(ctx, q, recommend.SQLAllSimilar)
	if err != nil {
		return err
	}
	for _, r := range t.Rows {
		of, ok1 := r[0].(int64)
		rank, ok2 := r[1].(int64)
		id, ok3 := r[2].(int64)
		score, ok4 := r[3].(float64)
		if !ok1 || !ok2 || !ok3 || !ok4 {
			return fmt.Errorf("rec_similar: row %v: want integers and a score", r)
		}
		m.similarOf[of] = append(m.similarOf[of], simEntry{id: int32(id), score: float32(score), rank: int16(rank)})
	}
	return nil
}

// similar answers as sqlReads.similar does, from memory.
func (m *model) similar(_ context.Context, id int64, limit int) (*recommend.Answer, error) {
	if m.recs == nil || m.recs.Similar == nil {
		return nil, recommend.ErrNotPublished
	}
	if _, ok := m.animes[id]; !ok {
		return nil, fmt.Errorf("%w %d: not in the published catalogue", recommend.ErrUnknownAnime, id)
	}
	list := m.similarOf[id]
	items := make([]recommend.Item, 0, min(limit, len(list)))
	for _, e := range list[:min(limit, len(list))] {
		it := recommend.Item{Rank: int(e.rank), AnimeID: int64(e.id), Score: float64(e.score)}
		if d := m.animes[int64(e.id)]; d != nil {
			if name, ok := d.anime.get("name").(string); ok {
				it.Name = &name
			}
		}
		items = append(items, it)
	}
	return &recommend.Answer{Trained: *m.recs.Similar, Items: items}, nil
}

func (m *model) readUsers(ctx context.Context, q animetl.Querier) error {
	u := &m.users
	rows, err := q.Query(ctx, recommend.SQLAllUsers)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		v, err := rows.Values()
		if err != nil {
			return err
		}
		user, ok1 := v[0].(int64)
		anime, ok2 := v[1].(int64)
		score, ok3 := v[2].(float64)
		rank, ok4 := v[3].(int64)
		if !ok1 || !ok2 || !ok3 || !ok4 {
			return fmt.Errorf("rec_user: row %v: want integers and a score", v)
		}
		if n := len(u.ids); n == 0 || int64(u.ids[n-1]) != user {
			u.ids = append(u.ids, int32(user))
			u.start = append(u.start, int32(len(u.anime)))
		}
		u.anime, u.score, u.rank = append(u.anime, int32(anime)), append(u.score, float32(score)), append(u.rank, int16(rank))
	}
	if err := rows.Err(); err != nil {
		return err
	}
	u.start = append(u.start, int32(len(u.anime)))
	if m.maxUser >= 0 {
		u.listed = make([]uint64, m.maxUser/64+1)
		ids, err := queryTable(ctx, q, recommend.SQLListedUsers)
		if err != nil {
			return err
		}
		for _, r := range ids.Rows {
			if id, ok := r[0].(int64); ok && id >= 0 && id <= m.maxUser {
				u.listed[id/64] |= 1 << (id % 64)
			}
		}
	}
	u.popular, err = recommend.Popular(ctx, q, maxRecLimit, nil)
	return err
}

// userRecs answers as recommend.Published.UserRecs does, from memory;
// done is false when it cannot: a user with list entries but no rows,
// whose list the popularity fallback must skip.
func (m *model) userRecs(user int64, limit int) (a *recommend.Answer, done bool, err error) {
	if m.recs == nil || m.recs.User == nil {
		return nil, true, recommend.ErrNotPublished
	}
	u := &m.users
	if i, ok := slices.BinarySearch(u.ids, int32(user)); ok {
		lo, hi := int(u.start[i]), int(u.start[i+1])
		hi = min(hi, lo+limit)
		items := make([]recommend.Item, 0, hi-lo)
		for j := lo; j < hi; j++ {
			it := recommend.Item{Rank: int(u.rank[j]), AnimeID: int64(u.anime[j]), Score: float64(u.score[j])}
			if d := m.animes[it.AnimeID]; d != nil {
				if name, ok := d.anime.get("name").(string); ok {
					it.Name = &name
				}
			}
			items = append(items, it)
		}
		return &recommend.Answer{Trained: *m.recs.User, Items: items}, true, nil
	}
	if user > m.maxUser {
		return nil, true, fmt.Errorf("%w %d: the published lists' user ids go up to %d", recommend.ErrUnknownUser, user, m.maxUser)
	}
	if u.listed[user/64]&(1<<(user%64)) != 0 {
		return nil, false, nil
	}
	return &recommend.Answer{Trained: recommend.Trained{Model: recommend.PopularityModel, RunID: m.run.RunID, TrainedAt: m.run.At},
		Fallback: true, Reason: recommend.ReasonNoHistory, Items: u.popular[:min(limit, len(u.popular))]}, true, nil
}
