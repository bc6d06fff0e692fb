package lake

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strings"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/recommend"
)

// The tables Options.ML adds for training and evaluating recommenders.
const (
	// InteractionsTable holds every list entry with its split: user_id,
	// anime_id, status, rating, watched_episodes, split.
	InteractionsTable = "interactions"
	// ItemsTable holds the anime's features: anime_id, name, type,
	// episodes, year, season, source, age_rating, score, members, and
	// genres as a list of names.
	ItemsTable = "items"
)

// The values of interactions.split.
const (
	SplitTrain = "train"
	SplitTest  = "test"
)

// SplitInfo records in the manifest how interactions.split was drawn, so
// that a reader can draw it again (recommend.SplitUser).
type SplitInfo struct {
	Seed       uint64  `json:"seed"`
	MinEntries int     `json:"min_entries"`
	TestShare  float64 `json:"test_share"`
}

// interactionColumns maps the fact table's columns to the interactions'.
var interactionColumns = []struct{ from, to string }{
	{"user_id", "user_id"}, {"anime_id", "anime_id"}, {"watching_status", "status"},
	{"rating", "rating"}, {"watched_episodes", "watched_episodes"},
}

// mlTable is the encoder's table an ML table is built in.
const mlTable = "lake_ml"

// interactions writes the fact table with a split column: per user, the
// entries recommend.SplitUser marks as test with seed are "test", the
// others "train". The rows are read in user order, one user at a time.
func (e *encoder) interactions(ctx context.Context, q animetl.Querier, dir, rel string, seed uint64) (TableManifest, error) {
	cols, err := columns(ctx, q, FactTable)
	if err != nil {
		return TableManifest{}, err
	}
	byName := map[string]column{}
	for _, c := range cols {
		byName[c.name] = c
	}
	defs := make([]string, 0, len(interactionColumns)+1)
	from := make([]string, 0, len(interactionColumns))
	for _, ic := range interactionColumns {
		c, ok := byName[ic.from]
		if !ok || c.stage != c.lake {
			return TableManifest{}, fmt.Errorf("lake: %s.%s: missing or not an integer", FactTable, ic.from)
		}
		defs = append(defs, ident(ic.to)+" "+c.lake)
		from = append(from, ident(ic.from))
	}
	defs = append(defs, "split VARCHAR NOT NULL")
	if _, err := e.conn.ExecContext(ctx, fmt.Sprintf("CREATE OR REPLACE TABLE %s (%s)", mlTable, strings.Join(defs, ", "))); err != nil {
		return TableManifest{}, fmt.Errorf("lake: %s: %w", InteractionsTable, err)
	}
	defer e.conn.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+mlTable)
	rows, err := q.Query(ctx, "SELECT "+strings.Join(from, ", ")+" FROM "+FactTable+" ORDER BY user_id, anime_id")
	if err != nil {
		return TableManifest{}, fmt.Errorf("lake: read %s: %w", FactTable, err)
	}
	defer rows.Close()
	var s splitter
	s.seed = seed
	if err := e.appender(mlTable, func(add func(...driver.Value) error) error {
		var n int64
		for rows.Next() {
			v, err := rows.Values()
			if err != nil {
				return err
			}
			if err := s.push(v, add); err != nil {
				return err
			}
			if n++; n%65536 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		return s.flush(add)
	}); err != nil {
		return TableManifest{}, fmt.Errorf("lake: %s: %w", InteractionsTable, err)
	}
	return e.writeML(ctx, dir, rel, InteractionsTable, "SELECT * FROM "+mlTable)
}

// splitter collects one user's entries and appends them with their split
// when the next user begins.
type splitter struct {
	seed    uint64
	user    int32
	rows    [][]driver.Value
	anime   []int32
	test    []bool
	scratch []uint64
}

func (s *splitter) push(v []any, add func(...driver.Value) error) error {
	user, ok1 := v[0].(int64)
	anime, ok2 := v[1].(int64)
	if !ok1 || !ok2 {
		return fmt.Errorf("user_id %T and anime_id %T: want integers", v[0], v[1])
	}
	if len(s.rows) > 0 && int32(user) != s.user {
		if err := s.flush(add); err != nil {
			return err
		}
	}
	s.user = int32(user)
	row := make([]driver.Value, len(v)+1)
	for i := range v {
		row[i] = v[i]
	}
	s.rows = append(s.rows, row)
	s.anime = append(s.anime, int32(anime))
	return nil
}

func (s *splitter) flush(add func(...driver.Value) error) error {
	if len(s.rows) == 0 {
		return nil
	}
	if cap(s.test) < len(s.anime) {
		s.test = make([]bool, len(s.anime))
	}
	s.test = s.test[:len(s.anime)]
	s.scratch = recommend.SplitUser(s.seed, s.user, s.anime, s.test, s.scratch)
	for i, row := range s.rows {
		row[len(row)-1] = SplitTrain
		if s.test[i] {
			row[len(row)-1] = SplitTest
		}
		if err := add(row...); err != nil {
			return err
		}
	}
	s.rows, s.anime = s.rows[:0], s.anime[:0]
	return nil
}

// itemsSQL builds items from the staged anime, genre and anime_genre;
// an anime without genres has an empty list.
const itemsSQL = `CREATE OR REPLACE TABLE ` + mlTable + ` AS
SELECT a.anime_id, a.name, a.type, a.episodes, a.premiered_year AS year, a.premiered_season AS season,
       a.source, a.age_rating, a.score, a.members,
       coalesce(list(g.name ORDER BY g.name) FILTER (WHERE g.name IS NOT NULL), []::VARCHAR[]) AS genres
FROM lake_anime a
LEFT JOIN lake_anime_genre ag ON ag.anime_id = a.anime_id
LEFT JOIN lake_genre g ON g.genre_id = ag.genre_id
GROUP BY ALL
ORDER BY a.anime_id`

// items writes the anime's features with their genres as a list.
func (e *encoder) items(ctx context.Context, q animetl.Querier, dir, rel string) (TableManifest, error) {
	for _, t := range []string{"anime", "genre", "anime_genre"} {
		if err := e.stageAs(ctx, q, t, "lake_"+t); err != nil {
			return TableManifest{}, err
		}
		defer e.conn.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS lake_"+t)
	}
	if _, err := e.conn.ExecContext(ctx, itemsSQL); err != nil {
		return TableManifest{}, fmt.Errorf("lake: %s: %w", ItemsTable, err)
	}
	defer e.conn.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+mlTable)
	return e.writeML(ctx, dir, rel, ItemsTable, "SELECT * FROM "+mlTable)
}

// stageAs copies table from q into the encoder table as, in its lake types.
func (e *encoder) stageAs(ctx context.Context, q animetl.Querier, table, as string) error {
	defer e.conn.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+stageTable)
	_, casts, err := e.stage(ctx, q, table)
	if err != nil {
		return err
	}
	stmt := fmt.Sprintf("CREATE OR REPLACE TABLE %s AS SELECT %s FROM %s", as, strings.Join(casts, ", "), stageTable)
	if _, err := e.conn.ExecContext(ctx, stmt); err != nil {
		return fmt.Errorf("lake: stage %s: %w", table, err)
	}
	return nil
}

// writeML writes the encoder table mlTable as table's one file and
// describes it with the types DuckDB gives its columns.
func (e *encoder) writeML(ctx context.Context, dir, rel, table, sel string) (TableManifest, error) {
	tm := TableManifest{Name: table}
	rows, err := e.conn.QueryContext(ctx, "SELECT column_name, column_type FROM (DESCRIBE "+mlTable+")")
	if err != nil {
		return TableManifest{}, fmt.Errorf("lake: %s: %w", table, err)
	}
	for rows.Next() {
		var c Column
		if err := rows.Scan(&c.Name, &c.Type); err != nil {
			rows.Close()
			return TableManifest{}, fmt.Errorf("lake: %s: %w", table, err)
		}
		tm.Columns = append(tm.Columns, c)
	}
	if err := rows.Close(); err != nil {
		return TableManifest{}, fmt.Errorf("lake: %s: %w", table, err)
	}
	if tm.Rows, err = e.count(ctx, "SELECT count(*) FROM "+mlTable); err != nil {
		return TableManifest{}, fmt.Errorf("lake: %s: %w", table, err)
	}
	f, err := e.copy(ctx, sel, dir, rel, table+"/part-00000.parquet")
	if err != nil {
		return TableManifest{}, fmt.Errorf("lake: %s: %w", table, err)
	}
	tm.Files = []File{f}
	return tm, nil
}
