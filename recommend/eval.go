package recommend

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"runtime/metrics"
	"slices"
	"sync"
	"time"
)

// DefaultK is the length of the recommendation lists evaluation scores.
const DefaultK = 10

// Result is one model's offline evaluation. The ranking metrics are means
// over the evaluated users: those with test entries (Split gives them to
// users with at least MinSplitEntries entries). Each such user gets the
// model's K best items among the items not in the user's train row
// (test items included), and an item is relevant when it is one of the
// user's test items (binary relevance; T is the user's test set and hit(r)
// says whether the item at rank r is in T):
//
//   - Precision is hits / K: the share of the list that is relevant.
//   - Recall is hits / |T|: the share of the test items the list finds.
//   - NDCG is DCG / IDCG with DCG = Σ_{r=1..K} hit(r) / log2(r+1) and IDCG
//     the DCG of a perfect list, Σ_{r=1..min(K,|T|)} 1 / log2(r+1): 1 when
//     the test items fill the top of the list, 0 when none is in it.
//   - MAP is the mean of AP = Σ_{r=1..K} hit(r)·precision@r / min(K, |T|)
//     (precision@r the share of the first r that is relevant).
//
// Coverage is the share of all items (Data.Items) that appear in at least
// one evaluated user's list.
type Result struct {
	Model     string  `json:"model"`
	K         int     `json:"k"`
	Users     int     `json:"users"`
	NDCG      float64 `json:"ndcg"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	MAP       float64 `json:"map"`
	Coverage  float64 `json:"coverage"`
	// TrainSeconds is the wall time of Fit.
	TrainSeconds float64 `json:"train_seconds"`
	// ScoreSeconds is the wall time of computing the evaluated users'
	// lists (every core).
	ScoreSeconds float64 `json:"score_seconds"`
	// FitPeakHeapBytes is the peak, during Fit, of the Go heap's object
	// bytes (runtime/metrics /memory/classes/heap/objects:bytes, sampled
	// every 5 ms, garbage not yet collected included) above its value just
	// before Fit (after a GC): the memory the model's training adds to a
	// process that already holds the train matrix.
	FitPeakHeapBytes uint64 `json:"fit_peak_heap_bytes"`
}

// Metrics scores a fitted model on the split: the ranking metrics and
// coverage of Result (not the training time or memory). train must be the
// matrix m was fitted on and test the other half of the same Split; k must
// be at least 1. It returns ctx's error when cancelled.
func Metrics(ctx context.Context, m Model, train, test *Data, k int) (Result, error) {
	if k < 1 {
		return Result{}, fmt.Errorf("recommend: evaluate: k %d: want 1 or more", k)
	}
	if len(train.Users) != len(test.Users) || len(train.Items) != len(test.Items) {
		return Result{}, fmt.Errorf("recommend: evaluate: train and test are not one split (%d×%d and %d×%d)",
			len(train.Users), len(train.Items), len(test.Users), len(test.Items))
	}
	res := Result{Model: m.Name(), K: k}
	listed := make([]bool, len(train.Items))
	var sum userMetrics
	err := parallelRows(ctx, len(train.Users), func(u int, scores []float32, top []Scored, out []userMetrics) ([]Scored, []userMetrics) {
		rel, _ := test.Row(u)
		if len(rel) == 0 {
			return top, out
		}
		top = RecommendUser(m, train, u, k, scores, top)
		um := rankMetrics(top, rel, k)
		for _, s := range top {
			um.items = append(um.items, s.Item)
		}
		return top, append(out, um)
	}, len(train.Items), func(rows []userMetrics) error {
		for _, r := range rows {
			sum.ndcg += r.ndcg
			sum.precision += r.precision
			sum.recall += r.recall
			sum.ap += r.ap
			res.Users++
			for _, i := range r.items {
				listed[i] = true
			}
		}
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	if res.Users > 0 {
		n := float64(res.Users)
		res.NDCG, res.Precision, res.Recall, res.MAP = sum.ndcg/n, sum.precision/n, sum.recall/n, sum.ap/n
	}
	if len(listed) > 0 {
		c := 0
		for _, l := range listed {
			if l {
				c++
			}
		}
		res.Coverage = float64(c) / float64(len(listed))
	}
	return res, nil
}

// Evaluate fits m on train, measuring its time and peak heap, and scores it
// with Metrics.
func Evaluate(ctx context.Context, m Model, train, test *Data, k int) (Result, error) {
	if k < 1 {
		return Result{}, fmt.Errorf("recommend: evaluate: k %d: want 1 or more", k)
	}
	runtime.GC()
	base := heapObjects()
	stop := samplePeakHeap()
	start := time.Now()
	err := m.Fit(ctx, train)
	trainSeconds := time.Since(start).Seconds()
	peak := stop()
	if err != nil {
		return Result{}, fmt.Errorf("recommend: fit %s: %w", m.Name(), err)
	}
	start = time.Now()
	res, err := Metrics(ctx, m, train, test, k)
	if err != nil {
		return Result{}, err
	}
	res.ScoreSeconds = time.Since(start).Seconds()
	res.TrainSeconds = trainSeconds
	if peak > base {
		res.FitPeakHeapBytes = peak - base
	}
	return res, nil
}

// userMetrics is one evaluated user's metrics and list.
type userMetrics struct {
	ndcg, precision, recall, ap float64
	items                       []int32
}

// rankMetrics computes one user's metrics of the list top (best first)
// against the sorted relevant columns rel.
func rankMetrics(top []Scored, rel []int32, k int) userMetrics {
	var um userMetrics
	var dcg, idcg, precSum float64
	hits := 0
	for r, s := range top {
		if _, ok := slices.BinarySearch(rel, s.Item); ok {
			hits++
			dcg += 1 / math.Log2(float64(r+2))
			precSum += float64(hits) / float64(r+1)
		}
	}
	ideal := min(k, len(rel))
	for r := range ideal {
		idcg += 1 / math.Log2(float64(r+2))
	}
	um.ndcg = dcg / idcg
	um.precision = float64(hits) / float64(k)
	um.recall = float64(hits) / float64(len(rel))
	um.ap = precSum / float64(ideal)
	return um
}

const heapObjectsMetric = "/memory/classes/heap/objects:bytes"

func heapObjects() uint64 {
	s := []metrics.Sample{{Name: heapObjectsMetric}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// samplePeakHeap samples heapObjects every 5 ms until the returned stop is
// called, which returns the peak seen (one last sample included).
func samplePeakHeap() (stop func() uint64) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	peak := heapObjects()
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				peak = max(peak, heapObjects())
			}
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		return max(peak, heapObjects())
	}
}
