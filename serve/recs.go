package serve

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/animetl/animetl/recommend"
)

// The recommendation endpoints: /anime/{id}/similar and
// /users/{id}/recommendations read the recommendations a run published
// (rec_similar, rec_user, rec_model). The similar lists are held in the
// run's model (~17.5k anime x 20: a few MB); the per-user lists are not (the
// real data has 300k users, 6M rows): each is one indexed read through a
// snapshot, then cached per run like every answer.

// Limits of the recommendation lists.
const (
	defaultRecLimit = 10
	maxRecLimit     = 20
	// animePageSimilar is how many similar anime the anime page shows.
	animePageSimilar = 10
)

// recColumns are the columns of a recommendation list's items.
var recColumns = []string{"rank", "anime_id", "name", "score"}

// idParam reads a path segment holding an id of the published data.
func idParam(r *http.Request, p *params, name, what string) int64 {
	raw := r.PathValue(name)
	id, err := strconv.ParseInt(raw, 10, 32)
	if err != nil || id < 0 {
		p.fail(name, "%s %q: want %s id (a whole number)", name, raw, what)
	}
	return id
}

func parseSimilar(r *http.Request, p *params) readFunc {
	id := idParam(r, p, "id", "an anime")
	limit := p.int("limit", defaultRecLimit, 1, maxRecLimit)
	return func(ctx context.Context, src *source) (*reply, error) {
		a, err := src.similar(ctx, id, limit)
		if err != nil {
			return nil, recError(err)
		}
		return recReply(a, "anime_id", id, limit), nil
	}
}

func parseUserRecs(r *http.Request, p *params) readFunc {
	id := idParam(r, p, "id", "a user")
	limit := p.int("limit", defaultRecLimit, 1, maxRecLimit)
	return func(ctx context.Context, src *source) (*reply, error) {
		a, err := src.userRecs(ctx, id, limit)
		if err != nil {
			return nil, recError(err)
		}
		return recReply(a, "user_id", id, limit), nil
	}
}

// recError maps the published reads' errors to the client's answer: an
// unknown id is a 404, a warehouse without recommendations a 503 that says
// how to get them.
func recError(err error) error {
	switch {
	case errors.Is(err, recommend.ErrUnknownAnime), errors.Is(err, recommend.ErrUnknownUser):
		return notFound(err.Error())
	case errors.Is(err, recommend.ErrNotPublished):
		return &apiError{status: http.StatusServiceUnavailable, Code: "no_recommendations",
			Message: "no recommendations published: run `animetl run --recommend`", retryAfter: retryNotPublished}
	}
	return err
}

// recReply is a recommendation answer: the model, the run that trained it,
// whether it is the popularity fallback, and the items.
func recReply(a *recommend.Answer, key string, id int64, limit int) *reply {
	f := map[string]any{key: id, "model": a.Model, "model_run_id": a.RunID, "trained_at": formatTime(a.TrainedAt),
		"fallback": a.Fallback, "limit": limit}
	if a.Fallback {
		f["fallback_reason"] = a.Reason
	}
	return &reply{fields: f, items: itemsTable(a.Items)}
}

func itemsTable(items []recommend.Item) *table {
	t := &table{Columns: recColumns, Rows: make([][]any, len(items))}
	for i, it := range items {
		var name any
		if it.Name != nil {
			name = *it.Name
		}
		t.Rows[i] = []any{int64(it.Rank), it.AnimeID, name, it.Score}
	}
	return t
}

// similar reads the published similar list of an anime through SQL.
func (r sqlReads) similar(ctx context.Context, id int64, limit int) (*recommend.Answer, error) {
	p, err := recommend.ReadPublished(ctx, r.q)
	if err != nil {
		return nil, err
	}
	return p.SimilarRecs(ctx, r.q, id, limit)
}

// userRecs reads a user's recommendations through a snapshot of the run
// the source reads (the per-user lists are not in the model); the
// recommendation tables' state comes from the model when it answers.
func (src *source) userRecs(ctx context.Context, user int64, limit int) (*recommend.Answer, error) {
	if m, ok := src.reads.(*model); ok {
		if a, done, err := m.userRecs(user, limit); done {
			return a, err
		}
	}
	q, err := src.ledger(ctx)
	if err != nil {
		return nil, err
	}
	if m, ok := src.reads.(*model); ok {
		return m.recs.UserRecs(ctx, q, src.run, user, limit, m.maxUser)
	}
	p, err := recommend.ReadPublished(ctx, q)
	if err != nil {
		return nil, err
	}
	return p.UserRecs(ctx, q, src.run, user, limit, -1)
}

// similarView is the anime page's "Similar anime" section.
type similarView struct {
	Items []recommend.Item
	Model string
	// Note is the empty state's text, when there are no items.
	Note string
}

// animeSimilar reads the anime page's similar anime; a warehouse without
// recommendations shows a note rather than failing the page.
func animeSimilar(ctx context.Context, src *source, id int64) (similarView, error) {
	a, err := src.similar(ctx, id, animePageSimilar)
	switch {
	case errors.Is(err, recommend.ErrNotPublished):
		return similarView{Note: "No recommendations are published yet: a run with --recommend trains them."}, nil
	case err != nil:
		return similarView{}, fmt.Errorf("serve: similar anime of %d: %w", id, err)
	case len(a.Items) == 0:
		return similarView{Model: a.Model, Note: "The model found no anime like this one."}, nil
	}
	return similarView{Items: a.Items, Model: a.Model}, nil
}
