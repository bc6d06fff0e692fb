package pipeline

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/animetl/animetl"
)

func entries(pairs ...int32) []animetl.ListEntry {
	var out []animetl.ListEntry
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, animetl.ListEntry{UserID: pairs[i], AnimeID: pairs[i+1]})
	}
	return out
}

func keys(pairs ...int32) []animetl.ListKey {
	out := []animetl.ListKey{}
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, animetl.ListKey{UserID: pairs[i], AnimeID: pairs[i+1]})
	}
	return out
}

func TestKeyProbe(t *testing.T) {
	tests := []struct {
		name    string
		limit   int
		batches [][]animetl.ListEntry
		clean   bool
		repeats []animetl.ListKey // nil: the probe gave up
		users   []int32           // the returning users when it did not
	}{
		{"contiguous users, distinct anime", 0, [][]animetl.ListEntry{entries(1, 1, 1, 2, 2, 1), entries(2, 2, 5, 1)}, true, keys(), []int32{}},
		{"a user spanning batches", 0, [][]animetl.ListEntry{entries(1, 1), entries(1, 2, 1, 3)}, true, keys(), []int32{}},
		{"repeat within a user", 0, [][]animetl.ListEntry{entries(1, 1, 1, 2, 1, 1)}, false, keys(1, 1), []int32{}},
		{"repeat across batches", 0, [][]animetl.ListEntry{entries(7, 1), entries(7, 1)}, false, keys(7, 1), []int32{}},
		{"a key three times, listed once", 0, [][]animetl.ListEntry{entries(7, 1, 7, 1), entries(7, 1, 7, 2)}, false, keys(7, 1), []int32{}},
		{"repeats of several users, sorted", 0, [][]animetl.ListEntry{entries(9, 4, 9, 3, 9, 4, 9, 3, 2, 8, 2, 8)}, false, keys(2, 8, 9, 3, 9, 4), []int32{}},
		{"repeats up to the limit", 2, [][]animetl.ListEntry{entries(1, 1, 1, 1, 1, 2, 1, 2, 1, 1)}, false, keys(1, 1, 1, 2), []int32{}},
		{"more repeats than the limit", 2, [][]animetl.ListEntry{entries(1, 1, 1, 1, 1, 2, 1, 2), entries(1, 3, 1, 3)}, false, nil, nil},
		{"user comes back", 0, [][]animetl.ListEntry{entries(1, 1, 2, 1, 1, 2)}, false, keys(), []int32{1}},
		{"user comes back after a repeat", 0, [][]animetl.ListEntry{entries(1, 1, 1, 1, 2, 1), entries(1, 2)}, false, keys(1, 1), []int32{1}},
		{"user comes back after many", 0, [][]animetl.ListEntry{entries(70000, 1, 3, 1), entries(1<<30, 1, 70000, 9)}, false, keys(), []int32{70000}},
		{"a returning user's block is kept whole", 0, [][]animetl.ListEntry{entries(5, 1, 6, 1, 5, 2, 5, 2)}, false, keys(), []int32{5}},
		{"users returning up to the limit", 2, [][]animetl.ListEntry{entries(1, 1, 2, 1, 1, 2, 2, 2, 1, 3)}, false, keys(), []int32{1, 2}},
		{"more users returning than the limit", 2, [][]animetl.ListEntry{entries(1, 1, 2, 1, 3, 1, 1, 2, 2, 2, 3, 2)}, false, nil, nil},
		{"users need not be sorted", 0, [][]animetl.ListEntry{entries(9, 1, 3, 1, 70000, 1, 0, 1)}, true, keys(), []int32{}},
		{"nothing", 0, nil, true, keys(), []int32{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newKeyProbe()
			if tc.limit > 0 {
				p.limit = tc.limit
			}
			for _, b := range tc.batches {
				p.observe(b)
			}
			if p.clean() != tc.clean {
				t.Errorf("clean = %v, want %v", p.clean(), tc.clean)
			}
			if p.known != (tc.repeats != nil) {
				t.Errorf("known = %v, want %v", p.known, tc.repeats != nil)
			}
			if got := p.repeated(); !reflect.DeepEqual(got, tc.repeats) {
				t.Errorf("repeated = %v, want %v", got, tc.repeats)
			}
			if got := p.returningUsers(); !reflect.DeepEqual(got, tc.users) {
				t.Errorf("returning users = %v, want %v", got, tc.users)
			}
		})
	}
}

func TestKeyProbeSift(t *testing.T) {
	e := func(user, anime int32, status, rating int16, eps int32, line int64) animetl.ListEntry {
		return animetl.ListEntry{UserID: user, AnimeID: anime, Status: status, Rating: rating, Episodes: eps, Line: line}
	}
	p := newKeyProbe()
	var got []animetl.RowError
	drop := func(r *animetl.RowError) error { got = append(got, *r); return nil }
	b1, err := p.sift([]animetl.ListEntry{e(1, 5, 2, 0, 3, 2), e(1, 6, 1, 7, 0, 3), e(1, 5, 2, 0, 3, 4)}, "animelist.csv", drop)
	if err != nil {
		t.Fatal(err)
	}
	b2, err := p.sift([]animetl.ListEntry{e(1, 6, 1, 8, 0, 5), e(2, 5, 1, 0, 1, 6), e(1, 5, 2, 0, 3, 7)}, "animelist.csv", drop)
	if err != nil {
		t.Fatal(err)
	}
	if want := []animetl.ListEntry{e(1, 5, 2, 0, 3, 2), e(1, 6, 1, 7, 0, 3)}; !reflect.DeepEqual(b1, want) {
		t.Errorf("first batch kept %v, want %v", b1, want)
	}
	// User 1 comes back at line 7: the probe keeps that block whole for the warehouse and lists the user.
	if want := []animetl.ListEntry{e(2, 5, 1, 0, 1, 6), e(1, 5, 2, 0, 3, 7)}; !reflect.DeepEqual(b2, want) {
		t.Errorf("second batch kept %v, want %v", b2, want)
	}
	if got := p.returningUsers(); !reflect.DeepEqual(got, []int32{1}) {
		t.Errorf("returning users = %v, want [1]", got)
	}
	want := []animetl.RowError{
		{File: "animelist.csv", Line: 4, Kind: animetl.KindDuplicate, Raw: "1,5,0,2,3",
			Reason: "duplicate of line 2 (user_id 1, anime_id 5)"},
		{File: "animelist.csv", Line: 5, Kind: animetl.KindReject, Column: "user_id,anime_id", Raw: "1,6,8,1,0",
			Reason: "conflicting repeat of (user_id 1, anime_id 6) first seen at line 3"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("dropped\n%v\nwant\n%v", got, want)
	}
}

// TestUserAnimeForgetsOnReset: the user's entries are found until reset,
// below and past the slots, and a wrapped generation forgets them too.
func TestUserAnimeForgetsOnReset(t *testing.T) {
	var u userAnime
	ids := []int32{1, 7, denseAnimeIDs - 1, denseAnimeIDs, 1 << 30}
	for round := 0; round < 3; round++ {
		for _, id := range ids {
			if _, ok := u.get(id); ok {
				t.Fatalf("round %d: anime %d found before put", round, id)
			}
			u.put(id, uint32(round))
			if pos, ok := u.get(id); !ok || pos != uint32(round) {
				t.Fatalf("round %d: anime %d = %d, %v after put", round, id, pos, ok)
			}
		}
		u.reset()
	}
	u.gen = ^uint32(0) // the next reset wraps
	u.put(3, 0)
	u.reset()
	if _, ok := u.get(3); ok {
		t.Error("an entry of the user before a wrapped generation was found")
	}
	u.put(3, 9)
	if pos, ok := u.get(3); !ok || pos != 9 {
		t.Errorf("after the wrap: %d, %v", pos, ok)
	}
}

// TestKeyProbeSiftMatchesNaive: on random contiguous lists with repeats
// (identical and conflicting, within a batch and across batches of random
// sizes), sift keeps and drops what a map of every key's first entry says.
func TestKeyProbeSiftMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	for round := 0; round < 50; round++ {
		var all []animetl.ListEntry
		line := int64(2)
		for user := int32(0); user < 40; user++ {
			n := r.IntN(60)
			for j := 0; j < n; j++ {
				anime := int32(r.IntN(30) + 1)
				if r.IntN(8) == 0 {
					anime = int32(denseAnimeIDs + r.IntN(5)) // past the slots
				}
				all = append(all, animetl.ListEntry{UserID: user, AnimeID: anime, Status: int16(r.IntN(3)),
					Rating: int16(r.IntN(3)), Episodes: int32(r.IntN(2)), Line: line})
				line++
			}
		}
		// The reference: the first entry of each key wins.
		first := map[animetl.ListKey]animetl.ListEntry{}
		var wantKept []animetl.ListEntry
		var wantDrop []animetl.RowError
		for _, e := range all {
			k := animetl.ListKey{UserID: e.UserID, AnimeID: e.AnimeID}
			f, seen := first[k]
			if !seen {
				first[k] = e
				wantKept = append(wantKept, e)
				continue
			}
			same := e.Status == f.Status && e.Rating == f.Rating && e.Episodes == f.Episodes
			wantDrop = append(wantDrop, animetl.ListRepeat("f.csv", e.Line, f.Line, int64(e.UserID), int64(e.AnimeID),
				int64(e.Rating), int64(e.Status), int64(e.Episodes), same))
		}
		p := newKeyProbe()
		var gotKept []animetl.ListEntry
		var gotDrop []animetl.RowError
		drop := func(e *animetl.RowError) error { gotDrop = append(gotDrop, *e); return nil }
		in := append([]animetl.ListEntry(nil), all...)
		for len(in) > 0 {
			n := min(len(in), 1+r.IntN(40))
			kept, err := p.sift(in[:n:n], "f.csv", drop)
			if err != nil {
				t.Fatal(err)
			}
			gotKept = append(gotKept, kept...)
			in = in[n:]
		}
		if !reflect.DeepEqual(gotKept, wantKept) {
			t.Fatalf("round %d: kept %d entries, want %d", round, len(gotKept), len(wantKept))
		}
		if !reflect.DeepEqual(gotDrop, wantDrop) {
			t.Fatalf("round %d: dropped\n%v\nwant\n%v", round, gotDrop, wantDrop)
		}
		if !p.clean() && len(p.returningUsers()) > 0 {
			t.Fatalf("round %d: contiguous users reported returning: %v", round, p.returningUsers())
		}
	}
}
