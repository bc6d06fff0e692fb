package schedule

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/pipeline"
)

// Run outcomes, the label values of animetl_schedule_runs_total.
const (
	OutcomeSucceeded = "succeeded"
	OutcomeFailed    = "failed"
	// OutcomeLocked is a tick given up because another run held the
	// warehouse lock through every attempt: that run publishes, or the
	// deadline says the day is late.
	OutcomeLocked = "locked"
	// OutcomeCancelled is a run cancelled by a shutdown.
	OutcomeCancelled = "cancelled"
)

// job performs one scheduled run with its retries. stop ends the waits
// between retries (a shutdown); ctx cancels the run itself.
func (s *Scheduler) job(ctx context.Context, stop <-chan struct{}, reason string) {
	mode := s.opts.Mode
	if mode == animetl.ModeIncremental {
		if _, err := s.opts.LastSuccess(ctx); errors.Is(err, animetl.ErrNotFound) {
			s.log.Info("the warehouse has no succeeded run yet: running in full mode")
			mode = animetl.ModeFull
		}
	}
	delay := s.opts.RetryDelay
	for attempt := 1; ; attempt++ {
		sum, err := s.attempt(ctx, mode)
		if err != nil && mode == animetl.ModeIncremental && errors.Is(err, pipeline.ErrNeedsFull) {
			s.log.Warn("an incremental run cannot proceed: running in full mode", animetl.LogError, err)
			mode = animetl.ModeFull
			sum, err = s.attempt(ctx, mode)
		}
		if err == nil {
			s.succeeded(ctx, sum)
			return
		}
		canceled := ctx.Err() != nil
		if canceled || !Retryable(err) || attempt > s.opts.Retries {
			s.failed(sum, err, attempt, canceled, reason)
			return
		}
		s.metrics.retries.Inc()
		s.log.Warn("run failed; retrying", "attempt", attempt, "retry_in", delay, animetl.LogError, err)
		select {
		case <-stop:
			s.failed(sum, err, attempt, true, reason)
			return
		case <-s.clock.After(delay):
		}
		delay *= 2
	}
}

// attempt performs one run and records its measures.
func (s *Scheduler) attempt(ctx context.Context, mode animetl.Mode) (*animetl.RunSummary, error) {
	t0 := s.clock.Now()
	sum, err := s.opts.Run(ctx, mode)
	dur := s.clock.Now().Sub(t0)
	if sum != nil && !sum.FinishedAt.IsZero() {
		dur = sum.FinishedAt.Sub(sum.StartedAt)
	}
	s.metrics.lastDuration.Set(dur.Seconds())
	if sum != nil {
		t := sum.Totals()
		s.metrics.lastRows.WithLabelValues("read").Set(float64(t.RowsRead))
		s.metrics.lastRows.WithLabelValues("loaded").Set(float64(t.RowsLoaded))
		s.metrics.lastRows.WithLabelValues("rejected").Set(float64(t.RowsRejected))
		s.metrics.lastRows.WithLabelValues("duplicate").Set(float64(t.RowsDuplicate))
		s.update(func(st *State) { st.LastRunID = sum.RunID })
	}
	if err == nil && sum == nil {
		err = errors.New("schedule: the run returned no summary")
	}
	return sum, err
}

func (s *Scheduler) succeeded(ctx context.Context, sum *animetl.RunSummary) {
	s.metrics.runs.WithLabelValues(OutcomeSucceeded).Inc()
	at := sum.FinishedAt
	if at.IsZero() {
		at = s.clock.Now()
	}
	s.setLastSuccess(at)
	s.update(func(st *State) { st.LastOutcome = OutcomeSucceeded })
	s.log.Info("scheduled run succeeded", animetl.LogRun, sum.RunID, "mode", sum.Mode)
	s.mu.Lock()
	recovered := s.alerting
	s.alerting = false
	s.failedAlert, s.failedAlertAt = "", time.Time{}
	s.mu.Unlock()
	s.checkLate(ctx, s.clock.Now(), false)
	if recovered {
		s.notify(Alert{Status: AlertRecovered, RunID: sum.RunID,
			Text: fmt.Sprintf("animetl recovered: run %s published at %s", sum.RunID, at.In(s.opts.Location).Format(time.RFC3339))})
	}
}

func (s *Scheduler) failed(sum *animetl.RunSummary, err error, attempts int, canceled bool, reason string) {
	runID := ""
	if sum != nil {
		runID = sum.RunID
	}
	outcome := OutcomeFailed
	switch {
	case canceled:
		outcome = OutcomeCancelled
	case errors.Is(err, animetl.ErrLocked):
		outcome = OutcomeLocked
	}
	s.metrics.runs.WithLabelValues(outcome).Inc()
	s.update(func(st *State) { st.LastOutcome = outcome })
	switch outcome {
	case OutcomeCancelled:
		s.log.Warn("scheduled run cancelled by shutdown; the published state is as it was", animetl.LogRun, runID, animetl.LogError, err)
	case OutcomeLocked:
		s.log.Warn("tick given up: another run holds the warehouse lock", animetl.LogRun, runID,
			"attempts", attempts, animetl.LogError, err)
	default:
		s.log.Error("scheduled run failed", animetl.LogRun, runID, "attempts", attempts, "retryable", Retryable(err),
			"reason", reason, animetl.LogError, err)
		now := s.clock.Now()
		s.mu.Lock()
		s.alerting = true
		repeat := s.failedAlert == err.Error() && now.Sub(s.failedAlertAt) < s.opts.AlertRepeat
		if !repeat {
			s.failedAlert, s.failedAlertAt = err.Error(), now
		}
		since := s.failedAlertAt
		s.mu.Unlock()
		if repeat {
			s.metrics.alertsCollapsed.Inc()
			s.log.Info("failed alert not sent: the same failure was alerted", "alerted_at", since.In(s.opts.Location).Format(time.RFC3339),
				"alert_repeat", s.opts.AlertRepeat)
			return
		}
		s.notify(Alert{Status: AlertFailed, RunID: runID, Error: err.Error(),
			Text: fmt.Sprintf("animetl run %s failed after %d attempt(s): %s", runID, attempts, err)})
	}
}
