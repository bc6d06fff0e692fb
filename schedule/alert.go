package schedule

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/animetl/animetl"
)

// Alert statuses.
const (
	AlertLate      = "late"      // the deadline passed with nothing published that day
	AlertFailed    = "failed"    // a scheduled run failed (after its retries)
	AlertRecovered = "recovered" // a run published after a late day or a failure
)

// Alert is a notice of a late day, a failed run or a recovery. Its JSON is
// what the webhook receives: Text is Slack's (and Mattermost's, and most
// chat webhooks') message field.
type Alert struct {
	Text   string    `json:"text"`
	Status string    `json:"status"`
	RunID  string    `json:"run_id,omitempty"`
	Error  string    `json:"error,omitempty"`
	Time   time.Time `json:"time"`
}

// Alerter takes alerts without blocking the caller.
type Alerter interface {
	Alert(a Alert)
}

func (s *Scheduler) notify(a Alert) {
	if a.Time.IsZero() {
		a.Time = s.clock.Now().UTC()
	}
	s.metrics.alerts.WithLabelValues(a.Status).Inc()
	if s.opts.Alerts != nil {
		s.opts.Alerts.Alert(a)
	}
}

// WebhookOptions configure a Webhook.
type WebhookOptions struct {
	// Attempts is how many times an alert is posted before it is dropped
	// (logged); RetryDelay the wait before the second, doubled after.
	Attempts   int
	RetryDelay time.Duration
	// Timeout bounds one POST.
	Timeout time.Duration
	// Queue is how many alerts may wait; an alert past it is dropped and
	// logged rather than block the scheduler.
	Queue  int
	Client *http.Client
	Logger *slog.Logger
}

// Webhook defaults.
const (
	DefaultWebhookAttempts   = 5
	DefaultWebhookRetryDelay = 2 * time.Second
	DefaultWebhookTimeout    = 10 * time.Second
	defaultWebhookQueue      = 64
)

// Webhook posts alerts as JSON to a URL, in order, from a goroutine of its
// own, retrying with exponential backoff. The URL is a secret (a Slack
// webhook's path is its key): logs name only its scheme and host.
type Webhook struct {
	url    string
	shown  string
	opts   WebhookOptions
	log    *slog.Logger
	queue  chan Alert
	stop   chan struct{}
	done   chan struct{}
	closer sync.Once
	ctx    context.Context
	cancel context.CancelFunc
}

// NewWebhook checks the URL (http or https) and starts the sender. Close
// it to stop. It fails with animetl.ErrConfig.
func NewWebhook(raw string, opts WebhookOptions) (*Webhook, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("schedule: alert webhook %q: want an http:// or https:// URL: %w", WebhookShown(raw), animetl.ErrConfig)
	}
	if opts.Attempts <= 0 {
		opts.Attempts = DefaultWebhookAttempts
	}
	if opts.RetryDelay <= 0 {
		opts.RetryDelay = DefaultWebhookRetryDelay
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultWebhookTimeout
	}
	if opts.Queue <= 0 {
		opts.Queue = defaultWebhookQueue
	}
	if opts.Client == nil {
		opts.Client = &http.Client{}
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	w := &Webhook{url: raw, shown: WebhookShown(raw), opts: opts, log: log.With(animetl.LogComponent, "alert"),
		queue: make(chan Alert, opts.Queue), stop: make(chan struct{}), done: make(chan struct{})}
	w.ctx, w.cancel = context.WithCancel(context.Background())
	go w.loop()
	return w, nil
}

// WebhookShown is a webhook URL fit for logs: its scheme and host, with
// any path or query (where webhooks keep their keys) replaced.
func WebhookShown(raw string) string {
	u, err := url.Parse(animetl.RedactLocation(raw))
	if err != nil || u.Host == "" {
		return animetl.Redacted
	}
	shown := u.Scheme + "://" + u.Host
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		shown += "/" + animetl.Redacted
	}
	return shown
}

// Alert queues a for sending; it never blocks.
func (w *Webhook) Alert(a Alert) {
	select {
	case w.queue <- a:
	default:
		w.log.Error("alert dropped: too many waiting", "webhook", w.shown, "status", a.Status, "text", a.Text)
	}
}

// Close sends the alerts still queued until ctx is done, then cancels
// what is left and waits for the sender to stop.
func (w *Webhook) Close(ctx context.Context) {
	w.closer.Do(func() { close(w.stop) })
	select {
	case <-w.done:
	case <-ctx.Done():
		w.cancel()
		<-w.done
	}
	w.cancel()
}

func (w *Webhook) loop() {
	defer close(w.done)
	ctx := w.ctx
	for {
		select {
		case a := <-w.queue:
			w.send(ctx, a)
		case <-w.stop:
			for {
				select {
				case a := <-w.queue:
					w.send(ctx, a)
				default:
					return
				}
			}
		}
	}
}

// send posts a with retries; it gives up (and logs) after Attempts.
func (w *Webhook) send(ctx context.Context, a Alert) {
	body, err := json.Marshal(a)
	if err != nil {
		w.log.Error("alert not encoded", animetl.LogError, err)
		return
	}
	delay := w.opts.RetryDelay
	for attempt := 1; ; attempt++ {
		err := w.post(ctx, body)
		if err == nil {
			w.log.Info("alert sent", "webhook", w.shown, "status", a.Status)
			return
		}
		if attempt >= w.opts.Attempts {
			w.log.Error("alert not delivered", "webhook", w.shown, "status", a.Status, "attempts", attempt,
				animetl.LogError, err, "text", a.Text)
			return
		}
		w.log.Warn("alert not delivered; retrying", "webhook", w.shown, "attempt", attempt, "retry_in", delay, animetl.LogError, err)
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return
		}
		delay *= 2
	}
}

func (w *Webhook) post(ctx context.Context, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, w.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return errors.New("build request")
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := w.opts.Client.Do(req)
	if err != nil {
		// The client's errors quote the URL: say only what failed.
		return fmt.Errorf("post: %w", animetl.RedactError(unwrapURLError(err), w.url))
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("post: status %d", resp.StatusCode)
	}
	return nil
}

// unwrapURLError drops the *url.Error around a client error, whose
// message holds the URL.
func unwrapURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}
