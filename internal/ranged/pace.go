package ranged

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// ErrTooSlow is the cause of an attempt abandoned because its body
// delivered less than the policy's MinRate.
var ErrTooSlow = errors.New("too slow")

// pace watches a body: when the time spent waiting in Read adds up to a
// window in which fewer than the window's share of MinRate bytes came, it
// cancels the attempt's context and the body fails with ErrTooSlow.
type pace struct {
	body   io.ReadCloser
	ctx    context.Context
	cancel context.CancelCauseFunc
	window time.Duration
	need   int64 // bytes due per window

	mu     sync.Mutex
	got    int64         // bytes in the current window
	waited time.Duration // time spent in Read in the current window
	since  time.Time     // start of the Read in progress
	reads  int           // Reads started, to tell a stale timer
	inRead bool
}

// newPace watches body, whose request runs under ctx, cancelled by cancel.
func newPace(ctx context.Context, cancel context.CancelCauseFunc, body io.ReadCloser, p Policy) *pace {
	need := max(1, int64(float64(p.MinRate)*p.RateWindow.Seconds()))
	return &pace{body: body, ctx: ctx, cancel: cancel, window: p.RateWindow, need: need}
}

// Read reads from the body, failing with ErrTooSlow when a window closes short.
func (b *pace) Read(p []byte) (int, error) {
	b.mu.Lock()
	b.reads++
	b.inRead, b.since = true, time.Now()
	gen, left := b.reads, b.window-b.waited
	b.mu.Unlock()
	t := time.AfterFunc(left, func() { b.expire(gen) })
	n, err := b.body.Read(p)
	t.Stop()
	b.mu.Lock()
	b.inRead = false
	b.waited += time.Since(b.since)
	b.got += int64(n)
	slow := b.roll()
	b.mu.Unlock()
	if err == io.EOF {
		return n, err // the body is whole: however slow, it is done
	}
	if slow {
		b.cancel(ErrTooSlow)
	}
	if slow || (err != nil && errors.Is(context.Cause(b.ctx), ErrTooSlow)) {
		return n, b.tooSlow()
	}
	return n, err
}

// expire closes a window that ran out while Read number gen was waiting.
func (b *pace) expire(gen int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.inRead || b.reads != gen {
		return
	}
	now := time.Now()
	b.waited += now.Sub(b.since)
	b.since = now
	if b.roll() {
		b.cancel(ErrTooSlow)
		return
	}
	time.AfterFunc(b.window, func() { b.expire(gen) })
}

// roll closes the window when its time is up and reports whether it fell
// short; the caller holds mu.
func (b *pace) roll() bool {
	if b.waited < b.window {
		return false
	}
	if b.got < b.need {
		return true
	}
	b.got, b.waited = 0, 0
	return false
}

func (b *pace) tooSlow() error {
	return fmt.Errorf("%w: fewer than %d bytes in %s", ErrTooSlow, b.need, b.window)
}

// Close closes the body and releases the attempt's context.
func (b *pace) Close() error {
	err := b.body.Close()
	b.cancel(nil)
	return err
}
