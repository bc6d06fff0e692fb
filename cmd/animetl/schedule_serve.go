package main

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/animetl/animetl"
)

// serveScheduleFlags adds serve --schedule SPEC and the run and scheduler
// settings it needs. The scheduler shares serve's --deadline and --tz (the
// freshness the API reports is the deadline the scheduler alarms on) and
// serve's --addr (its metrics join serve's /metrics).
func (a *app) serveScheduleFlags(cmd *cobra.Command, f *schedFlags) {
	fl := cmd.Flags()
	fl.StringVar(&f.cron, "schedule", "", "also refresh the warehouse on this schedule, in this process (cron spec as animetl schedule --cron; the run settings as animetl schedule's)")
	bindEnv(fl, "schedule")
	addRunFlags(fl, &f.run)
	if err := fl.Set("mode", string(animetl.ModeIncremental)); err != nil {
		panic(err)
	}
	fl.Lookup("mode").DefValue = string(animetl.ModeIncremental)
	fl.Lookup("mode").Changed = false
	addSchedulerFlags(fl, f)
	a.sourceFlags(cmd)
}

// startServeSchedule starts the scheduler of serve --schedule, its metrics
// on reg, when a schedule was given. stop ends it as a signal does (a run
// in progress gets --shutdown-grace) and returns once it stopped and its
// alerts went out.
func (a *app) startServeSchedule(ctx context.Context, f schedFlags, deadline string, loc *time.Location, reg prometheus.Registerer) (stop func(), err error) {
	if f.cron == "" {
		return func() {}, nil
	}
	f.deadline = deadline
	s, hook, err := a.scheduler(f, loc, reg)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer closeWebhook(hook)
		s.Run(ctx)
	}()
	a.log.Info("serve: refreshing on a schedule", "cron", f.cron, "tz", loc.String(), "deadline", deadline, "mode", f.run.mode)
	return func() { cancel(); <-done }, nil
}
