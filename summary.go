package animetl

import (
	"encoding/json"
	"time"
)

// RunStatus is the outcome of a run as etl_run and the JSON summary record it.
type RunStatus string

// The run statuses. A run is running until it publishes (succeeded) or fails;
// a run whose process died is marked abandoned by the next run.
const (
	StatusRunning   RunStatus = "running"
	StatusSucceeded RunStatus = "succeeded"
	StatusFailed    RunStatus = "failed"
	StatusAbandoned RunStatus = "abandoned"
)

// Severity says what a failing check does: error fails the run before
// anything is published, warn is reported and the run goes on.
type Severity string

// The check severities.
const (
	SeverityError Severity = "error"
	SeverityWarn  Severity = "warn"
)

// CheckStatus is a check's outcome.
type CheckStatus string

// The check outcomes.
const (
	CheckPass CheckStatus = "pass"
	CheckFail CheckStatus = "fail"
)

// CheckResult is one quality check's outcome, as etl_check and the JSON
// summary record it.
type CheckResult struct {
	Name        string      `json:"name"`
	Severity    Severity    `json:"severity"`
	Status      CheckStatus `json:"status"`
	Observed    string      `json:"observed"`
	Threshold   string      `json:"threshold,omitempty"`
	Description string      `json:"description,omitempty"`
}

// LastByName returns results without those a later result of the same
// name replaces, in order: what etl_check keeps when the results are
// stored in one statement (a key may appear there once).
func LastByName(results []CheckResult) []CheckResult {
	last := make(map[string]int, len(results))
	for i, r := range results {
		last[r.Name] = i
	}
	out := make([]CheckResult, 0, len(last))
	for i, r := range results {
		if last[r.Name] == i {
			out = append(out, r)
		}
	}
	return out
}

// FileSummary accounts for every data line of one source file:
// RowsRead = RowsLoaded + RowsRejected + RowsDuplicate.
type FileSummary struct {
	Name          string `json:"name"`
	RowsRead      int64  `json:"rows_read"`
	RowsLoaded    int64  `json:"rows_loaded"`
	RowsRejected  int64  `json:"rows_rejected"`
	RowsDuplicate int64  `json:"rows_duplicate"`
	Size          int64  `json:"size"`
	Checksum      string `json:"checksum,omitempty"`
	ETag          string `json:"etag,omitempty"`
}

// Balanced reports whether the file's counts account for every line read.
func (f FileSummary) Balanced() bool {
	return f.RowsRead == f.RowsLoaded+f.RowsRejected+f.RowsDuplicate
}

// RunSummary is the outcome of one run: the `animetl run --json` object
// (a contract scripts and the scheduler parse) and the content of etl_run.
// Fields are only ever added, never renamed.
type RunSummary struct {
	RunID      string        `json:"run_id"`
	Status     RunStatus     `json:"status"`
	Mode       Mode          `json:"mode"`
	Source     string        `json:"source"`
	Warehouse  string        `json:"warehouse"`
	StartedAt  time.Time     `json:"started_at"`
	FinishedAt time.Time     `json:"finished_at"`
	Files      []FileSummary `json:"files"`
	Checks     []CheckResult `json:"checks"`
	// Ignored lists every source entry and column the run did not load, with
	// why, so that an upstream change of names or layout shows the day it
	// happens. Always present in JSON, empty when nothing was ignored.
	Ignored []IgnoredEntry `json:"ignored"`
	// Phases says where the run's time went, in the order the steps ran:
	// begin, plan, load:<file> per file, finalize, checks, publish. A run
	// that failed lists the phases it got to, the failing one last. Always
	// present in JSON, empty when the run failed before it began.
	Phases []Phase `json:"phases"`
	Error  string  `json:"error,omitempty"`
}

// Phase is one step of a run and its wall time.
type Phase struct {
	Name    string  `json:"name"`
	Seconds float64 `json:"seconds"`
}

// PhaseSeconds is d in seconds, cut to the microsecond: cut, not rounded, so
// that the phases of a run never add up to more than the run took.
func PhaseSeconds(d time.Duration) float64 {
	if d < 0 {
		return 0
	}
	return d.Truncate(time.Microsecond).Seconds()
}

// IgnoredEntry is a source entry ("animelist/dt=2026-11-27/", "README.txt")
// or a column ("anime.csv: column Studio2") a run did not load, and why.
type IgnoredEntry struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// Totals sums the per-file counts.
func (s *RunSummary) Totals() FileSummary {
	var t FileSummary
	t.Name = "total"
	for _, f := range s.Files {
		t.RowsRead += f.RowsRead
		t.RowsLoaded += f.RowsLoaded
		t.RowsRejected += f.RowsRejected
		t.RowsDuplicate += f.RowsDuplicate
		t.Size += f.Size
	}
	return t
}

// PhasesJSON is the run's phases as the JSON text etl_run.phases stores:
// a list of {"name", "seconds"}, "[]" when there are none.
func (s *RunSummary) PhasesJSON() string {
	if len(s.Phases) == 0 {
		return "[]"
	}
	b, err := json.Marshal(s.Phases)
	if err != nil { // a name and a finite number always marshal
		return "[]"
	}
	return string(b)
}
