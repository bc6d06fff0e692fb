package schedule

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/animetl/animetl"
)

// RunFunc performs one run in mode, opening the source and the warehouse
// afresh and closing them before it returns, so that nothing carries from
// one run to the next. It returns the run's summary, also when the run
// failed (nil when it was rejected before it started), and its error.
// The CLI gives a function that calls pipeline.Run.
type RunFunc func(ctx context.Context, mode animetl.Mode) (*animetl.RunSummary, error)

// LastSuccessFunc returns when the latest succeeded run of the warehouse
// finished (published), whoever ran it. It fails with animetl.ErrNotFound
// when the warehouse has none.
type LastSuccessFunc func(ctx context.Context) (time.Time, error)

// Options configure a Scheduler.
type Options struct {
	// Schedule gives the moments a run is due. Required.
	Schedule Schedule
	// Run performs one run. Required.
	Run RunFunc
	// LastSuccess reads the ledger for catch-up and the deadline. Required.
	LastSuccess LastSuccessFunc
	// Mode is the mode of scheduled runs; a run in incremental mode that
	// the warehouse cannot take (no full run yet) is run in full instead.
	Mode animetl.Mode
	// Retries is how many times a run that failed in a way that can pass
	// (see Retryable) is tried again; RetryDelay is the wait before the
	// first retry, doubled before each next one.
	Retries    int
	RetryDelay time.Duration
	// CatchUp runs once at start when a scheduled time since the last
	// succeeded run has passed.
	CatchUp bool
	// Deadline is the daily time ("HH:MM" in Location) by which a run
	// should have published; "" or "off" means none.
	Deadline string
	// Location is the zone of Deadline; nil means the local zone.
	Location *time.Location
	// ShutdownGrace is how long a run in progress may go on after the
	// scheduler is told to stop before it is cancelled.
	ShutdownGrace time.Duration
	// Alerts receives late, failed and recovered notices; nil sends none.
	Alerts Alerter
	// AlertRepeat collapses failed alerts: a failure with the same error as
	// the last one alerted, less than AlertRepeat after it and with no
	// success between, is logged and counted but not sent again. 0 sends
	// every failure.
	AlertRepeat time.Duration
	// Registerer receives the scheduler's metrics; nil registers none.
	Registerer prometheus.Registerer
	// Clock is the scheduler's time; nil means the system clock.
	Clock Clock
	// Logger receives the scheduler's logs; nil discards them.
	Logger *slog.Logger
}

// Defaults of the CLI.
const (
	DefaultRetries       = 3
	DefaultRetryDelay    = 2 * time.Minute
	DefaultShutdownGrace = 5 * time.Minute
	DefaultDeadline      = "07:00"
	DefaultAlertRepeat   = 4 * time.Hour
)

// Scheduler runs the pipeline on a schedule, one run at a time.
type Scheduler struct {
	opts     Options
	clock    Clock
	log      *slog.Logger
	deadline *Clock24 // nil when off
	metrics  *metrics

	mu    sync.Mutex
	state State
	// alerting says a late day or a failed run was alerted and no success
	// came since: the next success sends the recovery notice.
	alerting bool
	// failedAlert is the error text of the last failed alert sent, and
	// when; cleared by a success.
	failedAlert   string
	failedAlertAt time.Time
	// lateDay is the day (YYYY-MM-DD in Location) last found late, so a
	// day is alerted late once.
	lateDay string
}

// State is what the scheduler knows now, for /healthz and tests.
type State struct {
	Running     bool      `json:"running"`
	NextRun     time.Time `json:"next_run"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	LastRunID   string    `json:"last_run_id,omitempty"`
	LastOutcome string    `json:"last_outcome,omitempty"`
	Late        bool      `json:"late"`
	Deadline    time.Time `json:"deadline,omitzero"`
}

// New checks opts and returns a Scheduler. It fails with animetl.ErrConfig
// naming the setting.
func New(opts Options) (*Scheduler, error) {
	bad := func(field string, v any, want string) error {
		return fmt.Errorf("schedule: %s %v: want %s: %w", field, v, want, animetl.ErrConfig)
	}
	switch {
	case opts.Schedule == nil || opts.Run == nil || opts.LastSuccess == nil:
		return nil, fmt.Errorf("schedule: a schedule, a run and a ledger are required: %w", animetl.ErrConfig)
	case opts.Mode != animetl.ModeFull && opts.Mode != animetl.ModeIncremental:
		return nil, bad("mode", opts.Mode, "full or incremental")
	case opts.Retries < 0:
		return nil, bad("retries", opts.Retries, "0 or more")
	case opts.Retries > 0 && opts.RetryDelay <= 0:
		return nil, bad("retry delay", opts.RetryDelay, "a duration above 0")
	case opts.AlertRepeat < 0:
		return nil, bad("alert repeat", opts.AlertRepeat, "0 or more")
	case opts.ShutdownGrace < 0:
		return nil, bad("shutdown grace", opts.ShutdownGrace, "0 or more")
	}
	if opts.Location == nil {
		opts.Location = time.Local
	}
	s := &Scheduler{opts: opts, clock: opts.Clock, log: opts.Logger}
	if s.clock == nil {
		s.clock = realClock{}
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s.log = s.log.With(animetl.LogComponent, "schedule")
	if opts.Deadline != "" && opts.Deadline != "off" {
		c, err := ParseClock(opts.Deadline)
		if err != nil {
			return nil, err
		}
		s.deadline = &c
	}
	s.metrics = newMetrics()
	if opts.Registerer != nil {
		if err := s.metrics.register(opts.Registerer); err != nil {
			return nil, fmt.Errorf("schedule: metrics: %w", err)
		}
	}
	return s, nil
}

// State returns what the scheduler knows now.
func (s *Scheduler) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

func (s *Scheduler) update(f func(*State)) {
	s.mu.Lock()
	f(&s.state)
	s.mu.Unlock()
}

// Run ticks until ctx is done. A tick starts a run unless one is going (the
// tick is then skipped and logged, never queued). When ctx is done it stops
// ticking, gives a run in progress ShutdownGrace to finish, then cancels it
// (the pipeline aborts it: the published state stays as it was and the run
// is recorded as failed) and waits for it to return. It returns nil after
// a shutdown; errors of single runs are logged, counted and alerted, never
// returned.
func (s *Scheduler) Run(ctx context.Context) error {
	runCtx, cancelRuns := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRuns()
	stopRetries := make(chan struct{})
	var done chan struct{} // closed when the job in progress returns; nil when idle
	start := func(reason string) {
		if done != nil {
			s.log.Warn("tick skipped: a run is in progress", "reason", reason)
			s.metrics.skipped.Inc()
			return
		}
		done = make(chan struct{})
		s.update(func(st *State) { st.Running = true })
		s.metrics.running.Set(1)
		go func(done chan struct{}) {
			defer close(done)
			s.job(runCtx, stopRetries, reason)
		}(done)
	}

	now := s.clock.Now()
	s.checkLate(ctx, now, true)
	if s.opts.CatchUp {
		if due, why := s.missed(ctx, now); due {
			s.log.Info("catching up: running now", "reason", why)
			start("catch-up")
		}
	}
	next := s.opts.Schedule.Next(now)
	s.setNext(next)
	tickC := s.after(now, next)
	deadlineC := s.after(now, s.nextDeadline(now))
	for {
		select {
		case <-ctx.Done():
			close(stopRetries)
			return s.shutdown(done, cancelRuns)
		case <-done:
			done = nil
			s.update(func(st *State) { st.Running = false })
			s.metrics.running.Set(0)
		case <-deadlineC:
			now = s.clock.Now()
			s.checkLate(ctx, now, false)
			deadlineC = s.after(now, s.nextDeadline(now))
		case <-tickC:
			now = s.clock.Now()
			s.log.Info("scheduled run due", "at", next.In(s.opts.Location).Format(time.RFC3339))
			start("schedule")
			next = s.opts.Schedule.Next(maxTime(now, next))
			s.setNext(next)
			tickC = s.after(now, next)
		}
	}
}

// after returns a channel that receives at t; nil (never) when t is zero.
func (s *Scheduler) after(now, t time.Time) <-chan time.Time {
	if t.IsZero() {
		return nil
	}
	return s.clock.After(t.Sub(now))
}

// shutdown waits for the job in progress: ShutdownGrace, then cancels it
// and waits for it to record its failure.
func (s *Scheduler) shutdown(done chan struct{}, cancelRuns context.CancelFunc) error {
	if done == nil {
		s.log.Info("stopped")
		return nil
	}
	s.log.Info("stopping: waiting for the run in progress", "grace", s.opts.ShutdownGrace)
	select {
	case <-done:
	case <-s.clock.After(s.opts.ShutdownGrace):
		s.log.Warn("stopping: the run in progress did not finish within the grace; cancelling it")
		cancelRuns()
		<-done
	}
	s.update(func(st *State) { st.Running = false })
	s.metrics.running.Set(0)
	s.log.Info("stopped")
	return nil
}

// missed reports whether a scheduled time passed since the last succeeded
// run (or none ever succeeded), and why.
func (s *Scheduler) missed(ctx context.Context, now time.Time) (bool, string) {
	last, err := s.opts.LastSuccess(ctx)
	switch {
	case errors.Is(err, animetl.ErrNotFound):
		return true, "the warehouse has no succeeded run"
	case err != nil:
		s.log.Warn("reading the last succeeded run", animetl.LogError, err)
		return true, "the last succeeded run could not be read"
	}
	s.setLastSuccess(last)
	if due := s.opts.Schedule.Next(last); !due.IsZero() && !due.After(now) {
		return true, fmt.Sprintf("the run due at %s was missed (last success %s)",
			due.In(s.opts.Location).Format(time.RFC3339), last.In(s.opts.Location).Format(time.RFC3339))
	}
	return false, ""
}

func (s *Scheduler) setNext(t time.Time) {
	s.update(func(st *State) { st.NextRun = t })
	if !t.IsZero() {
		s.metrics.nextRun.Set(float64(t.Unix()))
	}
}

func (s *Scheduler) setLastSuccess(t time.Time) {
	s.update(func(st *State) {
		if t.After(st.LastSuccess) {
			st.LastSuccess = t
		}
	})
	s.metrics.lastSuccess.Set(float64(s.State().LastSuccess.Unix()))
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
