package synth

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/animetl/animetl"
)

// catalogueIDs returns the MAL_IDs of anime.csv's clean records.
func catalogueIDs(t *testing.T, data []byte, indexed bool) map[int64]bool {
	t.Helper()
	_, recs := MustRecords(t, data, indexed)
	ids := map[int64]bool{}
	for _, rec := range recs {
		if id, err := strconv.ParseInt(rec[colID], 10, 64); err == nil && len(rec) == animeColumns {
			ids[id] = true
		}
	}
	return ids
}

// listLines returns animelist.csv's lines after the header, index column
// dropped from non-blank lines when indexed.
func listLines(t *testing.T, data []byte, indexed bool) []string {
	t.Helper()
	if !bytes.HasSuffix(data, []byte("\n")) {
		t.Fatal("animelist.csv lacks a final newline")
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")[1:]
	if indexed {
		for i, line := range lines {
			if line != "" {
				_, lines[i], _ = strings.Cut(line, ",")
			}
		}
	}
	return lines
}

func TestCleanLists(t *testing.T) {
	const rows = 200_000
	for _, l := range layouts {
		t.Run(string(l.layout), func(t *testing.T) {
			files, st := MustGenerate(t, Config{Rows: rows, Seed: 11, Layout: l.layout})
			ids := catalogueIDs(t, files[animetl.FileAnime].Bytes(), l.indexed)
			lines := listLines(t, files[animetl.FileAnimeList].Bytes(), l.indexed)
			if len(lines) != rows || st.ListEntries != rows || st.ListDefects.Total() != 0 {
				t.Fatalf("%d lines, stats %+v", len(lines), st)
			}
			type pair struct{ user, anime int64 }
			seen := make(map[pair]bool, rows)
			statuses := map[int64]int64{}
			missing := map[int64]bool{}
			var missingRows, users, rated, ratingSum int64
			lastUser := int64(-1)
			for i, line := range lines {
				f := strings.Split(line, ",")
				if len(f) != 5 {
					t.Fatalf("line %d: %q has %d fields", i+2, line, len(f))
				}
				var v [5]int64
				for k, s := range f {
					n, err := strconv.ParseInt(s, 10, 64)
					if err != nil || n < 0 {
						t.Fatalf("line %d: field %d %q not a non-negative integer", i+2, k, s)
					}
					v[k] = n
				}
				user, anime, rating, status, episodes := v[0], v[1], v[2], v[3], v[4]
				if user < lastUser {
					t.Fatalf("line %d: user %d after %d", i+2, user, lastUser)
				}
				if user != lastUser {
					users++
					lastUser = user
				}
				p := pair{user, anime}
				if seen[p] {
					t.Fatalf("line %d: repeated pair %v", i+2, p)
				}
				seen[p] = true
				if rating > 10 || status == 6 && rating != 0 || status > 6 {
					t.Fatalf("line %d: rating %d status %d", i+2, rating, status)
				}
				if rating > 0 {
					rated++
					ratingSum += rating
				}
				statuses[status]++
				if !ids[anime] {
					missing[anime] = true
					missingRows++
				}
				_ = episodes
			}
			for s := range int64(7) {
				if statuses[s] == 0 {
					t.Errorf("no status %d", s)
				}
			}
			if undoc := statuses[0] + statuses[5]; undoc != st.UndocumentedStatus || undoc > rows/500 {
				t.Errorf("%d undocumented statuses, stats %d, want rare", undoc, st.UndocumentedStatus)
			}
			if share := float64(statuses[2]) / rows; share < 0.5 {
				t.Errorf("completed share %.2f, want the majority", share)
			}
			if share := float64(statuses[6]) / rows; share < 0.12 || share > 0.3 {
				t.Errorf("plan-to-watch share %.2f, want about 0.2", share)
			}
			if len(missing) == 0 || len(missing) != st.MissingAnimeIDs || missingRows != st.MissingAnimeRows || missingRows > rows/200 {
				t.Errorf("%d missing ids in %d rows, stats %d in %d", len(missing), missingRows, st.MissingAnimeIDs, st.MissingAnimeRows)
			}
			if users != st.Users || rows/users < 50 {
				t.Errorf("%d users (stats %d) for %d rows", users, st.Users, rows)
			}
			if mean := float64(ratingSum) / float64(rated); mean < 6 || mean > 8.5 {
				t.Errorf("mean rating %.2f", mean)
			}
		})
	}
}

// scanDefects classifies every line the way a loader must and counts
// defects and clean entries.
func scanDefects(t *testing.T, lines []string) (Defects, int64) {
	t.Helper()
	var d Defects
	var clean int64
	type pair struct{ user, anime int64 }
	first := map[pair]string{} // within the current user
	lastUser := int64(-1)
	for _, line := range lines {
		if line == "" {
			d.BlankLine++
			continue
		}
		f := strings.Split(line, ",")
		switch {
		case len(f) < 5:
			d.ShortLine++
			continue
		case len(f) > 5:
			d.LongLine++
			continue
		}
		var v [5]int64
		numeric := true
		for k, s := range f {
			n, err := strconv.ParseInt(s, 10, 64)
			numeric = numeric && err == nil
			v[k] = n
		}
		switch {
		case !numeric:
			d.NonNumeric++
			continue
		case v[0] < 0 || v[1] < 0:
			d.NegativeID++
			continue
		case v[2] < 0 || v[2] > 10:
			d.OutOfRange++
			continue
		}
		if v[0] != lastUser {
			if v[0] < lastUser {
				t.Fatalf("user %d after %d", v[0], lastUser)
			}
			clear(first)
			lastUser = v[0]
		}
		p := pair{v[0], v[1]}
		earlier, dup := first[p]
		switch {
		case !dup:
			first[p] = line
			clean++
		case earlier == line:
			d.ExactDuplicate++
		default:
			d.ConflictingDuplicate++
		}
	}
	return d, clean
}

func TestListDefects(t *testing.T) {
	tests := []struct {
		name   string
		layout Layout
		rate   float64
	}{
		{"public 2%", LayoutPublic, 0.02},
		{"indexed 2%", LayoutIndexed, 0.02},
		{"public 50%", LayoutPublic, 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const rows = 200_000
			files, st := MustGenerate(t, Config{Rows: rows, Anime: smallAnime, Seed: 5, Layout: tt.layout, DefectRate: tt.rate})
			got, clean := scanDefects(t, listLines(t, files[animetl.FileAnimeList].Bytes(), tt.layout == LayoutIndexed))
			if got != st.ListDefects {
				t.Errorf("scanned %+v\nstats   %+v", got, st.ListDefects)
			}
			if clean != st.ListEntries || clean+got.Total() != rows {
				t.Errorf("clean %d, stats %d, defects %d, rows %d", clean, st.ListEntries, got.Total(), rows)
			}
			for kind, n := range map[string]int64{"exact": got.ExactDuplicate, "conflicting": got.ConflictingDuplicate,
				"blank": got.BlankLine, "short": got.ShortLine, "long": got.LongLine, "non-numeric": got.NonNumeric,
				"out of range": got.OutOfRange, "negative id": got.NegativeID} {
				if n == 0 {
					t.Errorf("no %s defects", kind)
				}
			}
			if share := float64(got.Total()) / rows; share < tt.rate*0.9 || share > tt.rate*1.1 {
				t.Errorf("defect share %.4f, want about %.2f", share, tt.rate)
			}
		})
	}
}
