package serve

import (
	"context"
	"embed"
	"fmt"
	"strings"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/schema"
)

// The read functions answer one question each from a Querier (a Snapshot):
// the JSON API renders their results and the dashboard will too. Every
// statement is an embedded file or built from constants; values are always
// parameters.

//go:embed sql/*.sql
var sqlFiles embed.FS

func sqlText(name string) string {
	b, err := sqlFiles.ReadFile("sql/" + name + ".sql")
	if err != nil {
		panic(fmt.Sprintf("serve: %s: %v", name, err)) // embedded: cannot happen
	}
	return string(b)
}

var (
	sqlTopRated     = sqlText("top_rated")
	sqlMostWatched  = sqlText("most_watched")
	sqlAnime        = sqlText("anime")
	sqlAnimeStats   = sqlText("anime_stats")
	sqlScoreVotes   = sqlText("anime_score_votes")
	sqlStatusCounts = sqlText("anime_status_counts")
	sqlSearch       = sqlText("search")
	sqlGenres       = sqlText("genres")
	sqlRuns         = sqlText("runs")
	sqlRun          = sqlText("run")
	sqlRunFiles     = sqlText("run_files")
	sqlRunChecks    = sqlText("run_checks")
	sqlRunRejects   = sqlText("run_rejects")
	sqlRejectsCount = sqlText("run_rejects_count")
	// sqlAnimeTags lists an anime's genres, studios, producers and
	// licensors: one branch per bridged dimension of schema.Tags.
	sqlAnimeTags = func() string {
		parts := make([]string, len(schema.Tags))
		for i, t := range schema.Tags {
			parts[i] = fmt.Sprintf("SELECT '%[1]s' AS dim, d.name FROM anime_%[1]s b JOIN %[1]s d ON d.%[1]s_id = b.%[1]s_id WHERE b.anime_id = $1", t.Dim)
		}
		return strings.Join(parts, "\nUNION ALL\n") + "\nORDER BY 1, 2"
	}()
)

func queryTable(ctx context.Context, q animetl.Querier, sql string, args ...any) (*table, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return readTable(rows)
}

// listFilter narrows the top lists to a type and a genre ("" means any).
type listFilter struct {
	Type  string
	Genre string
}

// sqlReads answers the questions about the published data with SQL through
// a snapshot: the way every answer is read until the run's model is built
// (model.go), and the reference the model is tested against.
type sqlReads struct{ q animetl.Querier }

// topRated answers `animetl query top-rated`, optionally filtered.
func (r sqlReads) topRated(ctx context.Context, limit, minRatings int, f listFilter) (*table, error) {
	return queryTable(ctx, r.q, sqlTopRated, minRatings, limit, f.Type, f.Genre)
}

// mostWatched answers `animetl query most-watched`, optionally filtered.
func (r sqlReads) mostWatched(ctx context.Context, limit int, f listFilter) (*table, error) {
	return queryTable(ctx, r.q, sqlMostWatched, limit, f.Type, f.Genre)
}

// animeDetail is everything the warehouse knows of one anime.
type animeDetail struct {
	anime        object
	tags         map[string][]string // by dimension: genre, studio, producer, licensor
	scoreVotes   *table
	stats        *object
	statusCounts *table
}

// errNoRow means the row asked for does not exist.
var errNoRow = fmt.Errorf("serve: no such row")

// anime reads one anime; errNoRow when the id is unknown.
func (r sqlReads) anime(ctx context.Context, id int64) (*animeDetail, error) {
	q := r.q
	a, err := queryTable(ctx, q, sqlAnime, id)
	if err != nil {
		return nil, err
	}
	if len(a.Rows) == 0 {
		return nil, errNoRow
	}
	d := &animeDetail{anime: a.objects()[0], tags: map[string][]string{}}
	for _, t := range schema.Tags {
		d.tags[t.Dim] = []string{}
	}
	tags, err := queryTable(ctx, q, sqlAnimeTags, id)
	if err != nil {
		return nil, err
	}
	for _, r := range tags.Rows {
		dim, _ := r[0].(string)
		name, _ := r[1].(string)
		d.tags[dim] = append(d.tags[dim], name)
	}
	if d.scoreVotes, err = queryTable(ctx, q, sqlScoreVotes, id); err != nil {
		return nil, err
	}
	st, err := queryTable(ctx, q, sqlAnimeStats, id)
	if err != nil {
		return nil, err
	}
	if len(st.Rows) > 0 {
		o := st.objects()[0]
		d.stats = &o
	}
	if d.statusCounts, err = queryTable(ctx, q, sqlStatusCounts, id); err != nil {
		return nil, err
	}
	return d, nil
}

// search finds anime by any of their names, best matches first.
func (r sqlReads) search(ctx context.Context, text string, limit int) (*table, error) {
	return queryTable(ctx, r.q, sqlSearch, text, limit)
}

// genres sizes and rates every genre.
func (r sqlReads) genres(ctx context.Context) (*table, error) {
	return queryTable(ctx, r.q, sqlGenres)
}

// typeCounts counts the catalogue's anime per type.
func (r sqlReads) typeCounts(ctx context.Context) (*table, error) {
	return queryTable(ctx, r.q, sqlTypeCounts)
}

// scoreHistogram counts the catalogue's anime per half-point score.
func (r sqlReads) scoreHistogram(ctx context.Context) (*table, error) {
	return queryTable(ctx, r.q, sqlScoreHistogram)
}

// runs lists the latest runs of the ledger.
func runs(ctx context.Context, q animetl.Querier, limit int) (*table, error) {
	return queryTable(ctx, q, sqlRuns, limit)
}

// runDetail is one run of the ledger with its files and checks.
type runDetail struct {
	run    object
	files  *table
	checks *table
}

// run reads one run; errNoRow when the ledger has no such run.
func run(ctx context.Context, q animetl.Querier, id string) (*runDetail, error) {
	r, err := queryTable(ctx, q, sqlRun, id)
	if err != nil {
		return nil, err
	}
	if len(r.Rows) == 0 {
		return nil, errNoRow
	}
	d := &runDetail{run: r.objects()[0]}
	if d.files, err = queryTable(ctx, q, sqlRunFiles, id); err != nil {
		return nil, err
	}
	if d.checks, err = queryTable(ctx, q, sqlRunChecks, id); err != nil {
		return nil, err
	}
	return d, nil
}

// rejects reads a page of a run's rejected lines and their total;
// errNoRow when the ledger has no such run.
func rejects(ctx context.Context, q animetl.Querier, id string, limit, offset int) (*table, int64, error) {
	r, err := queryTable(ctx, q, sqlRun, id)
	if err != nil {
		return nil, 0, err
	}
	if len(r.Rows) == 0 {
		return nil, 0, errNoRow
	}
	n, err := queryTable(ctx, q, sqlRejectsCount, id)
	if err != nil {
		return nil, 0, err
	}
	total, _ := n.Rows[0][0].(int64)
	page, err := queryTable(ctx, q, sqlRunRejects, id, limit, offset)
	return page, total, err
}
