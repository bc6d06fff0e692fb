package serve

import (
	"context"
	"fmt"
	"strings"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/schema"
)

var (
	sqlModelAnime        = sqlText("model_anime")
	sqlModelAnimeStats   = sqlText("model_anime_stats")
	sqlModelScoreVotes   = sqlText("model_score_votes")
	sqlModelStatusCounts = sqlText("model_status_counts")
	sqlModelSearch       = sqlText("model_search")
	sqlModelTopRated     = sqlText("model_top_rated")
	sqlModelMostWatched  = sqlText("model_most_watched")
	sqlModelGenreNames   = sqlText("model_genre_names")
	sqlLower             = sqlText("lower")
	// sqlModelTags is sqlAnimeTags for every anime at once, the anime
	// last: the same order within each anime.
	sqlModelTags = func() string {
		parts := make([]string, len(schema.Tags))
		for i, t := range schema.Tags {
			parts[i] = fmt.Sprintf("SELECT '%[1]s' AS dim, d.name, b.anime_id FROM anime_%[1]s b JOIN %[1]s d ON d.%[1]s_id = b.%[1]s_id", t.Dim)
		}
		return strings.Join(parts, "\nUNION ALL\n") + "\nORDER BY 1, 2"
	}()
)

// printableASCII is every character a text parameter may hold below 0x80.
var printableASCII = func() string {
	var b strings.Builder
	for c := byte(0x20); c < 0x7f; c++ {
		b.WriteByte(c)
	}
	return b.String()
}()

// buildModel reads the model of the run q reads, with a handful of full
// scans. engineLower lower-cases a needle as the engine does.
func buildModel(ctx context.Context, q animetl.Snapshot, engineLower func(context.Context, string) (string, error)) (*model, error) {
	m := &model{run: q.Run(), animes: map[int64]*animeDetail{}, genresOf: map[int64][]string{},
		engineLower: engineLower, lowered: map[string]string{}}
	steps := []func(context.Context, animetl.Querier) error{
		m.readAnime, m.readTags, m.readScoreVotes, m.readStats, m.readStatusCounts, m.readSearch,
		m.readLists, m.readTables, m.readLowering, m.readRecs,
	}
	for _, step := range steps {
		if err := step(ctx, q); err != nil {
			return nil, fmt.Errorf("serve: build the model of run %s: %w", m.run.RunID, err)
		}
	}
	return m, nil
}

// column returns the index of col in t, or an error naming it.
func column(t *table, col string) (int, error) {
	for i, c := range t.Columns {
		if c == col {
			return i, nil
		}
	}
	return 0, fmt.Errorf("no column %s in %v", col, t.Columns)
}

func idOf(v any) (int64, error) {
	id, ok := v.(int64)
	if !ok {
		return 0, fmt.Errorf("anime_id %v: want an integer, got %T", v, v)
	}
	return id, nil
}

// eachAnimeRow reads a query with an anime_id column and calls fn with each
// row's anime id and the row as an object.
func eachAnimeRow(ctx context.Context, q animetl.Querier, sql string, fn func(id int64, o object)) error {
	t, err := queryTable(ctx, q, sql)
	if err != nil {
		return err
	}
	ci, err := column(t, "anime_id")
	if err != nil {
		return err
	}
	for _, o := range t.objects() {
		id, err := idOf(o.vals[ci])
		if err != nil {
			return err
		}
		fn(id, o)
	}
	return nil
}

func (m *model) readAnime(ctx context.Context, q animetl.Querier) error {
	return eachAnimeRow(ctx, q, sqlModelAnime, func(id int64, o object) {
		d := &animeDetail{anime: o, tags: map[string][]string{}}
		for _, tag := range schema.Tags {
			d.tags[tag.Dim] = []string{}
		}
		m.animes[id] = d
	})
}

func (m *model) readTags(ctx context.Context, q animetl.Querier) error {
	t, err := queryTable(ctx, q, sqlModelTags)
	if err != nil {
		return err
	}
	for _, r := range t.Rows {
		id, err := idOf(r[2])
		if err != nil {
			return err
		}
		if d := m.animes[id]; d != nil {
			dim, _ := r[0].(string)
			name, _ := r[1].(string)
			d.tags[dim] = append(d.tags[dim], name)
		}
	}
	return nil
}

// perAnime reads a query whose first column is the anime and gives each
// anime a table of the other columns, in the query's order; anime without
// rows get an empty table.
func (m *model) perAnime(ctx context.Context, q animetl.Querier, sql string, set func(*animeDetail, *table)) error {
	t, err := queryTable(ctx, q, sql)
	if err != nil {
		return err
	}
	cols := t.Columns[1:]
	per := map[int64]*table{}
	for _, r := range t.Rows {
		id, err := idOf(r[0])
		if err != nil {
			return err
		}
		pt := per[id]
		if pt == nil {
			pt = &table{Columns: cols, Rows: [][]any{}}
			per[id] = pt
		}
		pt.Rows = append(pt.Rows, r[1:])
	}
	for id, d := range m.animes {
		pt := per[id]
		if pt == nil {
			pt = &table{Columns: cols, Rows: [][]any{}}
		}
		set(d, pt)
	}
	return nil
}

func (m *model) readScoreVotes(ctx context.Context, q animetl.Querier) error {
	return m.perAnime(ctx, q, sqlModelScoreVotes, func(d *animeDetail, t *table) { d.scoreVotes = t })
}

func (m *model) readStatusCounts(ctx context.Context, q animetl.Querier) error {
	return m.perAnime(ctx, q, sqlModelStatusCounts, func(d *animeDetail, t *table) { d.statusCounts = t })
}

func (m *model) readStats(ctx context.Context, q animetl.Querier) error {
	return eachAnimeRow(ctx, q, sqlModelAnimeStats, func(id int64, o object) {
		if d := m.animes[id]; d != nil && d.stats == nil {
			d.stats = &o
		}
	})
}

// lowered reads a lower-cased name: "", false for NULL.
func lowered(v any) (string, bool) {
	s, ok := v.(string)
	return s, ok
}

func (m *model) readSearch(ctx context.Context, q animetl.Querier) error {
	t, err := queryTable(ctx, q, sqlModelSearch)
	if err != nil {
		return err
	}
	const n = 7 // search.sql's columns before match_rank
	m.searchCols = append(append([]string{}, t.Columns[:n]...), "match_rank")
	m.names = make([]nameEntry, len(t.Rows))
	for i, r := range t.Rows {
		e := nameEntry{row: r[:n:n]}
		e.name, e.nameOK = lowered(r[n])
		e.english, e.englishOK = lowered(r[n+1])
		e.japanese, e.japanOK = lowered(r[n+2])
		m.names[i] = e
	}
	return nil
}

// readList reads a list's candidates; its last column is the lower-cased
// type, and count, when not empty, the column a minimum applies to.
func readList(ctx context.Context, q animetl.Querier, sql, count string) (listIndex, error) {
	t, err := queryTable(ctx, q, sql)
	if err != nil {
		return listIndex{}, err
	}
	n := len(t.Columns) - 1
	l := listIndex{cols: t.Columns[:n:n], entries: make([]listEntry, len(t.Rows))}
	ci := -1
	if count != "" {
		if ci, err = column(t, count); err != nil {
			return listIndex{}, err
		}
	}
	for i, r := range t.Rows {
		id, err := idOf(r[0])
		if err != nil {
			return listIndex{}, err
		}
		e := listEntry{id: id, row: r[:n:n]}
		e.typ, e.typeOK = lowered(r[n])
		if ci >= 0 {
			switch v := r[ci].(type) {
			case int64:
				e.count, e.countOK = float64(v), true
			case float64:
				e.count, e.countOK = v, true
			}
		}
		l.entries[i] = e
	}
	return l, nil
}

func (m *model) readLists(ctx context.Context, q animetl.Querier) error {
	var err error
	if m.topRatedList, err = readList(ctx, q, sqlModelTopRated, "ratings"); err != nil {
		return err
	}
	if m.mostWatchedList, err = readList(ctx, q, sqlModelMostWatched, ""); err != nil {
		return err
	}
	t, err := queryTable(ctx, q, sqlModelGenreNames)
	if err != nil {
		return err
	}
	for _, r := range t.Rows {
		id, err := idOf(r[0])
		if err != nil {
			return err
		}
		if g, ok := r[1].(string); ok {
			m.genresOf[id] = append(m.genresOf[id], g)
		}
	}
	return nil
}

func (m *model) readTables(ctx context.Context, q animetl.Querier) error {
	r := sqlReads{q}
	var err error
	if m.genreTable, err = r.genres(ctx); err != nil {
		return err
	}
	if m.typeTable, err = r.typeCounts(ctx); err != nil {
		return err
	}
	m.histogramTable, err = r.scoreHistogram(ctx)
	return err
}

// readLowering asks whether the engine lower-cases ASCII as Go does (a
// database in a Turkish locale does not).
func (m *model) readLowering(ctx context.Context, q animetl.Querier) error {
	l, err := lowerWith(ctx, q, printableASCII)
	m.asciiLower = err == nil && l == strings.ToLower(printableASCII)
	return err
}

// lowerWith lower-cases s with the engine's lower().
func lowerWith(ctx context.Context, q animetl.Querier, s string) (string, error) {
	t, err := queryTable(ctx, q, sqlLower, s)
	if err != nil {
		return "", err
	}
	if len(t.Rows) != 1 || len(t.Rows[0]) != 1 {
		return "", fmt.Errorf("lower: want one value")
	}
	l, ok := t.Rows[0][0].(string)
	if !ok {
		return "", fmt.Errorf("lower: want text, got %T", t.Rows[0][0])
	}
	return l, nil
}
