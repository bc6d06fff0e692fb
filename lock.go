package animetl

import (
	"fmt"
	"time"
)

// LockHolder identifies the run holding a warehouse's run lock.
type LockHolder struct {
	RunID     string    `json:"run_id"`
	Host      string    `json:"host"`
	PID       int       `json:"pid"`
	StartedAt time.Time `json:"started_at"`
}

// String describes the holder for an error message.
func (h LockHolder) String() string {
	if h.RunID == "" {
		return "an unknown run"
	}
	return fmt.Sprintf("run %s (host %s, pid %d, started %s)", h.RunID, h.Host, h.PID, h.StartedAt.UTC().Format(time.RFC3339))
}

// LockedError is returned when the run lock could not be taken in time. It
// wraps ErrLocked.
type LockedError struct {
	Holder LockHolder
	Waited time.Duration
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("warehouse locked by %s; waited %s", e.Holder, e.Waited.Round(time.Millisecond))
}

// Unwrap makes errors.Is(err, ErrLocked) hold.
func (e *LockedError) Unwrap() error { return ErrLocked }
