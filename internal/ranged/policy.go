package ranged

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"
)

// Policy is the one retry policy of remote reads: S3 listings and heads,
// HTTP heads, and every byte range or stream. Zero values take the defaults.
type Policy struct {
	// MaxAttempts bounds the consecutive failed requests of one operation
	// (a listing page, a head, a range), the first included (default 10: a
	// burst of 9 consecutive failures is survived).
	MaxAttempts int
	// BaseDelay and MaxDelay shape the backoff: retry n waits a random time
	// in [0, min(MaxDelay, BaseDelay x 2^n)] (defaults 100ms, 5s).
	BaseDelay, MaxDelay time.Duration
	// AttemptTimeout bounds one request, a range's body included (default
	// 2m). It does not bound a stream, whose length is unknown.
	AttemptTimeout time.Duration
	// MinRate and RateWindow fail an attempt whose body delivers fewer than
	// MinRate bytes per second over RateWindow of waiting for it (defaults
	// 1 KiB/s over 30s). Time the consumer spends with the bytes does not
	// count. Such an attempt fails with ErrTooSlow and counts as a failure
	// whatever it delivered.
	MinRate    int64
	RateWindow time.Duration
}

// Defaults of Policy.
const (
	DefaultMaxAttempts    = 10
	DefaultBaseDelay      = 100 * time.Millisecond
	DefaultMaxDelay       = 5 * time.Second
	DefaultAttemptTimeout = 2 * time.Minute
	DefaultMinRate        = 1 << 10
	DefaultRateWindow     = 30 * time.Second
)

// progressBudget bounds the requests of one range, in MaxAttempts: an
// attempt that makes progress restarts the count of consecutive failures,
// but a range gets at most progressBudget x MaxAttempts requests in all.
const progressBudget = 10

// WithDefaults returns the policy with zero values replaced by the defaults.
func (p Policy) WithDefaults() Policy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = DefaultMaxAttempts
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = DefaultBaseDelay
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = DefaultMaxDelay
	}
	if p.AttemptTimeout <= 0 {
		p.AttemptTimeout = DefaultAttemptTimeout
	}
	if p.MinRate <= 0 {
		p.MinRate = DefaultMinRate
	}
	if p.RateWindow <= 0 {
		p.RateWindow = DefaultRateWindow
	}
	return p
}

// Backoff returns the wait before retry n (1-based): full jitter, a random
// time in [0, min(MaxDelay, BaseDelay x 2^n)].
func (p Policy) Backoff(n int) time.Duration {
	d := p.BaseDelay << min(n, 30)
	if d <= 0 || d > p.MaxDelay {
		d = p.MaxDelay
	}
	return time.Duration(rand.Int64N(int64(d) + 1))
}

// Do runs try, each attempt bounded by AttemptTimeout, until it succeeds,
// fails with an error that is not retryable (Permanent), the context ends or
// MaxAttempts attempts have failed (an *ExhaustedError). onRetry, when set,
// is told about each failure that is retried (off is 0).
func (p Policy) Do(ctx context.Context, try func(context.Context) error, onRetry func(off int64, attempt int, err error)) error {
	r := retrier{Policy: p, onRetry: onRetry}
	for {
		actx, cancel := context.WithTimeout(ctx, p.AttemptTimeout)
		err := try(actx)
		cancel()
		if err == nil {
			return nil
		}
		if err := r.again(ctx, err, false, 0); err != nil {
			return err
		}
	}
}

// retrier counts the attempts of one operation, of the range [off, end)
// when it reads one.
type retrier struct {
	Policy
	off, end int64
	onRetry  func(off int64, attempt int, err error) // may be nil
	failures int                                     // consecutive, or since the last progress
	attempts int                                     // in all
}

// again is told of an attempt that failed with err at byte at. It waits
// the backoff and returns nil when another attempt is due, else returns the
// error to give up with. progress says the attempt delivered bytes: that
// restarts the count of failures, within the progress budget, unless the
// attempt was too slow.
func (r *retrier) again(ctx context.Context, err error, progress bool, at int64) error {
	r.attempts++
	r.failures++
	if progress && !errors.Is(err, ErrTooSlow) && r.attempts < progressBudget*r.MaxAttempts {
		r.failures = 1
	}
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case IsPermanent(err):
		return err
	case r.failures >= r.MaxAttempts || r.attempts >= progressBudget*r.MaxAttempts:
		return &ExhaustedError{Off: r.off, End: r.end, Attempts: r.attempts, Err: err}
	}
	if r.onRetry != nil {
		r.onRetry(at, r.failures, err)
	}
	return sleep(ctx, r.Backoff(r.failures))
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as one that retrying cannot fix (missing object,
// denied access, the object changed).
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

// IsPermanent reports whether err was marked Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// ClassifyStatus returns err, the failure of a request answered with HTTP
// status code, marked Permanent unless the status is worth another attempt
// (408, 425, 429, 5xx).
func ClassifyStatus(code int, err error) error {
	if code == http.StatusRequestTimeout || code == http.StatusTooEarly || code == http.StatusTooManyRequests || code >= 500 {
		return err
	}
	return Permanent(err)
}

// ExhaustedError is returned when an operation still fails after the
// attempts the policy allows. Off and End name the byte range [Off, End)
// when the operation read one (End is 0 otherwise).
type ExhaustedError struct {
	Off, End int64
	Attempts int
	Err      error
}

func (e *ExhaustedError) Error() string {
	if e.End <= 0 {
		return fmt.Sprintf("gave up after %d attempts: %v", e.Attempts, e.Err)
	}
	return fmt.Sprintf("bytes %d-%d: gave up after %d attempts: %v", e.Off, e.End-1, e.Attempts, e.Err)
}

func (e *ExhaustedError) Unwrap() error { return e.Err }
