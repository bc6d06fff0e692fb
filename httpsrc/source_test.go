package httpsrc_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/httpsrc"
	"github.com/animetl/animetl/internal/ranged"
)

func TestNewValidatesTheURL(t *testing.T) {
	cases := []struct {
		name, url, want string // want: String(), or a part of the error
		ok              bool
	}{
		{"TrailingSlash", "https://example.com/data/", "https://example.com/data/", true},
		{"NoTrailingSlash", "http://example.com/data", "http://example.com/data/", true},
		{"HostOnly", "https://example.com", "https://example.com/", true},
		{"Port", "http://127.0.0.1:8080/a/b", "http://127.0.0.1:8080/a/b/", true},
		{"EscapedPath", "https://example.com/my%20data", "https://example.com/my%20data/", true},
		{"SecretsDropped", "https://user:secretpass@example.com/d?token=s3cr3t#frag", "https://example.com/d/", true},
		{"OtherScheme", "ftp://example.com/data", `url "ftp://example.com/data": scheme must be http or https`, false},
		{"S3Scheme", "s3://bucket/prefix", "scheme must be http or https", false},
		{"NoScheme", "example.com/data", "scheme must be http or https", false},
		{"NoHost", "http:///data", "no host", false},
		{"Opaque", "http:example.com", "no host", false},
		{"Empty", "", "scheme must be http or https", false},
		{"DoesNotParse", "http://example.com/%zz", `url "http://example.com/%zz" does not parse`, false},
		{"BadWithSecrets", "ftp://user:secretpass@example.com/?token=s3cr3t", `url "ftp://example.com/"`, false},
		{"UnparseableWithSecrets", "http://user:secretpass@exa mple.com/?token=s3cr3t", "does not parse", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src, err := httpsrc.New(tc.url, httpsrc.Options{})
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				if got := src.String(); got != tc.want {
					t.Errorf("String() = %q, want %q", got, tc.want)
				}
				return
			}
			if !errors.Is(err, animetl.ErrConfig) {
				t.Fatalf("New(%q) = %v, want ErrConfig", tc.url, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q lacks %q", err, tc.want)
			}
			for _, secret := range []string{"secretpass", "s3cr3t"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q shows %s", err, secret)
				}
			}
		})
	}
}

func TestNewRejectsNegativeOptions(t *testing.T) {
	cases := []struct {
		name string
		opts httpsrc.Options
		want string
	}{
		{"PartSize", httpsrc.Options{Ranged: ranged.Options{PartSize: -1}}, "Ranged.PartSize is -1"},
		{"MaxAttempts", httpsrc.Options{Ranged: ranged.Options{Policy: ranged.Policy{MaxAttempts: -3}}}, "Ranged.MaxAttempts is -3"},
		{"StallTimeout", httpsrc.Options{StallTimeout: -time.Second}, "StallTimeout is -1s"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := httpsrc.New("https://example.com/data/", tc.opts)
			if !errors.Is(err, animetl.ErrConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New = %v, want ErrConfig saying %q", err, tc.want)
			}
		})
	}
}

func TestListAndOpenEveryKindOfServer(t *testing.T) {
	files := map[string][]byte{
		animetl.FileAnime:          []byte("MAL_ID,Name\n1,Cowboy Bebop\n"),
		animetl.FileAnimeList:      big,
		animetl.FileWatchingStatus: []byte("status, description\n1, Currently Watching\n"),
		animetl.FileSynopsis:       {},
	}
	cases := []struct {
		name       string
		mode       mode
		etag       string
		sized      bool // List knows the size
		streamed   bool // the big file is read by a GET without Range
		hasModTime bool
	}{
		{"RangesStrongETag", modeRanges, `"v1"`, true, false, true},
		{"RangesWeakETag", modeWeakETag, `W/"v1"`, true, false, true},
		{"Plain", modePlain, "", true, true, false},
		{"NoHeadProbesWithRangeGet", modeNoHead, `"v1"`, true, false, true},
		{"UnknownSizeStreams", modeUnknownSize, `"v1"`, false, true, false},
		{"AdvertisedRangesIgnored", modeLiar, `"v1"`, true, true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, tc.mode, files)
			src := mustNew(t, srv.URL, httpsrcOptions())
			ctx := context.Background()
			listing, err := src.List(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, f := range listing {
				names = append(names, f.Name)
				want := int64(len(files[f.Name]))
				if !tc.sized {
					want = -1
				}
				if f.Size != want || f.ETag != httpsrc.RecordETag(tc.etag) || f.Location != srv.URL+f.Name || f.ModTime.IsZero() == tc.hasModTime {
					t.Errorf("listed %+v, want size %d, ETag %s, location %s, mod time %v", f, want, tc.etag, srv.URL+f.Name, tc.hasModTime)
				}
			}
			if want := []string{animetl.FileAnime, animetl.FileSynopsis, animetl.FileAnimeList, animetl.FileWatchingStatus}; !slices.Equal(names, want) {
				t.Errorf("List names %v, want %v", names, want)
			}
			for name, body := range files {
				got, err := readAll(ctx, src, fileOf(listing, name))
				if err != nil {
					t.Fatalf("read %s: %v", name, err)
				}
				if !bytes.Equal(got, body) {
					t.Errorf("%s: read %d bytes that differ from the %d served", name, len(got), len(body))
				}
			}
			rc, err := src.Open(ctx, fileOf(listing, animetl.FileAnimeList))
			if err != nil {
				t.Fatal(err)
			}
			rc.Close()
			if d, ok := rc.(animetl.Described); !ok || d.Described().ETag != httpsrc.RecordETag(tc.etag) {
				t.Errorf("the reader does not describe the ETag it is pinned to (%s)", tc.etag)
			}
			streamed := false
			for _, r := range srv.gets(animetl.FileAnimeList) {
				streamed = streamed || r.Range == ""
				if tc.etag != "" && !strings.HasPrefix(tc.etag, "W/") && r.Range != "bytes=0-0" && r.IfMatch != tc.etag {
					t.Errorf("GET %q without If-Match: %s", r.Range, r.IfMatch)
				}
			}
			if streamed != tc.streamed {
				t.Errorf("the big file was streamed: %v, want %v", streamed, tc.streamed)
			}
		})
	}
}

func TestListLeavesMissingFilesOutAndFailsOnDenial(t *testing.T) {
	deny := func(code int) func(w http.ResponseWriter, r *http.Request, _ int) bool {
		return func(w http.ResponseWriter, r *http.Request, _ int) bool {
			if strings.HasSuffix(r.URL.Path, animetl.FileSynopsis) {
				w.WriteHeader(code)
				return true
			}
			return false
		}
	}
	cases := []struct {
		name  string
		hook  func(w http.ResponseWriter, r *http.Request, _ int) bool
		names []string
		code  int // of the error, 0 for none
	}{
		{"TwoOfFour", nil, []string{animetl.FileAnime, animetl.FileAnimeList}, 0},
		{"GoneIsMissing", deny(http.StatusGone), []string{animetl.FileAnime, animetl.FileAnimeList}, 0},
		{"Forbidden", deny(http.StatusForbidden), nil, http.StatusForbidden},
		{"Unauthorized", deny(http.StatusUnauthorized), nil, http.StatusUnauthorized},
		{"TeapotIsPermanent", deny(http.StatusTeapot), nil, http.StatusTeapot},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, modeRanges, map[string][]byte{animetl.FileAnime: []byte("a\n"), animetl.FileAnimeList: []byte("b\n")})
			srv.setHook(tc.hook)
			listing, err := mustNew(t, srv.URL, httpsrcOptions()).List(context.Background())
			if tc.code != 0 {
				var se *httpsrc.StatusError
				if !errors.As(err, &se) || se.Code != tc.code || !strings.Contains(err.Error(), animetl.FileSynopsis) {
					t.Fatalf("List error %v, want a %d naming %s", err, tc.code, animetl.FileSynopsis)
				}
				if heads := len(srv.requests()); heads > len(animetl.BaseFiles)*(1+len(animetl.CompressedSuffixes)) {
					t.Errorf("%d requests: a permanent failure was retried", heads)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, f := range listing {
				names = append(names, f.Name)
			}
			if !slices.Equal(names, tc.names) {
				t.Errorf("List = %v, want %v", names, tc.names)
			}
		})
	}
}

func TestReadFailsWhenTheBytesDoNotAddUp(t *testing.T) {
	body := []byte(strings.Repeat("0123456789", 1000))
	cases := []struct {
		name string
		mode mode
		send []byte // the GET body
		want string
	}{
		{"ShortCompleteBody", modePlain, body[:len(body)-10], "ended after 9990 of 10000 bytes"},
		{"LongerBody", modePlain, append(slices.Clone(body), "extra"...), "got more than the 10000 bytes"},
		{"WrongContentRange", modeRanges, nil, `asked for bytes 0-9999, got Content-Range "bytes 0-9998/10000"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, tc.mode, map[string][]byte{animetl.FileAnime: body})
			srv.setHook(func(w http.ResponseWriter, r *http.Request, _ int) bool {
				switch {
				case r.Method != http.MethodGet:
					return false
				case tc.send != nil:
					writeChunked(w, tc.send)
				default:
					w.Header().Set("Content-Range", "bytes 0-9998/10000")
					w.WriteHeader(http.StatusPartialContent)
					w.Write(body[:9999])
				}
				return true
			})
			src := mustNew(t, srv.URL, httpsrcOptions())
			listing, err := src.List(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			_, err = readAll(context.Background(), src, fileOf(listing, animetl.FileAnime))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("read error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestStalledBodyIsAbandonedAndResumed(t *testing.T) {
	for _, m := range []mode{modeRanges, modePlain} {
		t.Run(m.String(), func(t *testing.T) {
			srv := newServer(t, m, map[string][]byte{animetl.FileAnimeList: big})
			srv.setHook(func(w http.ResponseWriter, r *http.Request, n int) bool {
				if r.Method == http.MethodGet && len(srv.gets(animetl.FileAnimeList)) == 1 {
					srv.stall(w, r, 1000)
					return true
				}
				return false
			})
			src := mustNew(t, srv.URL, httpsrc.Options{Ranged: fast, StallTimeout: 200 * time.Millisecond})
			got, err := readAll(context.Background(), src, named(animetl.FileAnimeList))
			if err != nil || !bytes.Equal(got, big) {
				t.Fatalf("read %d bytes, err %v", len(got), err)
			}
			// One request more than a clean read: the stalled one was retried.
			clean := map[mode]int{modeRanges: 4, modePlain: 1}[m]
			if n := len(srv.gets(animetl.FileAnimeList)); n != clean+1 {
				t.Errorf("%d GETs, want %d", n, clean+1)
			}
		})
	}
}

func TestCancelMidReadReturnsPromptly(t *testing.T) {
	for _, m := range []mode{modeRanges, modePlain} {
		t.Run(m.String(), func(t *testing.T) {
			srv := newServer(t, m, map[string][]byte{animetl.FileAnimeList: big})
			// Every body stalls after 64 KiB: only cancellation can end the read.
			srv.setHook(func(w http.ResponseWriter, r *http.Request, _ int) bool {
				if r.Method == http.MethodGet {
					srv.stall(w, r, 64<<10)
					return true
				}
				return false
			})
			src := mustNew(t, srv.URL, httpsrcOptions())
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			listing, err := src.List(ctx)
			if err != nil {
				t.Fatal(err)
			}
			rc, err := src.Open(ctx, fileOf(listing, animetl.FileAnimeList))
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			if m == modePlain { // a stream delivers bytes as they come
				if _, err := io.ReadFull(rc, make([]byte, 1024)); err != nil {
					t.Fatal(err)
				}
			}
			time.AfterFunc(100*time.Millisecond, cancel)
			start := time.Now()
			_, err = io.Copy(io.Discard, rc)
			if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), animetl.FileAnimeList) {
				t.Errorf("read after cancel: %v, want context.Canceled naming the file", err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("the cancelled read took %v", d)
			}
		})
	}
}

func TestOpenFailures(t *testing.T) {
	srv := newServer(t, modeRanges, map[string][]byte{animetl.FileAnime: []byte("a\n")})
	src := mustNew(t, srv.URL, httpsrcOptions())
	cases := []struct {
		name, file string
		target     error
	}{
		{"Missing", "nope.csv", fs.ErrNotExist},
		{"EscapesThePrefix", "../anime.csv", fs.ErrInvalid},
		{"Absolute", "/anime.csv", fs.ErrInvalid},
		{"Empty", "", fs.ErrInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rc, err := src.Open(context.Background(), named(tc.file))
			if err == nil {
				rc.Close()
			}
			if !errors.Is(err, tc.target) {
				t.Errorf("Open(%q) = %v, want %v", tc.file, err, tc.target)
			}
		})
	}
}
