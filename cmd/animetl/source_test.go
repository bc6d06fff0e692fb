package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/duckdb"
	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/synth"
)

// runSummary is what the tests read of `run --json`.
type runSummary struct {
	Status  string                 `json:"status"`
	Error   string                 `json:"error"`
	Files   []animetl.FileSummary  `json:"files"`
	Ignored []animetl.IgnoredEntry `json:"ignored"`
}

// runJSON runs `run --json` from dir into a fresh DuckDB warehouse and
// returns the exit code, the summary, stderr and the warehouse's path.
func runJSON(t *testing.T, dir string, args ...string) (int, runSummary, string, string) {
	t.Helper()
	wh := duckWarehouse(t)
	code, out, stderr := cli(t, append([]string{"run", "--source", dir, "--warehouse", wh, "--json", "--progress", "never"}, args...)...)
	var sum runSummary
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("stdout is not the JSON summary: %v\n%s\n%s", err, out, stderr)
	}
	if !strings.Contains(out, `"ignored": [`) {
		t.Errorf("the summary lacks the ignored list:\n%s", out)
	}
	return code, sum, stderr, strings.TrimPrefix(wh, "duckdb:")
}

// withDelta returns a copy of the generated set with one delta day.
func withDelta(t *testing.T) string {
	t.Helper()
	base, _ := contract.Gen(t, contract.Generated)
	dir := contract.CopyDir(t, base)
	if _, err := synth.WriteDelta(context.Background(), dir, synth.DeltaConfig{Date: "2026-11-28", Rows: 600, Deletes: 60, Seed: 28}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// compressFile replaces dir/name by dir/name+ext, gzip or zstd.
func compressFile(t *testing.T, dir, name, ext string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(p + ext)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	switch ext {
	case ".gz":
		w := gzip.NewWriter(f)
		w.Write(b)
		err = w.Close()
	case ".zst":
		w, _ := zstd.NewWriter(f)
		w.Write(b)
		err = w.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
}

// copyTree copies a source folder with its subfolders.
func copyTree(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "src")
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dst
}

func fingerprints(t *testing.T, path string) map[string]contract.Fingerprint {
	t.Helper()
	wh, err := duckdb.Open(duckdb.Options{Path: path, LockTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	return contract.Fingerprints(t, wh)
}

// readName is a file's name without its compressed ending.
func readName(name string) string {
	return strings.TrimSuffix(strings.TrimSuffix(name, ".gz"), ".zst")
}

var deltaDay = "animelist/date=2026-11-28/"

// TestRunReadsCompressedFiles loads every kind of file gzipped or zstd'ed:
// the same rows in the warehouse and the same counts per file as plain.
func TestRunReadsCompressedFiles(t *testing.T) {
	plain := withDelta(t)
	packed := copyTree(t, plain)
	for name, ext := range map[string]string{
		animetl.FileWatchingStatus: ".gz", animetl.FileAnime: ".zst", animetl.FileSynopsis: ".gz", animetl.FileAnimeList: ".zst",
		deltaDay + "part-0.csv": ".gz", deltaDay + "deletes/part-0.csv": ".zst",
	} {
		compressFile(t, packed, name, ext)
	}
	code, want, stderr, plainWH := runJSON(t, plain)
	if code != exitOK {
		t.Fatalf("plain run: exit %d\n%s", code, stderr)
	}
	code, got, stderr, packedWH := runJSON(t, packed)
	if code != exitOK {
		t.Fatalf("compressed run: exit %d: %s\n%s", code, got.Error, stderr)
	}
	if len(got.Files) != 6 || len(got.Files) != len(want.Files) || len(got.Ignored) != 0 {
		t.Fatalf("files %v, ignored %v; want the 6 files of the plain run %v", got.Files, got.Ignored, want.Files)
	}
	counts := map[string]animetl.FileSummary{}
	for _, f := range want.Files {
		counts[f.Name] = f
	}
	for _, f := range got.Files {
		w := counts[readName(f.Name)]
		if f.Name == w.Name || f.RowsRead != w.RowsRead || f.RowsLoaded != w.RowsLoaded || f.RowsRejected != w.RowsRejected || f.RowsDuplicate != w.RowsDuplicate {
			t.Errorf("%s: %+v, plain %+v", f.Name, f, w)
		}
		stored, err := os.ReadFile(filepath.Join(packed, filepath.FromSlash(f.Name)))
		if err != nil {
			t.Fatalf("%v (files %+v)", err, got.Files)
		}
		sum := sha256.Sum256(stored)
		if f.Size != int64(len(stored)) || f.Checksum != "sha256:"+hex.EncodeToString(sum[:]) {
			t.Errorf("%s: size %d checksum %s, want those of the %d bytes stored", f.Name, f.Size, f.Checksum, len(stored))
		}
	}
	if a, b := fingerprints(t, plainWH), fingerprints(t, packedWH); fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("the warehouses differ:\nplain      %v\ncompressed %v", a, b)
	}
}

func TestRunRefusesUnreadableCompressedFiles(t *testing.T) {
	base, _ := contract.Gen(t, contract.Generated)
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
		says  []string
	}{
		{"plain and compressed", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "anime.csv.gz"), []byte("whatever"), 0o644)
		}, []string{"anime.csv and anime.csv.gz", "keep one"}},
		{"corrupt gzip", func(t *testing.T, dir string) {
			compressFile(t, dir, animetl.FileAnimeList, ".gz")
			p := filepath.Join(dir, "animelist.csv.gz")
			b, _ := os.ReadFile(p)
			for i := len(b) / 2; i < len(b)/2+64; i++ {
				b[i] ^= 0x5a
			}
			os.WriteFile(p, b, 0o644)
		}, []string{"animelist.csv.gz: not valid gzip data"}},
		{"cut zstd", func(t *testing.T, dir string) {
			compressFile(t, dir, animetl.FileAnime, ".zst")
			p := filepath.Join(dir, "anime.csv.zst")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:len(b)-100], 0o644)
		}, []string{"anime.csv.zst: not valid zstd data"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := contract.CopyDir(t, base)
			tc.setup(t, dir)
			code, sum, stderr, _ := runJSON(t, dir)
			if code != exitFailed || sum.Status != "failed" {
				t.Fatalf("exit %d status %s, want 1 and failed\n%s", code, sum.Status, stderr)
			}
			for _, s := range tc.says {
				if !strings.Contains(sum.Error, s) || !strings.Contains(stderr, s) {
					t.Errorf("error %q (stderr %q) does not say %q", sum.Error, stderr, s)
				}
			}
		})
	}
}

func names(files []animetl.FileSummary) []string {
	var out []string
	for _, f := range files {
		out = append(out, f.Name)
	}
	return out
}
