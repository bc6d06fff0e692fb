package pipeline

import (
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

func TestKeyProbe(t *testing.T) {
	tests := []struct {
		name    string
		batches [][]animetl.ListEntry
		clean   bool
	}{
		{"contiguous users, distinct anime", [][]animetl.ListEntry{entries(1, 1, 1, 2, 2, 1), entries(2, 2, 5, 1)}, true},
		{"a user spanning batches", [][]animetl.ListEntry{entries(1, 1), entries(1, 2, 1, 3)}, true},
		{"repeat within a user", [][]animetl.ListEntry{entries(1, 1, 1, 2, 1, 1)}, false},
		{"repeat across batches", [][]animetl.ListEntry{entries(7, 1), entries(7, 1)}, false},
		{"user comes back", [][]animetl.ListEntry{entries(1, 1, 2, 1, 1, 2)}, false},
		{"user comes back after many", [][]animetl.ListEntry{entries(70000, 1, 3, 1), entries(1<<30, 1, 70000, 9)}, false},
		{"users need not be sorted", [][]animetl.ListEntry{entries(9, 1, 3, 1, 70000, 1, 0, 1)}, true},
		{"nothing", nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newKeyProbe()
			for _, b := range tc.batches {
				p.observe(b)
			}
			if p.clean != tc.clean {
				t.Errorf("clean = %v, want %v", p.clean, tc.clean)
			}
		})
	}
}
