package schedule

import "time"

// Clock is the scheduler's time: the real one in production, a fake one
// in tests, so that a day of ticks, retries and deadlines takes no time.
type Clock interface {
	Now() time.Time
	// After sends the time on the channel once d has passed.
	After(d time.Duration) <-chan time.Time
}

// realClock is the system clock.
type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
