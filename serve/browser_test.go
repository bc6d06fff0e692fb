package serve_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/serve"
)

// The dashboard in a real browser: headless Chromium driven over the
// DevTools protocol. scripts/test.sh installs Debian's chromium and sets
// ANIMETL_TEST_CHROMIUM; screenshots go to ANIMETL_SCREENSHOTS when set.

// chromiumPath finds the browser, or skips saying how to run the test.
func chromiumPath(t *testing.T) string {
	if p := os.Getenv("ANIMETL_TEST_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("browser test skipped: no Chromium found; install it (apt-get install chromium) or set ANIMETL_TEST_CHROMIUM=/path/to/chromium (make test does)")
	return ""
}

// newBrowser starts headless Chromium with nothing that reaches the
// network on its own (the machine may have no internet).
func newBrowser(t *testing.T) context.Context {
	path := chromiumPath(t)
	// The profile is removed once the browser is gone; t.TempDir's own
	// removal would race with Chromium's helper processes still writing.
	profile, err := os.MkdirTemp("", "animetl-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(profile),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		chromedp.Cancel(ctx)
		cancel()
		cancelAlloc()
		for range 50 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// problems collects what a page must not do: log an error, throw, or
// fail a request.
type problems struct {
	mu   sync.Mutex
	list []string
}

func (p *problems) add(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.list = append(p.list, fmt.Sprintf(format, args...))
}

// take returns the problems seen so far and forgets them.
func (p *problems) take() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.list
	p.list = nil
	return l
}

// newTab opens a tab whose console, exceptions and failed requests are
// collected.
func newTab(t *testing.T, browser context.Context) (context.Context, *problems) {
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	p := &problems{}
	chromedp.ListenTarget(ctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.APITypeError || e.Type == runtime.APITypeWarning {
				var args []string
				for _, a := range e.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				p.add("console.%s: %s", e.Type, strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			p.add("exception: %s", e.ExceptionDetails.Error())
		case *cdplog.EventEntryAdded:
			if e.Entry.Level == cdplog.LevelError || e.Entry.Level == cdplog.LevelWarning {
				p.add("log %s (%s): %s %s", e.Entry.Level, e.Entry.Source, e.Entry.Text, e.Entry.URL)
			}
		case *network.EventLoadingFailed:
			p.add("request failed: %s %s %s", e.Type, e.ErrorText, e.BlockedReason)
		case *network.EventResponseReceived:
			if e.Response.Status >= 400 {
				p.add("HTTP %d: %s", e.Response.Status, e.Response.URL)
			}
		}
	})
	if err := chromedp.Run(ctx, network.Enable(), cdplog.Enable(), runtime.Enable()); err != nil {
		t.Fatal(err)
	}
	return ctx, p
}

// screenshotDir is where the test writes its screenshots.
func screenshotDir(t *testing.T) string {
	if d := os.Getenv("ANIMETL_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	t.Log("screenshots go to a temporary folder; set ANIMETL_SCREENSHOTS=DIR to keep them")
	return t.TempDir()
}

// viewport is a screen size the dashboard must work at.
type viewport struct {
	name string
	w, h int64
	opts []chromedp.EmulateViewportOption
}

var viewports = []viewport{
	{name: "desktop", w: 1280, h: 800},
	{name: "phone", w: 390, h: 844, opts: []chromedp.EmulateViewportOption{chromedp.EmulateMobile, chromedp.EmulateScale(2)}},
}

// expected is what the warehouse itself says, read with SQL.
type expected struct {
	runID                string
	topName, topMean     string
	topID                int64
	topListUsers         string
	watchName, watchNum  string
	checks               int64
	rejects              int64
	typeAnime, scoreAnim int64
}

func readExpected(t *testing.T, wh animetl.Warehouse, runID string) expected {
	e := expected{runID: runID}
	top := contract.QueryAll(t, wh, `SELECT a.anime_id, a.name, s.rating_mean, s.list_users FROM anime_stats s JOIN anime a ON a.anime_id = s.anime_id
		WHERE s.ratings >= 50 ORDER BY s.rating_mean DESC, s.rating_weighted DESC, a.anime_id LIMIT 1`)
	if len(top) != 1 {
		t.Fatal("the test warehouse has no anime with 50 ratings: make the dataset larger")
	}
	e.topID, _ = strconv.ParseInt(top[0][0], 10, 64)
	e.topName = top[0][1]
	mean, err := strconv.ParseFloat(top[0][2], 64)
	if err != nil {
		t.Fatal(err)
	}
	e.topMean = strconv.FormatFloat(mean, 'f', 2, 64)
	e.topListUsers = thousands(top[0][3])
	mw := contract.QueryAll(t, wh, `SELECT a.name, s.watching FROM anime_stats s JOIN anime a ON a.anime_id = s.anime_id
		WHERE s.watching > 0 ORDER BY s.watching DESC, a.anime_id LIMIT 1`)
	e.watchName, e.watchNum = mw[0][0], thousands(mw[0][1])
	e.checks = contract.QueryInt(t, wh, "SELECT count(*) FROM etl_check WHERE run_id = $1", runID)
	e.rejects = contract.QueryInt(t, wh, "SELECT count(*) FROM etl_reject WHERE run_id = $1", runID)
	e.typeAnime = contract.QueryInt(t, wh, "SELECT count(*) FROM anime WHERE NOT is_inferred")
	e.scoreAnim = contract.QueryInt(t, wh, "SELECT count(*) FROM anime WHERE NOT is_inferred AND score IS NOT NULL")
	return e
}

// thousands writes an integer as the dashboard does: 12,345.
func thousands(s string) string {
	n := len(s)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (n-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func TestDashboardInBrowser(t *testing.T) {
	browser := newBrowser(t)
	shots := screenshotDir(t)
	for name, open := range recStores(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			wh := st.wh
			sum := published(t, wh)
			recs := contract.PublishRecs(t, st.spec)
			want := readExpected(t, wh, sum.RunID)
			s, err := serve.New(serve.Options{Publication: st.pub(t)})
			if err != nil {
				t.Fatal(err)
			}
			ts := httptest.NewServer(s)
			t.Cleanup(ts.Close)
			for _, vp := range viewports {
				t.Run(vp.name, func(t *testing.T) {
					start := time.Now()
					ctx, cancel := context.WithTimeout(browser, 2*time.Minute)
					defer cancel()
					tab, probs := newTab(t, ctx)
					b := &browserRun{t: t, ctx: tab, probs: probs, base: ts.URL, vp: vp, shots: shots, engine: name}
					if err := chromedp.Run(tab, chromedp.EmulateViewport(vp.w, vp.h, vp.opts...)); err != nil {
						t.Fatal(err)
					}
					b.home(want)
					b.search(want)
					b.similar(wh, recs)
					b.run(want)
					b.notFound()
					t.Logf("%s %s: %v", name, vp.name, time.Since(start).Round(time.Millisecond))
				})
			}
		})
	}
}

// TestBrowserProblemsAreSeen proves that the listener of newTab sees what
// the dashboard must not do: a resource blocked by the CSP and a request
// that fails.
func TestBrowserProblemsAreSeen(t *testing.T) {
	browser := newBrowser(t)
	ts := newServer(t, emptyServer(t, serve.Options{}))
	tab, probs := newTab(t, browser)
	script := `document.body.appendChild(Object.assign(document.createElement('img'), {src: 'https://cdn.invalid/x.png'})); true`
	var ok bool
	if err := chromedp.Run(tab, chromedp.Navigate(ts.URL+"/search"), chromedp.Evaluate(script, &ok)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := strings.Join(probs.take(), "\n")
		if strings.Contains(got, "Content Security Policy") || strings.Contains(got, "csp") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("an image from elsewhere was not reported; saw:\n%s", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// browserRun drives one tab through the dashboard.
type browserRun struct {
	t      *testing.T
	ctx    context.Context
	probs  *problems
	base   string
	vp     viewport
	shots  string
	engine string
}

func (b *browserRun) do(what string, actions ...chromedp.Action) {
	b.t.Helper()
	if err := chromedp.Run(b.ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

func (b *browserRun) text(sel string) string {
	b.t.Helper()
	var s string
	b.do("text of "+sel, chromedp.TextContent(sel, &s, chromedp.ByQuery))
	return strings.Join(strings.Fields(s), " ")
}

// check asserts the page is clean: no console error, no failed request,
// no horizontal scrolling of the page itself (wide tables scroll in their
// own box), and a title; then saves a full-page screenshot.
func (b *browserRun) check(name string) {
	b.t.Helper()
	var overflow int64
	var title string
	b.do("layout of "+name,
		chromedp.Title(&title),
		chromedp.Evaluate(`document.documentElement.scrollWidth - document.documentElement.clientWidth`, &overflow))
	if overflow > 0 {
		b.t.Errorf("%s at %s: the page scrolls sideways by %d px", name, b.vp.name, overflow)
	}
	if !strings.HasSuffix(title, "· animetl") {
		b.t.Errorf("%s: title %q", name, title)
	}
	var png []byte
	b.do("screenshot of "+name, chromedp.FullScreenshot(&png, 100))
	path := filepath.Join(b.shots, fmt.Sprintf("%s-%s-%s.png", b.engine, b.vp.name, name))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	if b.vp.name == "desktop" && name == "home" {
		var top []byte
		b.do("viewport screenshot", chromedp.CaptureScreenshot(&top))
		if err := os.WriteFile(filepath.Join(b.shots, b.engine+"-desktop-home-top.png"), top, 0o644); err != nil {
			b.t.Fatal(err)
		}
	}
	b.t.Logf("screenshot %s", path)
	if p := b.probs.take(); len(p) > 0 {
		b.t.Errorf("%s at %s:\n%s", name, b.vp.name, strings.Join(p, "\n"))
	}
}

func (b *browserRun) home(want expected) {
	b.t.Helper()
	b.do("open the dashboard", chromedp.Navigate(b.base+"/"), chromedp.WaitVisible("#top-rated", chromedp.ByQuery))
	if got := b.text("#run-id"); got != want.runID {
		b.t.Errorf("run shown %q, want %q", got, want.runID)
	}
	if got := b.text("#top-rated tbody tr:first-child td.name"); got != want.topName {
		b.t.Errorf("top rated: first %q, want %q", got, want.topName)
	}
	if got := b.text("#top-rated tbody tr:first-child td.mean"); got != want.topMean {
		b.t.Errorf("top rated: mean %q, want %q", got, want.topMean)
	}
	if got := b.text("#most-watched tbody tr:first-child td.name"); got != want.watchName {
		b.t.Errorf("most watched: first %q, want %q", got, want.watchName)
	}
	if got := b.text("#most-watched tbody tr:first-child td.watching"); got != want.watchNum {
		b.t.Errorf("most watched: watching %q, want %q", got, want.watchNum)
	}
	if got := b.text("#checks-summary"); !strings.HasPrefix(got, fmt.Sprintf("%d checks", want.checks)) {
		b.t.Errorf("checks summary %q, want %d checks", got, want.checks)
	}
	if got := b.text("#freshness-status"); got != "fresh" && got != "late" {
		b.t.Errorf("freshness %q", got)
	}
	// The charts' tables add up to the catalogue.
	var sums struct{ Types, Scores int64 }
	b.do("sum the tables", chromedp.Evaluate(`(() => {
		const sum = sel => [...document.querySelectorAll(sel)].reduce((s, td) => s + Number(td.textContent.replace(/,/g, '')), 0);
		return {Types: sum('#types td.num'), Scores: sum('#score-buckets td.num')};
	})()`, &sums))
	if sums.Types != want.typeAnime || sums.Scores != want.scoreAnim {
		b.t.Errorf("anime per type add to %d (want %d), per score to %d (want %d)", sums.Types, want.typeAnime, sums.Scores, want.scoreAnim)
	}
	var charts int
	b.do("count the charts", chromedp.Evaluate(`document.querySelectorAll('svg.chart[role=img] > title').length`, &charts))
	if charts != 7 {
		b.t.Errorf("%d charts with a title, want 7", charts)
	}
	b.check("home")
}

func (b *browserRun) search(want expected) {
	b.t.Helper()
	term := strings.ToLower(want.topName)
	b.do("search", chromedp.SendKeys("#q", term, chromedp.ByQuery), chromedp.Submit("#q", chromedp.ByQuery),
		chromedp.WaitVisible("#search-summary", chromedp.ByQuery))
	var loc string
	b.do("search location", chromedp.Location(&loc))
	if !strings.Contains(loc, "/search?q=") {
		b.t.Errorf("search went to %s", loc)
	}
	link := fmt.Sprintf(`#search-results a[href="/anime/%d"]`, want.topID)
	if got := b.text(link); got != want.topName {
		b.t.Errorf("search %q: result %q, want %q", term, got, want.topName)
	}
	b.check("search")
	b.do("open the result", chromedp.Click(link, chromedp.ByQuery), chromedp.WaitVisible("#anime-name", chromedp.ByQuery))
	if got := b.text("#anime-name"); got != want.topName {
		b.t.Errorf("anime page: %q, want %q", got, want.topName)
	}
	if got := b.text("#rating-mean"); got != want.topMean {
		b.t.Errorf("anime page: mean %q, want %q", got, want.topMean)
	}
	if got := b.text("#list-users"); got != want.topListUsers {
		b.t.Errorf("anime page: on lists %q, want %q", got, want.topListUsers)
	}
	if got := b.text("#run-id"); got != want.runID {
		b.t.Errorf("anime page reads run %q, want %q", got, want.runID)
	}
	b.check("anime")
}

func (b *browserRun) run(want expected) {
	b.t.Helper()
	const limit = 10
	b.do("open the run", chromedp.Navigate(fmt.Sprintf("%s/runs/%s?limit=%d", b.base, want.runID, limit)),
		chromedp.WaitVisible("#files", chromedp.ByQuery))
	var files int
	b.do("count files", chromedp.Evaluate(`document.querySelectorAll('#files tbody tr').length`, &files))
	if files != 4 {
		b.t.Errorf("run page: %d files, want 4", files)
	}
	if want.rejects <= limit {
		b.t.Fatalf("the test run has %d rejects: too few to page", want.rejects)
	}
	page := func(first int) string {
		return fmt.Sprintf("Lines %d–%d of %s.", first, min(int64(first+limit-1), want.rejects), thousands(strconv.FormatInt(want.rejects, 10)))
	}
	if got := b.text("#rejects-range"); got != page(1) {
		b.t.Errorf("rejects: %q, want %q", got, page(1))
	}
	b.check("run")
	b.do("next page", chromedp.Click("#rejects-next", chromedp.ByQuery), chromedp.WaitVisible("#rejects-prev", chromedp.ByQuery))
	if got := b.text("#rejects-range"); got != page(limit+1) {
		b.t.Errorf("rejects, next page: %q, want %q", got, page(limit+1))
	}
	b.do("previous page", chromedp.Click("#rejects-prev", chromedp.ByQuery), chromedp.WaitNotPresent("#rejects-prev", chromedp.ByQuery))
	if got := b.text("#rejects-range"); got != page(1) {
		b.t.Errorf("rejects, back: %q, want %q", got, page(1))
	}
	if p := b.probs.take(); len(p) > 0 {
		b.t.Errorf("paging rejects:\n%s", strings.Join(p, "\n"))
	}
}

// notFound opens an unknown anime: a 404 page, in HTML, and nothing else
// fails.
func (b *browserRun) notFound() {
	b.t.Helper()
	b.do("open an unknown anime", chromedp.Navigate(b.base+"/anime/999999999"), chromedp.WaitVisible("#error-message", chromedp.ByQuery))
	var title string
	b.do("title", chromedp.Title(&title))
	if !strings.HasPrefix(title, "Not found") {
		b.t.Errorf("404 page title %q", title)
	}
	for _, p := range b.probs.take() {
		// The page's own 404 is expected; Chromium reports it twice.
		if !strings.Contains(p, "/anime/999999999") && !strings.Contains(p, "404") {
			b.t.Errorf("404 page: %s", p)
		}
	}
	b.probs.take()
	b.check("notfound")
}

// similar opens the anime page of an anime with similar anime: their
// names link to their pages, in rank order with the score; then one
// without: the section says so.
func (b *browserRun) similar(wh animetl.Warehouse, r contract.Recs) {
	b.t.Helper()
	b.do("open an anime with similar anime", chromedp.Navigate(fmt.Sprintf("%s/anime/%d", b.base, r.Anime)),
		chromedp.WaitVisible("#similar", chromedp.ByQuery))
	var rows int
	b.do("count the similar anime", chromedp.Evaluate(`document.querySelectorAll('#similar tbody tr').length`, &rows))
	if rows != 10 {
		b.t.Errorf("similar anime: %d rows, want 10", rows)
	}
	first := contract.QueryAll(b.t, wh, "SELECT name FROM anime WHERE anime_id = $1", r.Similar[0])[0][0]
	link := fmt.Sprintf(`#similar tbody tr:first-child a[href="/anime/%d"]`, r.Similar[0])
	if got := b.text(link); got != first {
		b.t.Errorf("similar anime: first %q, want %q", got, first)
	}
	if got := b.text("#similar tbody tr:first-child td.score"); got != "0.900" {
		b.t.Errorf("similar anime: first score %q, want 0.900", got)
	}
	if got := b.text("#similar .note"); !strings.Contains(got, contract.RecSimilarModel) {
		b.t.Errorf("similar anime: note %q does not name the model", got)
	}
	b.check("anime-similar")
	b.do("follow a similar anime", chromedp.Click(link, chromedp.ByQuery), chromedp.WaitVisible("#anime-name", chromedp.ByQuery))
	if got := b.text("#anime-name"); got != first {
		b.t.Errorf("the similar anime's page: %q, want %q", got, first)
	}
	b.do("open an anime without similar anime", chromedp.Navigate(fmt.Sprintf("%s/anime/%d", b.base, r.Lonely)),
		chromedp.WaitVisible("#similar .empty", chromedp.ByQuery))
	if got := b.text("#similar .empty"); got != "The model found no anime like this one." {
		b.t.Errorf("similar anime, none: %q", got)
	}
}
