package serve

import (
	"context"
	"errors"
	"fmt"

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
