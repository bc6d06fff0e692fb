package recommend

import (
	"context"
	"math"
	"testing"
)

// fixedScores scores every item the same for every user.
type fixedScores []float32

func (fixedScores) Name() string                     { return "fixed" }
func (fixedScores) Fit(context.Context, *Data) error { return nil }
func (f fixedScores) Score(_ int, scores []float32)  { copy(scores, f) }

// TestMetricsKnownAnswer works every metric out by hand on five items and
// three users, one of whom has no test items.
func TestMetricsKnownAnswer(t *testing.T) {
	items := []int32{1, 2, 3, 4, 5}
	users := []int32{7, 8, 9}
	// Train: user 7 lists item 0, user 8 item 2, user 9 item 1.
	train := &Data{Users: users, Items: items, Ptr: []int64{0, 1, 2, 3}, Cols: []int32{0, 2, 1}, Weights: []float32{1, 1, 1}}
	// Test: user 7 items 1 and 3, user 8 none, user 9 item 4.
	test := &Data{Users: users, Items: items, Ptr: []int64{0, 2, 2, 3}, Cols: []int32{1, 3, 4}, Weights: []float32{1, 1, 1}}
	res, err := Metrics(context.Background(), fixedScores{9, 8, 7, 6, 5}, train, test, 3)
	if err != nil {
		t.Fatal(err)
	}
	// User 7's list: 1, 2, 3 (hits at ranks 1 and 3 of 2 test items):
	// precision 2/3, recall 1, DCG 1 + 1/log2(4) = 1.5, IDCG 1 + 1/log2(3),
	// AP (1/1 + 2/3) / 2. User 9's list: 0, 2, 3 (no hit): all 0.
	idcg := 1 + 1/math.Log2(3)
	want := Result{Model: "fixed", K: 3, Users: 2,
		Precision: (2.0 / 3) / 2, Recall: 1.0 / 2, NDCG: 1.5 / idcg / 2, MAP: (1 + 2.0/3) / 2 / 2,
		Coverage: 4.0 / 5}
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"precision", res.Precision, want.Precision}, {"recall", res.Recall, want.Recall},
		{"ndcg", res.NDCG, want.NDCG}, {"map", res.MAP, want.MAP}, {"coverage", res.Coverage, want.Coverage},
	} {
		if math.Abs(c.got-c.want) > 1e-9 {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if res.Users != 2 || res.K != 3 || res.Model != "fixed" {
		t.Errorf("result %+v", res)
	}
	if _, err := Metrics(context.Background(), fixedScores{}, train, test, 0); err == nil {
		t.Error("k 0 evaluated")
	}
	// A perfect list: every metric 1 (user 9's single test item first).
	res, err = Metrics(context.Background(), fixedScores{0, 0, 0, 0, 1}, train, &Data{Users: users, Items: items, Ptr: []int64{0, 0, 0, 1}, Cols: []int32{4}, Weights: []float32{1}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if res.NDCG != 1 || res.Precision != 1 || res.Recall != 1 || res.MAP != 1 {
		t.Errorf("perfect list: %+v", res)
	}
}
