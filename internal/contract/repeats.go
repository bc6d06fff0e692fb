package contract

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/local"
	"github.com/animetl/animetl/pipeline"
	"github.com/animetl/animetl/synth"
)

// repeatsBase is the generated set the repeats cases edit: public layout,
// no defects of its own, and more lines than the pipeline's cap on the
// repeated keys it collects (4096).
var repeatsBase = synth.Config{Rows: 12_000, Anime: 400, Seed: 11, Layout: synth.LayoutPublic}

// testKnownRepeats runs bases with repeated keys twice, once as the
// pipeline hands them over (the later lines of a key taken out as the file
// streams by, when the probe can tell, with the rejects the warehouse
// would write) and once with all of that off, so the warehouse searches
// the whole table and resolves the repeats in SQL as it did before the
// pipeline took them out: both must publish the same tables, rejects and
// counts.
func testKnownRepeats(t *testing.T, newStore NewStore) {
	dir, _ := Gen(t, repeatsBase)
	lines := strings.Split(strings.TrimSuffix(string(mustRead(t, filepath.Join(dir, animetl.FileAnimeList))), "\n"), "\n")
	cases := []struct {
		name  string
		edit  func(t *testing.T, lines []string) []string
		known bool // the pipeline resolves the repeated keys itself, or names the users to search
		users bool // it names users whose blocks are split
	}{
		{"repeats of the first, a middle and the last line", repeatFirstMiddleLast, true, false},
		{"a user's block split by another user", func(t *testing.T, lines []string) []string {
			return splitFirstBlock(t, repeatFirstMiddleLast(t, lines))
		}, true, true},
		{"more repeated keys than the probe would list", repeatMany, true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := CopyDir(t, dir)
			edited := tc.edit(t, append([]string(nil), lines...))
			if err := os.WriteFile(filepath.Join(src, animetl.FileAnimeList), []byte(strings.Join(edited, "\n")+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			hinted := &hintWarehouse{Warehouse: newStore(t)(t, time.Second)}
			searched := &hintWarehouse{Warehouse: newStore(t)(t, time.Second), strip: true}
			sumHinted := MustRun(t, hinted, src, 1)
			sumSearched := mustRunWith(t, searched, src, func(c *pipeline.Config) { c.WarehouseRepeats = true })

			if got := hinted.opts.BaseCounts != nil; got != tc.known {
				t.Errorf("pipeline handed counts over: %v, want %v", got, tc.known)
			}
			if tc.known && len(hinted.opts.BaseRepeats) > 0 {
				t.Errorf("pipeline left %d repeated keys to the warehouse, want none", len(hinted.opts.BaseRepeats))
			}
			if got := len(hinted.opts.BaseRepeatUsers) > 0; got != tc.users {
				t.Errorf("pipeline named users to search: %v (%v), want %v", got, hinted.opts.BaseRepeatUsers, tc.users)
			}
			if searched.opts.BaseCounts != nil || searched.opts.BaseRepeats != nil || searched.opts.BaseRepeatUsers != nil {
				t.Fatal("the stripped run still had the pipeline's hint")
			}
			list := fileByName(t, sumHinted, animetl.FileAnimeList)
			if list.RowsDuplicate == 0 || list.RowsRejected == 0 {
				t.Errorf("animelist: %+v, want both duplicates and conflicting repeats", list)
			}
			if n := QueryInt(t, hinted, `SELECT count(*) FROM etl_reject WHERE run_id = $1 AND reason LIKE 'conflicting repeat%'`, sumHinted.RunID); n == 0 {
				t.Error("no conflicting repeat in etl_reject")
			}
			if !reflect.DeepEqual(fileCounts(sumHinted), fileCounts(sumSearched)) {
				t.Errorf("file counts differ: hinted %+v, searched %+v", fileCounts(sumHinted), fileCounts(sumSearched))
			}
			if a, b := checkStatuses(sumHinted), checkStatuses(sumSearched); !reflect.DeepEqual(a, b) {
				t.Errorf("checks differ: hinted %v, searched %v", a, b)
			}
			fa, fb := Fingerprints(t, hinted), Fingerprints(t, searched)
			for table, fp := range fa {
				if fb[table] != fp {
					t.Errorf("%s: hinted %+v, searched %+v", table, fp, fb[table])
				}
			}
			const rejects = `SELECT file, line, kind, field, reason, raw FROM etl_reject WHERE run_id = $1 ORDER BY file, line, kind, reason`
			ra, rb := QueryAll(t, hinted, rejects, sumHinted.RunID), QueryAll(t, searched, rejects, sumSearched.RunID)
			if !reflect.DeepEqual(ra, rb) {
				t.Errorf("rejects differ:\nhinted   %v\nsearched %v", ra, rb)
			}
		})
	}
}

// repeatFirstMiddleLast repeats the key of the first data line (an
// identical copy right after it, a conflicting one at the end of its
// user's block), of a middle line (a conflicting copy, then an identical
// one) and of a line of the last user (a conflicting copy as the file's
// last line).
func repeatFirstMiddleLast(t *testing.T, lines []string) []string {
	t.Helper()
	first, mid, last := 1, len(lines)/2, len(lines)-1
	firstUser := field(t, lines[first], 0)
	endFirst := first
	for endFirst+1 < len(lines) && field(t, lines[endFirst+1], 0) == firstUser {
		endFirst++
	}
	var out []string
	for i, l := range lines {
		out = append(out, l)
		switch i {
		case first:
			out = append(out, l)
		case mid:
			out = append(out, conflicting(t, l), l)
		}
		if i == endFirst {
			out = append(out, conflicting(t, lines[first]))
		}
	}
	return append(out, conflicting(t, lines[last]))
}

// splitFirstBlock copies a line of the second user into the middle of the
// first user's block: the first user comes back after it, and the copy is
// the first occurrence of its key.
func splitFirstBlock(t *testing.T, lines []string) []string {
	t.Helper()
	firstUser := field(t, lines[1], 0)
	next := 1
	for field(t, lines[next], 0) == firstUser {
		next++
	}
	if next < 4 {
		t.Fatalf("the first user's block has %d lines, want at least 3", next-1)
	}
	at := 1 + (next-1)/2
	return append(lines[:at:at], append([]string{conflicting(t, lines[next])}, lines[at:]...)...)
}

// repeatMany repeats the first 4100 data lines' keys right after them,
// every third one with different values.
func repeatMany(t *testing.T, lines []string) []string {
	t.Helper()
	const n = 4100
	if len(lines) <= n {
		t.Fatalf("the base has %d lines, want more than %d", len(lines), n)
	}
	out := []string{lines[0]}
	for i, l := range lines[1:] {
		out = append(out, l)
		if i < n {
			if i%3 == 0 {
				out = append(out, conflicting(t, l))
			} else {
				out = append(out, l)
			}
		}
	}
	return out
}

// conflicting returns line (user_id,anime_id,rating,watching_status,
// watched_episodes) with another number of watched episodes.
func conflicting(t *testing.T, line string) string {
	t.Helper()
	f := strings.Split(line, ",")
	if len(f) != 5 {
		t.Fatalf("list line %q: want 5 fields", line)
	}
	f[4] += "0" // 0 -> 00 is the same number: make it differ
	if strings.Trim(f[4], "0") == "" {
		f[4] = "1"
	}
	return strings.Join(f, ",")
}

func field(t *testing.T, line string, i int) string {
	t.Helper()
	f := strings.Split(line, ",")
	if len(f) <= i {
		t.Fatalf("list line %q: no field %d", line, i)
	}
	return f[i]
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func fileCounts(sum *animetl.RunSummary) []string {
	var out []string
	for _, f := range sum.Files {
		out = append(out, fmt.Sprintf("%s read %d loaded %d rejected %d duplicate %d",
			f.Name, f.RowsRead, f.RowsLoaded, f.RowsRejected, f.RowsDuplicate))
	}
	return out
}

func checkStatuses(sum *animetl.RunSummary) map[string]string {
	out := map[string]string{}
	for _, c := range sum.Checks {
		out[c.Name] = string(c.Status) + " " + c.Observed
	}
	return out
}

// hintWarehouse is a warehouse whose stages record the FinalizeOptions the
// pipeline gives them and, with strip, take its hint about the base's keys
// away (BaseCounts, BaseRepeats, BaseRepeatUsers), as a pipeline that could
// not tell would.
type hintWarehouse struct {
	animetl.Warehouse
	strip bool
	mu    sync.Mutex
	opts  animetl.FinalizeOptions
}

// Begin opens the warehouse's stage, wrapped.
func (w *hintWarehouse) Begin(ctx context.Context, run animetl.RunInfo) (animetl.Stage, error) {
	st, err := w.Warehouse.Begin(ctx, run)
	if err != nil {
		return nil, err
	}
	return &hintStage{Stage: st, w: w}, nil
}

type hintStage struct {
	animetl.Stage
	w *hintWarehouse
}

func (s *hintStage) Finalize(ctx context.Context, opts animetl.FinalizeOptions) ([]animetl.FileSummary, error) {
	if s.w.strip {
		opts.BaseCounts, opts.BaseRepeats, opts.BaseRepeatUsers = nil, nil, nil
	}
	s.w.mu.Lock()
	s.w.opts = opts
	s.w.mu.Unlock()
	return s.Stage.Finalize(ctx, opts)
}

// mustRunWith runs the pipeline on dir with tune applied and fails the test
// unless the run succeeded.
func mustRunWith(t *testing.T, wh animetl.Warehouse, dir string, tune func(*pipeline.Config)) *animetl.RunSummary {
	t.Helper()
	src, err := local.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := RunFromWith(t, wh, src, 1, tune)
	if err != nil {
		t.Fatalf("run %s: %v", dir, err)
	}
	if sum.Status != animetl.StatusSucceeded {
		t.Fatalf("run status %s", sum.Status)
	}
	return sum
}
