package pipeline

import (
	"time"

	"github.com/animetl/animetl"
)

// startPhase starts timing a phase of the run; the function it returns
// ends it and appends it to the summary's phases, whether the phase
// succeeded or not (a failed run shows where it spent its time, the
// failing phase last). Phases are timed one after the other, never two at
// once, on the monotonic clock.
func startPhase(sum *animetl.RunSummary, name string) (end func()) {
	t0 := time.Now()
	return func() {
		sum.Phases = append(sum.Phases, animetl.Phase{Name: name, Seconds: animetl.PhaseSeconds(time.Since(t0))})
	}
}

// loadPhase names the phase that loads one file.
func loadPhase(file string) string { return "load:" + file }
