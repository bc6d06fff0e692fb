package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/recommend"
)

// ModelQuestions are the questions CompareModelWithSQL asks both ways.
type ModelQuestions struct {
	AnimeIDs []int64
	UserIDs  []int64
	Terms    []string
	Types    []string
	Genres   []string
}

// CompareModelWithSQL builds the model of the run pub publishes and asks
// it and SQL (through the same snapshot) every question; it returns the
// first answer that differs, as text, and how many answers it compared.
func CompareModelWithSQL(ctx context.Context, pub animetl.Publication, qs ModelQuestions) (string, int, error) {
	snap, err := pub.Snapshot(ctx)
	if err != nil {
		return "", 0, err
	}
	defer snap.Close()
	m, err := buildModel(ctx, snap, func(ctx context.Context, s string) (string, error) { return lowerWith(ctx, snap, s) })
	if err != nil {
		return "", 0, err
	}
	sq := sqlReads{snap}
	n := 0
	same := func(what string, a, b any, errA, errB error) string {
		n++
		if (errA == nil) != (errB == nil) || (errA != nil && errA.Error() != errB.Error()) {
			return fmt.Sprintf("%s: model error %v, SQL error %v", what, errA, errB)
		}
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if !bytes.Equal(ja, jb) {
			return fmt.Sprintf("%s:\nmodel %s\nSQL   %s", what, ja, jb)
		}
		if ta, ok := a.(*table); ok && ta != nil {
			ca, _ := csvBytes(ta)
			cb, _ := csvBytes(b.(*table))
			if !bytes.Equal(ca, cb) {
				return fmt.Sprintf("%s (CSV):\nmodel %s\nSQL   %s", what, ca, cb)
			}
		}
		return ""
	}
	for _, id := range qs.AnimeIDs {
		a, errA := m.anime(ctx, id)
		b, errB := sq.anime(ctx, id)
		var ja, jb any
		if errA == nil {
			ja = animeJSON(a)
		}
		if errB == nil {
			jb = animeJSON(b)
		}
		if d := same(fmt.Sprintf("anime %d", id), ja, jb, errA, errB); d != "" {
			return d, n, nil
		}
	}
	for _, id := range qs.AnimeIDs {
		for _, limit := range []int{1, 10, 20} {
			a, errA := m.similar(ctx, id, limit)
			b, errB := sq.similar(ctx, id, limit)
			var ja, jb any
			if errA == nil {
				ja = recReply(a, "anime_id", id, limit)
			}
			if errB == nil {
				jb = recReply(b, "anime_id", id, limit)
			}
			if d := same(fmt.Sprintf("similar %d limit %d", id, limit), replyJSON(ja), replyJSON(jb), errA, errB); d != "" {
				return d, n, nil
			}
		}
	}
	pubRecs, pubErr := recommend.ReadPublished(ctx, snap)
	for _, id := range qs.UserIDs {
		for _, limit := range []int{1, 10, 20} {
			a, done, errA := m.userRecs(id, limit)
			if !done {
				continue // read through SQL by the server too
			}
			b, errB := pubRecs.UserRecs(ctx, snap, snap.Run(), id, limit, -1)
			if pubErr != nil {
				b, errB = nil, pubErr
			}
			var ja, jb any
			if errA == nil {
				ja = recReply(a, "user_id", id, limit)
			}
			if errB == nil {
				jb = recReply(b, "user_id", id, limit)
			}
			if d := same(fmt.Sprintf("user %d limit %d", id, limit), replyJSON(ja), replyJSON(jb), errA, errB); d != "" {
				return d, n, nil
			}
		}
	}
	for _, term := range qs.Terms {
		for _, limit := range []int{1, 20, 100} {
			a, errA := m.search(ctx, term, limit)
			b, errB := sq.search(ctx, term, limit)
			if d := same(fmt.Sprintf("search %q limit %d", term, limit), a, b, errA, errB); d != "" {
				return d, n, nil
			}
		}
	}
	filters := []listFilter{{}}
	for _, t := range qs.Types {
		filters = append(filters, listFilter{Type: t})
	}
	for _, g := range qs.Genres {
		filters = append(filters, listFilter{Genre: g})
		if len(qs.Types) > 0 {
			filters = append(filters, listFilter{Type: qs.Types[0], Genre: g})
		}
	}
	for _, f := range filters {
		for _, limit := range []int{1, 10, 100} {
			for _, minRatings := range []int{0, 1, 50, 1_000_000} {
				a, errA := m.topRated(ctx, limit, minRatings, f)
				b, errB := sq.topRated(ctx, limit, minRatings, f)
				if d := same(fmt.Sprintf("top-rated %+v limit %d min %d", f, limit, minRatings), a, b, errA, errB); d != "" {
					return d, n, nil
				}
			}
			a, errA := m.mostWatched(ctx, limit, f)
			b, errB := sq.mostWatched(ctx, limit, f)
			if d := same(fmt.Sprintf("most-watched %+v limit %d", f, limit), a, b, errA, errB); d != "" {
				return d, n, nil
			}
		}
	}
	for name, pair := range map[string][2]func(context.Context) (*table, error){
		"genres":    {m.genres, sq.genres},
		"types":     {m.typeCounts, sq.typeCounts},
		"histogram": {m.scoreHistogram, sq.scoreHistogram},
	} {
		a, errA := pair[0](ctx)
		b, errB := pair[1](ctx)
		if d := same(name, a, b, errA, errB); d != "" {
			return d, n, nil
		}
	}
	return "", n, nil
}

// replyJSON is what a reply's JSON holds beside the run.
func replyJSON(r any) any {
	rep, ok := r.(*reply)
	if !ok || rep == nil {
		return nil
	}
	out := map[string]any{"items": rep.items}
	for k, v := range rep.fields {
		out[k] = v
	}
	return out
}
