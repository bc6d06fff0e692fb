package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/pipeline"
	"github.com/animetl/animetl/schedule"
)

// schedFlags are the settings of the scheduler: those of run, plus when
// and how to run and whom to tell.
type schedFlags struct {
	run           runFlags
	cron          string
	tz            string
	deadline      string
	addr          string
	alertWebhook  string
	retries       int
	retryDelay    time.Duration
	shutdownGrace time.Duration
	alertRepeat   time.Duration
	catchUp       bool
}

// maxRetries bounds --retries.
const maxRetries = 100

func (a *app) scheduleCommand() *cobra.Command {
	var f schedFlags
	cmd := &cobra.Command{
		Use:   "schedule",
		Short: "Run the pipeline on a schedule, with retries, catch-up and a deadline alarm",
		Long: `schedule stays running and performs a run (the same settings as run;
--mode incremental by default, a full run while the warehouse has none) at
each time --cron gives, in --tz:

  - one run at a time: a time that comes during a run is skipped and logged;
    a run started by hand holds the warehouse lock, and the scheduled run
    waits for it up to --lock-timeout, then retries, then gives the time up;
  - a failure that can pass (the lock held, a file not delivered yet, the
    source or warehouse unreachable) is retried --retries times, waiting
    --retry-delay, then twice as long each time; one that cannot (a failed
    check, a bad header, bad settings) is not;
  - at start, when a scheduled time passed since the last succeeded run
    (the machine was down), it runs at once (--catch-up);
  - when nothing was published on a day by --deadline, the day is late: an
    ERROR log line, animetl_schedule_deadline_late 1, and a POST to
    --alert-webhook ({"text": ...}, Slack-compatible). Failed runs alert the
    same way (the same error again within --alert-repeat is logged and
    counted, not sent), and the first success after either says so once.

--lake exports each published run to a Parquet lake, as animetl run --lake
does; a failed export is alerted as a failed run and not retried (the
publish stands, and the next run's export catches the lake up).

--addr serves /healthz and /metrics (Prometheus). SIGTERM or Ctrl-C stops
the ticking; a run in progress gets --shutdown-grace to finish, then is
cancelled (the published state is left as it was, the run recorded as
failed). Exit 0.`,
		Example: `  animetl schedule --source s3://bucket/anime --warehouse postgres://etl@db/dw --tz Asia/Tokyo
  animetl schedule --source ./data --cron '30 4 * * *' --deadline 07:00 --alert-webhook https://hooks.slack.com/services/...`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.schedule(cmd, f)
		},
	}
	fl := cmd.Flags()
	addRunFlags(fl, &f.run)
	if err := fl.Set("mode", string(animetl.ModeIncremental)); err != nil {
		panic(err)
	}
	fl.Lookup("mode").DefValue = string(animetl.ModeIncremental)
	fl.Lookup("mode").Changed = false
	fl.StringVar(&f.cron, "cron", schedule.DefaultSpec, "when to run: 5-field cron (minute hour day month weekday), @daily, @hourly, or @every DURATION, in --tz")
	fl.StringVar(&f.tz, "tz", "", "IANA time zone of --cron and --deadline, such as Asia/Tokyo (default: the local zone)")
	fl.StringVar(&f.deadline, "deadline", schedule.DefaultDeadline, "HH:MM in --tz by which each day's run must have published, or off")
	fl.StringVar(&f.addr, "addr", "127.0.0.1:9108", "HOST:PORT serving /healthz and /metrics, or off")
	bindEnv(fl, "cron", "tz", "deadline", "addr")
	addSchedulerFlags(fl, &f)
	a.warehouseFlags(cmd, true)
	a.sourceFlags(cmd)
	return cmd
}

// addSchedulerFlags adds the settings schedule and serve --schedule share.
func addSchedulerFlags(fl *pflag.FlagSet, f *schedFlags) {
	fl.IntVar(&f.retries, "retries", schedule.DefaultRetries, "retries of a run that failed in a way that can pass")
	fl.DurationVar(&f.retryDelay, "retry-delay", schedule.DefaultRetryDelay, "wait before the first retry, doubled before each next")
	fl.BoolVar(&f.catchUp, "catch-up", true, "at start, run at once when a scheduled time passed since the last succeeded run")
	fl.StringVar(&f.alertWebhook, "alert-webhook", "", "URL that late days, failed runs and recoveries are POSTed to as JSON with a text field (Slack-compatible)")
	fl.DurationVar(&f.alertRepeat, "alert-repeat", schedule.DefaultAlertRepeat, "a failure with the same error as the last one alerted is not alerted again for this long (0: alert every failure)")
	fl.DurationVar(&f.shutdownGrace, "shutdown-grace", schedule.DefaultShutdownGrace, "on SIGTERM, how long a run in progress may go on before it is cancelled")
	bindEnv(fl, "retries", "retry-delay", "catch-up", "alert-webhook", "alert-repeat", "shutdown-grace")
}

// loadZone reads --tz; empty is the local zone.
func loadZone(tz string) (*time.Location, error) {
	if tz == "" {
		return time.Local, nil
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, usagef("--tz %q: want an IANA zone such as Asia/Tokyo", tz)
	}
	return loc, nil
}

// scheduler checks the scheduler's flags and builds it with its webhook
// (nil when none), registering its metrics on reg. Close the webhook.
func (a *app) scheduler(f schedFlags, loc *time.Location, reg prometheus.Registerer) (*schedule.Scheduler, *schedule.Webhook, error) {
	bf, err := a.validateRun(f.run)
	if err != nil {
		return nil, nil, err
	}
	spec, err := schedule.Parse(f.cron, loc)
	if err != nil {
		return nil, nil, usagef("--cron %q: want 5 fields (minute hour day month weekday), @daily, @hourly or @every DURATION", f.cron)
	}
	if f.deadline != "off" {
		if _, err := schedule.ParseClock(f.deadline); err != nil {
			return nil, nil, usagef("--deadline %q: want HH:MM such as 07:00, or off", f.deadline)
		}
	}
	if err := firstError(
		intIn("retries", f.retries, 0, maxRetries),
		positiveDuration("retry-delay", f.retryDelay),
		nonNegativeDuration("shutdown-grace", f.shutdownGrace),
		nonNegativeDuration("alert-repeat", f.alertRepeat),
	); err != nil {
		return nil, nil, err
	}
	var hook *schedule.Webhook
	var alerts schedule.Alerter
	if f.alertWebhook != "" {
		if hook, err = schedule.NewWebhook(f.alertWebhook, schedule.WebhookOptions{Logger: a.log}); err != nil {
			return nil, nil, usagef("--alert-webhook %q: want an http:// or https:// URL", schedule.WebhookShown(f.alertWebhook))
		}
		alerts = hook
	}
	s, err := schedule.New(schedule.Options{
		Schedule: spec, Run: a.scheduledRun(f.run, bf), LastSuccess: a.lastSuccess,
		Mode: animetl.Mode(f.run.mode), Retries: f.retries, RetryDelay: f.retryDelay, CatchUp: f.catchUp,
		Deadline: f.deadline, Location: loc, ShutdownGrace: f.shutdownGrace, Alerts: alerts, AlertRepeat: f.alertRepeat,
		Registerer: reg, Logger: a.log,
	})
	if err != nil {
		if hook != nil {
			hook.Close(context.Background())
		}
		return nil, nil, usageError{err}
	}
	return s, hook, nil
}

func (a *app) schedule(cmd *cobra.Command, f schedFlags) error {
	ctx := cmd.Context()
	loc, err := loadZone(f.tz)
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s, hook, err := a.scheduler(f, loc, reg)
	if err != nil {
		return err
	}
	defer closeWebhook(hook)
	if f.addr != "off" {
		ln, err := net.Listen("tcp", f.addr)
		if err != nil {
			return usagef("--addr %s: %v", f.addr, err)
		}
		srv := &http.Server{Handler: s.Handler(reg), ReadHeaderTimeout: 10 * time.Second}
		go srv.Serve(ln)
		defer func() {
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			srv.Shutdown(sctx)
		}()
		a.log.Info("schedule: serving /healthz and /metrics", "addr", "http://"+ln.Addr().String())
	}
	webhook := "none"
	if f.alertWebhook != "" {
		webhook = schedule.WebhookShown(f.alertWebhook)
	}
	a.log.Info("schedule: started", "cron", f.cron, "tz", loc.String(), "deadline", f.deadline, "mode", f.run.mode,
		"alert_webhook", webhook)
	return s.Run(ctx)
}

// closeWebhook gives queued alerts a few seconds to go out.
func closeWebhook(hook *schedule.Webhook) {
	if hook == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	hook.Close(ctx)
}

// scheduledRun returns the scheduler's run: the source and the warehouse
// are opened for each run and closed after it, so that no connection,
// handle or listing carries from one run to the next.
func (a *app) scheduledRun(f runFlags, bf pipeline.Backfill) schedule.RunFunc {
	return func(ctx context.Context, mode animetl.Mode) (*animetl.RunSummary, error) {
		src, err := a.openSource(ctx, f.source)
		if err != nil {
			return nil, err
		}
		wh, whName, err := a.openWarehouse(ctx)
		if err != nil {
			return nil, err
		}
		defer wh.Close()
		cfg := a.runConfig(f, bf)
		cfg.Source, cfg.Warehouse, cfg.WarehouseName, cfg.Mode = src, wh, whName, mode
		sum, err := pipeline.Run(ctx, cfg)
		if f.verbose && sum != nil {
			a.log.Info("run phases", animetl.LogRun, sum.RunID, "phases", sum.PhasesJSON())
		}
		if err != nil || f.lake.uri == "" {
			return sum, err
		}
		ro, _ := a.rangedOptions()
		if _, err := a.runLake(ctx, f.lake, ro, sum.RunID); err != nil {
			// The run published: retrying it would publish again only to
			// reach the lake. The error is not wrapped, so the scheduler
			// does not retry it; it alerts, and the next run's export
			// catches the lake up (it exports the published state).
			return sum, errors.New(err.Error())
		}
		return sum, nil
	}
}

// lastSuccess reads when the warehouse's latest succeeded run finished;
// animetl.ErrNotFound when none did (no published file, no ledger yet).
func (a *app) lastSuccess(ctx context.Context) (time.Time, error) {
	wh, _, err := a.openWarehouse(ctx)
	if err != nil {
		return time.Time{}, err
	}
	defer wh.Close()
	rows, err := wh.Query(ctx, "SELECT max(finished_at) FROM etl_run WHERE status = 'succeeded'")
	if isUndefinedTable(err) {
		err = fmt.Errorf("no ledger yet: %w", animetl.ErrNotFound)
	}
	if err != nil {
		return time.Time{}, err
	}
	defer rows.Close()
	var last time.Time
	if rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return time.Time{}, err
		}
		last, _ = vals[0].(time.Time)
	}
	if err := rows.Err(); err != nil {
		return time.Time{}, err
	}
	if last.IsZero() {
		return time.Time{}, fmt.Errorf("no succeeded run: %w", animetl.ErrNotFound)
	}
	return last, nil
}

// isUndefinedTable reports a PostgreSQL warehouse without its ledger yet
// (no run has begun there).
func isUndefinedTable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "42P01"
}
