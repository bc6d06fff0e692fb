package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/animetl/animetl/internal/contract"
)

func TestServeRefusesAnOpenAddressWithoutToken(t *testing.T) {
	wh := duckWarehouse(t)
	for _, addr := range []string{"0.0.0.0:0", ":0"} {
		code, _, stderr := cli(t, "serve", "--warehouse", wh, "--addr", addr)
		if code != exitUsage || !strings.Contains(stderr, "--token-file") {
			t.Errorf("%s: exit %d, stderr %q; want 2 naming --token-file", addr, code, stderr)
		}
	}
	t.Setenv("ANIMETL_ADDR", "0.0.0.0:0")
	if code, _, _ := cli(t, "serve", "--warehouse", wh); code != exitUsage {
		t.Errorf("ANIMETL_ADDR: exit %d, want 2", code)
	}
	empty := filepath.Join(t.TempDir(), "token")
	os.WriteFile(empty, []byte("\n"), 0o600)
	if code, _, stderr := cli(t, "serve", "--warehouse", wh, "--token-file", empty); code != exitUsage {
		t.Errorf("empty token file: exit %d %s", code, stderr)
	}
	for name, token := range map[string]string{"two lines": "aaaaaaaaaaaaaaaa\nbbbbbbbbbbbbbbbb\n", "short": "ab\n"} {
		f := filepath.Join(t.TempDir(), "token")
		os.WriteFile(f, []byte(token), 0o600)
		if code, _, stderr := cli(t, "serve", "--warehouse", wh, "--token-file", f); code != exitUsage || !strings.Contains(stderr, "token-file") {
			t.Errorf("%s token: exit %d %s; want 2 naming token-file", name, code, stderr)
		}
	}
	if code, _, stderr := cli(t, "serve", "--warehouse", wh, "--tz", "Mars/Olympus"); code != exitUsage {
		t.Errorf("bad tz: exit %d %s", code, stderr)
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServeAnswersThenDrainsOnSignal: serve answers, and the signal's
// context ending makes it exit 0.
func TestServeAnswersThenDrainsOnSignal(t *testing.T) {
	dir, _ := contract.Gen(t, contract.Generated)
	wh := duckWarehouse(t)
	if code, _, stderr := cli(t, "run", "--source", dir, "--warehouse", wh, "--progress", "never"); code != exitOK {
		t.Fatalf("run: %d %s", code, stderr)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- execute(ctx, []string{"serve", "--warehouse", wh, "--addr", "127.0.0.1:0"}, &out, &errOut)
	}()
	addr := regexp.MustCompile(`addr=(http://[0-9.:]+)`)
	var base string
	for base == "" {
		select {
		case code := <-done:
			t.Fatalf("serve exited %d: %s", code, errOut.String())
		case <-time.After(10 * time.Millisecond):
		}
		if m := addr.FindStringSubmatch(errOut.String()); m != nil {
			base = m[1]
		}
	}
	res, err := http.Get(base + "/api/v1/most-watched")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("most-watched: %d", res.StatusCode)
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Errorf("exit %d after the signal, want 0: %s", code, errOut.String())
	}
}
