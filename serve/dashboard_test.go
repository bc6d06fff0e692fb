package serve_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/serve"
)

const acceptHTML = "text/html,application/xhtml+xml"

func TestDashboardPagesShowTheAPIsNumbers(t *testing.T) {
	for _, e := range engines(t) {
		t.Run(e.name, func(t *testing.T) {
			wh, openPub, _ := e.open(t)
			sum := published(t, wh)
			ts := newServer(t, serve.Options{Publication: openPub(t, "")})

			home := get(t, ts, "/", "Accept", acceptHTML)
			if home.code != http.StatusOK || !strings.HasPrefix(home.h.Get("Content-Type"), "text/html") {
				t.Fatalf("/: %d %s", home.code, home.h.Get("Content-Type"))
			}
			body := string(home.body)
			if !strings.Contains(body, `id="run-id" href="/runs/`+sum.RunID+`">`+sum.RunID+`</a>`) {
				t.Errorf("/ does not name the published run %s", sum.RunID)
			}
			// No script, no inline style: the CSP forbids both.
			if regexp.MustCompile(`(?i)<script|\sstyle=|<style`).MatchString(body) {
				t.Errorf("/ has a script or an inline style")
			}
			top := get(t, ts, "/api/v1/top-rated?limit=1").json(t)["items"].([]any)[0].(map[string]any)
			row := fmt.Sprintf(`<a href="/anime/%v">%s</a></td><td class="num">%v</td><td class="num mean">%.2f</td>`,
				top["anime_id"], htmlEscape(top["name"].(string)), top["ratings"], top["rating_mean"].(float64))
			if !strings.Contains(body, row) {
				t.Errorf("/ lacks the API's first top-rated row %s", row)
			}
			mw := get(t, ts, "/api/v1/most-watched?limit=1").json(t)["items"].([]any)[0].(map[string]any)
			if !strings.Contains(body, fmt.Sprintf(`<a href="/anime/%v">%s</a></td><td class="num watching">%v</td>`,
				mw["anime_id"], htmlEscape(mw["name"].(string)), mw["watching"])) {
				t.Errorf("/ lacks the API's first most-watched row %v", mw)
			}

			// The page has an ETag; asking again with it gets 304.
			tag := home.h.Get("ETag")
			if r := get(t, ts, "/", "Accept", acceptHTML, "If-None-Match", tag); tag == "" || r.code != http.StatusNotModified {
				t.Errorf("/ again with If-None-Match %q: %d", tag, r.code)
			}

			id := int64(top["anime_id"].(float64))
			a := get(t, ts, fmt.Sprintf("/anime/%d", id), "Accept", acceptHTML)
			api := get(t, ts, fmt.Sprintf("/api/v1/anime/%d", id)).json(t)["anime"].(map[string]any)
			stats := api["stats"].(map[string]any)
			for _, want := range []string{
				`<h1 id="anime-name">` + htmlEscape(api["name"].(string)) + `</h1>`,
				fmt.Sprintf(`<dd id="rating-mean">%.2f</dd>`, stats["rating_mean"].(float64)),
				`<title>` + htmlEscape(api["name"].(string)) + ` · animetl</title>`,
				`role="img"`,
			} {
				if !strings.Contains(string(a.body), want) {
					t.Errorf("/anime/%d lacks %s", id, want)
				}
			}
			ws := contract.QueryAll(t, wh, "SELECT name FROM anime WHERE anime_id = $1", id)[0][0]
			q := strings.ToLower(ws)
			s := get(t, ts, "/search?q="+url.QueryEscape(q), "Accept", acceptHTML)
			if s.code != http.StatusOK || !strings.Contains(string(s.body), fmt.Sprintf(`<a href="/anime/%d">`, id)) {
				t.Errorf("/search?q=%s: %d, no link to anime %d", q, s.code, id)
			}
			if !strings.Contains(string(s.body), `value="`+htmlEscape(q)+`"`) {
				t.Errorf("/search does not keep the search text in the box")
			}

			r := get(t, ts, "/runs/"+sum.RunID+"?limit=5&offset=5", "Accept", acceptHTML)
			total := contract.QueryInt(t, wh, "SELECT count(*) FROM etl_reject WHERE run_id = $1", sum.RunID)
			want := fmt.Sprintf("Lines 6–10 of %d.", total)
			if r.code != http.StatusOK || !strings.Contains(string(r.body), want) ||
				!strings.Contains(string(r.body), `href="?offset=0&amp;limit=5"`) || !strings.Contains(string(r.body), `href="?offset=10&amp;limit=5"`) {
				t.Errorf("/runs/%s?limit=5&offset=5: %d, want %q and links to both neighbours", sum.RunID, r.code, want)
			}
		})
	}
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

func TestDashboardErrorsAreHTMLPages(t *testing.T) {
	wh, openPub, _ := engines(t)[0].open(t)
	published(t, wh)
	ts := newServer(t, serve.Options{Publication: openPub(t, "")})
	for _, c := range []struct {
		path string
		code int
		text string
	}{
		{"/anime/999999999", http.StatusNotFound, "No anime 999999999 in the published warehouse."},
		{"/anime/abc", http.StatusBadRequest, "want an anime id"},
		{"/runs/20990101T000000Z-abcdef", http.StatusNotFound, "No run 20990101T000000Z-abcdef in the ledger."},
		{"/runs/x?offset=-1", http.StatusBadRequest, "offset -1: want 0 or more"},
		{"/no/such/page", http.StatusNotFound, "No such page."},
		{"/static/app.css", http.StatusNotFound, "No such file."},
	} {
		r := get(t, ts, c.path, "Accept", acceptHTML)
		if r.code != c.code || !strings.HasPrefix(r.h.Get("Content-Type"), "text/html") || !strings.Contains(string(r.body), c.text) {
			t.Errorf("%s: %d %s, want %d HTML saying %q:\n%s", c.path, r.code, r.h.Get("Content-Type"), c.code, c.text, r.body)
		}
	}
	// The API and clients that do not ask for HTML keep JSON.
	for _, p := range []string{"/api/v1/anime/999999999", "/no/such/page"} {
		if r := get(t, ts, p, "Accept", "application/json"); r.code != http.StatusNotFound || errorOf(t, r)["code"] != "not_found" {
			t.Errorf("%s: %d %s", p, r.code, r.body)
		}
	}
	if r := get(t, ts, "/api/v1/nope", "Accept", acceptHTML); !strings.HasPrefix(r.h.Get("Content-Type"), "application/json") {
		t.Errorf("/api/v1/nope from a browser: %s", r.h.Get("Content-Type"))
	}
	// A shared link carries parameters the page does not know: it still opens.
	for _, p := range []string{"/?utm_source=mail", "/search?q=a&fbclid=x", "/?x;y=1"} {
		if r := get(t, ts, p, "Accept", acceptHTML); r.code != http.StatusOK {
			t.Errorf("%s: %d, want the page", p, r.code)
		}
	}
}

func TestDashboardNothingPublished(t *testing.T) {
	ts := newServer(t, emptyServer(t, serve.Options{}))
	r := get(t, ts, "/", "Accept", acceptHTML)
	if r.code != http.StatusServiceUnavailable || r.h.Get("Retry-After") == "" || !strings.Contains(string(r.body), "nothing is published yet") {
		t.Errorf("/ with nothing published: %d Retry-After %q\n%s", r.code, r.h.Get("Retry-After"), r.body)
	}
}

func TestDashboardStylesheetIsImmutable(t *testing.T) {
	wh, openPub, _ := engines(t)[0].open(t)
	published(t, wh)
	ts := newServer(t, serve.Options{Publication: openPub(t, "")})
	home := string(get(t, ts, "/", "Accept", acceptHTML).body)
	m := regexp.MustCompile(`href="(/static/app\.[0-9a-f]+\.css)"`).FindStringSubmatch(home)
	if m == nil {
		t.Fatal("no stylesheet link")
	}
	css := get(t, ts, m[1])
	if css.code != http.StatusOK || css.h.Get("Content-Type") != "text/css; charset=utf-8" ||
		!strings.Contains(css.h.Get("Cache-Control"), "immutable") || len(css.body) == 0 {
		t.Errorf("%s: %d %s %q", m[1], css.code, css.h.Get("Content-Type"), css.h.Get("Cache-Control"))
	}
	if csp := css.h.Get("Content-Security-Policy"); !strings.Contains(csp, "style-src 'self'") || strings.Contains(csp, "script-src") {
		t.Errorf("CSP %q", csp)
	}
}

// A run that fails publishes nothing but changes the ledger: the front
// page shows it once its cached copy (ledgerTTL, 10 s) has expired, while
// pages of the published data stay cached.
func TestDashboardFrontPageSeesTheLedgerMove(t *testing.T) {
	wh, openPub, _ := engines(t)[0].open(t)
	sum := published(t, wh)
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	ts := newServer(t, serve.Options{Publication: openPub(t, ""), Now: clock})
	lastRun := regexp.MustCompile(`id="last-run">\s*<p class="card-label">Last run</p>\s*<p class="card-value"><span class="pill pill-(\w+)">\w+</span> <a href="/runs/([^"]+)"`)
	show := func() (string, string) {
		m := lastRun.FindStringSubmatch(string(get(t, ts, "/", "Accept", acceptHTML).body))
		if m == nil {
			t.Fatal("no last run on /")
		}
		return m[1], m[2]
	}
	if status, id := show(); status != "succeeded" || id != sum.RunID {
		t.Fatalf("last run %s %s, want succeeded %s", status, id, sum.RunID)
	}
	dir, _ := contract.Gen(t, small)
	failed, err := contract.RunDir(t, wh, dir, 1e-9) // every reject is too many
	if err == nil && failed.Status == animetl.StatusSucceeded {
		t.Fatal("the run meant to fail succeeded")
	}
	failedID := contract.QueryAll(t, wh, "SELECT run_id FROM etl_run WHERE status = 'failed'")[0][0]
	if _, id := show(); id != sum.RunID {
		t.Errorf("last run %s within the TTL, want the cached %s", id, sum.RunID)
	}
	mu.Lock()
	now = now.Add(11 * time.Second)
	mu.Unlock()
	if status, id := show(); status != "failed" || id != failedID {
		t.Errorf("last run %s %s after the TTL, want failed %s", status, id, failedID)
	}
	if r := get(t, ts, "/runs/"+failedID, "Accept", acceptHTML); r.code != http.StatusOK || !strings.Contains(string(r.body), `id="run-status">failed`) {
		t.Errorf("/runs/%s: %d", failedID, r.code)
	}
}
