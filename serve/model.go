package serve

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/animetl/animetl"
)

// model is one published run's read model: everything the cached
// endpoints answer about the published data, read once from one snapshot
// (model_build.go) and then answered from memory, to the byte as sqlReads
// answers it. The published state changes once a day; without the model
// every uncached anime page cost five statements and every search a scan.
// A model is immutable once built; its answers share its rows, which no
// reader modifies.
type model struct {
	run animetl.PublishedRun

	animes map[int64]*animeDetail
	// names are search.sql's candidates in its order among equal ranks
	// (members, most first, then anime_id); searchCols its columns.
	names      []nameEntry
	searchCols []string

	topRatedList    listIndex
	mostWatchedList listIndex
	// genresOf holds each anime's genre names lower-cased by the engine.
	genresOf map[int64][]string

	genreTable, typeTable, histogramTable *table

	recModel

	// asciiLower says the engine lower-cases ASCII text as Go does, so a
	// needle of ASCII needs no round trip; engineLower lower-cases the
	// others as the engine does.
	asciiLower  bool
	engineLower func(ctx context.Context, s string) (string, error)

	mu      sync.Mutex
	lowered map[string]string
}

// nameEntry is one anime as the search sees it: search.sql's columns but
// match_rank, and its names lower-cased by the engine ("", false: NULL).
type nameEntry struct {
	row                        []any
	name, english, japanese    string
	nameOK, englishOK, japanOK bool
}

// listIndex is a top list's candidates in the SQL's order, for the
// filters to narrow.
type listIndex struct {
	cols    []string
	entries []listEntry
}

type listEntry struct {
	id  int64
	row []any
	// count is the value a minimum applies to (ratings), when countOK.
	count   float64
	countOK bool
	// typ is the anime's type lower-cased by the engine, when typeOK.
	typ    string
	typeOK bool
}

// maxLowered bounds the memo of needles the engine lower-cased.
const maxLowered = 4096

// lower lower-cases a needle exactly as the engine's lower() does.
func (m *model) lower(ctx context.Context, s string) (string, error) {
	if m.asciiLower && isASCII(s) {
		return strings.ToLower(s), nil
	}
	m.mu.Lock()
	l, ok := m.lowered[s]
	m.mu.Unlock()
	if ok {
		return l, nil
	}
	l, err := m.engineLower(ctx, s)
	if err != nil {
		return "", err
	}
	m.mu.Lock()
	if len(m.lowered) < maxLowered {
		m.lowered[s] = l
	}
	m.mu.Unlock()
	return l, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func (m *model) anime(_ context.Context, id int64) (*animeDetail, error) {
	d, ok := m.animes[id]
	if !ok {
		return nil, errNoRow
	}
	return d, nil
}

// search ranks as search.sql does: the name itself (0), names starting
// with the text (1), names containing it (2), then the other names (3);
// among equals in the order of names.
func (m *model) search(ctx context.Context, text string, limit int) (*table, error) {
	q, err := m.lower(ctx, text)
	if err != nil {
		return nil, err
	}
	var ranked [4][][]any
	for i := range m.names {
		e := &m.names[i]
		var rank int
		switch {
		case e.nameOK && strings.Contains(e.name, q):
			switch {
			case e.name == q:
				rank = 0
			case strings.HasPrefix(e.name, q):
				rank = 1
			default:
				rank = 2
			}
		case e.englishOK && strings.Contains(e.english, q), e.japanOK && strings.Contains(e.japanese, q):
			rank = 3
		default:
			continue
		}
		if len(ranked[rank]) < limit {
			row := make([]any, len(e.row)+1)
			copy(row, e.row)
			row[len(e.row)] = int64(rank)
			ranked[rank] = append(ranked[rank], row)
		}
	}
	t := &table{Columns: m.searchCols, Rows: [][]any{}}
	for _, rows := range ranked {
		n := min(len(rows), limit-len(t.Rows))
		t.Rows = append(t.Rows, rows[:n]...)
	}
	return t, nil
}

func (m *model) topRated(ctx context.Context, limit, minRatings int, f listFilter) (*table, error) {
	return m.pick(ctx, &m.topRatedList, limit, f, func(e *listEntry) bool {
		return e.countOK && e.count >= float64(minRatings)
	})
}

func (m *model) mostWatched(ctx context.Context, limit int, f listFilter) (*table, error) {
	return m.pick(ctx, &m.mostWatchedList, limit, f, func(*listEntry) bool { return true })
}

// pick narrows a list as the SQL's WHERE does: keep, then the type and
// the genre compared lower-cased (” means any).
func (m *model) pick(ctx context.Context, l *listIndex, limit int, f listFilter, keep func(*listEntry) bool) (*table, error) {
	var typ, genre string
	var err error
	if f.Type != "" {
		if typ, err = m.lower(ctx, f.Type); err != nil {
			return nil, err
		}
	}
	if f.Genre != "" {
		if genre, err = m.lower(ctx, f.Genre); err != nil {
			return nil, err
		}
	}
	t := &table{Columns: l.cols, Rows: [][]any{}}
	for i := range l.entries {
		e := &l.entries[i]
		switch {
		case !keep(e):
		case f.Type != "" && (!e.typeOK || e.typ != typ):
		case f.Genre != "" && !slices.Contains(m.genresOf[e.id], genre):
		default:
			t.Rows = append(t.Rows, e.row)
			if len(t.Rows) == limit {
				return t, nil
			}
		}
	}
	return t, nil
}

func (m *model) genres(context.Context) (*table, error)         { return m.genreTable, nil }
func (m *model) typeCounts(context.Context) (*table, error)     { return m.typeTable, nil }
func (m *model) scoreHistogram(context.Context) (*table, error) { return m.histogramTable, nil }
