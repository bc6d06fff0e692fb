package schedule

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/animetl/animetl"
)

// TestWebhookRetriesAndKeepsItsKeyOutOfLogs posts to a test server that
// fails the first attempt: the alert arrives on the second, as JSON with a
// text field, and the logs name the server without the URL's path.
func TestWebhookRetriesAndKeepsItsKeyOutOfLogs(t *testing.T) {
	var mu sync.Mutex
	var got []Alert
	attempts := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		attempts++
		if attempts == 1 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		var a Alert
		if err := json.NewDecoder(r.Body).Decode(&a); err != nil || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("body: %v, content type %q", err, r.Header.Get("Content-Type"))
		}
		got = append(got, a)
	}))
	defer srv.Close()
	const key = "T000/B000/s3cr3tK3y"
	var logs bytes.Buffer
	var logMu sync.Mutex
	w, err := NewWebhook(srv.URL+"/services/"+key+"?token=abc", WebhookOptions{RetryDelay: time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(&lockedWriter{&logMu, &logs}, nil))})
	if err != nil {
		t.Fatal(err)
	}
	w.Alert(Alert{Status: AlertLate, Text: "animetl is late"})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	w.Close(ctx)
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0].Text != "animetl is late" || got[0].Status != AlertLate || attempts != 2 {
		t.Fatalf("received %+v in %d attempts, want the late alert on the second", got, attempts)
	}
	logMu.Lock()
	defer logMu.Unlock()
	if l := logs.String(); strings.Contains(l, "s3cr3t") || strings.Contains(l, "abc") || !strings.Contains(l, "alert sent") {
		t.Errorf("logs:\n%s\nwant the alert sent, without the URL's key", l)
	}
}

func TestWebhookNeverBlocks(t *testing.T) {
	hold := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hold:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(hold)
	w, err := NewWebhook(srv.URL, WebhookOptions{Queue: 2, Attempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		for range 10 { // more than the queue holds while the server hangs
			w.Alert(Alert{Status: AlertFailed, Text: "x"})
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("Alert blocked")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w.Close(ctx) // gives up on what is left and returns
}

func TestWebhookURL(t *testing.T) {
	for _, bad := range []string{"", "ftp://host/x", "hooks.example/x", "http://"} {
		if _, err := NewWebhook(bad, WebhookOptions{}); !errors.Is(err, animetl.ErrConfig) {
			t.Errorf("%q: %v, want ErrConfig", bad, err)
		}
	}
	cases := map[string]string{
		"https://hooks.example.com/services/T0/B0/key": "https://hooks.example.com/REDACTED",
		"https://user:pw@hooks.example.com/?k=v":       "https://hooks.example.com/REDACTED",
		"http://127.0.0.1:9000":                        "http://127.0.0.1:9000",
	}
	for in, want := range cases {
		if got := WebhookShown(in); got != want {
			t.Errorf("WebhookShown(%q) = %q, want %q", in, got, want)
		}
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
