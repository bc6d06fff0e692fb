package httpsrc_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/httpsrc"
	"github.com/animetl/animetl/internal/faultproxy"
	"github.com/animetl/animetl/internal/ranged"
)

// syncBuffer is a log sink safe for the concurrent range fetchers.
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

func TestSecretsNeverShow(t *testing.T) {
	const secrets = "user:secretpass@"
	const query = "?token=s3cr3t&X-Amz-Signature=abc"
	leaks := []string{"secretpass", "s3cr3t", "abc"}

	srv := newServer(t, modeRanges, map[string][]byte{
		animetl.FileAnime: []byte("a\n"), animetl.FileAnimeList: big, "denied.csv": []byte("x"),
	})
	srv.setHook(func(w http.ResponseWriter, r *http.Request, _ int) bool {
		if strings.HasSuffix(r.URL.Path, "/denied.csv") {
			http.Error(w, "no", http.StatusForbidden)
			return true
		}
		return false
	})
	p := faultproxy.New(t, srv.Root)
	p.Inject(faultproxy.GetsOf(animetl.FileAnimeList), burst...)
	withSecrets := func(base string) string {
		return strings.Replace(base, "://", "://"+secrets, 1) + "data/" + query
	}
	var logs syncBuffer
	opts := httpsrc.Options{Ranged: fast, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	src := mustNew(t, withSecrets(p.URL+"/"), opts)
	ctx := context.Background()

	var texts []string // everything a user may see
	texts = append(texts, src.String())
	listing, err := src.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range listing {
		texts = append(texts, f.Location)
	}
	if got, err := readAll(ctx, src, fileOf(listing, animetl.FileAnimeList)); err != nil || !bytes.Equal(got, big) {
		t.Fatalf("read %d bytes: %v", len(got), err)
	}

	// Failures: a missing file, a denied one, attempts that run out, an
	// unreachable host.
	_, err404 := readAll(ctx, src, named("nope.csv"))
	_, err403 := readAll(ctx, src, named("denied.csv"))
	p.Inject(faultproxy.GetsOf(animetl.FileAnime), slices.Repeat([]faultproxy.Fault{{Kind: faultproxy.SlowDown}, {Kind: faultproxy.Internal}}, ranged.DefaultMaxAttempts/2)...)
	_, errExhausted := readAll(ctx, src, fileOf(listing, animetl.FileAnime))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String() + "/"
	l.Close()
	down := mustNew(t, withSecrets(closed), httpsrc.Options{Ranged: ranged.Options{Policy: ranged.Policy{MaxAttempts: 2, BaseDelay: fast.BaseDelay}}, Logger: opts.Logger})
	_, errListDown := down.List(ctx)
	_, errOpenDown := down.Open(ctx, named(animetl.FileAnime))
	_, errNew := httpsrc.New("ftp://"+secrets+"example.com/"+query, httpsrc.Options{})
	for name, err := range map[string]error{"404": err404, "403": err403, "exhausted": errExhausted,
		"list unreachable": errListDown, "open unreachable": errOpenDown, "bad scheme": errNew} {
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		t.Logf("%s: %v", name, err)
		texts = append(texts, err.Error())
	}
	texts = append(texts, down.String(), logs.String())

	for _, text := range texts {
		for _, leak := range leaks {
			if strings.Contains(text, leak) {
				t.Errorf("%q shows %s", text, leak)
			}
		}
	}
	if !strings.Contains(logs.String(), "level=WARN msg=\"retrying a request\" component=httpsrc file=animelist.csv offset=") {
		t.Errorf("the retries were not logged:\n%s", logs.String())
	}
	// The server got the credentials with every request.
	for _, r := range srv.requests() {
		if r.User != "user" || r.Pass != "secretpass" || r.Query.Get("token") != "s3cr3t" || r.Query.Get("X-Amz-Signature") != "abc" {
			t.Errorf("%s %s arrived without the credentials: %+v", r.Method, r.Name, r)
		}
	}
}
