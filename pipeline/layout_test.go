package pipeline

import (
	"errors"
	"strings"
	"testing"

	"github.com/animetl/animetl"
)

var baseFiles = []string{"anime.csv", "animelist.csv", "watching_status.csv", "anime_with_synopsis.csv"}

func TestClassifyListsWhatItDoesNotLoad(t *testing.T) {
	day := "animelist/date=2026-11-28/"
	tests := []struct {
		name    string
		entries []string
		ignored map[string]string // entry -> part of the reason
		deltas  []string
	}{
		{"stray files at the top", []string{"README.txt", "README.md", "anime.csv.bak"},
			map[string]string{"README.txt": "want anime.csv", "README.md": "want anime.csv", "anime.csv.bak": "not a source file"}, nil},
		{"odd case of a base file", []string{"ANIME.CSV", "Animelist.csv.gz"},
			map[string]string{"ANIME.CSV": "case-sensitive, want anime.csv", "Animelist.csv.gz": "case-sensitive, want animelist.csv"}, nil},
		{"odd case of a delta file", []string{day + "PART-2.CSV", day + "part-1.CSV.gz", day + "part-0.csv"},
			map[string]string{day + "PART-2.CSV": "endings are case-sensitive", day + "part-1.CSV.gz": "endings are case-sensitive"},
			[]string{day + "part-0.csv"}},
		{"compact and other date folders", []string{"animelist/date=20261123/part-0.csv", "animelist/date=20261123/part-1.csv",
			"animelist/dt=2026-11-27/part-0.csv"},
			map[string]string{"animelist/date=20261123/": "want animelist/date=YYYY-MM-DD/", "animelist/dt=2026-11-27/": "not a delta folder"}, nil},
		{"a list file outside a day", []string{"animelist/part-0.csv"},
			map[string]string{"animelist/part-0.csv": "not in a delta folder"}, nil},
		{"other files and folders in a day", []string{day + "notes.txt", day + "extra/part-0.csv", day + "deletes/x/part-0.csv", day + ".csv"},
			map[string]string{day + "notes.txt": "want NAME.csv", day + "extra/part-0.csv": "not a delta file",
				day + "deletes/x/part-0.csv": "not a delta file", day + ".csv": "want NAME.csv"}, nil},
		{"other folders", []string{"old/animelist.csv", "old/anime.csv", "AnimeList/date=2026-11-28/part-0.csv"},
			map[string]string{"old/": "not a source folder", "AnimeList/": "case-sensitive, want animelist/"}, nil},
		{"compressed files are loaded", []string{day + "part-3.csv.gz", day + "deletes/part-0.csv.zst", "animelist/"},
			nil, []string{day + "part-3.csv.gz", day + "deletes/part-0.csv.zst"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			set := mustClassify(t, append(tc.entries, baseFiles...)...)
			got := map[string]string{}
			for _, ig := range set.ignored {
				got[ig.Name] = ig.Reason
			}
			if len(got) != len(tc.ignored) {
				t.Errorf("ignored %v, want the entries of %v", set.ignored, tc.ignored)
			}
			for name, reason := range tc.ignored {
				if !strings.Contains(got[name], reason) {
					t.Errorf("%s: reason %q, want it to say %q", name, got[name], reason)
				}
			}
			var deltas []string
			for _, d := range set.deltas {
				deltas = append(deltas, d.info.Name)
			}
			if strings.Join(deltas, " ") != strings.Join(tc.deltas, " ") {
				t.Errorf("deltas %v, want %v", deltas, tc.deltas)
			}
			if len(set.base) != 4 {
				t.Errorf("base files %v", set.base)
			}
		})
	}
}

func TestClassifyReadsCompressedBaseFiles(t *testing.T) {
	set := mustClassify(t, "anime.csv.gz", "animelist.csv.zst", "watching_status.csv", "anime_with_synopsis.csv.gz")
	plan, err := planFull(set, Backfill{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range plan {
		got = append(got, p.kind.String()+"="+p.info.Name)
	}
	want := "watching_status.csv=watching_status.csv anime.csv=anime.csv.gz anime_with_synopsis.csv=anime_with_synopsis.csv.gz animelist.csv=animelist.csv.zst"
	if strings.Join(got, " ") != want {
		t.Errorf("plan %v, want %s", got, want)
	}
}

func TestClassifyRefusesWhatCannotBeRead(t *testing.T) {
	day := "animelist/date=2026-11-28/"
	tests := []struct {
		name    string
		entries []string
		names   []string // the error must name these
	}{
		{"a day that does not exist", []string{"animelist/date=2026-02-30/part-0.csv", "animelist/date=2026-02-30/part-1.csv"},
			[]string{"animelist/date=2026-02-30/", "not a date that exists"}},
		{"a month that does not exist", []string{"animelist/date=2026-13-01/deletes/part-0.csv"},
			[]string{"animelist/date=2026-13-01/"}},
		{"a base file plain and compressed", []string{"anime.csv.gz"}, []string{"anime.csv and anime.csv.gz"}},
		{"a base file in two compressions", []string{"animelist.csv.zst", "animelist.csv.gz"}, []string{"animelist.csv.gz", "animelist.csv.zst"}},
		{"a delta file plain and compressed", []string{day + "part-0.csv", day + "part-0.csv.zst"},
			[]string{day + "part-0.csv and " + day + "part-0.csv.zst"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := classify(infos(append(tc.entries, baseFiles...)...))
			if !errors.Is(err, animetl.ErrSourceLayout) {
				t.Fatalf("err = %v, want ErrSourceLayout", err)
			}
			for _, n := range tc.names {
				if !strings.Contains(err.Error(), n) {
					t.Errorf("error %q does not say %q", err, n)
				}
			}
		})
	}
}

func TestIncrementalKnowsACompressedBaseList(t *testing.T) {
	listing := []string{"anime.csv", "watching_status.csv", "anime_with_synopsis.csv", "animelist.csv.gz", "animelist/date=2026-11-28/p.csv.gz"}
	plan, err := planIncremental(mustClassify(t, listing...), []appliedFile{{name: "animelist.csv.gz", size: 1}}, Backfill{})
	if err != nil || len(plan) != 4 {
		t.Fatalf("plan %v, %v; want the catalogue and the new day", plan, err)
	}
	_, err = planIncremental(mustClassify(t, listing...), []appliedFile{{name: "animelist.csv", size: 1}}, Backfill{})
	if !errors.Is(err, ErrNeedsFull) {
		t.Errorf("a base list recompressed since the full run: %v, want ErrNeedsFull", err)
	}
}
