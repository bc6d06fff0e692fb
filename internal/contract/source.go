package contract

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/duckdb"
)

// SourceFactory serves files (slash-separated name -> content) and returns a
// Source over them. It registers the teardown with t.Cleanup.
type SourceFactory func(t *testing.T, files map[string][]byte) animetl.Source

// SourceOptions say what a source kind can do.
type SourceOptions struct {
	// Lists is true when the source discovers files by listing (a folder, S3)
	// and false when it only knows the base file names (HTTP).
	Lists bool
}

// BigFile is larger than the part size sources use in tests (1 MiB), so
// Open exercises parallel ranges.
const BigFile = 3<<20 + 12345

// RunSource runs the source contract: listing, exact bytes, missing objects,
// cancellation, and a warehouse equal to the one a local run gives.
func RunSource(t *testing.T, newSource SourceFactory, opts SourceOptions) {
	t.Run("ListAndOpenExactBytes", func(t *testing.T) { testSourceBytes(t, newSource, opts) })
	t.Run("OpenMissingFails", func(t *testing.T) { testSourceMissing(t, newSource) })
	t.Run("CancelStopsARead", func(t *testing.T) { testSourceCancel(t, newSource) })
	t.Run("RunEqualsLocalRun", func(t *testing.T) { testSourceRun(t, newSource) })
}

// RandomBytes returns n bytes of a fixed pseudo-random stream: content no
// line-based shortcut can fake.
func RandomBytes(n int, seed uint64) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(seed, seed+1))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func testSourceBytes(t *testing.T, newSource SourceFactory, opts SourceOptions) {
	files := map[string][]byte{
		animetl.FileAnime:          []byte("MAL_ID,Name\n1,Cowboy Bebop\n"),
		animetl.FileAnimeList:      RandomBytes(BigFile, 1),
		animetl.FileWatchingStatus: []byte("status, description\n1, Currently Watching"),
		animetl.FileSynopsis:       {},
	}
	if opts.Lists {
		files["animelist/date=2026-11-28/part-0.csv"] = []byte("user_id,anime_id,rating,watching_status,watched_episodes\n1,1,9,2,26\n")
	}
	src := newSource(t, files)
	ctx := context.Background()
	listing, err := src.List(ctx)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	got := map[string]animetl.FileInfo{}
	var names []string
	for _, f := range listing {
		got[f.Name] = f
		names = append(names, f.Name)
	}
	if !sort.StringsAreSorted(names) {
		t.Errorf("List is not sorted by name: %v", names)
	}
	for name, body := range files {
		f, ok := got[name]
		if !ok {
			t.Errorf("List lacks %s (got %v)", name, names)
			continue
		}
		if f.Size != int64(len(body)) {
			t.Errorf("%s: listed size %d, want %d", name, f.Size, len(body))
		}
		if f.Location == "" {
			t.Errorf("%s: no location", name)
		}
		rc, err := src.Open(ctx, f)
		if err != nil {
			t.Errorf("Open %s: %v", name, err)
			continue
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Errorf("read %s: %v", name, err)
		} else if !bytes.Equal(b, body) {
			t.Errorf("%s: read %d bytes that differ from the %d served", name, len(b), len(body))
		}
	}
}

func testSourceMissing(t *testing.T, newSource SourceFactory) {
	src := newSource(t, map[string][]byte{animetl.FileAnime: []byte("x\n")})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rc, err := src.Open(ctx, animetl.FileInfo{Name: "nope.csv", Size: -1})
	if err == nil {
		_, err = io.ReadAll(rc)
		rc.Close()
	}
	if err == nil {
		t.Fatal("opening a missing object succeeded")
	}
	listing, err := src.List(ctx)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	for _, f := range listing {
		if f.Name == animetl.FileAnimeList {
			t.Errorf("List names %s, which is not served", f.Name)
		}
	}
}

func testSourceCancel(t *testing.T, newSource SourceFactory) {
	src := newSource(t, map[string][]byte{animetl.FileAnimeList: RandomBytes(BigFile, 2)})
	ctx, cancel := context.WithCancel(context.Background())
	rc, err := src.Open(ctx, animetl.FileInfo{Name: animetl.FileAnimeList, Size: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	buf := make([]byte, 1024)
	if _, err := io.ReadFull(rc, buf); err != nil {
		t.Fatal(err)
	}
	cancel()
	done := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, rc)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("a read after cancel ended with %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a cancelled read did not stop")
	}
}

// testSourceRun loads generated data through the source and through a
// local folder and compares the two warehouses.
func testSourceRun(t *testing.T, newSource SourceFactory) {
	dir, _ := Gen(t, Generated)
	files := ReadFiles(t, dir)
	src := newSource(t, files)
	open := func(name string) animetl.Warehouse {
		w, err := duckdb.Open(duckdb.Options{Path: filepath.Join(t.TempDir(), name), LockTimeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { w.Close() })
		return w
	}
	remote, local := open("remote.duckdb"), open("local.duckdb")
	sumRemote, err := RunFrom(t, remote, src, 0)
	if err != nil {
		t.Fatalf("run from %s: %v", src, err)
	}
	sumLocal := MustRun(t, local, dir, 0)
	for i := range sumLocal.Files {
		l, r := sumLocal.Files[i], sumRemote.Files[i]
		if l.RowsRead != r.RowsRead || l.RowsLoaded != r.RowsLoaded || l.RowsRejected != r.RowsRejected ||
			l.RowsDuplicate != r.RowsDuplicate || l.Checksum != r.Checksum || l.Size != r.Size {
			t.Errorf("%s differs:\n local  %+v\n remote %+v", l.Name, l, r)
		}
	}
	fl, fr := Fingerprints(t, local), Fingerprints(t, remote)
	for table, f := range fl {
		if fr[table] != f {
			t.Errorf("%s: local %+v, remote %+v", table, f, fr[table])
		}
	}
	locs := QueryAll(t, remote, "SELECT name, location FROM etl_file WHERE run_id = $1 ORDER BY file_id", sumRemote.RunID)
	if len(locs) != 4 {
		t.Errorf("etl_file rows of the remote run: %v", locs)
	}
}
