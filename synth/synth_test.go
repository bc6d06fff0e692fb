package synth

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/animetl/animetl"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string // substring of the error; empty for a valid config
	}{
		{"zero is valid", Config{}, ""},
		{"indexed with defects", Config{Rows: 10, Layout: LayoutIndexed, DefectRate: 0.5}, ""},
		{"negative rows", Config{Rows: -5}, "Rows = -5"},
		{"negative anime", Config{Anime: -1}, "Anime = -1"},
		{"huge anime", Config{Anime: MaxAnime + 1}, "Anime = 1000001"},
		{"unknown layout", Config{Layout: "excel"}, `Layout = "excel"`},
		{"negative defect rate", Config{DefectRate: -0.1}, "DefectRate = -0.1"},
		{"defect rate one", Config{DefectRate: 1}, "DefectRate = 1"},
		{"defect rate NaN", Config{DefectRate: math.NaN()}, "DefectRate = NaN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, animetl.ErrConfig) {
				t.Fatalf("Validate = %v, want an ErrConfig naming %q", err, tt.want)
			}
			called := false
			_, gerr := Generate(context.Background(), tt.cfg, func(string) (io.WriteCloser, error) {
				called = true
				return nil, errors.New("unreachable")
			})
			if !errors.Is(gerr, animetl.ErrConfig) || called {
				t.Fatalf("Generate = %v (create called %v), want ErrConfig before any create", gerr, called)
			}
		})
	}
}

// digest returns the sha256 of every file, by name.
func digest(files memFiles) map[string][32]byte {
	out := map[string][32]byte{}
	for name, f := range files {
		out[name] = sha256.Sum256(f.Bytes())
	}
	return out
}

func TestDeterminism(t *testing.T) {
	base := Config{Rows: 50_000, Anime: smallAnime, Seed: 7, DefectRate: 0.01}
	tests := []struct {
		name  string
		a, b  Config
		equal bool
	}{
		{"same config", base, base, true},
		{"same config indexed", Config{Rows: 20_000, Anime: smallAnime, Seed: 7, Layout: LayoutIndexed}, Config{Rows: 20_000, Anime: smallAnime, Seed: 7, Layout: LayoutIndexed}, true},
		{"different seed", base, Config{Rows: 50_000, Anime: smallAnime, Seed: 8, DefectRate: 0.01}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fa, sa := MustGenerate(t, tt.a)
			fb, sb := MustGenerate(t, tt.b)
			da, db := digest(fa), digest(fb)
			for _, name := range fileNames {
				if name == animetl.FileWatchingStatus {
					continue // fixed content
				}
				if same := da[name] == db[name]; same != tt.equal {
					t.Errorf("%s: identical = %v, want %v", name, same, tt.equal)
				}
			}
			if tt.equal && sa != sb {
				t.Errorf("stats differ:\n%+v\n%+v", sa, sb)
			}
		})
	}
}

func TestHeaders(t *testing.T) {
	want := map[string]string{
		animetl.FileAnime:          animeHeader,
		animetl.FileAnimeList:      "user_id,anime_id,rating,watching_status,watched_episodes",
		animetl.FileWatchingStatus: "status, description",
		animetl.FileSynopsis:       "MAL_ID,Name,Score,Genres,sypnopsis",
	}
	for _, l := range layouts {
		t.Run(string(l.layout), func(t *testing.T) {
			files, _ := MustGenerate(t, Config{Rows: 100, Anime: 200, Layout: l.layout})
			for name, header := range want {
				if l.indexed {
					header = "," + header
				}
				first, _, _ := strings.Cut(files[name].String(), "\n")
				if first != header {
					t.Errorf("%s header = %q, want %q", name, first, header)
				}
			}
		})
	}
}

func TestWatchingStatusContent(t *testing.T) {
	tests := []struct {
		layout Layout
		want   string
	}{
		{LayoutPublic, "status, description\n1, Currently Watching\n2, Completed\n3, On Hold\n4, Dropped\n6, Plan to Watch"},
		{LayoutIndexed, ",status, description\n0,1, Currently Watching\n1,2, Completed\n2,3, On Hold\n3,4, Dropped\n4,6, Plan to Watch"},
	}
	for _, tt := range tests {
		t.Run(string(tt.layout), func(t *testing.T) {
			files, st := MustGenerate(t, Config{Anime: 100, Layout: tt.layout})
			if got := files[animetl.FileWatchingStatus].String(); got != tt.want {
				t.Errorf("content = %q, want %q (no final newline)", got, tt.want)
			}
			if st.WatchingStatus.Records != 5 {
				t.Errorf("Records = %d, want 5", st.WatchingStatus.Records)
			}
		})
	}
}

func TestIndexColumn(t *testing.T) {
	files, _ := MustGenerate(t, Config{Rows: 30_000, Anime: smallAnime, Layout: LayoutIndexed, DefectRate: 0.02})
	for _, name := range []string{animetl.FileAnime, animetl.FileSynopsis, animetl.FileWatchingStatus} {
		t.Run(name, func(t *testing.T) {
			MustRecords(t, files[name].Bytes(), true) // checks 0..n-1
		})
	}
	t.Run(animetl.FileAnimeList, func(t *testing.T) {
		lines := strings.Split(strings.TrimSuffix(files[animetl.FileAnimeList].String(), "\n"), "\n")[1:]
		next := 0
		for i, line := range lines {
			if line == "" {
				continue // blank lines carry no index
			}
			idx, _, _ := strings.Cut(line, ",")
			if want := strconv.Itoa(next); idx != want {
				t.Fatalf("line %d: index %q, want %s", i+2, idx, want)
			}
			next++
		}
	})
}

func TestStatsMatchBytes(t *testing.T) {
	for _, l := range layouts {
		t.Run(string(l.layout), func(t *testing.T) {
			files, st := MustGenerate(t, Config{Rows: 20_000, Anime: smallAnime, Layout: l.layout, DefectRate: 0.01})
			for _, fs := range st.Files() {
				data := files[fs.Name].Bytes()
				lines := int64(bytes.Count(data, []byte{'\n'}))
				if fs.Name == animetl.FileWatchingStatus {
					lines++ // no final newline
				}
				if fs.Bytes != int64(len(data)) || fs.Lines != lines-1 {
					t.Errorf("%s: stats %+v, file has %d bytes and %d lines after the header", fs.Name, fs, len(data), lines-1)
				}
			}
			if st.AnimeList.Records != 20_000 || st.AnimeList.Lines != 20_000 {
				t.Errorf("animelist: %+v, want 20000 records and lines", st.AnimeList)
			}
			if got := st.ListEntries + st.ListDefects.Total(); got != st.AnimeList.Records {
				t.Errorf("entries %d + defects %d != records %d", st.ListEntries, st.ListDefects.Total(), st.AnimeList.Records)
			}
		})
	}
}

func TestRowsExact(t *testing.T) {
	tests := []struct {
		name string
		rows int64
		rate float64
	}{
		{"none", 0, 0},
		{"one", 1, 0},
		{"seven with defects", 7, 0.5},
		{"past a ctx check", 65_537, 0},
		{"tiny catalogue", 5_000, 0.1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			anime := smallAnime
			if tt.name == "tiny catalogue" {
				anime = 1
			}
			files, st := MustGenerate(t, Config{Rows: tt.rows, Anime: anime, DefectRate: tt.rate})
			got := int64(strings.Count(files[animetl.FileAnimeList].String(), "\n")) - 1
			if got != tt.rows || st.AnimeList.Records != tt.rows {
				t.Errorf("wrote %d lines, stats say %d, want %d", got, st.AnimeList.Records, tt.rows)
			}
		})
	}
}

// failingCreate fails for one file name.
type failingCreate struct {
	memFiles
	fail string
}

func (f failingCreate) create(name string) (io.WriteCloser, error) {
	if name == f.fail {
		return nil, errors.New("disk full")
	}
	return f.memFiles.create(name)
}

func TestGenerateErrors(t *testing.T) {
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := Generate(ctx, Config{Rows: 10}, memFiles{}.create); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
	t.Run("cancelled while writing lists", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		files := memFiles{}
		st, err := Generate(ctx, Config{Rows: 1_000_000, Anime: 500}, func(name string) (io.WriteCloser, error) {
			if name == animetl.FileAnimeList {
				cancel()
			}
			return files.create(name)
		})
		if !errors.Is(err, context.Canceled) || st.AnimeList.Records > 1<<16 {
			t.Fatalf("err = %v after %d rows, want context.Canceled within one check interval", err, st.AnimeList.Records)
		}
		if !files[animetl.FileAnimeList].closed {
			t.Error("animelist.csv left open")
		}
	})
	t.Run("create fails", func(t *testing.T) {
		f := failingCreate{memFiles{}, animetl.FileSynopsis}
		_, err := Generate(context.Background(), Config{Rows: 10, Anime: 100}, f.create)
		if err == nil || !strings.Contains(err.Error(), "create anime_with_synopsis.csv: disk full") {
			t.Fatalf("err = %v, want the create error with the file name", err)
		}
		for name, file := range f.memFiles {
			if !file.closed {
				t.Errorf("%s left open", name)
			}
		}
	})
}

func TestWriteDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "out")
	st, err := WriteDir(context.Background(), dir, Config{Rows: 1_000, Anime: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, fs := range st.Files() {
		info, err := os.Stat(filepath.Join(dir, fs.Name))
		if err != nil {
			t.Fatal(err)
		}
		if info.Size() != fs.Bytes {
			t.Errorf("%s: %d bytes on disk, stats say %d", fs.Name, info.Size(), fs.Bytes)
		}
	}
}
