package main

import (
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/animetl/animetl"
)

// runReport is the `animetl run --json` object: the run summary and the
// exit code of the command.
type runReport struct {
	*animetl.RunSummary
	// Lake is the export of --lake; absent without it.
	Lake     *lakeReport `json:"lake,omitempty"`
	ExitCode int         `json:"exit_code"`
}

// checkReport is the `animetl check --json` object.
type checkReport struct {
	RunID    string                `json:"run_id"`
	Status   string                `json:"status"` // pass, fail, or failed when the checks could not run
	Checks   []animetl.CheckResult `json:"checks"`
	Error    string                `json:"error,omitempty"`
	ExitCode int                   `json:"exit_code"`
}

// jsonReport is what a command with --json prints once, when its exit code
// is known: report gives the object for an exit code and the error (nil
// on success) of the command, whether it got as far as a result or not.
type jsonReport func(code int, err error) any

// wantsJSON reports whether the command that ran was asked for --json.
// When its flags did not parse, the value is read from args: --json,
// --json=BOOL, the last one winning, as pflag would.
func wantsJSON(cmd *cobra.Command, args []string, flagsParsed bool) bool {
	if cmd == nil || cmd.Flags().Lookup("json") == nil {
		return false
	}
	if flagsParsed {
		v, _ := cmd.Flags().GetBool("json")
		return v
	}
	want := false
	for _, a := range args {
		if a == "--" {
			break
		}
		switch {
		case a == "--json":
			want = true
		case strings.HasPrefix(a, "--json="):
			v, err := strconv.ParseBool(strings.TrimPrefix(a, "--json="))
			want = err == nil && v
		}
	}
	return want
}

// runFailure is the run report of a run that failed before it had a
// summary: no run id, no files, no checks, no phases.
func (a *app) runFailure(f *runFlags, code int, err error) any {
	now := time.Now().UTC()
	sum := &animetl.RunSummary{
		Status: animetl.StatusFailed, Mode: animetl.Mode(f.mode),
		Source: animetl.RedactLocation(f.source), Warehouse: animetl.RedactLocation(a.wh.warehouse),
		StartedAt: a.started, FinishedAt: now,
		Files: []animetl.FileSummary{}, Checks: []animetl.CheckResult{}, Ignored: []animetl.IgnoredEntry{},
		Phases: []animetl.Phase{},
	}
	if err != nil {
		sum.Error = err.Error()
	}
	return runReport{RunSummary: sum, ExitCode: code, Lake: a.lakeReport(f.lake)}
}
