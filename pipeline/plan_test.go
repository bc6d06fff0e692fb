package pipeline

import (
	"errors"
	"strings"
	"testing"

	"github.com/animetl/animetl"
)

func infos(names ...string) []animetl.FileInfo {
	out := make([]animetl.FileInfo, len(names))
	for i, n := range names {
		out[i] = animetl.FileInfo{Name: n, Size: 1}
	}
	return out
}

func TestPlanFiles(t *testing.T) {
	base := []string{"anime.csv", "animelist.csv", "watching_status.csv", "anime_with_synopsis.csv"}
	tests := []struct {
		name    string
		listing []string
		want    []string
		missing []string
	}{
		{"base files in load order", base,
			[]string{"watching_status.csv", "anime.csv", "anime_with_synopsis.csv", "animelist.csv"}, nil},
		{"unrelated files ignored", append([]string{"README.txt", "anime.csv.bak", "old/animelist.csv"}, base...),
			[]string{"watching_status.csv", "anime.csv", "anime_with_synopsis.csv", "animelist.csv"}, nil},
		{"deltas after the base, by date then name", append([]string{
			"animelist/date=2026-11-28/b.csv", "animelist/date=2026-11-27/z.csv", "animelist/date=2026-11-28/a.csv",
			"animelist/date=2026-11-28/notes.txt", "animelist/date=bad/x.csv"}, base...),
			[]string{"watching_status.csv", "anime.csv", "anime_with_synopsis.csv", "animelist.csv",
				"animelist/date=2026-11-27/z.csv", "animelist/date=2026-11-28/a.csv", "animelist/date=2026-11-28/b.csv"}, nil},
		{"one missing", []string{"anime.csv", "animelist.csv", "watching_status.csv"}, nil, []string{"anime_with_synopsis.csv"}},
		{"all missing", nil, nil, base},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := planFiles(infos(tc.listing...))
			if tc.missing != nil {
				if !errors.Is(err, animetl.ErrMissingFile) {
					t.Fatalf("err = %v, want ErrMissingFile", err)
				}
				for _, m := range tc.missing {
					if !strings.Contains(err.Error(), m) {
						t.Errorf("error %q does not name %s", err, m)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range plan {
				got = append(got, p.info.Name)
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("plan = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestNewRunIDSortsByTime(t *testing.T) {
	a, b := NewRunID(mustTime(t, "2026-11-28T23:59:59Z")), NewRunID(mustTime(t, "2026-11-29T00:00:00Z"))
	if !(a < b) || a[:16] != "20261128T235959Z" {
		t.Errorf("run ids %q, %q: want time-sortable ids", a, b)
	}
	if NewRunID(mustTime(t, "2026-11-29T00:00:00Z")) == b {
		t.Error("two run ids of the same second are equal")
	}
}
