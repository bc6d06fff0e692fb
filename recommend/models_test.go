package recommend

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/animetl/animetl"
)

// mustFit builds and fits the named model with p.
func mustFit(tb testing.TB, name string, p Params, d *Data) Model {
	tb.Helper()
	m, err := New(name, p)
	if err != nil {
		tb.Fatal(err)
	}
	if err := m.Fit(context.Background(), d); err != nil {
		tb.Fatal(err)
	}
	return m
}

func recommendAll(tb testing.TB, m Model, d *Data, k int) []animetl.UserRec {
	tb.Helper()
	var got []animetl.UserRec
	if err := RecommendAll(context.Background(), m, d, k, func(r []animetl.UserRec) error { got = append(got, r...); return nil }); err != nil {
		tb.Fatal(err)
	}
	return got
}

func similarAll(tb testing.TB, m Similarity, d *Data, k int) []animetl.SimilarRec {
	tb.Helper()
	var got []animetl.SimilarRec
	if err := SimilarAll(context.Background(), m, d, k, func(r []animetl.SimilarRec) error { got = append(got, r...); return nil }); err != nil {
		tb.Fatal(err)
	}
	return got
}

// TestModelsOutputContract checks every model's lists on a generated set:
// no listed anime recommended, ranks 1..n per user, scores not increasing,
// the same output from a second fit with the same seed; and for the
// similarity models no anime similar to itself, with the same order rules.
func TestModelsOutputContract(t *testing.T) {
	d := mustSynth(t, 40000, 3, 1500)
	p := Params{Seed: 7, Factors: 16, Iterations: 4}
	for _, name := range Models {
		t.Run(name, func(t *testing.T) {
			m := mustFit(t, name, p, d)
			got := recommendAll(t, m, d, 20)
			if len(got) == 0 {
				t.Fatal("no recommendations")
			}
			for i, r := range got {
				u, _ := d.UserIndex(r.UserID)
				item, ok := d.ItemIndex(r.AnimeID)
				if !ok {
					t.Fatalf("%+v: unknown anime", r)
				}
				seen, _ := d.Row(u)
				if slices.Contains(seen, int32(item)) {
					t.Fatalf("%+v: the user lists it", r)
				}
				first := i == 0 || got[i-1].UserID != r.UserID
				if first && r.Rank != 1 || !first && (r.Rank != got[i-1].Rank+1 || r.Score > got[i-1].Score) {
					t.Fatalf("rows %d-%d: %+v after %+v", i-1, i, r, got[max(0, i-1)])
				}
			}
			again := recommendAll(t, mustFit(t, name, p, d), d, 20)
			if !slices.Equal(got, again) {
				t.Fatal("a second fit with the same seed recommends differently")
			}
			s, ok := m.(Similarity)
			if !ok {
				return
			}
			sim := similarAll(t, s, d, 10)
			if len(sim) == 0 {
				t.Fatal("no similar anime")
			}
			for i, r := range sim {
				if r.AnimeID == r.SimilarID {
					t.Fatalf("%+v: similar to itself", r)
				}
				first := i == 0 || sim[i-1].AnimeID != r.AnimeID
				if first && r.Rank != 1 || !first && (r.Rank != sim[i-1].Rank+1 || r.Score > sim[i-1].Score) {
					t.Fatalf("rows %d-%d: %+v after %+v", i-1, i, r, sim[max(0, i-1)])
				}
			}
			if again := similarAll(t, mustFit(t, name, p, d).(Similarity), d, 10); !slices.Equal(sim, again) {
				t.Fatal("a second fit with the same seed finds other similar anime")
			}
		})
	}
	a := recommendAll(t, mustFit(t, "als", p, d), d, 20)
	p.Seed++
	if b := recommendAll(t, mustFit(t, "als", p, d), d, 20); slices.Equal(a, b) {
		t.Error("ALS gives the same output for another seed")
	}
}

// TestItemKNNKnownAnswer works one similarity out by hand: three users of
// one list length (so the length scaling cancels in the cosine).
func TestItemKNNKnownAnswer(t *testing.T) {
	d := &Data{
		Users: []int32{1, 2, 3}, Items: []int32{10, 20, 30},
		Ptr:     []int64{0, 2, 4, 6},
		Cols:    []int32{0, 1, 0, 2, 1, 2},
		Weights: []float32{1, 2, 2, 1, 1, 1},
	}
	m := &ItemKNN{Neighbours: 1, Shrink: 0}
	if err := m.Fit(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	// Columns (each scaled by 1/√2): item 0 = (1, 2, 0), item 1 = (2, 0, 1),
	// item 2 = (0, 1, 1). cos(0,1) = 2/5 = 0.4, cos(0,2) = 2/√10 ≈ 0.632,
	// cos(1,2) = 1/√10 ≈ 0.316. One neighbour each: 0→2, 1→0, 2→0.
	scores := make([]float32, 3)
	m.Similar(0, scores)
	if !near(scores, []float32{0, 0, 0.6325}) {
		t.Errorf("similar to item 0: %v", scores)
	}
	m.Similar(1, scores)
	if !near(scores, []float32{0.4, 0, 0}) {
		t.Errorf("similar to item 1: %v", scores)
	}
	// User 3 lists items 1 and 2 (weight 1 each): item 0 scores
	// sim(1→0) + sim(2→0) = 0.4 + 0.632.
	m.Score(2, scores)
	if !near(scores, []float32{1.0325, 0, 0}) {
		t.Errorf("user 3's scores: %v", scores)
	}
	m = &ItemKNN{Neighbours: 2, Shrink: 5}
	if err := m.Fit(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	// Shrink: dot(0,1) = 2/2 = 1, |0||1| = 5/2: 1 / (2.5 + 5).
	m.Similar(1, scores)
	if math.Abs(float64(scores[0])-1/7.5) > 1e-5 {
		t.Errorf("shrunk similarity: %v, want %v", scores[0], 1/7.5)
	}
}

func near(a, b []float32) bool {
	for i := range a {
		if math.Abs(float64(a[i]-b[i])) > 1e-4 {
			return false
		}
	}
	return len(a) == len(b)
}

// TestALSFitsTheListed: on a matrix of two disjoint groups, ALS with two
// factors scores the unlisted anime of the user's own group above the
// other group's.
func TestALSFitsTheListed(t *testing.T) {
	var ins []Interaction
	for u := int32(0); u < 40; u++ {
		base := int32(0)
		if u%2 == 1 {
			base = 100
		}
		for a := int32(0); a < 10; a++ {
			if splitHash(1, u, a)%4 != 0 { // everyone misses some of the group's anime
				ins = append(ins, Interaction{UserID: u, AnimeID: base + a, Status: StatusCompleted})
			}
		}
	}
	d := mustBuild(t, ins...)
	m := mustFit(t, "als", Params{Factors: 2, Iterations: 10, Regularization: 0.1, Seed: 1}, d)
	scores := make([]float32, len(d.Items))
	for u := range d.Users {
		m.Score(u, scores)
		seen, _ := d.Row(u)
		own := d.Items[seen[0]] / 100
		var worstOwn, bestOther float32 = math.MaxFloat32, -math.MaxFloat32
		for i, s := range scores {
			if slices.Contains(seen, int32(i)) {
				continue
			}
			if d.Items[i]/100 == own {
				worstOwn = min(worstOwn, s)
			} else {
				bestOther = max(bestOther, s)
			}
		}
		if worstOwn <= bestOther {
			t.Fatalf("user %d: own group's unlisted anime score %v, the other group's up to %v", d.Users[u], worstOwn, bestOther)
		}
	}
}

// TestNewValidatesParams: unknown names and fields out of range are
// errors that name them; zero fields take the defaults.
func TestNewValidatesParams(t *testing.T) {
	if _, err := New("svd", Params{}); !errors.Is(err, ErrUnknownModel) || !strings.Contains(err.Error(), "svd") {
		t.Errorf("unknown model: %v", err)
	}
	bad := []struct {
		field string
		p     Params
	}{
		{"Factors", Params{Factors: -1}},
		{"Factors", Params{Factors: MaxFactors + 1}},
		{"Iterations", Params{Iterations: -3}},
		{"Neighbours", Params{Neighbours: -1}},
		{"Regularization", Params{Regularization: math.NaN()}},
		{"Regularization", Params{Regularization: -1}},
		{"Alpha", Params{Alpha: math.Inf(1)}},
		{"Shrink", Params{Shrink: -2}},
	}
	for _, tc := range bad {
		if _, err := New("als", tc.p); err == nil || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%+v: %v, want an error naming %s", tc.p, err, tc.field)
		}
	}
	m, err := New("als", Params{})
	if err != nil {
		t.Fatal(err)
	}
	if a := m.(*ALS); a.Factors != DefaultFactors || a.Iterations != DefaultIterations || a.Alpha != DefaultAlpha || a.Regularization != DefaultRegularization {
		t.Errorf("defaults: %+v", a)
	}
	m, _ = New("itemknn", Params{})
	if k := m.(*ItemKNN); k.Neighbours != DefaultNeighbours || k.Shrink != DefaultShrink {
		t.Errorf("defaults: %+v", k)
	}
}
