package serve

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/animetl/animetl"
)

// The dashboard: server-rendered HTML pages over the same snapshots, read
// functions and cache as the API. No JavaScript at all: charts are SVG
// drawn on the server (svg.go), the search box is a plain GET form, and
// the one stylesheet is embedded and served from /static with an immutable
// cache header (its name carries its hash). The CSP allows nothing else.

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static/*
var staticFiles embed.FS

// ledgerTTL bounds how long an answer that reads the run ledger (the
// front page, a run's page, the runs endpoints) is served from the cache
// even when the ledger's version (ledger.go) did not move: the freshness
// badge moves with the clock, and a running run updates its rows.
const ledgerTTL = 10 * time.Second

// staticAsset is an embedded file served under a name that carries its
// hash, so browsers may keep it forever.
type staticAsset struct {
	path        string
	contentType string
	body        []byte
	// entry is the asset's response, compressed once for every client.
	entry *entry
}

var assets = func() map[string]staticAsset {
	m := map[string]staticAsset{}
	for name, ct := range map[string]string{"app.css": "text/css; charset=utf-8", "favicon.svg": "image/svg+xml"} {
		b, err := staticFiles.ReadFile("static/" + name)
		if err != nil {
			panic(fmt.Sprintf("serve: static %s: %v", name, err)) // embedded: cannot happen
		}
		sum := sha256.Sum256(b)
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:6]) + ext
		e := &entry{contentType: ct, etag: etag("", b), body: b, cacheControl: "public, max-age=31536000, immutable"}
		e.asked.Store(2) // every client asks for it: compress from the first
		m[name] = staticAsset{path: "/static/" + hashed, contentType: ct, body: b, entry: e}
	}
	return m
}()

var templateFuncs = template.FuncMap{
	"int": func(v any) string {
		if v == nil {
			return "–"
		}
		return formatNumber(float(v), 0)
	},
	"dec": func(v any, decimals int) string {
		if v == nil {
			return "–"
		}
		return formatNumber(float(v), decimals)
	},
	"str":  str,
	"when": when,
	"dur": func(v any) string {
		if v == nil {
			return "–"
		}
		return formatNumber(float(v), 1) + " s"
	},
	"join":  func(s []string) string { return strings.Join(s, ", ") },
	"add":   func(a, b int) int { return a + b },
	"asset": func(name string) string { return assets[name].path },
}

// when writes a timestamp for people: UTC, to the second.
func when(v any) string {
	t, ok := v.(time.Time)
	if !ok {
		if v == nil {
			return "–"
		}
		return str(v)
	}
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
		return t.Format(time.DateOnly)
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// pageTemplates holds one template set per page: the layout and the page.
var pageTemplates = func() map[string]*template.Template {
	m := map[string]*template.Template{}
	for _, name := range []string{"home", "anime", "search", "run", "error"} {
		m[name] = template.Must(template.New("layout.html").Funcs(templateFuncs).
			ParseFS(templateFiles, "templates/layout.html", "templates/parts.html", "templates/"+name+".html"))
	}
	return m
}()

// layout is what every page's frame shows: which published run the page
// reads, and the page's own view.
type layout struct {
	view
	RunID        string
	PublishedAt  string
	PublishedISO string
	Status       int
}

// page is one dashboard page.
type page struct {
	pattern  string
	template string
	// ledger pages read etl_* tables (or the clock) and live in the cache
	// for ledgerTTL only.
	ledger bool
	parse  func(r *http.Request, p *params) pageFunc
}

func (s *Server) dashboardRoutes() {
	for _, pg := range []page{
		{pattern: "/{$}", template: "home", ledger: true, parse: s.homePage},
		{pattern: "/search", template: "search", parse: parseSearchPage},
		{pattern: "/anime/{id}", template: "anime", parse: parseAnimePage},
		{pattern: "/runs/{run_id}", template: "run", ledger: true, parse: parseRunPage},
	} {
		s.mux.Handle(pg.pattern, getOnly(s.page(pg)))
	}
	s.mux.Handle("/static/{file}", getOnly(http.HandlerFunc(s.static)))
}

// static serves the embedded assets under their hashed names.
func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	for _, a := range assets {
		if a.path == r.URL.Path {
			s.write(w, r, a.entry)
			return
		}
	}
	s.htmlError(w, r, notFound("No such file."))
}

// page answers a dashboard page: validate, then the cache, then one
// snapshot for everything the page shows.
func (s *Server) page(pg page) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := newPageParams(r)
		read := pg.parse(r, p)
		if e := p.done(); e != nil {
			s.htmlError(w, r, e)
			return
		}
		key := "page:" + p.key(r.URL.Path)
		pub, err := s.pub.Published(r.Context())
		if err != nil {
			s.logReadError(r, err)
			s.htmlError(w, r, asAPIError(err))
			return
		}
		if pg.ledger {
			e, err := s.fromLedgerCache(r.Context(), pub, key, func(ctx context.Context) (*built, error) {
				return s.buildPage(ctx, pg, read)
			})
			if err != nil {
				s.logReadError(r, err)
				s.htmlError(w, r, asAPIError(err))
				return
			}
			s.write(w, r, e)
			return
		}
		s.serveCached(w, r, pub, key, func(ctx context.Context) (*built, error) {
			return s.buildPage(ctx, pg, read)
		}, s.htmlError)
	})
}

// buildPage reads a page from a new snapshot and renders it, asking again
// when a publish interrupts the snapshot.
func (s *Server) buildPage(ctx context.Context, pg page, read pageFunc) (*built, error) {
	var err error
	for range maxAttempts {
		var b *built
		if b, err = s.buildPageOnce(ctx, pg, read); !errors.Is(err, animetl.ErrStale) {
			return b, err
		}
	}
	return nil, err
}

func (s *Server) buildPageOnce(ctx context.Context, pg page, read pageFunc) (*built, error) {
	src, err := s.openSource(ctx)
	if err != nil {
		return nil, err
	}
	defer src.close()
	v, err := read(ctx, src, s.opts.Now())
	if err != nil {
		return nil, err
	}
	run := src.run
	if err := src.close(); err != nil {
		return nil, err
	}
	body, err := render(pg.template, layout{view: *v, RunID: run.RunID, PublishedAt: when(run.At),
		PublishedISO: formatTime(run.At), Status: http.StatusOK})
	if err != nil {
		return nil, err
	}
	return &built{runID: run.RunID, entry: entry{contentType: "text/html; charset=utf-8", etag: etag("", body), body: body}}, nil
}

func render(name string, l layout) ([]byte, error) {
	var b bytes.Buffer
	if err := pageTemplates[name].Execute(&b, l); err != nil {
		return nil, fmt.Errorf("serve: render %s: %w", name, err)
	}
	return b.Bytes(), nil
}

// htmlError answers a page's error as an HTML page with the API's status
// (and Retry-After).
func (s *Server) htmlError(w http.ResponseWriter, r *http.Request, e *apiError) {
	status := e.status
	if status == 499 {
		status = http.StatusServiceUnavailable
	}
	title := http.StatusText(status)
	if status == http.StatusNotFound {
		title = "Not found"
	}
	l := layout{view: view{Title: title, Data: e}, Status: status}
	if pub, err := s.pub.Published(r.Context()); err == nil {
		l.RunID, l.PublishedAt, l.PublishedISO = pub.RunID, when(pub.At), formatTime(pub.At)
	}
	body, err := render("error", l)
	if err != nil {
		s.log.Error("rendering an error page", animetl.LogError, err)
		writeError(w, e)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	if e.retryAfter > 0 {
		h.Set("Retry-After", fmt.Sprint(e.retryAfter))
	}
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// wantsHTML reports whether an unknown path is best answered with a page:
// a browser asking outside the API.
func wantsHTML(r *http.Request) bool {
	return !strings.HasPrefix(r.URL.Path, "/api/") && strings.Contains(r.Header.Get("Accept"), "text/html")
}
