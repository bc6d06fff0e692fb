package recommend

import (
	"cmp"
	"context"
	"runtime"
	"slices"
	"sync"

	"github.com/animetl/animetl"
)

// Scored is one recommended or similar item: its column and score.
type Scored struct {
	Item  int32
	Score float32
}

// topK keeps the k best of scores, skipping the columns skip marks (it is
// asked about every column once, in ascending order), best
// first; ties go to the lower column, so the result is deterministic. It
// reuses out.
func topK(scores []float32, k int, skip func(int32) bool, out []Scored) []Scored {
	out = out[:0]
	less := func(a, b Scored) bool { // a ranks below b
		if a.Score != b.Score {
			return a.Score < b.Score
		}
		return a.Item > b.Item
	}
	// out is a min-heap of the best k so far (out[0] the worst of them).
	for i, s := range scores {
		c := Scored{Item: int32(i), Score: s}
		if skip != nil && skip(c.Item) {
			continue
		}
		if len(out) < k {
			out = append(out, c)
			for j := len(out) - 1; j > 0; {
				p := (j - 1) / 2
				if !less(out[j], out[p]) {
					break
				}
				out[j], out[p] = out[p], out[j]
				j = p
			}
			continue
		}
		if !less(out[0], c) {
			continue
		}
		out[0] = c
		for j := 0; ; {
			l, r, m := 2*j+1, 2*j+2, j
			if l < len(out) && less(out[l], out[m]) {
				m = l
			}
			if r < len(out) && less(out[r], out[m]) {
				m = r
			}
			if m == j {
				break
			}
			out[j], out[m] = out[m], out[j]
			j = m
		}
	}
	slices.SortFunc(out, func(a, b Scored) int {
		if a.Score != b.Score {
			return cmp.Compare(b.Score, a.Score)
		}
		return cmp.Compare(a.Item, b.Item)
	})
	return out
}

// RecommendUser returns user row u's k best items that are not in the
// user's row of d, best first. scores is scratch of len(d.Items).
func RecommendUser(m Model, d *Data, u, k int, scores []float32, out []Scored) []Scored {
	m.Score(u, scores)
	seen, _ := d.Row(u)
	// topK asks in ascending column order: walk the sorted row alongside.
	next := 0
	return topK(scores, k, func(c int32) bool {
		for next < len(seen) && seen[next] < c {
			next++
		}
		return next < len(seen) && seen[next] == c
	}, out)
}

// RecommendAll computes every user's k best unseen items with every core and
// hands them to emit in user order (emit is called from one goroutine). It
// stops at the first error emit returns, or when ctx is done.
func RecommendAll(ctx context.Context, m Model, d *Data, k int, emit func([]animetl.UserRec) error) error {
	return parallelRows(ctx, len(d.Users), func(u int, scores []float32, top []Scored, out []animetl.UserRec) ([]Scored, []animetl.UserRec) {
		top = RecommendUser(m, d, u, k, scores, top)
		for r, s := range top {
			out = append(out, animetl.UserRec{UserID: d.Users[u], AnimeID: d.Items[s.Item], Score: s.Score, Rank: int16(r + 1)})
		}
		return top, out
	}, len(d.Items), emit)
}

// SimilarAll computes every item's k most similar other items with every
// core and hands them to emit in item order (from one goroutine).
func SimilarAll(ctx context.Context, m Similarity, d *Data, k int, emit func([]animetl.SimilarRec) error) error {
	return parallelRows(ctx, len(d.Items), func(i int, scores []float32, top []Scored, out []animetl.SimilarRec) ([]Scored, []animetl.SimilarRec) {
		m.Similar(i, scores)
		top = topK(scores, k, func(c int32) bool { return int(c) == i || !(scores[c] > 0) }, top)
		for r, s := range top {
			out = append(out, animetl.SimilarRec{AnimeID: d.Items[i], SimilarID: d.Items[s.Item], Score: s.Score, Rank: int16(r + 1)})
		}
		return top, out
	}, len(d.Items), emit)
}

// parallelRows runs row over rows 0..n-1 on every core, in blocks, and
// emits each block's output in row order from the calling goroutine.
func parallelRows[T any](ctx context.Context, n int, row func(i int, scores []float32, top []Scored, out []T) ([]Scored, []T), width int, emit func([]T) error) error {
	const block = 256
	workers := runtime.GOMAXPROCS(0)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		start int
		rows  []T
	}
	jobs := make(chan int)
	results := make(chan result, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			scores := make([]float32, width)
			var top []Scored
			for start := range jobs {
				var out []T
				for i := start; i < min(n, start+block); i++ {
					top, out = row(i, scores, top, out)
				}
				select {
				case results <- result{start, out}:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		defer close(jobs)
		for start := 0; start < n; start += block {
			select {
			case jobs <- start:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()
	pending := map[int][]T{}
	next := 0
	for r := range results {
		pending[r.start] = r.rows
		for {
			rows, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next += block
			if err := emit(rows); err != nil {
				cancel()
				for range results {
				}
				return err
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return nil
}
