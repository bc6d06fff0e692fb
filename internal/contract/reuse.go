package contract

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/animetl/animetl"
)

// Put stores a new version of the file name of a served set.
type Put func(t *testing.T, name string, body []byte)

// ChangingSourceFactory serves files like a SourceFactory and also returns
// the Put that changes them after the Source is made.
type ChangingSourceFactory func(t *testing.T, files map[string][]byte) (animetl.Source, Put)

// ReuseOptions say what a source kind can tell about a changed object.
type ReuseOptions struct {
	// Pins is true when Open of a FileInfo from a listing older than a
	// change fails (S3, HTTP: the ETag or size the listing saw no longer
	// matches) and false when the source has nothing to pin to (a folder:
	// the pipeline's size check catches it instead).
	Pins bool
}

// RunSourceReuse runs the contract of a Source used for many runs: one
// Source value lists and opens a second run's objects after the files
// changed, an older listing's FileInfo still reads what that listing saw,
// and two runs on one Source at once do not interfere. Run it with -race.
func RunSourceReuse(t *testing.T, newSource ChangingSourceFactory, opts ReuseOptions) {
	t.Run("TwoRunsReadTheirOwnListing", func(t *testing.T) { testTwoRuns(t, newSource, opts) })
	t.Run("ConcurrentRunsDoNotInterfere", func(t *testing.T) { testConcurrentRuns(t, newSource, opts) })
}

// versions are two states of a served set. Every file differs in size from
// one version to the next, so even a source without ETags can tell.
var versions = [2]map[string][]byte{{
	animetl.FileAnime:     []byte("MAL_ID,Name\n1,Cowboy Bebop\n"),
	animetl.FileAnimeList: RandomBytes(BigFile, 3),
}, {
	animetl.FileAnime:     []byte("MAL_ID,Name\n1,Cowboy Bebop\n5,Trigun\n"),
	animetl.FileAnimeList: RandomBytes(BigFile+4321, 4),
}}

// change replaces every file of the served set by its second version.
func change(t *testing.T, put Put) {
	t.Helper()
	for name, body := range versions[1] {
		put(t, name, body)
	}
}

// run lists src and reads every file of the listing, returning the
// listing and what it read.
func run(ctx context.Context, src animetl.Source) ([]animetl.FileInfo, map[string][]byte, error) {
	listing, err := src.List(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("List: %w", err)
	}
	got, err := readListing(ctx, src, listing)
	return listing, got, err
}

// readListing opens and reads every file of listing.
func readListing(ctx context.Context, src animetl.Source, listing []animetl.FileInfo) (map[string][]byte, error) {
	got := map[string][]byte{}
	for _, f := range listing {
		rc, err := src.Open(ctx, f)
		if err != nil {
			return got, fmt.Errorf("Open %s: %w", f.Name, err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return got, fmt.Errorf("read %s: %w", f.Name, err)
		}
		got[f.Name] = b
	}
	return got, nil
}

// sameFiles reports how got differs from want, or "" when it does not.
func sameFiles(listing []animetl.FileInfo, got, want map[string][]byte) string {
	var diffs []string
	if len(listing) != len(want) {
		diffs = append(diffs, fmt.Sprintf("listed %d files, want %d", len(listing), len(want)))
	}
	for _, f := range listing {
		if w, ok := want[f.Name]; !ok || f.Size != int64(len(w)) {
			diffs = append(diffs, fmt.Sprintf("%s listed with %d bytes, want %d", f.Name, f.Size, len(w)))
		}
	}
	for name, w := range want {
		if !bytes.Equal(got[name], w) {
			diffs = append(diffs, fmt.Sprintf("%s: read %d bytes that are not the %d served", name, len(got[name]), len(w)))
		}
	}
	return strings.Join(diffs, "; ")
}

// checkStale opens an older listing after the change: a source that pins
// must fail, naming the change, rather than deliver the new bytes.
func checkStale(t *testing.T, src animetl.Source, old []animetl.FileInfo, opts ReuseOptions) {
	t.Helper()
	if !opts.Pins {
		return
	}
	for _, f := range old {
		got, err := readListing(context.Background(), src, []animetl.FileInfo{f})
		if err == nil {
			same := bytes.Equal(got[f.Name], versions[1][f.Name])
			t.Errorf("%s from the first listing read %d bytes (the second version: %v) with no error, want a failure: the object changed since that listing",
				f.Name, len(got[f.Name]), same)
		} else if !strings.Contains(err.Error(), "changed") {
			t.Errorf("%s from the first listing: %v, want an error that says the object changed", f.Name, err)
		}
	}
}

func testTwoRuns(t *testing.T, newSource ChangingSourceFactory, opts ReuseOptions) {
	src, put := newSource(t, versions[0])
	ctx := context.Background()
	first, got, err := run(ctx, src)
	if err != nil {
		t.Fatalf("first run: %v", err)
	}
	if d := sameFiles(first, got, versions[0]); d != "" {
		t.Fatalf("first run: %s", d)
	}
	change(t, put)
	second, got, err := run(ctx, src)
	if err != nil {
		t.Fatalf("second run, after the files changed: %v", err)
	}
	if d := sameFiles(second, got, versions[1]); d != "" {
		t.Errorf("second run, after the files changed: %s", d)
	}
	checkStale(t, src, first, opts)
	// A failed read of an old listing leaves nothing behind either.
	third, got, err := run(ctx, src)
	if err != nil {
		t.Fatalf("third run: %v", err)
	}
	if d := sameFiles(third, got, versions[1]); d != "" {
		t.Errorf("third run: %s", d)
	}
}

func testConcurrentRuns(t *testing.T, newSource ChangingSourceFactory, opts ReuseOptions) {
	src, put := newSource(t, versions[0])
	ctx := context.Background()
	// Two runs at once, over and over, on unchanging files.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for g := range errs {
		wg.Go(func() {
			for i := range 3 {
				listing, got, err := run(ctx, src)
				if err == nil {
					if d := sameFiles(listing, got, versions[0]); d != "" {
						err = fmt.Errorf("%s", d)
					}
				}
				if err != nil {
					errs[g] = fmt.Errorf("run %d: %w", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	for g, err := range errs {
		if err != nil {
			t.Errorf("goroutine %d: %v", g, err)
		}
	}
	if t.Failed() {
		return
	}
	// Run A lists, the files change, run B lists; then both read at once.
	// B reads the new files; A's listing must not turn into B's.
	a, err := src.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	change(t, put)
	b, err := src.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var gotB map[string][]byte
	var errB error
	wg.Go(func() { gotB, errB = readListing(ctx, src, b) })
	wg.Go(func() { checkStale(t, src, a, opts) })
	wg.Wait()
	if errB != nil {
		t.Fatalf("run B: %v", errB)
	}
	if d := sameFiles(b, gotB, versions[1]); d != "" {
		t.Errorf("run B: %s", d)
	}
}
