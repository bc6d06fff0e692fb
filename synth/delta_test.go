package synth

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/animetl/animetl"
)

// listKey is a (user_id, anime_id) pair.
type listKey struct{ user, anime int64 }

// baseLines indexes a base animelist.csv for the checks: every line with a
// numeric user and anime by key, with its values when the line is full.
type baseLines struct {
	lines   map[listKey][]baseValues
	users   map[int64]bool
	maxUser int64
	entries int64 // full lines whose key occurs once
}

// baseValues are the rating, status and episodes of a line; ok is false when
// the line is not a full, in-range entry.
type baseValues struct {
	vals [3]int64
	ok   bool
}

// MustReadBase reads dir's animelist.csv into baseLines.
func MustReadBase(tb testing.TB, dir string, indexed bool) baseLines {
	tb.Helper()
	_, recs := MustRecords(tb, MustReadFile(tb, filepath.Join(dir, animetl.FileAnimeList)), indexed)
	b := baseLines{lines: map[listKey][]baseValues{}, users: map[int64]bool{}, maxUser: -1}
	for _, rec := range recs {
		v, n := parseInts(rec)
		if n < 2 || v[0] < 0 || v[1] < 0 {
			continue
		}
		k := listKey{v[0], v[1]}
		bv := baseValues{vals: [3]int64{v[2], v[3], v[4]}}
		bv.ok = len(rec) == 5 && n == 5 && v[2] >= 0 && v[2] <= 10 && v[3] >= 0 && v[3] <= 6 && v[4] >= 0
		b.lines[k] = append(b.lines[k], bv)
		b.users[k.user] = true
		b.maxUser = max(b.maxUser, k.user)
	}
	for _, ls := range b.lines {
		if len(ls) == 1 && ls[0].ok {
			b.entries++
		}
	}
	return b
}

// parseInts parses the leading integer fields of rec, up to five, and says
// how many parsed.
func parseInts(rec []string) (v [5]int64, n int) {
	for n < len(rec) && n < 5 {
		x, err := strconv.ParseInt(rec[n], 10, 64)
		if err != nil {
			break
		}
		v[n] = x
		n++
	}
	return v, n
}

// MustReadFile returns the content of path.
func MustReadFile(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// MustBaseDir writes a base set for cfg into a new temporary folder.
func MustBaseDir(tb testing.TB, cfg Config) string {
	tb.Helper()
	dir := tb.TempDir()
	if _, err := WriteDir(context.Background(), dir, cfg); err != nil {
		tb.Fatalf("WriteDir(%+v): %v", cfg, err)
	}
	return dir
}

func TestWriteDelta(t *testing.T) {
	const date = "2024-03-01"
	tests := []struct {
		name    string
		base    Config
		delta   DeltaConfig
		indexed bool
	}{
		{"public", Config{Rows: 30_000, Anime: smallAnime, Seed: 1}, DeltaConfig{Date: date, Rows: 600, Deletes: 100, Seed: 1}, false},
		{"indexed", Config{Rows: 30_000, Anime: smallAnime, Seed: 1, Layout: LayoutIndexed}, DeltaConfig{Date: date, Rows: 600, Deletes: 100, Seed: 1}, true},
		{"all changes", Config{Rows: 20_000, Anime: smallAnime, Seed: 2}, DeltaConfig{Date: date, Rows: 500, Deletes: 50, ChangedShare: 1}, false},
		{"mostly new", Config{Rows: 20_000, Anime: smallAnime, Seed: 3}, DeltaConfig{Date: date, Rows: 2000, Deletes: 10, ChangedShare: 0.01}, false},
		{"no deletes", Config{Rows: 20_000, Anime: smallAnime, Seed: 4}, DeltaConfig{Date: date, Rows: 300}, false},
		{"defective base", Config{Rows: 30_000, Anime: smallAnime, Seed: 5, DefectRate: 0.02}, DeltaConfig{Date: date, Rows: 800, Deletes: 200, ChangedShare: 0.7}, false},
		{"defective indexed base", Config{Rows: 30_000, Anime: smallAnime, Seed: 6, DefectRate: 0.02, Layout: LayoutIndexed}, DeltaConfig{Date: date, Rows: 800, Deletes: 200}, true},
		{"defective base smaller than asked", Config{Rows: 500, Anime: smallAnime, Seed: 10, DefectRate: 0.05}, DeltaConfig{Date: date, Rows: 1000, Deletes: 50, ChangedShare: 1}, false},
		{"base smaller than asked", Config{Rows: 300, Anime: smallAnime, Seed: 7}, DeltaConfig{Date: date, Rows: 1000, Deletes: 100, ChangedShare: 0.9}, false},
		{"empty base", Config{Anime: smallAnime, Seed: 8}, DeltaConfig{Date: date, Rows: 150}, false},
		{"empty delta", Config{Rows: 1000, Anime: smallAnime, Seed: 9}, DeltaConfig{Date: date}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := MustBaseDir(t, tt.base)
			base := MustReadBase(t, dir, tt.indexed)
			st, err := WriteDelta(context.Background(), dir, tt.delta)
			if err != nil {
				t.Fatalf("WriteDelta: %v", err)
			}
			t.Logf("base entries %d, max user %d: %+v", base.entries, base.maxUser, st)
			checkDelta(t, dir, tt.delta, tt.indexed, base, st)
		})
	}
}

// checkDelta checks the delta written for cfg against the contract.
func checkDelta(t *testing.T, dir string, cfg DeltaConfig, indexed bool, base baseLines, st DeltaStats) {
	t.Helper()
	prefix := ""
	if indexed {
		prefix = ","
	}
	upName := "animelist/date=" + cfg.Date + "/part-0.csv"
	delName := "animelist/date=" + cfg.Date + "/deletes/part-0.csv"
	if st.Upserts.Name != upName {
		t.Errorf("Upserts.Name = %q, want %q", st.Upserts.Name, upName)
	}
	share := cfg.ChangedShare
	if share == 0 {
		share = DefaultChangedShare
	}
	wantChanged := min(int64(math.Round(float64(cfg.Rows)*share)), base.entries-cfg.Deletes)
	if st.Changed != wantChanged || st.Changed+st.New != cfg.Rows || st.Upserts.Records != cfg.Rows {
		t.Errorf("Changed %d, New %d, Records %d; want Changed %d and %d in all", st.Changed, st.New, st.Upserts.Records, wantChanged, cfg.Rows)
	}

	data := MustReadFile(t, filepath.Join(dir, filepath.FromSlash(upName)))
	if int64(len(data)) != st.Upserts.Bytes {
		t.Errorf("part-0.csv has %d bytes, Stats say %d", len(data), st.Upserts.Bytes)
	}
	if want := prefix + animeListHeader + "\n"; !bytes.HasPrefix(data, []byte(want)) {
		t.Fatalf("part-0.csv starts %q, want header %q", data[:min(len(data), 80)], want)
	}
	_, recs := MustRecords(t, data, indexed)
	anime := catalogueIDs(t, MustReadFile(t, filepath.Join(dir, animetl.FileAnime)), indexed)
	seen := map[listKey]bool{}
	changed := map[listKey]bool{}
	newUsers := map[int64]bool{}
	var nChanged, nNew int64
	for i, rec := range recs {
		v, n := parseInts(rec)
		if n != 5 || len(rec) != 5 {
			t.Fatalf("part-0.csv record %d: %q is not five integers", i, rec)
		}
		k := listKey{v[0], v[1]}
		if seen[k] {
			t.Fatalf("part-0.csv record %d: key %v repeats", i, k)
		}
		seen[k] = true
		rating, status, episodes := v[2], v[3], v[4]
		if rating < 0 || rating > 10 || status < 0 || status > 6 || episodes < 0 {
			t.Fatalf("part-0.csv record %d: %q out of range", i, rec)
		}
		if status == statusPlanToWatch && rating != 0 {
			t.Fatalf("part-0.csv record %d: plan to watch with rating %d", i, rating)
		}
		lines, inBase := base.lines[k]
		switch {
		case inBase:
			nChanged++
			changed[k] = true
			if len(lines) != 1 || !lines[0].ok {
				t.Fatalf("record %d: changes %v, which is not a single full line of the base: %v", i, k, lines)
			}
			if lines[0].vals == [3]int64{rating, status, episodes} {
				t.Fatalf("record %d: change %q equals the base line", i, rec)
			}
			if status == statusPlanToWatch {
				t.Fatalf("record %d: a change back to plan to watch: %q", i, rec)
			}
		default:
			nNew++
			if !anime[k.anime] {
				t.Fatalf("record %d: new entry names anime %d, absent from anime.csv", i, k.anime)
			}
			if k.user > base.maxUser {
				newUsers[k.user] = true
			} else if !base.users[k.user] {
				t.Fatalf("record %d: user %d is neither in the base nor above its max %d", i, k.user, base.maxUser)
			}
		}
	}
	if nChanged != st.Changed || nNew != st.New || int64(len(newUsers)) != st.NewUsers {
		t.Errorf("file has %d changed, %d new, %d new users; Stats say %d, %d, %d", nChanged, nNew, len(newUsers), st.Changed, st.New, st.NewUsers)
	}

	delPath := filepath.Join(dir, filepath.FromSlash(delName))
	if cfg.Deletes == 0 {
		if _, err := os.Stat(delPath); !os.IsNotExist(err) {
			t.Errorf("Deletes = 0 but %s exists (%v)", delName, err)
		}
		if st.Deletes != (FileStats{}) {
			t.Errorf("Deletes = 0 but Stats.Deletes = %+v", st.Deletes)
		}
		return
	}
	if st.Deletes.Name != delName || st.Deletes.Records != cfg.Deletes {
		t.Errorf("Stats.Deletes = %+v, want %s with %d records", st.Deletes, delName, cfg.Deletes)
	}
	data = MustReadFile(t, delPath)
	if want := prefix + "user_id,anime_id\n"; !bytes.HasPrefix(data, []byte(want)) {
		t.Fatalf("deletes starts %q, want header %q", data[:min(len(data), 40)], want)
	}
	_, recs = MustRecords(t, data, indexed)
	if int64(len(recs)) != cfg.Deletes {
		t.Errorf("deletes has %d records, want %d", len(recs), cfg.Deletes)
	}
	deleted := map[listKey]bool{}
	for i, rec := range recs {
		v, n := parseInts(rec)
		if n != 2 || len(rec) != 2 {
			t.Fatalf("deletes record %d: %q is not two integers", i, rec)
		}
		k := listKey{v[0], v[1]}
		switch lines := base.lines[k]; {
		case deleted[k]:
			t.Fatalf("deletes record %d: %v repeats", i, k)
		case len(lines) != 1 || !lines[0].ok:
			t.Fatalf("deletes record %d: %v is not a single full line of the base", i, k)
		case seen[k]:
			t.Fatalf("deletes record %d: %v is also in part-0.csv", i, k)
		}
		deleted[k] = true
	}
}

func TestWriteDeltaDeterminism(t *testing.T) {
	dir := MustBaseDir(t, Config{Rows: 20_000, Anime: smallAnime, Seed: 11, Layout: LayoutIndexed})
	base := DeltaConfig{Date: "2024-05-06", Rows: 400, Deletes: 40, Seed: 3}
	read := func(cfg DeltaConfig) []byte {
		t.Helper()
		if _, err := WriteDelta(context.Background(), dir, cfg); err != nil {
			t.Fatalf("WriteDelta(%+v): %v", cfg, err)
		}
		d := filepath.Join(dir, "animelist", "date="+cfg.Date)
		return append(MustReadFile(t, filepath.Join(d, "part-0.csv")), MustReadFile(t, filepath.Join(d, "deletes", "part-0.csv"))...)
	}
	first := read(base)
	tests := []struct {
		name  string
		cfg   DeltaConfig
		equal bool
	}{
		{"same config", base, true},
		{"other seed", DeltaConfig{Date: base.Date, Rows: 400, Deletes: 40, Seed: 4}, false},
		{"other date", DeltaConfig{Date: "2024-05-07", Rows: 400, Deletes: 40, Seed: 3}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := read(tt.cfg); bytes.Equal(got, first) != tt.equal {
				t.Fatalf("bytes equal = %v, want %v", !tt.equal, tt.equal)
			}
		})
	}
}
