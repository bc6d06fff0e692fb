package recommend

import (
	"context"
	"slices"
	"testing"

	"github.com/animetl/animetl"
)

func mustBuild(tb testing.TB, ins ...Interaction) *Data {
	tb.Helper()
	b := NewBuilder(nil)
	for _, in := range ins {
		b.Add(in)
	}
	d, err := b.Build()
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func TestBuildSortsAndIndexes(t *testing.T) {
	d := mustBuild(t,
		Interaction{UserID: 9, AnimeID: 30, Status: 2, Rating: 7},
		Interaction{UserID: 2, AnimeID: 50, Status: 6},
		Interaction{UserID: 9, AnimeID: 10, Status: 1, Rating: 10},
	)
	if !slices.Equal(d.Users, []int32{2, 9}) || !slices.Equal(d.Items, []int32{10, 30, 50}) {
		t.Fatalf("users %v items %v", d.Users, d.Items)
	}
	cols, ws := d.Row(1)
	if !slices.Equal(cols, []int32{0, 1}) || ws[1] != 1 || ws[0] <= 0.8 {
		t.Fatalf("row 1: %v %v", cols, ws)
	}
	if _, err := NewBuilder(nil).Build(); err != nil {
		t.Fatalf("empty: %v", err)
	}
	b := NewBuilder(nil)
	b.Add(Interaction{UserID: 1, AnimeID: 1, Status: 2})
	b.Add(Interaction{UserID: 1, AnimeID: 1, Status: 1})
	if _, err := b.Build(); err == nil {
		t.Fatal("a repeated key built")
	}
	b = NewBuilder(func(Interaction) float32 { return 0 })
	b.Add(Interaction{UserID: 1, AnimeID: 1, Status: 2})
	if _, err := b.Build(); err == nil {
		t.Fatal("a zero weight built")
	}
}

func TestSplitIsDeterministicAndSized(t *testing.T) {
	var ins []Interaction
	for u := int32(1); u <= 50; u++ {
		for a := int32(1); a <= u; a++ {
			ins = append(ins, Interaction{UserID: u, AnimeID: a * 3, Status: 2})
		}
	}
	d := mustBuild(t, ins...)
	train, test := Split(d, DefaultSeed)
	train2, test2 := Split(d, DefaultSeed)
	if !slices.Equal(test.Cols, test2.Cols) || !slices.Equal(train.Cols, train2.Cols) {
		t.Fatal("the split changed between calls")
	}
	_, other := Split(d, DefaultSeed+1)
	if slices.Equal(test.Cols, other.Cols) {
		t.Fatal("the seed does not change the split")
	}
	for u := range d.Users {
		n := int(d.Ptr[u+1] - d.Ptr[u])
		tc, _ := test.Row(u)
		trc, _ := train.Row(u)
		want := 0
		if n >= MinSplitEntries {
			want = max(1, int(float64(n)*TestShare))
		}
		if len(tc) != want || len(tc)+len(trc) != n {
			t.Fatalf("user %d: %d entries, %d test, %d train; want %d test", d.Users[u], n, len(tc), len(trc), want)
		}
	}
}

func TestPopularityRecommendsUnseenInOrder(t *testing.T) {
	d := mustBuild(t,
		Interaction{UserID: 1, AnimeID: 1, Status: 2}, Interaction{UserID: 1, AnimeID: 2, Status: 2},
		Interaction{UserID: 2, AnimeID: 1, Status: 2}, Interaction{UserID: 2, AnimeID: 3, Status: 2},
		Interaction{UserID: 3, AnimeID: 1, Status: 2}, Interaction{UserID: 3, AnimeID: 3, Status: 2},
		Interaction{UserID: 4, AnimeID: 4, Status: 2},
	)
	p := &Popularity{}
	if err := p.Fit(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	var got []animetl.UserRec
	if err := RecommendAll(context.Background(), p, d, 2, func(r []animetl.UserRec) error { got = append(got, r...); return nil }); err != nil {
		t.Fatal(err)
	}
	want := []animetl.UserRec{
		{UserID: 1, AnimeID: 3, Score: 2, Rank: 1}, {UserID: 1, AnimeID: 4, Score: 1, Rank: 2},
		{UserID: 2, AnimeID: 2, Score: 1, Rank: 1}, {UserID: 2, AnimeID: 4, Score: 1, Rank: 2},
		{UserID: 3, AnimeID: 2, Score: 1, Rank: 1}, {UserID: 3, AnimeID: 4, Score: 1, Rank: 2},
		{UserID: 4, AnimeID: 1, Score: 3, Rank: 1}, {UserID: 4, AnimeID: 3, Score: 2, Rank: 2},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
}
