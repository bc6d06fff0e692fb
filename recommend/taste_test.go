package recommend

import (
	"context"
	"testing"

	"github.com/animetl/animetl/internal/taste"
)

// mustTaste builds the taste lists of internal/taste over anime ids 1..n.
func mustTaste(tb testing.TB, users, n int, seed uint64) *Data {
	tb.Helper()
	ids := make([]int32, n)
	for i := range ids {
		ids[i] = int32(i + 1)
	}
	b := NewBuilder(nil)
	for _, e := range taste.Lists(taste.Config{Users: users, Genres: 8, ListMin: 20, ListMax: 80, FavShare: 0.5, Seed: seed}, ids) {
		b.Add(Interaction{UserID: e.User, AnimeID: e.Anime, Status: e.Status, Rating: e.Rating})
	}
	d, err := b.Build()
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// TestModelsBeatPopularity: on lists where every user leans to a
// favourite genre, item-kNN and ALS rank the held-out anime better than
// popularity. ALS gets fewer factors and sweeps (speed) and a
// regularization for lists of 20 to 80 (the default suits the generated
// lists of hundreds).
func TestModelsBeatPopularity(t *testing.T) {
	d := mustTaste(t, 1500, 400, 1)
	train, test := Split(d, DefaultSeed)
	ndcg := map[string]float64{}
	for _, name := range Models {
		m, err := New(name, Params{Factors: 16, Iterations: 6, Regularization: 10})
		if err != nil {
			t.Fatal(err)
		}
		res, err := Evaluate(context.Background(), m, train, test, DefaultK)
		if err != nil {
			t.Fatal(err)
		}
		if res.Users < 1000 || res.Coverage <= 0 {
			t.Fatalf("%s: %+v", name, res)
		}
		ndcg[name] = res.NDCG
	}
	t.Logf("NDCG@10: %v", ndcg)
	for _, name := range []string{"itemknn", "als"} {
		if ndcg[name] <= ndcg["popularity"]*1.05 {
			t.Errorf("%s NDCG@10 %.4f: not 5%% above popularity's %.4f", name, ndcg[name], ndcg["popularity"])
		}
	}
}
