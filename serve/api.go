package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/animetl/animetl"
)

// Limits of the list parameters: larger values are capped.
const (
	maxListLimit    = 100
	maxRunsLimit    = 200
	maxRejectsLimit = 1000
	maxOffset       = 100_000_000
	maxTextLen      = 100
)

// reply is what a read makes of a snapshot: fields beside run_id and
// published_at, and for list endpoints the items (also their CSV).
type reply struct {
	fields map[string]any
	items  *table
}

// readFunc answers one validated request from a snapshot.
type readFunc func(ctx context.Context, src *source) (*reply, error)

// route is one API endpoint: how it reads its parameters and the
// warehouse.
type route struct {
	pattern string
	// cached answers come from the published data and are cached per run;
	// the others read the ledger, which changes between publishes.
	cached bool
	list   bool
	// parse validates the parameters and returns the read.
	parse func(r *http.Request, p *params) readFunc
}

func (s *Server) routes() {
	for _, rt := range []route{
		{pattern: "/api/v1/top-rated", cached: true, list: true, parse: parseTopRated},
		{pattern: "/api/v1/most-watched", cached: true, list: true, parse: parseMostWatched},
		{pattern: "/api/v1/anime/{id}", cached: true, parse: parseAnime},
		{pattern: "/api/v1/anime/{id}/similar", cached: true, list: true, parse: parseSimilar},
		{pattern: "/api/v1/users/{id}/recommendations", cached: true, list: true, parse: parseUserRecs},
		{pattern: "/api/v1/search", cached: true, list: true, parse: parseSearch},
		{pattern: "/api/v1/genres", cached: true, list: true, parse: parseGenres},
		{pattern: "/api/v1/runs", list: true, parse: parseRuns},
		{pattern: "/api/v1/runs/{run_id}", parse: parseRun},
		{pattern: "/api/v1/runs/{run_id}/rejects", list: true, parse: parseRejects},
	} {
		s.mux.Handle(rt.pattern, getOnly(s.api(rt)))
	}
	s.mux.Handle("/api/v1/freshness", getOnly(http.HandlerFunc(s.freshness)))
	s.mux.Handle("/healthz", getOnly(http.HandlerFunc(s.healthz)))
	s.mux.Handle("/readyz", getOnly(http.HandlerFunc(s.readyz)))
	s.mux.Handle("/metrics", getOnly(s.metrics.handler()))
	s.dashboardRoutes()
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if wantsHTML(r) {
			s.htmlError(w, r, notFound("No such page."))
			return
		}
		writeError(w, notFound(fmt.Sprintf("no such page: %s", r.URL.Path)))
	})
}

// getOnly answers other methods than GET and HEAD with 405 JSON.
func getOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeError(w, &apiError{status: http.StatusMethodNotAllowed, Code: "method_not_allowed",
				Message: r.Method + " is not allowed: the API is read-only"})
			return
		}
		h.ServeHTTP(w, r)
	})
}

func filterParams(p *params) listFilter {
	return listFilter{Type: p.str("type", false, maxTextLen), Genre: p.str("genre", false, maxTextLen)}
}

func parseTopRated(_ *http.Request, p *params) readFunc {
	limit := p.int("limit", 10, 1, maxListLimit)
	minRatings := p.int("min_ratings", 50, 0, 1<<31-1)
	f := filterParams(p)
	return func(ctx context.Context, src *source) (*reply, error) {
		t, err := src.topRated(ctx, limit, minRatings, f)
		return &reply{items: t}, err
	}
}

func parseMostWatched(_ *http.Request, p *params) readFunc {
	limit := p.int("limit", 10, 1, maxListLimit)
	f := filterParams(p)
	return func(ctx context.Context, src *source) (*reply, error) {
		t, err := src.mostWatched(ctx, limit, f)
		return &reply{items: t}, err
	}
}

func parseAnime(r *http.Request, p *params) readFunc {
	raw := r.PathValue("id")
	id, err := strconv.ParseInt(raw, 10, 32)
	if err != nil || id < 0 {
		p.fail("id", "id %q: want an anime id (a whole number)", raw)
	}
	return func(ctx context.Context, src *source) (*reply, error) {
		d, err := src.anime(ctx, id)
		if errors.Is(err, errNoRow) {
			return nil, notFound(fmt.Sprintf("no anime %d in the published warehouse", id))
		}
		if err != nil {
			return nil, err
		}
		return &reply{fields: map[string]any{"anime": animeJSON(d)}}, nil
	}
}

// animeJSON is the "anime" object of /anime/{id}.
func animeJSON(d *animeDetail) map[string]any {
	a := map[string]any{}
	for i, c := range d.anime.cols {
		a[c] = jsonValue(d.anime.vals[i])
	}
	a["genres"], a["studios"], a["producers"], a["licensors"] = d.tags["genre"], d.tags["studio"], d.tags["producer"], d.tags["licensor"]
	a["score_votes"] = d.scoreVotes
	a["stats"] = d.stats
	a["status_counts"] = d.statusCounts
	return a
}

func parseSearch(_ *http.Request, p *params) readFunc {
	text := p.str("q", true, maxTextLen)
	limit := p.int("limit", 20, 1, maxListLimit)
	return func(ctx context.Context, src *source) (*reply, error) {
		t, err := src.search(ctx, text, limit)
		return &reply{items: t}, err
	}
}

func parseGenres(_ *http.Request, _ *params) readFunc {
	return func(ctx context.Context, src *source) (*reply, error) {
		t, err := src.genres(ctx)
		return &reply{items: t}, err
	}
}

func parseRuns(_ *http.Request, p *params) readFunc {
	limit := p.int("limit", 20, 1, maxRunsLimit)
	return func(ctx context.Context, src *source) (*reply, error) {
		q, err := src.ledger(ctx)
		if err != nil {
			return nil, err
		}
		t, err := runs(ctx, q, limit)
		if err != nil {
			return nil, err
		}
		addDurations(t)
		return &reply{items: t}, nil
	}
}

// addDurations adds duration_seconds to runs (NULL while one runs).
func addDurations(t *table) {
	si, fi := -1, -1
	for i, c := range t.Columns {
		switch c {
		case "started_at":
			si = i
		case "finished_at":
			fi = i
		}
	}
	if si < 0 || fi < 0 {
		return
	}
	t.Columns = append(t.Columns, "duration_seconds")
	for i, r := range t.Rows {
		s, ok1 := r[si].(time.Time)
		f, ok2 := r[fi].(time.Time)
		var d any
		if ok1 && ok2 {
			d = f.Sub(s).Seconds()
		}
		t.Rows[i] = append(r, d)
	}
}

var runIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:+-]{1,100}$`)

func runIDParam(r *http.Request, p *params) string {
	id := r.PathValue("run_id")
	if !runIDPattern.MatchString(id) {
		p.fail("run_id", "run_id %q: want a run id as `animetl run` prints it", id)
	}
	return id
}

func parseRun(r *http.Request, p *params) readFunc {
	id := runIDParam(r, p)
	return func(ctx context.Context, src *source) (*reply, error) {
		q, err := src.ledger(ctx)
		if err != nil {
			return nil, err
		}
		d, err := run(ctx, q, id)
		if errors.Is(err, errNoRow) {
			return nil, notFound(fmt.Sprintf("no run %s in the ledger", id))
		}
		if err != nil {
			return nil, err
		}
		one := &table{Columns: d.run.cols, Rows: [][]any{d.run.vals}}
		addDurations(one)
		return &reply{fields: map[string]any{"run": one.objects()[0], "files": d.files, "checks": d.checks}}, nil
	}
}

func parseRejects(r *http.Request, p *params) readFunc {
	id := runIDParam(r, p)
	limit := p.int("limit", 100, 1, maxRejectsLimit)
	offset := p.int("offset", 0, 0, maxOffset)
	return func(ctx context.Context, src *source) (*reply, error) {
		q, err := src.ledger(ctx)
		if err != nil {
			return nil, err
		}
		t, total, err := rejects(ctx, q, id, limit, offset)
		if errors.Is(err, errNoRow) {
			return nil, notFound(fmt.Sprintf("no run %s in the ledger", id))
		}
		if err != nil {
			return nil, err
		}
		return &reply{items: t, fields: map[string]any{"total": total, "limit": limit, "offset": offset}}, nil
	}
}

// api answers a route: validate, then the cache, then a snapshot.
func (s *Server) api(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := newParams(r, rt.list)
		read := rt.parse(r, p)
		if e := p.done(); e != nil {
			writeError(w, e)
			return
		}
		key := p.key(r.URL.Path)
		pub, err := s.pub.Published(r.Context())
		if err != nil {
			s.logReadError(r, err)
			writeError(w, asAPIError(err))
			return
		}
		if !rt.cached {
			e, err := s.fromLedgerCache(r.Context(), pub, key, func(ctx context.Context) (*built, error) {
				b, err := s.build(ctx, read, p.csv())
				if err == nil {
					b.etag = etag("", b.body)
				}
				return b, err
			})
			if err != nil {
				s.logReadError(r, err)
				writeError(w, asAPIError(err))
				return
			}
			s.write(w, r, e)
			return
		}
		if r.Header.Get("If-None-Match") != "" {
			if tag := etag(pub.RunID, []byte(key)); match(r, tag) {
				s.metrics.cacheHits.Inc()
				notModified(w, tag)
				return
			}
		}
		s.serveCached(w, r, pub, key, func(ctx context.Context) (*built, error) {
			e, err := s.build(ctx, read, p.csv())
			if err != nil {
				return nil, err
			}
			e.etag = etag(e.runID, []byte(key))
			return e, nil
		}, func(w http.ResponseWriter, _ *http.Request, e *apiError) { writeError(w, e) })
	})
}

// serveCached writes the cached answer of key for the published run pub,
// or reads it once for every request waiting on that key (singleflight)
// and caches it when it was read from pub; fail writes a read's error. The
// read is shared by the requests waiting for it: the first client leaving
// does not cancel the others' answer.
func (s *Server) serveCached(w http.ResponseWriter, r *http.Request, pub animetl.PublishedRun, key string,
	read func(context.Context) (*built, error), fail func(http.ResponseWriter, *http.Request, *apiError)) {
	if e := s.cache.get(pub.RunID, key); e != nil {
		s.metrics.cacheHits.Inc()
		s.write(w, r, e)
		return
	}
	s.metrics.cacheMisses.Inc()
	v, err, _ := s.flight.Do(pub.RunID+"\x00"+key, func() (any, error) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), s.opts.ReadTimeout)
		defer cancel()
		b, err := read(ctx)
		if err != nil {
			return nil, err
		}
		if b.runID == pub.RunID { // read from the run published when the request came
			s.cache.put(b.runID, key, &b.entry)
		}
		return b, nil
	})
	if err != nil {
		s.logReadError(r, err)
		fail(w, r, asAPIError(err))
		return
	}
	s.write(w, r, &v.(*built).entry)
}

// built is a rendered answer and the run it was read from.
type built struct {
	entry
	runID string
}

// maxAttempts bounds the snapshots one answer may take when a publish
// interrupts them (ErrStale).
const maxAttempts = 3

// build reads an answer from a new snapshot and renders it.
func (s *Server) build(ctx context.Context, read readFunc, csv bool) (*built, error) {
	var err error
	for range maxAttempts {
		var b *built
		if b, err = s.buildOnce(ctx, read, csv); !errors.Is(err, animetl.ErrStale) {
			return b, err
		}
	}
	return nil, err
}

func (s *Server) buildOnce(ctx context.Context, read readFunc, csv bool) (*built, error) {
	src, err := s.openSource(ctx)
	if err != nil {
		return nil, err
	}
	defer src.close()
	rep, err := read(ctx, src)
	if err != nil {
		return nil, err
	}
	run := src.run
	if err := src.close(); err != nil {
		return nil, err
	}
	b := &built{runID: run.RunID}
	if csv && rep.items != nil {
		body, err := csvBytes(rep.items)
		if err != nil {
			return nil, err
		}
		b.contentType, b.body = "text/csv; charset=utf-8", body
		return b, nil
	}
	out := map[string]any{"run_id": run.RunID, "published_at": formatTime(run.At)}
	for k, v := range rep.fields {
		out[k] = v
	}
	if rep.items != nil {
		out["items"] = rep.items
	}
	body, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	b.contentType, b.body = "application/json; charset=utf-8", append(body, '\n')
	return b, nil
}

func (s *Server) logReadError(r *http.Request, err error) {
	if errors.Is(err, animetl.ErrNotFound) || errors.Is(err, context.Canceled) {
		return
	}
	var ae *apiError
	if errors.As(err, &ae) {
		return
	}
	s.log.Warn("reading the warehouse", "path", r.URL.Path, animetl.LogError, err)
}

// etag is a strong validator: the run and the canonical request for cached
// answers (run not empty), else the body's hash.
func etag(run string, b []byte) string {
	h := fnv.New64a()
	h.Write(b)
	if run == "" {
		return fmt.Sprintf(`"b-%016x"`, h.Sum64())
	}
	return fmt.Sprintf(`"%s-%016x"`, run, h.Sum64())
}
