package serve

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// The dashboard's pages: each parses its parameters, then reads everything
// it shows from one snapshot with the same read functions as the API, so a
// page never mixes two published states and its numbers are the API's.

var (
	sqlTypeCounts     = sqlText("type_counts")
	sqlScoreHistogram = sqlText("score_histogram")
)

// Sizes of the dashboard's lists.
const (
	homeTopLimit    = 10
	homeMinRatings  = 50 // the API's and `animetl query top-rated`'s default
	homeRunsLimit   = 30
	searchLimit     = 50
	rejectsPageSize = 50
	maxRejectsPage  = 500
	runChartHeight  = 110
)

// pageFunc reads one page's data from a snapshot.
type pageFunc func(ctx context.Context, src *source, now time.Time) (*view, error)

// view is what a page template shows beside the layout.
type view struct {
	Title string
	// Search is the search box's text.
	Search string
	Data   any
}

// row is one result row for a template: {{.name}}, {{int .ratings}}.
type row = map[string]any

func rowsOf(t *table) []row {
	out := make([]row, len(t.Rows))
	for i, r := range t.Rows {
		m := make(row, len(t.Columns))
		for j, c := range t.Columns {
			m[c] = r[j]
		}
		out[i] = m
	}
	return out
}

// homeData is the dashboard's front page.
type homeData struct {
	Fresh          freshView
	LastRun        row
	LastRunChecks  []row
	ChecksPassed   int
	ChecksFailed   []row // checks that did not pass, shown first
	Runs           []row
	RunCharts      []chart
	TopRated       []row
	MinRatings     int
	MostWatched    []row
	Types          []row
	TypeChart      chart
	Genres         []row
	GenreSizeChart chart
	GenreMeanChart chart
	ScoreChart     chart
	ScoreBuckets   []row
}

// freshView is the freshness badge: the published run against the daily
// deadline.
type freshView struct {
	Status   string
	Age      string
	Deadline string
}

func (s *Server) homePage(_ *http.Request, _ *params) pageFunc {
	return func(ctx context.Context, src *source, now time.Time) (*view, error) {
		q, err := src.ledger(ctx)
		if err != nil {
			return nil, err
		}
		d := &homeData{MinRatings: homeMinRatings}
		d.Fresh = s.freshView(src.run.At, now)
		rt, err := runs(ctx, q, homeRunsLimit)
		if err != nil {
			return nil, err
		}
		addDurations(rt)
		d.Runs = rowsOf(rt)
		if len(d.Runs) > 0 {
			d.LastRun = d.Runs[0]
			checks, err := queryTable(ctx, q, sqlRunChecks, d.LastRun["run_id"])
			if err != nil {
				return nil, err
			}
			d.LastRunChecks = rowsOf(checks)
			for _, c := range d.LastRunChecks {
				if c["status"] == "pass" {
					d.ChecksPassed++
				} else {
					d.ChecksFailed = append(d.ChecksFailed, c)
				}
			}
		}
		d.RunCharts = runCharts(d.Runs)
		top, err := src.topRated(ctx, homeTopLimit, homeMinRatings, listFilter{})
		if err != nil {
			return nil, err
		}
		d.TopRated = rowsOf(top)
		mw, err := src.mostWatched(ctx, homeTopLimit, listFilter{})
		if err != nil {
			return nil, err
		}
		d.MostWatched = rowsOf(mw)
		types, err := src.typeCounts(ctx)
		if err != nil {
			return nil, err
		}
		d.Types = rowsOf(types)
		d.TypeChart = chart{ID: "types", Title: "Anime per type", Desc: "Anime of the catalogue per type."}
		for _, r := range d.Types {
			d.TypeChart.Bars = append(d.TypeChart.Bars, bar{Label: str(r["type"]), Value: float(r["anime"])})
		}
		g, err := src.genres(ctx)
		if err != nil {
			return nil, err
		}
		d.Genres = rowsOf(g)
		d.GenreSizeChart, d.GenreMeanChart = genreCharts(d.Genres)
		h, err := src.scoreHistogram(ctx)
		if err != nil {
			return nil, err
		}
		d.ScoreBuckets = scoreBuckets(rowsOf(h))
		d.ScoreChart = chart{ID: "scores", Title: "Distribution of catalogue scores",
			Desc: "Anime per half-point score bucket."}
		for _, r := range d.ScoreBuckets {
			d.ScoreChart.Bars = append(d.ScoreChart.Bars, bar{Label: str(r["label"]), Value: float(r["anime"])})
		}
		return &view{Title: "Dashboard", Data: d}, nil
	}
}

func (s *Server) freshView(published, now time.Time) freshView {
	loc := s.opts.Location
	status, d := freshnessStatus(published.In(loc), now.In(loc), s.deadline)
	deadline := d.Format("15:04 MST")
	if name := loc.String(); name != "Local" && name != d.Format("MST") {
		deadline += " (" + name + ")"
	}
	return freshView{Status: status, Age: formatAge(now.Sub(published)), Deadline: deadline}
}

// formatAge writes a duration as people say it: 3 d 4 h, 5 h 12 min, 40 s.
func formatAge(d time.Duration) string {
	d = max(d, 0)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h %d min", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%d d %d h", int(d.Hours())/24, int(d.Hours())%24)
}

// runCharts draws the run history, oldest run first: duration, rows
// loaded and lines rejected per run.
func runCharts(runs []row) []chart {
	dur := chart{ID: "run-duration", Title: "Run duration (seconds)", Decimals: 1, Height: runChartHeight}
	loaded := chart{ID: "run-rows", Title: "Rows loaded per run", Height: runChartHeight}
	rej := chart{ID: "run-rejects", Title: "Lines rejected per run", Height: runChartHeight}
	for i := len(runs) - 1; i >= 0; i-- {
		r := runs[i]
		label := shortTime(r["started_at"])
		dur.Bars = append(dur.Bars, bar{Label: label, Value: float(r["duration_seconds"])})
		loaded.Bars = append(loaded.Bars, bar{Label: label, Value: float(r["rows_loaded"])})
		rej.Bars = append(rej.Bars, bar{Label: label, Value: float(r["rows_rejected"])})
	}
	return []chart{dur, loaded, rej}
}

// genreCharts draws the genres by size (anime) and by mean user rating.
func genreCharts(genres []row) (chart, chart) {
	size := chart{ID: "genre-size", Title: "Genres by size (anime)"}
	for _, g := range genres {
		size.Bars = append(size.Bars, bar{Label: str(g["genre"]), Value: float(g["anime"])})
	}
	byMean := slices.Clone(genres)
	byMean = slices.DeleteFunc(byMean, func(g row) bool { return g["rating_mean"] == nil })
	slices.SortStableFunc(byMean, func(a, b row) int {
		x, y := float(a["rating_mean"]), float(b["rating_mean"])
		switch {
		case x > y:
			return -1
		case x < y:
			return 1
		}
		return 0
	})
	mean := chart{ID: "genre-mean", Title: "Genres by mean user rating", Decimals: 2}
	for _, g := range byMean {
		mean.Bars = append(mean.Bars, bar{Label: str(g["genre"]), Value: float(g["rating_mean"])})
	}
	return size, mean
}

// scoreBuckets fills the half-point buckets 1.0 to 9.5 (empty ones with 0
// anime) and labels them.
func scoreBuckets(rows []row) []row {
	counts := map[float64]int64{}
	for _, r := range rows {
		counts[float(r["bucket"])] = integer(r["anime"])
	}
	var out []row
	for b := 1.0; b < 10; b += 0.5 {
		out = append(out, row{"bucket": b, "label": strconv.FormatFloat(b, 'f', 1, 64), "anime": counts[b]})
	}
	return out
}

// animeData is one anime's page.
type animeData struct {
	Anime     row
	Tags      []tagList
	Stats     row
	Statuses  []row
	VoteChart chart
	Votes     []row
	Similar   similarView
}

type tagList struct {
	Name  string
	Names []string
}

func parseAnimePage(r *http.Request, p *params) pageFunc {
	raw := r.PathValue("id")
	id, err := strconv.ParseInt(raw, 10, 32)
	if err != nil || id < 0 {
		p.fail("id", "id %q: want an anime id (a whole number)", raw)
	}
	return func(ctx context.Context, src *source, _ time.Time) (*view, error) {
		d, err := src.anime(ctx, id)
		if errors.Is(err, errNoRow) {
			return nil, notFound(fmt.Sprintf("No anime %d in the published warehouse.", id))
		}
		if err != nil {
			return nil, err
		}
		a := &animeData{Anime: rowsOf(&table{Columns: d.anime.cols, Rows: [][]any{d.anime.vals}})[0]}
		for _, t := range []struct{ dim, name string }{{"genre", "Genres"}, {"studio", "Studios"}, {"producer", "Producers"}, {"licensor", "Licensors"}} {
			a.Tags = append(a.Tags, tagList{Name: t.name, Names: d.tags[t.dim]})
		}
		if d.stats != nil {
			a.Stats = rowsOf(&table{Columns: d.stats.cols, Rows: [][]any{d.stats.vals}})[0]
		}
		a.Statuses = rowsOf(d.statusCounts)
		a.Votes = rowsOf(d.scoreVotes)
		slices.Reverse(a.Votes) // lowest score first, as the chart reads
		a.VoteChart = chart{ID: "votes", Title: "Catalogue votes per score", Desc: "Votes per score from 1 to 10."}
		for _, v := range a.Votes {
			a.VoteChart.Bars = append(a.VoteChart.Bars, bar{Label: str(v["score"]), Value: float(v["votes"])})
		}
		if a.Similar, err = animeSimilar(ctx, src, id); err != nil {
			return nil, err
		}
		return &view{Title: str(a.Anime["name"]), Data: a}, nil
	}
}

// searchData is the search page.
type searchData struct {
	Query   string
	Results []row
	Limit   int
}

func parseSearchPage(_ *http.Request, p *params) pageFunc {
	text := p.str("q", false, maxTextLen)
	return func(ctx context.Context, src *source, _ time.Time) (*view, error) {
		d := &searchData{Query: text, Limit: searchLimit}
		title := "Search"
		if text != "" {
			t, err := src.search(ctx, text, searchLimit)
			if err != nil {
				return nil, err
			}
			d.Results = rowsOf(t)
			title = "Search: " + text
		}
		return &view{Title: title, Search: text, Data: d}, nil
	}
}

// runData is one run's page: the run, its files and checks, and a page of
// its rejected lines.
type runData struct {
	Run     row
	Files   []row
	Checks  []row
	Rejects []row
	Total   int64
	Offset  int
	Limit   int
	// Prev and Next are the offsets of the neighbouring pages; -1 when
	// there is none.
	Prev, Next int
	First      int // 1-based number of the first reject shown
	Last       int
}

func parseRunPage(r *http.Request, p *params) pageFunc {
	id := runIDParam(r, p)
	limit := p.int("limit", rejectsPageSize, 1, maxRejectsPage)
	offset := p.int("offset", 0, 0, maxOffset)
	return func(ctx context.Context, src *source, _ time.Time) (*view, error) {
		q, err := src.ledger(ctx)
		if err != nil {
			return nil, err
		}
		d, err := run(ctx, q, id)
		if errors.Is(err, errNoRow) {
			return nil, notFound(fmt.Sprintf("No run %s in the ledger.", id))
		}
		if err != nil {
			return nil, err
		}
		one := &table{Columns: d.run.cols, Rows: [][]any{d.run.vals}}
		addDurations(one)
		rd := &runData{Run: rowsOf(one)[0], Files: rowsOf(d.files), Checks: rowsOf(d.checks), Offset: offset, Limit: limit, Prev: -1, Next: -1}
		page, total, err := rejects(ctx, q, id, limit, offset)
		if err != nil {
			return nil, err
		}
		rd.Rejects, rd.Total = rowsOf(page), total
		if offset > 0 {
			rd.Prev = max(offset-limit, 0)
		}
		if int64(offset+limit) < total {
			rd.Next = offset + limit
		}
		rd.First, rd.Last = offset+1, offset+len(rd.Rejects)
		return &view{Title: "Run " + id, Data: rd}, nil
	}
}

// Conversions of driver-neutral values for the pages.

func str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case time.Time:
		return formatTime(x)
	}
	return csvCell(v)
}

func float(v any) float64 {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case float64:
		return x
	case int32:
		return float64(x)
	case int:
		return float64(x)
	case string:
		f, _ := strconv.ParseFloat(x, 64)
		return f
	}
	return 0
}

func integer(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case float64:
		return int64(x)
	case int32:
		return int64(x)
	case int:
		return int64(x)
	}
	return 0
}

func shortTime(v any) string {
	if t, ok := v.(time.Time); ok {
		return t.UTC().Format("01-02 15:04")
	}
	return str(v)
}
