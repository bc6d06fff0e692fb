package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/pipeline"
)

// fakeRuns stands in for pipeline.Run: it records each call, answers with
// the next scripted error, and keeps the ledger's last success.
type fakeRuns struct {
	clock *fakeClock
	calls chan call

	mu      sync.Mutex
	errs    []error       // answered in order; nil (success) after the last
	block   chan struct{} // when set, each run waits for it or its ctx
	last    time.Time
	n       int
	ledgerF error // returned by lastSuccess when set
}

type call struct {
	mode animetl.Mode
	at   time.Time
}

func newFakeRuns(c *fakeClock, errs ...error) *fakeRuns {
	return &fakeRuns{clock: c, calls: make(chan call, 100), errs: errs}
}

func (f *fakeRuns) run(ctx context.Context, mode animetl.Mode) (*animetl.RunSummary, error) {
	now := f.clock.Now()
	f.calls <- call{mode, now}
	f.mu.Lock()
	block := f.block
	f.n++
	id := fmt.Sprintf("run-%d", f.n)
	var err error
	if len(f.errs) > 0 {
		err, f.errs = f.errs[0], f.errs[1:]
	}
	f.mu.Unlock()
	sum := &animetl.RunSummary{RunID: id, Mode: mode, StartedAt: now, Status: animetl.StatusSucceeded,
		Files: []animetl.FileSummary{{Name: "anime.csv", RowsRead: 10, RowsLoaded: 9, RowsRejected: 1}}}
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	sum.FinishedAt = f.clock.Now()
	if err != nil {
		sum.Status, sum.Error = animetl.StatusFailed, err.Error()
		return sum, err
	}
	f.mu.Lock()
	f.last = sum.FinishedAt
	f.mu.Unlock()
	return sum, nil
}

func (f *fakeRuns) lastSuccess(context.Context) (time.Time, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ledgerF != nil {
		return time.Time{}, f.ledgerF
	}
	if f.last.IsZero() {
		return time.Time{}, fmt.Errorf("fake: %w", animetl.ErrNotFound)
	}
	return f.last, nil
}

func (f *fakeRuns) next(tb testing.TB) call {
	tb.Helper()
	select {
	case c := <-f.calls:
		return c
	case <-time.After(20 * time.Second):
		tb.Fatal("timed out waiting for a run")
		return call{}
	}
}

func (f *fakeRuns) none(tb testing.TB) {
	tb.Helper()
	select {
	case c := <-f.calls:
		tb.Fatalf("unexpected run at %s", c.at)
	default:
	}
}

// alerts collects the scheduler's alerts.
type alerts struct{ ch chan Alert }

func (a *alerts) Alert(al Alert) { a.ch <- al }

func (a *alerts) next(tb testing.TB, status string) Alert {
	tb.Helper()
	select {
	case al := <-a.ch:
		if al.Status != status {
			tb.Fatalf("alert %q (%s), want %s", al.Status, al.Text, status)
		}
		return al
	case <-time.After(20 * time.Second):
		tb.Fatalf("timed out waiting for a %s alert", status)
		return Alert{}
	}
}

func (a *alerts) none(tb testing.TB) {
	tb.Helper()
	select {
	case al := <-a.ch:
		tb.Fatalf("unexpected alert %s: %s", al.Status, al.Text)
	default:
	}
}

// harness runs a Scheduler on a fake clock.
type harness struct {
	s      *Scheduler
	clock  *fakeClock
	runs   *fakeRuns
	alerts *alerts
	cancel context.CancelFunc
	done   chan error
	loc    *time.Location
}

func at(loc *time.Location, day, hhmm string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", day+" "+hhmm, loc)
	if err != nil {
		panic(err)
	}
	return t
}

func start(tb testing.TB, now time.Time, runs *fakeRuns, mutate func(*Options)) *harness {
	tb.Helper()
	loc := now.Location()
	h := &harness{clock: runs.clock, runs: runs, alerts: &alerts{make(chan Alert, 100)}, done: make(chan error, 1), loc: loc}
	opts := Options{
		Schedule: mustParse(tb, DefaultSpec, loc), Run: runs.run, LastSuccess: runs.lastSuccess,
		Mode: animetl.ModeIncremental, Retries: 3, RetryDelay: 2 * time.Minute, CatchUp: true,
		Deadline: "07:00", Location: loc, ShutdownGrace: 5 * time.Minute, Alerts: h.alerts, Clock: h.clock,
		Logger: slog.New(slog.NewTextHandler(tbWriter{tb}, nil)),
	}
	if mutate != nil {
		mutate(&opts)
	}
	s, err := New(opts)
	if err != nil {
		tb.Fatal(err)
	}
	h.s = s
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.done <- s.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		for end := time.Now().Add(20 * time.Second); time.Now().Before(end); {
			select {
			case <-h.done:
				return
			case <-time.After(10 * time.Millisecond):
				h.clock.add(time.Hour) // past any grace
			}
		}
		tb.Error("scheduler did not stop")
	})
	return h
}

// idle waits until no run is in progress.
func (h *harness) idle(tb testing.TB) {
	tb.Helper()
	waitFor(tb, "the run's end", func() bool { return !h.s.State().Running })
}

func (h *harness) stop(tb testing.TB) error {
	tb.Helper()
	h.cancel()
	select {
	case err := <-h.done:
		h.done <- err // for Cleanup
		return err
	case <-time.After(20 * time.Second):
		tb.Fatal("scheduler did not stop")
		return nil
	}
}

func TestCatchUpAtStart(t *testing.T) {
	loc := mustZone(t, "Asia/Tokyo")
	now := at(loc, "2026-11-29", "06:00")
	cases := []struct {
		name     string
		last     time.Time // zero: nothing succeeded yet
		wantRun  bool
		wantMode animetl.Mode
	}{
		{"nothing published yet: a full run at once", time.Time{}, true, animetl.ModeFull},
		{"05:00 passed since yesterday's success", at(loc, "2026-11-28", "05:03"), true, animetl.ModeIncremental},
		{"today's run already succeeded", at(loc, "2026-11-29", "05:04"), false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			runs := newFakeRuns(newFakeClock(now))
			runs.last = c.last
			h := start(t, now, runs, nil)
			if !c.wantRun {
				h.clock.waitPending(t, 2) // the next tick and the deadline
				runs.none(t)
				return
			}
			if got := runs.next(t); got.mode != c.wantMode || !got.at.Equal(now) {
				t.Errorf("catch-up run %s at %s, want %s at start", got.mode, got.at, c.wantMode)
			}
		})
	}
	t.Run("off", func(t *testing.T) {
		runs := newFakeRuns(newFakeClock(now))
		h := start(t, now, runs, func(o *Options) { o.CatchUp = false })
		h.clock.waitPending(t, 2)
		runs.none(t)
	})
}

func TestRetriesWithBackoffThenFailedAlert(t *testing.T) {
	loc := time.UTC
	missing := fmt.Errorf("source: [animelist.csv]: %w", animetl.ErrMissingFile)
	runs := newFakeRuns(newFakeClock(at(loc, "2026-11-29", "04:59")), missing, missing, missing, missing)
	runs.last = at(loc, "2026-11-28", "05:10")
	h := start(t, runs.clock.Now(), runs, nil)
	h.clock.waitPending(t, 2)
	runs.none(t) // no catch-up: yesterday's run came after yesterday's 05:00
	h.clock.set(at(loc, "2026-11-29", "05:00"))
	want := []string{"05:00", "05:02", "05:06", "05:14"} // 2m, then doubled
	for i, w := range want {
		if got := runs.next(t); got.at.Format("15:04") != w {
			t.Fatalf("attempt %d at %s, want %s", i+1, got.at.Format("15:04"), w)
		}
		if i == len(want)-1 {
			break
		}
		h.clock.waitPending(t, 3) // next tick, deadline, retry
		h.clock.add(time.Minute)  // not yet
		runs.none(t)
		h.clock.set(at(loc, "2026-11-29", want[i+1]))
	}
	al := h.alerts.next(t, AlertFailed)
	if al.RunID != "run-4" || al.Error == "" {
		t.Errorf("failed alert %+v: want run-4 and its error", al)
	}
	waitFor(t, "the failure counted", func() bool { return testutil.ToFloat64(h.s.metrics.runs.WithLabelValues(OutcomeFailed)) == 1 })
	if got := testutil.ToFloat64(h.s.metrics.retries); got != 3 {
		t.Errorf("retries = %v, want 3", got)
	}
}

func TestFailuresThatCannotPassAreNotRetried(t *testing.T) {
	for _, err := range []error{
		fmt.Errorf("anime_pk: %w", animetl.ErrChecks),
		fmt.Errorf("anime.csv: %w", animetl.ErrHeader),
		fmt.Errorf("anime.csv: %w", animetl.ErrNoRows),
		fmt.Errorf("x: %w", animetl.ErrConfig),
	} {
		t.Run(err.Error(), func(t *testing.T) {
			runs := newFakeRuns(newFakeClock(at(time.UTC, "2026-11-29", "04:59")), err)
			runs.last = at(time.UTC, "2026-11-28", "05:10")
			h := start(t, runs.clock.Now(), runs, nil)
			h.clock.waitPending(t, 2)
			h.clock.set(at(time.UTC, "2026-11-29", "05:00"))
			runs.next(t)
			h.alerts.next(t, AlertFailed)
			h.clock.waitPending(t, 2) // no retry timer
			runs.none(t)
		})
	}
}

func TestLockHeldThroughRetriesGivesUpTheTick(t *testing.T) {
	locked := &animetl.LockedError{Holder: animetl.LockHolder{RunID: "manual"}, Waited: 30 * time.Second}
	runs := newFakeRuns(newFakeClock(at(time.UTC, "2026-11-29", "04:59")), locked, locked)
	runs.last = at(time.UTC, "2026-11-28", "05:10")
	h := start(t, runs.clock.Now(), runs, func(o *Options) { o.Retries = 1 })
	h.clock.waitPending(t, 2)
	h.clock.set(at(time.UTC, "2026-11-29", "05:00"))
	runs.next(t)
	h.clock.waitPending(t, 3)
	h.clock.add(2 * time.Minute)
	runs.next(t)
	waitFor(t, "the locked outcome", func() bool { return testutil.ToFloat64(h.s.metrics.runs.WithLabelValues(OutcomeLocked)) == 1 })
	h.alerts.none(t) // the manual run publishes, or the deadline says late
}

func TestIncrementalFallsBackToFull(t *testing.T) {
	needsFull := fmt.Errorf("source: base list changed: %w", pipeline.ErrNeedsFull)
	runs := newFakeRuns(newFakeClock(at(time.UTC, "2026-11-29", "04:59")), needsFull)
	runs.last = at(time.UTC, "2026-11-28", "05:10")
	h := start(t, runs.clock.Now(), runs, nil)
	h.clock.waitPending(t, 2)
	h.clock.set(at(time.UTC, "2026-11-29", "05:00"))
	if c := runs.next(t); c.mode != animetl.ModeIncremental {
		t.Fatalf("first run %s, want incremental", c.mode)
	}
	if c := runs.next(t); c.mode != animetl.ModeFull {
		t.Fatalf("second run %s, want full", c.mode)
	}
	waitFor(t, "the success", func() bool { return h.s.State().LastOutcome == OutcomeSucceeded })
	h.alerts.none(t)
}

func TestDeadlineLateThenRecoveryAlertsOnce(t *testing.T) {
	loc := mustZone(t, "Europe/Berlin")
	checks := fmt.Errorf("anime_pk: %w", animetl.ErrChecks)
	runs := newFakeRuns(newFakeClock(at(loc, "2026-11-29", "04:59")), checks)
	runs.last = at(loc, "2026-11-28", "05:10")
	h := start(t, runs.clock.Now(), runs, nil)
	h.clock.waitPending(t, 2)
	h.clock.set(at(loc, "2026-11-29", "05:00"))
	runs.next(t)
	h.alerts.next(t, AlertFailed)
	h.idle(t)
	h.clock.waitPending(t, 2)
	h.clock.set(at(loc, "2026-11-29", "07:00"))
	al := h.alerts.next(t, AlertLate)
	if al.Text == "" {
		t.Error("late alert without text")
	}
	waitFor(t, "late state", func() bool { return h.s.State().Late })
	if got := testutil.ToFloat64(h.s.metrics.late); got != 1 {
		t.Errorf("late gauge = %v, want 1", got)
	}
	h.clock.waitPending(t, 2)
	h.clock.set(at(loc, "2026-11-29", "09:00"))
	h.alerts.none(t) // late is said once a day
	h.clock.set(at(loc, "2026-11-30", "05:00"))
	runs.next(t)
	h.alerts.next(t, AlertRecovered)
	waitFor(t, "late cleared", func() bool { return !h.s.State().Late })
	h.idle(t)
	h.clock.waitPending(t, 2)
	h.clock.set(at(loc, "2026-11-30", "07:00"))
	h.clock.waitPending(t, 2)
	h.clock.set(at(loc, "2026-12-01", "05:00"))
	runs.next(t)
	waitFor(t, "the second success", func() bool {
		return testutil.ToFloat64(h.s.metrics.runs.WithLabelValues(OutcomeSucceeded)) == 2
	})
	h.alerts.none(t) // recovery alerts once
}

func TestDeadlinePassesWithNoRunAtAll(t *testing.T) {
	// The schedule is after the deadline (a misconfiguration, or a machine
	// that was down): the day is late at 07:00 all the same.
	loc := time.UTC
	runs := newFakeRuns(newFakeClock(at(loc, "2026-11-29", "06:00")))
	runs.last = at(loc, "2026-11-28", "08:05")
	h := start(t, runs.clock.Now(), runs, func(o *Options) {
		o.Schedule = mustParse(t, "0 8 * * *", loc)
	})
	h.clock.waitPending(t, 2)
	h.clock.set(at(loc, "2026-11-29", "07:00"))
	h.alerts.next(t, AlertLate)
	h.clock.waitPending(t, 2)
	h.clock.set(at(loc, "2026-11-29", "08:00"))
	runs.next(t)
	h.alerts.next(t, AlertRecovered)
}

func TestTickDuringRunIsSkipped(t *testing.T) {
	runs := newFakeRuns(newFakeClock(at(time.UTC, "2026-11-29", "04:00")))
	runs.last = at(time.UTC, "2026-11-29", "04:00")
	runs.block = make(chan struct{})
	h := start(t, runs.clock.Now(), runs, func(o *Options) {
		o.Schedule = mustParse(t, "@every 1m", time.UTC)
		o.Deadline = "off"
	})
	h.clock.waitPending(t, 1)
	h.clock.add(time.Minute)
	runs.next(t)
	h.clock.waitPending(t, 1)
	h.clock.add(time.Minute) // the run is still going
	waitFor(t, "the skipped tick", func() bool { return testutil.ToFloat64(h.s.metrics.skipped) == 1 })
	runs.none(t)
	close(runs.block)
	waitFor(t, "the run's end", func() bool { return !h.s.State().Running })
	runs.mu.Lock()
	runs.block = nil
	runs.mu.Unlock()
	h.clock.add(time.Minute)
	runs.next(t) // the skipped tick was not queued: one run at the next tick
	runs.none(t)
}

func TestShutdown(t *testing.T) {
	t.Run("a run that ends within the grace finishes", func(t *testing.T) {
		runs := newFakeRuns(newFakeClock(at(time.UTC, "2026-11-29", "05:30")))
		runs.block = make(chan struct{})
		h := start(t, runs.clock.Now(), runs, nil)
		runs.next(t) // catch-up
		h.cancel()
		h.clock.waitPending(t, 3) // tick, deadline, grace
		close(runs.block)
		if err := h.stop(t); err != nil {
			t.Fatal(err)
		}
		if got := h.s.State().LastOutcome; got != OutcomeSucceeded {
			t.Errorf("outcome %q, want succeeded", got)
		}
	})
	t.Run("a run past the grace is cancelled", func(t *testing.T) {
		runs := newFakeRuns(newFakeClock(at(time.UTC, "2026-11-29", "05:30")))
		runs.block = make(chan struct{})
		h := start(t, runs.clock.Now(), runs, nil)
		runs.next(t)
		h.cancel()
		h.clock.waitPending(t, 3)
		h.clock.add(5 * time.Minute)
		if err := h.stop(t); err != nil {
			t.Fatal(err)
		}
		if got := h.s.State().LastOutcome; got != OutcomeCancelled {
			t.Errorf("outcome %q, want cancelled", got)
		}
		h.alerts.none(t)
	})
	t.Run("a retry wait ends at once", func(t *testing.T) {
		missing := fmt.Errorf("x: %w", animetl.ErrMissingFile)
		runs := newFakeRuns(newFakeClock(at(time.UTC, "2026-11-29", "05:30")), missing)
		h := start(t, runs.clock.Now(), runs, nil)
		runs.next(t)
		h.clock.waitPending(t, 3)
		if err := h.stop(t); err != nil {
			t.Fatal(err)
		}
		runs.none(t)
	})
}

func TestRetryable(t *testing.T) {
	cases := []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("begin: %w", &animetl.LockedError{}), true},
		{fmt.Errorf("list: %w", animetl.ErrMissingFile), true},
		{fmt.Errorf("connect: %w", &netOpError), true},
		{fmt.Errorf("read: %w", context.DeadlineExceeded), true},
		{fmt.Errorf("checks: %w", animetl.ErrChecks), false},
		{fmt.Errorf("x: %w", animetl.ErrHeader), false},
		{fmt.Errorf("x: %w", animetl.ErrNoRows), false},
		{fmt.Errorf("x: %w", animetl.ErrConfig), false},
		{fmt.Errorf("x: %w", animetl.ErrSourceLayout), false},
		{context.Canceled, false},
		{errors.New("something else"), false},
		{animetl.OneLine(fmt.Errorf("wrapped once more: %w", animetl.ErrMissingFile)), true},
	}
	for _, c := range cases {
		if got := Retryable(c.err); got != c.want {
			t.Errorf("Retryable(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

// tbWriter sends the scheduler's logs to the test's.
type tbWriter struct{ tb testing.TB }

func (w tbWriter) Write(p []byte) (int, error) {
	w.tb.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// TestFailedAlertsCollapse: an hourly schedule failing the same way every
// hour alerts once per AlertRepeat, a different failure alerts at once, and
// after a success the same failure alerts again.
func TestFailedAlertsCollapse(t *testing.T) {
	loc := time.UTC
	checks := fmt.Errorf("anime_pk: %w", animetl.ErrChecks)
	header := fmt.Errorf("anime.csv: %w", animetl.ErrHeader)
	runs := newFakeRuns(newFakeClock(at(loc, "2026-11-29", "04:59")), checks, checks, checks, header, nil, checks)
	runs.last = at(loc, "2026-11-29", "04:10")
	h := start(t, runs.clock.Now(), runs, func(o *Options) {
		o.Schedule = mustParse(t, "0 * * * *", loc)
		o.Deadline = "off"
		o.AlertRepeat = 2 * time.Hour
	})
	h.clock.waitPending(t, 1)
	want := []string{AlertFailed, "", AlertFailed, AlertFailed, AlertRecovered, AlertFailed}
	for i, w := range want {
		h.clock.set(at(loc, "2026-11-29", fmt.Sprintf("%02d:00", 5+i)))
		runs.next(t)
		h.idle(t)
		h.clock.waitPending(t, 1)
		if w == "" {
			h.alerts.none(t)
			continue
		}
		h.alerts.next(t, w)
	}
	if got := testutil.ToFloat64(h.s.metrics.alertsCollapsed); got != 1 {
		t.Errorf("collapsed alerts = %v, want 1", got)
	}
}
