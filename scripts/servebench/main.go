// Command servebench is the load generator of `make bench-serve`
// (scripts/bench_serve.sh): N keep-alive clients send a weighted mix of
// requests to one `animetl serve` on the loopback interface, hot ones (the
// same few answers, cached per published run) and cold ones (random anime,
// search terms, runs and rejects pages), for a bounded time and count, and
// it prints one JSON object: requests per second, latency percentiles
// overall and per route, errors by kind, and the published runs it saw
// (polled on /api/v1/freshness), so the caller can tell that a publish
// landed during the load.
//
//	servebench -base http://127.0.0.1:8080 -clients 100 -duration 20s -anime anime.csv
package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Bounds of the flags: the tool must not become a flood by accident.
const (
	maxClients  = 2000
	maxDuration = 10 * time.Minute
)

type config struct {
	base        string
	clients     int
	duration    time.Duration
	maxDuration time.Duration
	publishTail time.Duration
	maxRequests int64
	timeout     time.Duration
	animeCSV    string
	seed        uint64
	label       string
	users       int64
	only        string
}

func main() {
	var c config
	flag.StringVar(&c.base, "base", "http://127.0.0.1:8080", "the server's base URL (loopback only)")
	flag.IntVar(&c.clients, "clients", 100, "concurrent keep-alive clients")
	flag.DurationVar(&c.duration, "duration", 20*time.Second, "how long the load runs at least")
	flag.DurationVar(&c.maxDuration, "max-duration", 0, "with -publish-tail: the most the load runs (default 3 x -duration)")
	flag.DurationVar(&c.publishTail, "publish-tail", 0, "keep loading this long after a new published run is seen (0: stop at -duration)")
	flag.Int64Var(&c.maxRequests, "max-requests", 20_000_000, "stop after this many requests")
	flag.DurationVar(&c.timeout, "timeout", 10*time.Second, "time bound of one request")
	flag.StringVar(&c.animeCSV, "anime", "", "CSV of anime_id,name (header first): the random ids and search terms")
	flag.Uint64Var(&c.seed, "seed", 1, "random seed")
	flag.StringVar(&c.label, "label", "", "a label copied into the output")
	flag.Int64Var(&c.users, "users", 0, "largest user id: random users for /users/{id}/recommendations (0: leave the route out)")
	flag.StringVar(&c.only, "only", "", "comma-separated routes: load only these (e.g. similar,recommendations)")
	flag.Parse()
	if err := c.check(); err != nil {
		fmt.Fprintln(os.Stderr, "servebench:", err)
		os.Exit(2)
	}
	rep, err := run(context.Background(), c)
	if err != nil {
		fmt.Fprintln(os.Stderr, "servebench:", err)
		os.Exit(1)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		fmt.Fprintln(os.Stderr, "servebench:", err)
		os.Exit(1)
	}
}

func (c *config) check() error {
	u, err := url.Parse(c.base)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return fmt.Errorf("-base %q: want http://127.0.0.1:PORT", c.base)
	}
	ip := net.ParseIP(u.Hostname())
	if u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("-base %q: loopback addresses only", c.base)
	}
	c.base = strings.TrimSuffix(c.base, "/")
	if c.clients < 1 || c.clients > maxClients {
		return fmt.Errorf("-clients %d: want 1 to %d", c.clients, maxClients)
	}
	if c.maxDuration == 0 {
		c.maxDuration = 3 * c.duration
	}
	if c.duration <= 0 || c.maxDuration < c.duration || c.maxDuration > maxDuration {
		return fmt.Errorf("-duration %s, -max-duration %s: want 0 < duration <= max-duration <= %s", c.duration, c.maxDuration, maxDuration)
	}
	if c.maxRequests < 1 || c.timeout <= 0 || c.publishTail < 0 {
		return errors.New("-max-requests, -timeout: want positive values; -publish-tail: 0 or more")
	}
	if c.animeCSV == "" {
		return errors.New("-anime: name the CSV of anime_id,name")
	}
	return nil
}

// target is one kind of request of the mix.
type target struct {
	route  string // the label in the report
	weight int
	hot    bool
	next   func(r *rand.Rand) string // a path with its query
}

// sample is one request's outcome.
type sample struct {
	route int16
	nanos int64
	err   string // "" when the answer was 200 or 304
}

type worker struct {
	samples []sample
}

// run probes the server, builds the mix, and runs the load.
func run(ctx context.Context, c config) (*report, error) {
	tr := &http.Transport{
		MaxIdleConns: c.clients, MaxIdleConnsPerHost: c.clients, MaxConnsPerHost: c.clients,
		IdleConnTimeout: time.Minute, DisableCompression: true, // bodies are counted, not decoded
		DialContext: (&net.Dialer{Timeout: c.timeout}).DialContext,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: c.timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	ids, terms, err := readAnime(c.animeCSV)
	if err != nil {
		return nil, err
	}
	rep := &report{Label: c.label, Base: c.base, Clients: c.clients}
	mix, notes, err := buildMix(ctx, client, c.base, ids, terms)
	if err != nil {
		return nil, err
	}
	mix, notes = addRecTargets(ctx, client, c.base, mix, notes, ids, c.users)
	if mix, err = onlyRoutes(mix, c.only); err != nil {
		return nil, err
	}
	rep.Notes = notes

	stop := make(chan struct{})
	var stopOnce sync.Once
	halt := func() { stopOnce.Do(func() { close(stop) }) }
	var count atomic.Int64
	start := time.Now()
	runs := &runWatch{start: start}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the published run, once a second, and the end of the load
		defer wg.Done()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			runs.poll(ctx, client, c.base)
			elapsed := time.Since(start)
			end := elapsed >= c.maxDuration
			if elapsed >= c.duration {
				seen := runs.changedAt()
				end = end || c.publishTail == 0 || seen > 0 && elapsed >= seen+c.publishTail
			}
			if end {
				halt()
				return
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	total := 0
	for _, t := range mix {
		total += t.weight
	}
	workers := make([]*worker, c.clients)
	for i := range workers {
		w := &worker{samples: make([]sample, 0, 4096)}
		workers[i] = w
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(c.seed, seed))
			for {
				select {
				case <-stop:
					return
				default:
				}
				if count.Add(1) > c.maxRequests {
					halt()
					return
				}
				pick := r.IntN(total)
				ti := 0
				for pick >= mix[ti].weight {
					pick -= mix[ti].weight
					ti++
				}
				t0 := time.Now()
				kind := get(ctx, client, c.base+mix[ti].next(r))
				w.samples = append(w.samples, sample{route: int16(ti), nanos: time.Since(t0).Nanoseconds(), err: kind})
			}
		}(uint64(i) + 1)
	}
	wg.Wait()
	rep.Seconds = time.Since(start).Seconds()
	rep.RunsSeen = runs.seen
	rep.summarize(mix, workers)
	return rep, nil
}

// get sends one request and reads the answer through; it returns "" for
// 200 and 304, else the kind of error.
func get(ctx context.Context, client *http.Client, u string) string {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "request"
	}
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := client.Do(req)
	if err != nil {
		var ne net.Error
		switch {
		case errors.As(err, &ne) && ne.Timeout():
			return "timeout"
		case errors.Is(err, syscall.ECONNRESET):
			return "reset"
		case errors.Is(err, syscall.ECONNREFUSED):
			return "refused"
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return "eof"
		}
		return "transport"
	}
	_, err = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	switch {
	case err != nil:
		return "body"
	case res.StatusCode == http.StatusOK, res.StatusCode == http.StatusNotModified:
		return ""
	}
	return "status_" + strconv.Itoa(res.StatusCode)
}

// readAnime reads anime_id,name rows: the ids, and search terms (words of
// three letters or more from the names).
func readAnime(path string) ([]int64, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	rd := csv.NewReader(f)
	rd.FieldsPerRecord = -1
	rows, err := rd.ReadAll()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	var ids []int64
	seen := map[string]bool{}
	var terms []string
	for i, row := range rows {
		if i == 0 || len(row) < 2 {
			continue
		}
		id, err := strconv.ParseInt(row[0], 10, 64)
		if err != nil {
			continue
		}
		ids = append(ids, id)
		for _, w := range strings.Fields(row[1]) {
			w = strings.Trim(w, ".,:;!?()[]\"'")
			if len([]rune(w)) >= 3 && !seen[strings.ToLower(w)] {
				seen[strings.ToLower(w)] = true
				terms = append(terms, w)
			}
		}
	}
	if len(ids) == 0 || len(terms) == 0 {
		return nil, nil, fmt.Errorf("%s: no anime_id,name rows", path)
	}
	return ids, terms, nil
}
