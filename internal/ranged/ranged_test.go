package ranged

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fault says what one request does: fail before answering, cut its body
// after n bytes with an error, end it early (truncation), or succeed.
type fault struct {
	kind string // "", "error", "cut", "truncate", "permanent", "extra"
	n    int
}

// object is an in-memory remote object whose requests follow a script.
type object struct {
	data   []byte
	mu     sync.Mutex
	script []fault
	calls  []int64 // the off of every request
	active atomic.Int32
	peak   atomic.Int32
}

func (o *object) fetch(ctx context.Context, off, end int64) (io.ReadCloser, error) {
	o.mu.Lock()
	o.calls = append(o.calls, off)
	var f fault
	if len(o.script) > 0 {
		f, o.script = o.script[0], o.script[1:]
	}
	o.mu.Unlock()
	if a := o.active.Add(1); a > o.peak.Load() {
		o.peak.Store(a)
	}
	body := o.data[off:end]
	var r io.Reader = bytes.NewReader(body)
	switch f.kind {
	case "error":
		o.active.Add(-1)
		return nil, errors.New("503 SlowDown")
	case "permanent":
		o.active.Add(-1)
		return nil, Permanent(errors.New("403 AccessDenied"))
	case "cut":
		r = io.MultiReader(bytes.NewReader(body[:min(f.n, len(body))]), errReader{errors.New("connection reset by peer")})
	case "truncate":
		r = bytes.NewReader(body[:min(f.n, len(body))])
	case "extra":
		r = io.MultiReader(bytes.NewReader(body), bytes.NewReader([]byte("junk")))
	}
	return &body_{r: r, done: func() { o.active.Add(-1) }}, nil
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

type body_ struct {
	r    io.Reader
	done func()
	once sync.Once
}

func (b *body_) Read(p []byte) (int, error) { return b.r.Read(p) }
func (b *body_) Close() error               { b.once.Do(b.done); return nil }

func payload(n int) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

var fast = Options{PartSize: 1000, Concurrency: 3, Policy: Policy{BaseDelay: time.Microsecond, MaxDelay: time.Millisecond}}

func TestReaderSurvivesTransientFaults(t *testing.T) {
	tests := []struct {
		name   string
		size   int
		script []fault
	}{
		{"clean", 10_500, nil},
		{"empty object", 0, nil},
		{"one part", 700, nil},
		{"throttled then fine", 5000, []fault{{kind: "error"}, {kind: "error"}}},
		{"connection cut mid-body", 5000, []fault{{kind: "cut", n: 300}}},
		{"truncated body", 5000, []fault{{kind: "truncate", n: 10}}},
		{"burst of 9 mixed failures on one range", 1000, []fault{
			{kind: "error"}, {kind: "cut", n: 100}, {kind: "truncate", n: 50}, {kind: "error"}, {kind: "cut", n: 1},
			{kind: "error"}, {kind: "truncate", n: 0}, {kind: "error"}, {kind: "cut", n: 200}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := &object{data: payload(tc.size), script: tc.script}
			r := NewReader(context.Background(), int64(tc.size), o.fetch, fast)
			got, err := io.ReadAll(r)
			r.Close()
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			if !bytes.Equal(got, o.data) {
				t.Fatalf("read %d bytes, not the object's %d", len(got), len(o.data))
			}
		})
	}
}

func TestReaderResumesWhereTheBodyBroke(t *testing.T) {
	o := &object{data: payload(1000), script: []fault{{kind: "cut", n: 300}, {kind: "truncate", n: 200}}}
	r := NewReader(context.Background(), 1000, o.fetch, fast)
	got, err := io.ReadAll(r)
	r.Close()
	if err != nil || !bytes.Equal(got, o.data) {
		t.Fatalf("read %d bytes, err %v", len(got), err)
	}
	want := []int64{0, 300, 500}
	if fmt.Sprint(o.calls) != fmt.Sprint(want) {
		t.Errorf("requests started at %v, want %v (resume, not restart)", o.calls, want)
	}
}

func TestReaderFailsCleanly(t *testing.T) {
	ten := make([]fault, 10)
	for i := range ten {
		ten[i] = fault{kind: "error"}
	}
	tests := []struct {
		name   string
		script []fault
		check  func(error) bool
	}{
		{"retries run out", ten, func(err error) bool { var e *ExhaustedError; return errors.As(err, &e) && e.Attempts == 10 }},
		{"permanent error is not retried", []fault{{kind: "permanent"}}, IsPermanent},
		{"server ignored the range", []fault{{kind: "extra"}}, IsPermanent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := &object{data: payload(800), script: tc.script}
			r := NewReader(context.Background(), 800, o.fetch, fast)
			_, err := io.ReadAll(r)
			r.Close()
			if err == nil || !tc.check(err) {
				t.Fatalf("err = %v", err)
			}
			if tc.name == "permanent error is not retried" && len(o.calls) != 1 {
				t.Errorf("%d requests, want 1", len(o.calls))
			}
		})
	}
}

func TestReaderBoundsRangesInFlight(t *testing.T) {
	o := &object{data: payload(50_000)}
	r := NewReader(context.Background(), 50_000, o.fetch, Options{PartSize: 1000, Concurrency: 2})
	buf := make([]byte, 250)
	for {
		time.Sleep(100 * time.Microsecond) // a slow consumer
		if _, err := r.Read(buf); err != nil {
			break
		}
	}
	r.Close()
	if p := o.peak.Load(); p > 3 {
		t.Errorf("%d requests in flight at once, want at most Concurrency+1 = 3", p)
	}
}

func TestReaderStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	o := &object{data: payload(100_000)}
	r := NewReader(ctx, 100_000, o.fetch, fast)
	buf := make([]byte, 100)
	if _, err := r.Read(buf); err != nil {
		t.Fatal(err)
	}
	cancel()
	var err error
	for err == nil {
		_, err = r.Read(buf)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	r.Close()
}

func TestStreamReopensAtTheBreak(t *testing.T) {
	data := payload(5000)
	var opens []int64
	script := []fault{{kind: "cut", n: 1000}, {kind: "error"}, {kind: "truncate-eof-ok"}}
	open := func(ctx context.Context, off int64) (io.ReadCloser, error) {
		opens = append(opens, off)
		f := fault{}
		if len(script) > 0 {
			f, script = script[0], script[1:]
		}
		switch f.kind {
		case "error":
			return nil, errors.New("502 Bad Gateway")
		case "cut":
			return io.NopCloser(io.MultiReader(bytes.NewReader(data[off:off+int64(f.n)]), errReader{errors.New("unexpected EOF")})), nil
		}
		return io.NopCloser(bytes.NewReader(data[off:])), nil
	}
	s := NewStream(context.Background(), open, fast)
	got, err := io.ReadAll(s)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read %d bytes, err %v", len(got), err)
	}
	if fmt.Sprint(opens) != "[0 1000 1000]" {
		t.Errorf("opened at %v, want [0 1000 1000]", opens)
	}
}

func TestBackoffIsBoundedAndJittered(t *testing.T) {
	seen := map[time.Duration]bool{}
	for i := 0; i < 50; i++ {
		d := Policy{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}.Backoff(20)
		if d < 0 || d > time.Second {
			t.Fatalf("Backoff = %v, want within [0, 1s]", d)
		}
		seen[d] = true
	}
	if len(seen) < 10 {
		t.Errorf("Backoff gave %d distinct waits in 50 draws: no jitter", len(seen))
	}
}
