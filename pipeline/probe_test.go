package pipeline

import (
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
			u.put(animetl.ListEntry{AnimeID: id, Line: int64(round)})
			if e, ok := u.get(id); !ok || e.Line != int64(round) {
				t.Fatalf("round %d: anime %d = %+v, %v after put", round, id, e, ok)
			}
		}
		u.reset()
	}
	u.gen = ^uint32(0) // the next reset wraps
	u.put(animetl.ListEntry{AnimeID: 3})
	u.reset()
	if _, ok := u.get(3); ok {
		t.Error("an entry of the user before a wrapped generation was found")
	}
	u.put(animetl.ListEntry{AnimeID: 3, Line: 9})
	if e, ok := u.get(3); !ok || e.Line != 9 {
		t.Errorf("after the wrap: %+v, %v", e, ok)
	}
}
