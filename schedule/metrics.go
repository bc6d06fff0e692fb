package schedule

import (
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the scheduler's Prometheus metrics.
type metrics struct {
	lastSuccess  prometheus.Gauge
	lastDuration prometheus.Gauge
	lastRows     *prometheus.GaugeVec
	runs         *prometheus.CounterVec
	retries      prometheus.Counter
	skipped      prometheus.Counter
	running      prometheus.Gauge
	nextRun      prometheus.Gauge
	deadline     prometheus.Gauge
	late         prometheus.Gauge
	lateDays     prometheus.Counter
	alerts       *prometheus.CounterVec
	// alertsCollapsed counts failed alerts not sent (Options.AlertRepeat).
	alertsCollapsed prometheus.Counter
}

func newMetrics() *metrics {
	g := func(name, help string) prometheus.Gauge {
		return prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
	}
	c := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
	}
	m := &metrics{
		lastSuccess:  g("animetl_schedule_last_success_timestamp_seconds", "When the latest succeeded run published (Unix time), whoever ran it."),
		lastDuration: g("animetl_schedule_last_run_duration_seconds", "How long the scheduler's latest run attempt took."),
		lastRows: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "animetl_schedule_last_run_rows", Help: "Source lines of the latest run attempt, by count: read, loaded, rejected, duplicate.",
		}, []string{"count"}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "animetl_schedule_runs_total", Help: "Scheduled runs by outcome: succeeded, failed, locked (gave up on another run's lock), cancelled (shutdown).",
		}, []string{"outcome"}),
		retries:  c("animetl_schedule_retries_total", "Run attempts retried after a failure that can pass."),
		skipped:  c("animetl_schedule_ticks_skipped_total", "Scheduled times skipped because a run was in progress."),
		running:  g("animetl_schedule_running", "1 while a scheduled run (or its retry wait) is in progress."),
		nextRun:  g("animetl_schedule_next_run_timestamp_seconds", "When the next scheduled run is due (Unix time)."),
		deadline: g("animetl_schedule_deadline_timestamp_seconds", "The next daily deadline (Unix time)."),
		late:     g("animetl_schedule_deadline_late", "1 when today's deadline passed with nothing published today, until a run publishes."),
		lateDays: c("animetl_schedule_deadline_missed_total", "Days whose deadline passed with nothing published."),
		alerts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "animetl_schedule_alerts_total", Help: "Alerts raised, by status: late, failed, recovered.",
		}, []string{"status"}),
		alertsCollapsed: c("animetl_schedule_alerts_collapsed_total", "Failed alerts not sent: the same failure was alerted less than --alert-repeat before."),
	}
	for _, k := range []string{"read", "loaded", "rejected", "duplicate"} {
		m.lastRows.WithLabelValues(k)
	}
	for _, o := range []string{OutcomeSucceeded, OutcomeFailed, OutcomeLocked, OutcomeCancelled} {
		m.runs.WithLabelValues(o)
	}
	return m
}

func (m *metrics) register(r prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{m.lastSuccess, m.lastDuration, m.lastRows, m.runs, m.retries, m.skipped,
		m.running, m.nextRun, m.deadline, m.late, m.lateDays, m.alerts, m.alertsCollapsed} {
		if err := r.Register(c); err != nil {
			return err
		}
	}
	return nil
}
