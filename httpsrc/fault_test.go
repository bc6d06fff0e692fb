package httpsrc_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/httpsrc"
	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/internal/faultproxy"
	"github.com/animetl/animetl/internal/ranged"
)

// big is larger than three parts of fast.
var big = contract.RandomBytes(3*part+12345, 7)

// behindProxy serves big as animelist.csv behind a fault proxy and returns
// the server, the proxy and the prefix URL through the proxy, with a query
// string that must never show.
func behindProxy(t *testing.T, m mode) (*fileServer, *faultproxy.Proxy, string) {
	srv := newServer(t, m, map[string][]byte{animetl.FileAnimeList: big})
	p := faultproxy.New(t, srv.Root)
	return srv, p, p.URL + "/data/?sig=querysecret1"
}

func TestBurstOfFailuresIsSurvived(t *testing.T) {
	// A HEAD has no body to break: Reset and Truncate would turn it into an
	// answer claiming an empty file (faultproxy rewrites Content-Length).
	headBurst := slices.Repeat([]faultproxy.Fault{{Kind: faultproxy.SlowDown}, {Kind: faultproxy.Internal}, {Kind: faultproxy.Drop}}, 3)
	cases := []struct {
		name   string
		mode   mode
		match  func(*http.Request) bool
		faults []faultproxy.Fault
		list   bool
	}{
		{"FirstPart", modeRanges, rangeTo(animetl.FileAnimeList, part-1), burst, true},
		{"MiddlePart", modeRanges, rangeTo(animetl.FileAnimeList, 2*part-1), burst, true},
		{"StreamWithoutRanges", modePlain, faultproxy.GetsOf(animetl.FileAnimeList), burst, true},
		{"StreamOfUnknownSize", modeUnknownSize, faultproxy.GetsOf(animetl.FileAnimeList), burst, true},
		{"HeadOfAnUnlistedFile", modeRanges, heads(animetl.FileAnimeList), headBurst, false},
		{"HeadsOfList", modeRanges, heads(animetl.FileAnimeList), headBurst, true},
		{"ProbeOfAServerWithoutHead", modeNoHead, faultproxy.GetsOf(animetl.FileAnimeList), burst, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, p, base := behindProxy(t, tc.mode)
			p.Inject(tc.match, tc.faults...)
			// Default MaxAttempts: only the delays are shortened.
			src := mustNew(t, base, httpsrc.Options{Ranged: ranged.Options{PartSize: part, Policy: ranged.Policy{BaseDelay: fast.BaseDelay, MaxDelay: fast.MaxDelay}}})
			ctx := context.Background()
			var listing []animetl.FileInfo
			if tc.list {
				var err error
				if listing, err = src.List(ctx); err != nil {
					t.Fatalf("List: %v", err)
				}
			}
			got, err := readAll(ctx, src, fileOf(listing, animetl.FileAnimeList))
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			if !bytes.Equal(got, big) {
				t.Errorf("read %d bytes that differ from the %d served", len(got), len(big))
			}
			if n := p.Pending(); n != 0 {
				t.Errorf("%d of the %d faults were not injected", n, len(tc.faults))
			}
		})
	}
}

func TestAttemptsRunOut(t *testing.T) {
	slow := slices.Repeat([]faultproxy.Fault{{Kind: faultproxy.SlowDown}}, ranged.DefaultMaxAttempts+1)
	cases := []struct {
		name  string
		mode  mode
		match func(*http.Request) bool
		list  bool // the failure is in List rather than in the read
	}{
		{"RangedPart", modeRanges, rangeTo(animetl.FileAnimeList, 2*part-1), false},
		{"Stream", modePlain, faultproxy.GetsOf(animetl.FileAnimeList), false},
		{"ListHead", modeRanges, heads(animetl.FileAnimeList), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, p, base := behindProxy(t, tc.mode)
			p.Inject(tc.match, slow...)
			src := mustNew(t, base, httpsrcOptions())
			ctx := context.Background()
			listing, err := src.List(ctx)
			if err == nil && !tc.list {
				_, err = readAll(ctx, src, fileOf(listing, animetl.FileAnimeList))
			}
			if err == nil {
				t.Fatal("no error after MaxAttempts consecutive failures")
			}
			msg := err.Error()
			if !strings.Contains(msg, animetl.FileAnimeList) || strings.Contains(msg, "querysecret1") || strings.Contains(msg, "sig=") {
				t.Errorf("error should name the file without the query: %v", err)
			}
			var se *httpsrc.StatusError
			if !errors.As(err, &se) || se.Code != http.StatusServiceUnavailable {
				t.Errorf("error %v does not unwrap to the 503", err)
			}
			if n := p.Pending(); n != 1 {
				t.Errorf("%d requests made, want exactly MaxAttempts (%d)", len(slow)-n, ranged.DefaultMaxAttempts)
			}
			t.Log(err)
		})
	}
}

func TestPermanentFailuresAreNotRetried(t *testing.T) {
	answer := func(code int, onPart int64) func(*fileServer) {
		return func(s *fileServer) {
			s.setHook(func(w http.ResponseWriter, r *http.Request, _ int) bool {
				if r.Method == http.MethodGet && strings.HasPrefix(r.Header.Get("Range"), fmt.Sprintf("bytes=%d-", onPart*part)) {
					http.Error(w, http.StatusText(code), code)
					return true
				}
				return false
			})
		}
	}
	// replace puts a new version once the first part has been asked for.
	replace := func(body []byte, ignoreIfMatch bool) func(*fileServer) {
		return func(s *fileServer) {
			s.mu.Lock()
			s.ignoreIfMatch = ignoreIfMatch
			s.mu.Unlock()
			var once sync.Once
			s.setHook(func(w http.ResponseWriter, r *http.Request, _ int) bool {
				if r.Method == http.MethodGet && !strings.HasPrefix(r.Header.Get("Range"), "bytes=0-") {
					once.Do(func() { s.put(animetl.FileAnimeList, body) })
				}
				return false
			})
		}
	}
	cases := []struct {
		name    string
		mode    mode
		after   func(*fileServer) // after List, before Open
		want    string
		notFind bool // the error matches fs.ErrNotExist
	}{
		{"NotFoundMidRead", modeRanges, answer(http.StatusNotFound, 1), "404", true},
		{"GoneMidRead", modeRanges, answer(http.StatusGone, 2), "410", true},
		{"ForbiddenMidRead", modeRanges, answer(http.StatusForbidden, 1), "403", false},
		{"RemovedAfterList", modeRanges, func(s *fileServer) { s.remove(animetl.FileAnimeList) }, "404", true},
		{"ReplacedBetweenPartsIfMatchHonoured", modeRanges, replace(contract.RandomBytes(len(big), 99), false), "changed during the read", false},
		{"ETagChangedBetweenParts", modeRanges, replace(contract.RandomBytes(len(big), 99), true), `the ETag is "v2" now, "v1" when listed`, false},
		{"ShrankBetweenParts", modeRanges, replace(big[:len(big)-1000], true), "changed during the read", false},
		{"ReplacedBetweenPartsWeakETag", modeWeakETag, replace(contract.RandomBytes(len(big), 99), false), "changed during the read", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, p, base := behindProxy(t, tc.mode)
			src := mustNew(t, base, httpsrcOptions())
			ctx := context.Background()
			listing, err := src.List(ctx)
			if err != nil {
				t.Fatal(err)
			}
			tc.after(srv)
			listed := p.Requests()
			_, err = readAll(ctx, src, fileOf(listing, animetl.FileAnimeList))
			// At most one request per part: nothing was retried.
			if n := p.Requests() - listed; n < 1 || n > (len(big)+part-1)/part {
				t.Errorf("the read made %d requests for %d parts", n, (len(big)+part-1)/part)
			}
			if err == nil {
				t.Fatal("the read succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), animetl.FileAnimeList) {
				t.Errorf("error %q should name the file and say %q", err, tc.want)
			}
			if errors.Is(err, fs.ErrNotExist) != tc.notFind {
				t.Errorf("errors.Is(%v, fs.ErrNotExist) = %v", err, !tc.notFind)
			}
			var exhausted *ranged.ExhaustedError
			if errors.As(err, &exhausted) {
				t.Errorf("a permanent failure was retried: %v", err)
			}
			asked := map[string]int{}
			for _, r := range srv.gets(animetl.FileAnimeList) {
				if asked[r.Range]++; asked[r.Range] > 1 {
					t.Errorf("%s asked %d times", r.Range, asked[r.Range])
				}
			}
		})
	}
}

func TestResumeAsksWhereTheBodyBroke(t *testing.T) {
	cases := []struct {
		name  string
		mode  mode
		match func(*http.Request) bool
		fault faultproxy.Fault
		want  []string // the Range headers of the GETs that match, in order
	}{
		{"TruncatedPart", modeRanges, rangeTo(animetl.FileAnimeList, 2*part-1), faultproxy.Fault{Kind: faultproxy.Truncate, After: 1000},
			[]string{fmt.Sprintf("bytes=%d-%d", part, 2*part-1), fmt.Sprintf("bytes=%d-%d", part+1000, 2*part-1)}},
		{"TruncatedStreamWithRanges", modeUnknownSize, faultproxy.GetsOf(animetl.FileAnimeList), faultproxy.Fault{Kind: faultproxy.Truncate, After: 5000},
			[]string{"", "bytes=5000-"}},
		{"TruncatedStreamWithoutRanges", modePlain, faultproxy.GetsOf(animetl.FileAnimeList), faultproxy.Fault{Kind: faultproxy.Truncate, After: 5000},
			[]string{"", ""}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, p, base := behindProxy(t, tc.mode)
			p.Inject(tc.match, tc.fault)
			src := mustNew(t, base, httpsrcOptions())
			got, err := readAll(context.Background(), src, named(animetl.FileAnimeList))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, big) {
				t.Fatalf("read %d bytes that differ from the %d served", len(got), len(big))
			}
			var ranges []string
			for _, r := range srv.gets(animetl.FileAnimeList) {
				if tc.mode != modeRanges || strings.HasSuffix(r.Range, fmt.Sprintf("-%d", 2*part-1)) {
					ranges = append(ranges, r.Range)
				}
			}
			if !slices.Equal(ranges, tc.want) {
				t.Errorf("Range headers %q, want %q", ranges, tc.want)
			}
		})
	}
}

// A reset loses what the kernel had buffered, so the resumption starts
// anywhere between the part's start and the bytes sent before the reset.
func TestResetPartResumesWithinWhatWasSent(t *testing.T) {
	srv, p, base := behindProxy(t, modeRanges)
	p.Inject(rangeTo(animetl.FileAnimeList, part-1), faultproxy.Fault{Kind: faultproxy.Reset, After: 200_000})
	src := mustNew(t, base, httpsrcOptions())
	got, err := readAll(context.Background(), src, named(animetl.FileAnimeList))
	if err != nil || !bytes.Equal(got, big) {
		t.Fatalf("read %d bytes, err %v", len(got), err)
	}
	var starts []int64
	for _, r := range srv.gets(animetl.FileAnimeList) {
		var first, last int64
		if _, err := fmt.Sscanf(r.Range, "bytes=%d-%d", &first, &last); err == nil && last == part-1 {
			starts = append(starts, first)
		}
	}
	if len(starts) != 2 || starts[0] != 0 || starts[1] < 0 || starts[1] > 200_000 {
		t.Errorf("range starts of the first part: %v, want [0, n ≤ 200000]", starts)
	}
}
