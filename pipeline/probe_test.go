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
	}{
		{"contiguous users, distinct anime", 0, [][]animetl.ListEntry{entries(1, 1, 1, 2, 2, 1), entries(2, 2, 5, 1)}, true, keys()},
		{"a user spanning batches", 0, [][]animetl.ListEntry{entries(1, 1), entries(1, 2, 1, 3)}, true, keys()},
		{"repeat within a user", 0, [][]animetl.ListEntry{entries(1, 1, 1, 2, 1, 1)}, false, keys(1, 1)},
		{"repeat across batches", 0, [][]animetl.ListEntry{entries(7, 1), entries(7, 1)}, false, keys(7, 1)},
		{"a key three times, listed once", 0, [][]animetl.ListEntry{entries(7, 1, 7, 1), entries(7, 1, 7, 2)}, false, keys(7, 1)},
		{"repeats of several users, sorted", 0, [][]animetl.ListEntry{entries(9, 4, 9, 3, 9, 4, 9, 3, 2, 8, 2, 8)}, false, keys(2, 8, 9, 3, 9, 4)},
		{"repeats up to the limit", 2, [][]animetl.ListEntry{entries(1, 1, 1, 1, 1, 2, 1, 2, 1, 1)}, false, keys(1, 1, 1, 2)},
		{"more repeats than the limit", 2, [][]animetl.ListEntry{entries(1, 1, 1, 1, 1, 2, 1, 2), entries(1, 3, 1, 3)}, false, nil},
		{"user comes back", 0, [][]animetl.ListEntry{entries(1, 1, 2, 1, 1, 2)}, false, nil},
		{"user comes back after a repeat", 0, [][]animetl.ListEntry{entries(1, 1, 1, 1, 2, 1), entries(1, 2)}, false, nil},
		{"user comes back after many", 0, [][]animetl.ListEntry{entries(70000, 1, 3, 1), entries(1<<30, 1, 70000, 9)}, false, nil},
		{"users need not be sorted", 0, [][]animetl.ListEntry{entries(9, 1, 3, 1, 70000, 1, 0, 1)}, true, keys()},
		{"nothing", 0, nil, true, keys()},
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
		})
	}
}
