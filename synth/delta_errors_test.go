package synth

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/animetl/animetl"
)

func TestWriteDeltaErrors(t *testing.T) {
	good := MustBaseDir(t, Config{Rows: 2000, Anime: smallAnime, Seed: 1})
	noList := withoutFile(t, MustHandBase(t, handAnime(), ""), animetl.FileAnimeList)
	const ok = "2024-01-31"
	tests := []struct {
		name   string
		dir    string
		cfg    DeltaConfig
		target error
		want   string // substring of the message
	}{
		{"empty date", good, DeltaConfig{Rows: 10}, animetl.ErrConfig, `Date = ""`},
		{"month 13", good, DeltaConfig{Date: "2024-13-01", Rows: 10}, animetl.ErrConfig, `Date = "2024-13-01"`},
		{"february 30", good, DeltaConfig{Date: "2023-02-30"}, animetl.ErrConfig, `Date = "2023-02-30"`},
		{"no leading zeros", good, DeltaConfig{Date: "2024-1-2"}, animetl.ErrConfig, `Date = "2024-1-2"`},
		{"time of day", good, DeltaConfig{Date: "2024-01-02T00:00:00Z"}, animetl.ErrConfig, "Date = "},
		{"negative rows", good, DeltaConfig{Date: ok, Rows: -1}, animetl.ErrConfig, "Rows = -1"},
		{"negative deletes", good, DeltaConfig{Date: ok, Deletes: -3}, animetl.ErrConfig, "Deletes = -3"},
		{"share below zero", good, DeltaConfig{Date: ok, ChangedShare: -0.1}, animetl.ErrConfig, "ChangedShare = -0.1"},
		{"share above one", good, DeltaConfig{Date: ok, ChangedShare: 1.5}, animetl.ErrConfig, "ChangedShare = 1.5"},
		{"share NaN", good, DeltaConfig{Date: ok, ChangedShare: math.NaN()}, animetl.ErrConfig, "ChangedShare = NaN"},
		{"missing dir", filepath.Join(good, "nope"), DeltaConfig{Date: ok}, animetl.ErrConfig, `dir = "` + filepath.Join(good, "nope")},
		{"dir is a file", filepath.Join(good, animetl.FileAnime), DeltaConfig{Date: ok}, animetl.ErrConfig, "not a directory"},
		{"more deletes than entries", good, DeltaConfig{Date: ok, Deletes: 1_000_000}, animetl.ErrConfig, "Deletes = 1000000"},
		{"missing animelist.csv", noList, DeltaConfig{Date: ok}, animetl.ErrMissingFile, animetl.FileAnimeList},
		{"missing anime.csv", withoutFile(t, MustHandBase(t, "", animeListHeader+"\n"), animetl.FileAnime), DeltaConfig{Date: ok}, animetl.ErrMissingFile, animetl.FileAnime},
		{"empty anime.csv", MustHandBase(t, "", animeListHeader+"\n"), DeltaConfig{Date: ok}, animetl.ErrHeader, animetl.FileAnime},
		{"list header lacks a column", MustHandBase(t, handAnime(), "user_id,anime_id,rating\n1,1,5\n"), DeltaConfig{Date: ok}, animetl.ErrHeader, "no watching_status column"},
		{"catalogue without MAL_ID", MustHandBase(t, "Name,Score\nA,7.5\n", animeListHeader+"\n"), DeltaConfig{Date: ok}, animetl.ErrHeader, "no MAL_ID column"},
		{"base not grouped by user", MustHandBase(t, handAnime(), animeListHeader+"\n2,1,5,2,12\n1,1,5,2,12\n"), DeltaConfig{Date: ok, Rows: 1}, nil, "grouped by ascending user_id"},
		{"new entries without a catalogue", MustHandBase(t, "MAL_ID\nabc\n", animeListHeader+"\n1,1,5,2,12\n"), DeltaConfig{Date: ok, Rows: 5}, nil, "cannot draw 4 new entries"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := WriteDelta(context.Background(), tt.dir, tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) || tt.target != nil && !errors.Is(err, tt.target) {
				t.Fatalf("WriteDelta = %v, want an error wrapping %v naming %q", err, tt.target, tt.want)
			}
			if _, serr := os.Stat(filepath.Join(tt.dir, "animelist")); serr == nil {
				if leftover := deltaFiles(t, tt.dir); len(leftover) > 0 {
					t.Fatalf("files left after the error: %v", leftover)
				}
			}
		})
	}
}

// withoutFile removes name from dir and returns dir.
func withoutFile(tb testing.TB, dir, name string) string {
	tb.Helper()
	if err := os.Remove(filepath.Join(dir, name)); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// deltaFiles lists the regular files under dir/animelist.
func deltaFiles(tb testing.TB, dir string) []string {
	tb.Helper()
	var out []string
	err := filepath.WalkDir(filepath.Join(dir, "animelist"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		if os.IsNotExist(err) {
			return nil
		}
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func TestWriteDeltaCancelled(t *testing.T) {
	dir := MustBaseDir(t, Config{Rows: 5000, Anime: smallAnime, Seed: 1})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := WriteDelta(ctx, dir, DeltaConfig{Date: "2024-01-01", Rows: 100, Deletes: 10}); !errors.Is(err, context.Canceled) {
		t.Fatalf("WriteDelta = %v, want context.Canceled", err)
	}
	if files := deltaFiles(t, dir); len(files) > 0 {
		t.Fatalf("files left after cancel: %v", files)
	}
}

func TestWriteDeltaReplacesDay(t *testing.T) {
	dir := MustBaseDir(t, Config{Rows: 5000, Anime: smallAnime, Seed: 1})
	day := filepath.Join(dir, "animelist", "date=2024-01-01")
	tests := []struct {
		name        string
		cfg         DeltaConfig
		wantDeletes bool
	}{
		{"with deletes", DeltaConfig{Date: "2024-01-01", Rows: 100, Deletes: 10}, true},
		{"rerun without deletes removes the stale file", DeltaConfig{Date: "2024-01-01", Rows: 50}, false},
		{"with deletes again", DeltaConfig{Date: "2024-01-01", Rows: 100, Deletes: 5}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := WriteDelta(context.Background(), dir, tt.cfg); err != nil {
				t.Fatal(err)
			}
			_, err := os.Stat(filepath.Join(day, "deletes", "part-0.csv"))
			if (err == nil) != tt.wantDeletes {
				t.Fatalf("deletes file present = %v, want %v", err == nil, tt.wantDeletes)
			}
			_, recs := MustRecords(t, MustReadFile(t, filepath.Join(day, "part-0.csv")), false)
			if int64(len(recs)) != tt.cfg.Rows {
				t.Fatalf("part-0.csv has %d records, want %d", len(recs), tt.cfg.Rows)
			}
			if files := deltaFiles(t, dir); len(files) != 1+btoi(tt.wantDeletes) {
				t.Fatalf("files %v", files)
			}
		})
	}
}

// btoi is 1 for true.
func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
