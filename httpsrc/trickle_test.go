package httpsrc_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/httpsrc"
	"github.com/animetl/animetl/internal/ranged"
)

// breakAfter serves r but cuts the connection after n bytes of body.
func (s *fileServer) breakAfter(w http.ResponseWriter, r *http.Request, n int) {
	s.serve(&breakingWriter{ResponseWriter: w, left: n}, r)
}

type breakingWriter struct {
	http.ResponseWriter
	left int
}

func (w *breakingWriter) Write(p []byte) (int, error) {
	if len(p) <= w.left {
		w.left -= len(p)
		return w.ResponseWriter.Write(p)
	}
	w.ResponseWriter.Write(p[:w.left])
	w.left = 0
	http.NewResponseController(w.ResponseWriter).Flush()
	panic(http.ErrAbortHandler) // drops the connection mid-body
}

func (w *breakingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// trickle serves r one byte every 5ms, until the client gives up.
func (s *fileServer) trickle(w http.ResponseWriter, r *http.Request) {
	s.serve(&tricklingWriter{ResponseWriter: w, ctx: r.Context()}, r)
}

type tricklingWriter struct {
	http.ResponseWriter
	ctx context.Context
}

func (w *tricklingWriter) Write(p []byte) (int, error) {
	for i := range p {
		if _, err := w.ResponseWriter.Write(p[i : i+1]); err != nil {
			return i, err
		}
		http.NewResponseController(w.ResponseWriter).Flush()
		select {
		case <-w.ctx.Done():
			return i + 1, w.ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
	return len(p), nil
}

func (w *tricklingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// TestTricklingServerFails: a server whose every answer delivers a few
// bytes and breaks must not be retried forever, sequential or ranged; the
// error names the file and where it broke.
func TestTricklingServerFails(t *testing.T) {
	for _, m := range []mode{modePlain, modeRanges} {
		t.Run("BreaksAfterFewBytes"+m.String(), func(t *testing.T) {
			srv := newServer(t, m, map[string][]byte{animetl.FileAnimeList: big})
			// The k-th answer breaks after 10k bytes: a server that ignores
			// ranges delivers 10 new bytes each time.
			srv.setHook(func(w http.ResponseWriter, r *http.Request, _ int) bool {
				if r.Method == http.MethodGet {
					srv.breakAfter(w, r, 10*len(srv.gets(animetl.FileAnimeList)))
					return true
				}
				return false
			})
			opts := fast
			opts.MaxAttempts = 3
			src := mustNew(t, srv.URL, httpsrc.Options{Ranged: opts})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err := readAll(ctx, src, named(animetl.FileAnimeList))
			if err == nil || ctx.Err() != nil {
				t.Fatalf("read: %v, want a failure before the deadline", err)
			}
			if msg := err.Error(); !strings.Contains(msg, animetl.FileAnimeList) || !strings.Contains(msg, "bytes ") || !strings.Contains(msg, "gave up") {
				t.Errorf("read: %v, want the file, the byte range and the attempts named", err)
			}
			// A range gets at most 10 x MaxAttempts requests.
			if n, most := len(srv.gets(animetl.FileAnimeList)), 4*10*opts.MaxAttempts; n > most {
				t.Errorf("%d GETs, want at most %d", n, most)
			}
		})
	}
	for _, m := range []mode{modePlain, modeRanges} {
		t.Run("Trickles"+m.String(), func(t *testing.T) {
			srv := newServer(t, m, map[string][]byte{animetl.FileAnimeList: big})
			srv.setHook(func(w http.ResponseWriter, r *http.Request, _ int) bool {
				if r.Method == http.MethodGet {
					srv.trickle(w, r)
					return true
				}
				return false
			})
			opts := fast // 200 bytes/s are served; 10 kB/s are wanted
			opts.MaxAttempts, opts.MinRate, opts.RateWindow = 2, 10_000, 100*time.Millisecond
			src := mustNew(t, srv.URL, httpsrc.Options{Ranged: opts})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err := readAll(ctx, src, named(animetl.FileAnimeList))
			if !errors.Is(err, ranged.ErrTooSlow) || ctx.Err() != nil {
				t.Fatalf("read: %v, want ErrTooSlow before the deadline", err)
			}
			if msg := err.Error(); !strings.Contains(msg, animetl.FileAnimeList) || !strings.Contains(msg, "bytes ") {
				t.Errorf("read: %v, want the file and the byte range named", err)
			}
		})
	}
}
