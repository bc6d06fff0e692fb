package synth

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/animetl/animetl"
)

// MustHandBase writes anime.csv and animelist.csv with the given contents
// into a new temporary folder.
func MustHandBase(tb testing.TB, animeCSV, listCSV string) string {
	tb.Helper()
	dir := tb.TempDir()
	for name, data := range map[string]string{animetl.FileAnime: animeCSV, animetl.FileAnimeList: listCSV} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}

// handAnime is a small anime.csv with only the columns WriteDelta reads:
// ids 1-20 of 12 episodes, but id 2 with an unknown count; id 8 is absent.
func handAnime() string {
	var b strings.Builder
	b.WriteString("MAL_ID,Name,Score,Genres,Episodes,Members\n")
	for id := 1; id <= 21; id++ {
		eps := "12"
		if id == 2 {
			eps = "Unknown"
		}
		if id != 8 {
			fmt.Fprintf(&b, "%d,\"Title, %d\",7.5,\"Action, Comedy\",%s,%d\n", id, id, eps, 1000*id)
		}
	}
	return b.String()
}

func TestDeltaChanges(t *testing.T) {
	// Every user has one entry of each kind; anime 7 is listed twice, so it
	// may be neither changed nor deleted.
	const users = 100
	var b strings.Builder
	b.WriteString(animeListHeader + "\n")
	for u := range users {
		fmt.Fprintf(&b, "%d,1,0,6,0\n%d,2,0,1,3\n%d,3,8,2,12\n%d,4,6,3,2\n", u, u, u, u)
		fmt.Fprintf(&b, "%d,5,0,4,1\n%d,6,7,0,12\n%d,7,5,2,12\n%d,7,9,2,12\n%d,8,10,2,5\n", u, u, u, u, u)
	}
	dir := MustHandBase(t, handAnime(), b.String())
	const eligible = 7 * users
	st, err := WriteDelta(context.Background(), dir, DeltaConfig{Date: "2023-12-31", Rows: eligible, ChangedShare: 1})
	if err != nil {
		t.Fatal(err)
	}
	if st.Changed != eligible || st.New != 0 {
		t.Fatalf("Changed %d, New %d; want every eligible entry changed", st.Changed, st.New)
	}
	_, recs := MustRecords(t, MustReadFile(t, filepath.Join(dir, "animelist", "date=2023-12-31", "part-0.csv")), false)
	type line struct{ rating, status, episodes int64 }
	byAnime := map[int64][]line{}
	for _, rec := range recs {
		v, _ := parseInts(rec)
		byAnime[v[1]] = append(byAnime[v[1]], line{v[2], v[3], v[4]})
	}
	tests := []struct {
		name     string
		anime    int64
		statuses []int64           // allowed statuses after the change
		check    func(l line) bool // further conditions
	}{
		{"plan to watch starts or finishes", 1, []int64{statusWatching, statusCompleted}, func(l line) bool {
			return l.status == statusWatching && l.episodes >= 1 && l.episodes <= 11 || l.status == statusCompleted && l.episodes == 12
		}},
		{"watching of unknown length goes on, ends or drops", 2, []int64{statusWatching, statusCompleted, statusDropped}, func(l line) bool {
			return l.status != statusWatching || l.episodes > 3
		}},
		{"completed is re-rated by 1 or 2", 3, []int64{statusCompleted}, func(l line) bool {
			d := l.rating - 8
			return l.episodes == 12 && d != 0 && d >= -2 && d <= 2
		}},
		{"on hold resumes, ends or drops", 4, []int64{statusWatching, statusCompleted, statusDropped}, func(l line) bool {
			return l.status != statusCompleted || l.episodes == 12
		}},
		{"dropped resumes or gets a rating", 5, []int64{statusWatching, statusDropped}, func(l line) bool {
			return l.status == statusWatching && l.episodes > 1 || l.status == statusDropped && l.rating >= 1
		}},
		{"undocumented code becomes completed", 6, []int64{statusCompleted}, nil},
		{"repeated pair untouched", 7, nil, nil},
		{"title missing from the catalogue re-rated down from 10", 8, []int64{statusCompleted}, func(l line) bool {
			return l.rating == 8 || l.rating == 9
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := byAnime[tt.anime]
			if tt.statuses == nil {
				if len(lines) > 0 {
					t.Fatalf("%d changes of anime %d, want none", len(lines), tt.anime)
				}
				return
			}
			if len(lines) != users {
				t.Fatalf("%d changes of anime %d, want %d", len(lines), tt.anime, users)
			}
			for _, l := range lines {
				if !slices.Contains(tt.statuses, l.status) || tt.check != nil && !tt.check(l) {
					t.Fatalf("anime %d changed to %+v", tt.anime, l)
				}
			}
		})
	}
}

func TestWriteDeltaReadsQuirkyBase(t *testing.T) {
	tests := []struct {
		name    string
		list    string
		indexed bool
	}{
		{"BOM, CRLF and no final newline", "\ufeffuser_id,anime_id,rating,watching_status,watched_episodes\r\n1,1,7,2,12\r\n1,2,0,6,0\r\n3,1,5,2,12\r\n3,2,8,2,12", false},
		{"blank and hostile lines", animeListHeader + "\n1,1,7,2,12\n\n1,abc,7,2,12\n1,2,11,2,3\n-1,3,0,6,0\n1,4,0\n3,1,5,2,12\n3,2,8,2,12\n3,3,8,2,12,9\n3,4,6,1,3\n3,5000000,7,2,1\n3,5000000,8,2,1\n", false},
		{"columns in another order", "anime_id,watched_episodes,user_id,rating,watching_status\n1,12,1,7,2\n2,0,1,0,6\n1,12,3,5,2\n2,12,3,8,2\n", false},
		{"indexed", "," + animeListHeader + "\n0,1,1,7,2,12\n1,1,2,0,6,0\n2,3,1,5,2,12\n3,3,2,8,2,12\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := MustHandBase(t, handAnime(), tt.list)
			cfg := DeltaConfig{Date: "2024-02-29", Rows: 10, Deletes: 1, ChangedShare: 0.3}
			st, err := WriteDelta(context.Background(), dir, cfg)
			if err != nil {
				t.Fatal(err)
			}
			d := filepath.Join(dir, "animelist", "date=2024-02-29")
			hdr, recs := MustRecords(t, MustReadFile(t, filepath.Join(d, "part-0.csv")), tt.indexed)
			if strings.Join(hdr, ",") != animeListHeader || len(recs) != 10 || st.Changed != 3 {
				t.Fatalf("header %q, %d records, %d changed; want the animelist header, 10 and 3", hdr, len(recs), st.Changed)
			}
			// Any line naming a user and an anime takes the pair, hostile or
			// not; only the repeated pair (3, 5000000) may not change.
			taken := map[listKey]bool{{1, 1}: true, {1, 2}: true, {1, 4}: true, {3, 1}: true, {3, 2}: true, {3, 3}: true, {3, 4}: true}
			var changed int64
			for _, rec := range recs {
				v, _ := parseInts(rec)
				switch k := (listKey{v[0], v[1]}); {
				case v[0] == 2 || v[0] < 1:
					t.Fatalf("record %q: user %d is neither a base user nor above user 3", rec, v[0])
				case taken[k]:
					changed++
				}
			}
			if changed != st.Changed {
				t.Fatalf("%d records name a base pair, want the %d changed", changed, st.Changed)
			}
			_, dels := MustRecords(t, MustReadFile(t, filepath.Join(d, "deletes", "part-0.csv")), tt.indexed)
			if len(dels) != 1 {
				t.Fatalf("%d deletes, want 1", len(dels))
			}
		})
	}
}
