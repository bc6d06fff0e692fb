package pipeline

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/animetl/animetl"
)

func infos(names ...string) []animetl.FileInfo {
	out := make([]animetl.FileInfo, len(names))
	for i, n := range names {
		out[i] = animetl.FileInfo{Name: n, Size: 1}
	}
	return out
}

// mustClassify sorts out a listing of the given names.
func mustClassify(t *testing.T, names ...string) *sourceSet {
	t.Helper()
	set, err := classify(infos(names...))
	if err != nil {
		t.Fatal(err)
	}
	return set
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
		{"deltas after the base, by date, upserts before deletes, then name", append([]string{
			"animelist/date=2026-11-28/b.csv", "animelist/date=2026-11-27/z.csv", "animelist/date=2026-11-28/a.csv",
			"animelist/date=2026-11-28/deletes/a.csv", "animelist/date=2026-11-27/deletes/x.csv",
			"animelist/date=2026-11-28/notes.txt", "animelist/date=bad/x.csv"}, base...),
			[]string{"watching_status.csv", "anime.csv", "anime_with_synopsis.csv", "animelist.csv",
				"animelist/date=2026-11-27/z.csv", "animelist/date=2026-11-27/deletes/x.csv",
				"animelist/date=2026-11-28/a.csv", "animelist/date=2026-11-28/b.csv", "animelist/date=2026-11-28/deletes/a.csv"}, nil},
		{"one missing", []string{"anime.csv", "animelist.csv", "watching_status.csv"}, nil, []string{"anime_with_synopsis.csv"}},
		{"all missing", nil, nil, base},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := planFull(mustClassify(t, tc.listing...), Backfill{})
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

func TestParseBackfill(t *testing.T) {
	tests := []struct {
		in   string
		want Backfill
		bad  bool
	}{
		{in: "2026-11-01:2026-11-05", want: Backfill{"2026-11-01", "2026-11-05"}},
		{in: ":2026-11-05", want: Backfill{To: "2026-11-05"}},
		{in: "2026-11-01:", want: Backfill{From: "2026-11-01"}},
		{in: "2026-11-05:2026-11-01", bad: true},
		{in: "2026-11-01", bad: true},
		{in: "yesterday:", bad: true},
	}
	for _, tc := range tests {
		got, err := ParseBackfill(tc.in)
		if tc.bad != (err != nil) || (!tc.bad && got != tc.want) {
			t.Errorf("ParseBackfill(%q) = %+v, %v", tc.in, got, err)
		}
		if tc.bad && !errors.Is(err, animetl.ErrConfig) {
			t.Errorf("ParseBackfill(%q) error %v does not wrap ErrConfig", tc.in, err)
		}
	}
}

func TestPlanIncremental(t *testing.T) {
	catalogue := []string{"anime.csv", "watching_status.csv", "anime_with_synopsis.csv", "animelist.csv"}
	d := func(day, name string) string { return "animelist/date=2026-11-" + day + "/" + name }
	applied := func(names ...string) []appliedFile {
		var out []appliedFile
		for _, n := range names {
			out = append(out, appliedFile{name: n, size: 1})
		}
		return out
	}
	tests := []struct {
		name    string
		listing []string
		ledger  []appliedFile
		bf      Backfill
		want    []string // delta files planned, in order
		full    bool     // ErrNeedsFull
	}{
		{"nothing new", append([]string{d("27", "p.csv")}, catalogue...), applied("animelist.csv", d("27", "p.csv")), Backfill{}, nil, false},
		{"the next day", append([]string{d("27", "p.csv"), d("28", "p.csv"), d("28", "deletes/p.csv")}, catalogue...),
			applied("animelist.csv", d("27", "p.csv")), Backfill{}, []string{d("28", "p.csv"), d("28", "deletes/p.csv")}, false},
		{"a late day replays the later ones", append([]string{d("26", "p.csv"), d("27", "p.csv"), d("28", "p.csv")}, catalogue...),
			applied("animelist.csv", d("27", "p.csv")), Backfill{}, []string{d("26", "p.csv"), d("27", "p.csv"), d("28", "p.csv")}, false},
		{"backfill stops at its end", append([]string{d("27", "p.csv"), d("28", "p.csv"), d("29", "p.csv")}, catalogue...),
			applied("animelist.csv"), Backfill{To: "2026-11-28"}, []string{d("27", "p.csv"), d("28", "p.csv")}, false},
		{"backfill from a day", append([]string{d("27", "p.csv"), d("28", "p.csv")}, catalogue...),
			applied("animelist.csv"), Backfill{From: "2026-11-28"}, []string{d("28", "p.csv")}, false},
		{"no full run yet", catalogue, nil, Backfill{}, nil, true},
		{"changed base", catalogue, []appliedFile{{name: "animelist.csv", size: 2}}, Backfill{}, nil, true},
		{"changed applied delta", append([]string{d("27", "p.csv")}, catalogue...),
			[]appliedFile{{name: "animelist.csv", size: 1}, {name: d("27", "p.csv"), size: 9}}, Backfill{}, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := planIncremental(mustClassify(t, tc.listing...), tc.ledger, tc.bf)
			if tc.full {
				if !errors.Is(err, ErrNeedsFull) {
					t.Fatalf("err = %v, want ErrNeedsFull", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range plan {
				if p.date != "" {
					got = append(got, p.info.Name)
				} else if p.info.Name == "animelist.csv" {
					t.Error("an incremental run planned the base list")
				}
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("deltas %v, want %v", got, tc.want)
			}
			if len(plan)-len(got) != 3 {
				t.Errorf("%d catalogue files planned, want 3", len(plan)-len(got))
			}
		})
	}
}

func TestSameFileTruncatesToMicroseconds(t *testing.T) {
	mt := time.Date(2026, 11, 28, 1, 2, 3, 123456789, time.UTC)
	a := appliedFile{name: "x", size: 5, modified: mt.Truncate(time.Microsecond)}
	if !sameFile(a, animetl.FileInfo{Name: "x", Size: 5, ModTime: mt}) {
		t.Error("a file was taken for changed because the ledger keeps microseconds")
	}
	if sameFile(a, animetl.FileInfo{Name: "x", Size: 5, ModTime: mt.Add(time.Second)}) {
		t.Error("a touched file was taken for the same")
	}
	if !sameFile(appliedFile{etag: "e1", size: 1}, animetl.FileInfo{ETag: "e1", Size: 2}) {
		t.Error("ETags decide when both have one")
	}
}

// TestUnchangedCatalogue: anime.csv is kept only when its identity matches
// the ledger's latest record of anime.csv, stored compressed or not, under
// the same name: the ETags when both have one, else the size and a known,
// equal modification time; a size alone (an edit that kept it, a source
// without times) is a change.
func TestUnchangedCatalogue(t *testing.T) {
	t0 := time.Date(2026, 11, 29, 6, 0, 0, 123456789, time.UTC)
	rec := appliedFile{runID: "r2", name: "anime.csv", size: 100, modified: t0.Truncate(time.Microsecond)}
	older := appliedFile{runID: "r1", name: "anime.csv", size: 90, modified: t0.Add(-time.Hour)}
	cases := []struct {
		name   string
		ledger []appliedFile
		file   animetl.FileInfo
		keep   bool
	}{
		{"same size and time (ns cut to the ledger's us)", []appliedFile{older, rec}, animetl.FileInfo{Name: "anime.csv", Size: 100, ModTime: t0}, true},
		{"the older record is not the one compared", []appliedFile{rec, older}, animetl.FileInfo{Name: "anime.csv", Size: 100, ModTime: t0}, false},
		{"same size, later time", []appliedFile{rec}, animetl.FileInfo{Name: "anime.csv", Size: 100, ModTime: t0.Add(time.Second)}, false},
		{"same size, time unknown", []appliedFile{rec}, animetl.FileInfo{Name: "anime.csv", Size: 100}, false},
		{"same size, time not recorded", []appliedFile{{runID: "r2", name: "anime.csv", size: 100}}, animetl.FileInfo{Name: "anime.csv", Size: 100, ModTime: t0}, false},
		{"other size", []appliedFile{rec}, animetl.FileInfo{Name: "anime.csv", Size: 101, ModTime: t0}, false},
		{"same ETag, other time", []appliedFile{{runID: "r2", name: "anime.csv", etag: `"e1"`, size: 100}}, animetl.FileInfo{Name: "anime.csv", ETag: `"e1"`, Size: 100, ModTime: t0}, true},
		{"other ETag, same size and time", []appliedFile{{runID: "r2", name: "anime.csv", etag: `"e1"`, size: 100, modified: t0.Truncate(time.Microsecond)}}, animetl.FileInfo{Name: "anime.csv", ETag: `"e2"`, Size: 100, ModTime: t0}, false},
		{"never recorded under this name", []appliedFile{rec}, animetl.FileInfo{Name: "anime.csv.gz", Size: 100, ModTime: t0}, false},
		// The published catalogue is the compressed file's of a later run:
		// the uncompressed one, unchanged since r2, is not what it holds.
		{"a later record stored compressed", []appliedFile{rec, {runID: "r3", name: "anime.csv.gz", size: 50, modified: t0}},
			animetl.FileInfo{Name: "anime.csv", Size: 100, ModTime: t0}, false},
		{"a later record of another file", []appliedFile{rec, {runID: "r3", name: "anime_with_synopsis.csv", size: 7, modified: t0}},
			animetl.FileInfo{Name: "anime.csv", Size: 100, ModTime: t0}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			plan := []plannedFile{{kind: animetl.KindWatchingStatus, info: animetl.FileInfo{Name: "watching_status.csv"}},
				{kind: animetl.KindAnime, info: tc.file}}
			a, keep := unchangedFile(plan, tc.ledger, animetl.KindAnime)
			if keep != tc.keep {
				t.Fatalf("keep = %v, want %v", keep, tc.keep)
			}
			if keep && a.runID != "r2" {
				t.Errorf("kept since run %q, want r2 (the latest record)", a.runID)
			}
		})
	}
	if _, keep := unchangedFile(nil, []appliedFile{rec}, animetl.KindAnime); keep {
		t.Error("a plan without anime.csv kept a catalogue")
	}
	// The synopses: their own kind's records, not anime.csv's.
	syn := animetl.FileInfo{Name: "anime_with_synopsis.csv", Size: 100, ModTime: t0}
	plan := []plannedFile{{kind: animetl.KindSynopsis, info: syn}}
	if _, keep := unchangedFile(plan, []appliedFile{rec}, animetl.KindSynopsis); keep {
		t.Error("anime_with_synopsis.csv kept on anime.csv's record")
	}
	synRec := appliedFile{runID: "r2", name: "anime_with_synopsis.csv", size: 100, modified: t0.Truncate(time.Microsecond)}
	if _, keep := unchangedFile(plan, []appliedFile{synRec, rec}, animetl.KindSynopsis); !keep {
		t.Error("an unchanged anime_with_synopsis.csv was not kept")
	}
}
