package serve

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/animetl/animetl"
)

// metrics are the server's Prometheus metrics, on a registry of its own.
type metrics struct {
	reg         *prometheus.Registry
	requests    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	inFlight    prometheus.Gauge
	cacheHits   prometheus.Counter
	cacheMisses prometheus.Counter
	routes      sync.Map // route pattern -> *routeMetrics
}

func newMetrics(s *Server) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "animetl_http_requests_total", Help: "HTTP requests answered, by route and status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "animetl_http_request_duration_seconds", Help: "Time to answer an HTTP request, by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "animetl_http_requests_in_flight", Help: "HTTP requests being answered now.",
		}),
		cacheHits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "animetl_cache_hits_total", Help: "Answers served from the response cache (304s included).",
		}),
		cacheMisses: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "animetl_cache_misses_total", Help: "Cacheable answers read from the warehouse.",
		}),
	}
	m.reg.MustRegister(m.requests, m.duration, m.inFlight, m.cacheHits, m.cacheMisses,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&stateCollector{s: s})
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

var (
	descRun = prometheus.NewDesc("animetl_published_run_info",
		"The published run (1, its id as the run_id label).", []string{"run_id"}, nil)
	descAge = prometheus.NewDesc("animetl_published_age_seconds",
		"Seconds since the published run finished.", nil, nil)
	descCached = prometheus.NewDesc("animetl_cache_entries",
		"Answers held by the response cache.", nil, nil)
	descModel = prometheus.NewDesc("animetl_read_model_anime",
		"Anime in the in-memory read model, by the run it was built from (absent until one is built).", []string{"run_id"}, nil)
	descPool = prometheus.NewDesc("animetl_pool_connections",
		"Connections of the warehouse read pool, by state (max, total, acquired, idle).", []string{"state"}, nil)
	descAcquires = prometheus.NewDesc("animetl_pool_acquires_total",
		"Connections handed out by the read pool.", nil, nil)
	descWaits = prometheus.NewDesc("animetl_pool_empty_acquires_total",
		"Acquires that waited because the read pool had no idle connection.", nil, nil)
	descWaitTime = prometheus.NewDesc("animetl_pool_acquire_seconds_total",
		"Total time spent acquiring read pool connections.", nil, nil)
)

// stateCollector reports the published run, the cache and the pool at
// scrape time.
type stateCollector struct{ s *Server }

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descRun, descAge, descCached, descModel, descPool, descAcquires, descWaits, descWaitTime} {
		ch <- d
	}
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if pub, err := c.s.pub.Published(ctx); err == nil {
		ch <- prometheus.MustNewConstMetric(descRun, prometheus.GaugeValue, 1, pub.RunID)
		ch <- prometheus.MustNewConstMetric(descAge, prometheus.GaugeValue, c.s.opts.Now().Sub(pub.At).Seconds())
	}
	ch <- prometheus.MustNewConstMetric(descCached, prometheus.GaugeValue, float64(c.s.cache.len()+c.s.ledgerCache.len()))
	if m := c.s.models.current(); m != nil {
		ch <- prometheus.MustNewConstMetric(descModel, prometheus.GaugeValue, float64(len(m.animes)), m.run.RunID)
	}
	ps, ok := c.s.pub.(animetl.PoolStatser)
	if !ok {
		return
	}
	st := ps.PoolStats()
	for state, v := range map[string]int64{"max": st.MaxConns, "total": st.TotalConns, "acquired": st.AcquiredConns, "idle": st.IdleConns} {
		ch <- prometheus.MustNewConstMetric(descPool, prometheus.GaugeValue, float64(v), state)
	}
	ch <- prometheus.MustNewConstMetric(descAcquires, prometheus.CounterValue, float64(st.AcquireCount))
	ch <- prometheus.MustNewConstMetric(descWaits, prometheus.CounterValue, float64(st.EmptyAcquireCount))
	ch <- prometheus.MustNewConstMetric(descWaitTime, prometheus.CounterValue, st.AcquireDuration.Seconds())
}

// statusRecorder remembers the status code a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// instrument counts and times every request by the route pattern it
// matched ("unmatched" for unknown paths), so labels stay few. The pattern
// is the one the mux set on the request while serving it; the metric
// children are looked up once per route and code, not per request.
func (s *Server) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		s.metrics.inFlight.Inc()
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			s.metrics.inFlight.Dec()
			pattern := r.Pattern
			if pattern == "" { // answered before the mux (a missing token)
				_, pattern = s.mux.Handler(r)
			}
			if pattern == "" || pattern == "/" {
				pattern = "unmatched"
			}
			code := rec.code
			if code == 0 {
				code = http.StatusOK
			}
			rm := s.metrics.route(pattern)
			rm.count(code).Inc()
			rm.duration.Observe(time.Since(start).Seconds())
		}()
		next.ServeHTTP(rec, r)
	})
}

// routeMetrics are one route's metric children.
type routeMetrics struct {
	m        *metrics
	pattern  string
	duration prometheus.Observer
	codes    sync.Map // int -> prometheus.Counter
}

func (m *metrics) route(pattern string) *routeMetrics {
	if rm, ok := m.routes.Load(pattern); ok {
		return rm.(*routeMetrics)
	}
	rm, _ := m.routes.LoadOrStore(pattern, &routeMetrics{m: m, pattern: pattern, duration: m.duration.WithLabelValues(pattern)})
	return rm.(*routeMetrics)
}

func (rm *routeMetrics) count(code int) prometheus.Counter {
	if c, ok := rm.codes.Load(code); ok {
		return c.(prometheus.Counter)
	}
	c, _ := rm.codes.LoadOrStore(code, rm.m.requests.WithLabelValues(rm.pattern, strconv.Itoa(code)))
	return c.(prometheus.Counter)
}

// Registerer is the registry /metrics serves, for the metrics of a
// scheduler running in the same process (serve --schedule).
func (s *Server) Registerer() prometheus.Registerer { return s.metrics.reg }
