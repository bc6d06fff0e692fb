package animetl

import (
	"reflect"
	"testing"
)

func TestSubtractCounts(t *testing.T) {
	counts := []StatusCount{
		{AnimeID: 1, Status: 1, Entries: 5, Ratings: 3, RatingSum: 21},
		{AnimeID: 1, Status: 2, Entries: 1, Ratings: 1, RatingSum: 9},
		{AnimeID: 7, Status: 6, Entries: 2},
	}
	tests := []struct {
		name string
		gone []StatusCount
		want []StatusCount
	}{
		{"nothing gone", nil, counts},
		{"a rated and an unrated row of one cell", []StatusCount{{AnimeID: 1, Status: 1, Entries: 2, Ratings: 1, RatingSum: 8}},
			[]StatusCount{{AnimeID: 1, Status: 1, Entries: 3, Ratings: 2, RatingSum: 13}, counts[1], counts[2]}},
		{"a cell emptied is left out", []StatusCount{{AnimeID: 1, Status: 2, Entries: 1, Ratings: 1, RatingSum: 9}},
			[]StatusCount{counts[0], counts[2]}},
		{"the same cell twice", []StatusCount{{AnimeID: 7, Status: 6, Entries: 1}, {AnimeID: 7, Status: 6, Entries: 1}},
			[]StatusCount{counts[0], counts[1]}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := append([]StatusCount(nil), counts...)
			if got := SubtractCounts(counts, tc.gone); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("SubtractCounts = %+v, want %+v", got, tc.want)
			}
			if !reflect.DeepEqual(counts, before) {
				t.Errorf("SubtractCounts changed its input: %+v", counts)
			}
		})
	}
}
